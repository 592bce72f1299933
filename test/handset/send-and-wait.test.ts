/**
 * How the handset sends a request (src/handset/machine-support.ts `sendAndWait`; docs/protocol.md,
 * "Idempotency and retransmission"): the statuses and events first, then the frame, then the
 * reply timer, 15 s on; each request gets its own 4 retransmissions; the transport gets its own
 * copy of the bytes; and an IT policy update's acknowledgement, which nothing answers, clears the
 * timer instead.
 */
import { describe, expect, it } from 'vitest';
import type { HandsetOutput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { frameOf, frameType } from '../support/frames.js';
import { activatePair } from '../support/pair.js';

const run = activatePair();
const env = run.env;
const keyIssue = run.steps.find((s) => s.input.type === 'frame' && frameType(s.input.bytes) === 'key-issue')!;

describe('sending a request and waiting for its reply', () => {
  it('the key issue: statuses and events first, then key-verified, then the timer 15 s on, with 4 fresh retransmissions', () => {
    // The handset-confirm was sent twice more before the key issue came.
    let waiting: HandsetState = keyIssue.before;
    for (let i = 0; i < 2; i++) waiting = handsetStep(waiting, { type: 'timer', now: waiting.session!.deadline! }, env).state;
    expect(waiting.session!.retriesUsed).toBe(2);
    const now = waiting.session!.deadline! + 1_000;
    const { state, outputs } = handsetStep(waiting, { type: 'frame', bytes: (keyIssue.input as { bytes: Uint8Array }).bytes, now }, env);
    expect(state.phase).toBe('awaiting-policy');
    expect(outputs.map((o) => o.type)).toEqual(['status', 'key-established', 'send', 'set-timer']);
    expect(outputs[3]).toEqual({ type: 'set-timer', at: now + 15_000 });
    expect(state.session).toMatchObject({ retriesUsed: 0, deadline: now + 15_000, sendSeq: waiting.session!.sendSeq + 1 });
    const send = outputs[2] as Extract<HandsetOutput, { type: 'send' }>;
    expect(frameOf(send.bytes)).toMatchObject({ type: 'key-verified', seq: waiting.session!.sendSeq, to: 'srp:S0000001' });
    // The transport's own copy: what it does with it does not reach the frame kept for retransmission.
    const kept = state.session!.lastSent!.bytes.slice();
    expect(send.bytes).toEqual(kept);
    send.bytes.fill(0);
    expect(state.session!.lastSent!.bytes).toEqual(kept);
  });

  it("an IT policy update's acknowledgement awaits no reply: the timer is cleared and nothing is awaited", () => {
    const pair = activatePair();
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    expect(pair.pollServer()).toBe(1);
    pair.drive();
    expect(pair.handset.policy?.policy.id).toBe('update-1');
    const applied = pair.steps.find((s) => s.before.phase === 'applying-policy-update')!;
    expect(applied.after.phase).toBe('complete');
    expect(applied.outputs.map((o) => o.type)).toEqual(['policy-acknowledged', 'send', 'clear-timer']);
    expect(applied.after.session!.deadline).toBeUndefined();
  });
});
