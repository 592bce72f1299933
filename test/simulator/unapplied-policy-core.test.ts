/**
 * The unapplied-policy clock (src/simulator/server-unapplied-policy.ts) stepped on the server's
 * core: an acknowledgement that does not match the update pending (here, the device's genuine
 * acknowledgement of an earlier update that reached it late) neither stops the clock nor retires
 * the device; only the pending update's own acknowledgement does. The end-to-end cases are in
 * test/lifecycle/unapplied-policy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/policy/policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { CoreRig, rigAt, sessionOf } from '../support/server-core.js';

const HOUR = 3_600_000;
const update = (id: string, rules: Record<string, boolean>) => createPolicy(id, 'BES 5.0', Date.UTC(2030, 0, 1), rules);

/** A rig in `complete` with a limit of `hours`; update-1 pushed and held back, update-2 pushed after it. */
function lateEarlierUpdate(hours: number, enforcer?: InMemoryPolicyEnforcer) {
  const rig = rigAt('complete', { env: { disableUnappliedPolicyAfterMs: hours * HOUR }, ...(enforcer ? { enforcer } : {}) });
  const start = rig.clock.now;
  const first = rig.input({ type: 'push-policy', policy: update('update-1', { 'Disable Camera': true }), sendNow: true });
  rig.clock.now = start + HOUR / 2;
  rig.input({ type: 'push-policy', policy: update('update-2', { 'Disable Bluetooth': true }), sendNow: true });
  // update-1 reaches the device only now; its acknowledgement is a new frame, for update-1.
  rig.deliver(first);
  const ack = rig.toServer.shift()!;
  expect(decodeFrame(ack).type).toBe('policy-ack');
  const result = rig.server(ack);
  return { rig, start, result };
}

function retired(rig: CoreRig): boolean {
  return rig.outputs.some((o) => o.type === 'device-retired');
}

describe('an acknowledgement of another update than the one pending', () => {
  it('is logged as not matching, keeps the update pending and the clock running: retired at the limit from the first push', () => {
    const { rig, start, result } = lateEarlierUpdate(2);
    expect(CoreRig.logs(result.outputs).map((l) => l.event)).toEqual(['IT policy acknowledgement does not match the update sent']);
    const session = sessionOf(rig);
    expect(session.phase).toBe('complete');
    expect(session.phase === 'complete' && session.push?.policy.id).toBe('update-2');
    expect(session.phase === 'complete' && session.policyUnappliedSince).toBe(start);
    rig.clock.now = start + 2 * HOUR - 1;
    rig.input({ type: 'tick' });
    expect(retired(rig)).toBe(false);
    rig.clock.now = start + 2 * HOUR;
    rig.input({ type: 'tick' });
    expect(retired(rig)).toBe(true);
  });

  it('with a limit of 0, an applied or a rejected acknowledgement of the earlier update retires nothing', () => {
    for (const enforcer of [undefined, new InMemoryPolicyEnforcer({ unsupported: ['Disable Camera'] })]) {
      const { rig } = lateEarlierUpdate(0, enforcer);
      expect(retired(rig)).toBe(false);
      const session = sessionOf(rig);
      expect(session.phase === 'complete' && session.push?.policy.id).toBe('update-2');
    }
  });
});
