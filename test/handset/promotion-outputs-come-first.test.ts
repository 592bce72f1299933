/**
 * A message from the server under the pending key means the server has switched keys and its
 * `rekey-done` was lost (docs/lifecycle.md, "Key rollover"): the handset makes the pending key
 * current and says so (the accept's timer cleared, `key-changed`) before it handles the message itself.
 */
import { describe, expect, it } from 'vitest';
import { EMAIL } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { activatePair, faults } from '../support/pair.js';

describe('a message under the pending key', () => {
  it('makes it current first: key-changed, then what the message itself does (an IT policy update applied)', () => {
    const pair = activatePair({
      serverOptions: { keyRolloverDays: 0 },
      link: faults.drop({ direction: 'to-handset', type: 'rekey-done' }),
    });
    expect(pair.handset.phase).toBe('complete');
    pair.input({ type: 'regenerate-key', now: pair.clock.now });
    pair.drive();
    expect(pair.handset.pendingKey).toBeDefined();
    expect(pair.outputsOf('key-changed')).toEqual([]);
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    expect(pair.pollServer()).toBe(1);
    pair.drive();
    const step = pair.steps.find(
      (s) => s.input.type === 'frame' && frameType(s.input.bytes) === 'it-policy' && s.before.phase === 'complete',
    )!;
    const types = step.outputs.map((o) => o.type);
    expect(types.slice(0, 2)).toEqual(['clear-timer', 'key-changed']);
    expect(types).toContain('apply-policy');
    expect(pair.handset.pendingKey).toBeUndefined();
    expect(pair.handset.policy?.policy.id).toBe('update-1');
    expect(pair.server.accounts.get(EMAIL)?.device?.keyId).toEqual(pair.handset.transportKey?.keyId);
  });
});
