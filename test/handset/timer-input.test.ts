/**
 * The `timer` input (docs/protocol.md, "Idempotency and retransmission"; docs/reliability.md): a
 * timer that fires early re-arms the wait; a late reply is sent again byte for byte, 4 times, 15 s
 * apart; then the activation fails with TIMEOUT, or with the hinted code when an error in clear
 * came while waiting for the server's share. The server did not answer, so the handset sends it
 * nothing more.
 */
import { describe, expect, it } from 'vitest';
import type { HandsetOutput, StepResult } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { failedStatus } from '../../src/handset/status.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { encodeErrorMessage } from '../../src/wire/messages/error.js';
import { sessionHeader } from '../support/frames.js';
import { activationRun } from '../support/handset-states.js';

const { run, env, stateIn } = activationRun();

/** Fires the timer at each deadline the state asks for, `times` times; returns every step. */
function fireTimers(start: HandsetState, times: number): StepResult<HandsetState>[] {
  const steps: StepResult<HandsetState>[] = [];
  let state = start;
  for (let i = 0; i < times; i++) {
    const step = handsetStep(state, { type: 'timer', now: state.session!.deadline! }, env);
    steps.push(step);
    state = step.state;
  }
  return steps;
}

describe('the reply timer', () => {
  it('fired before the deadline: the same state, and the timer armed again for the deadline', () => {
    const waiting = stateIn('awaiting-key');
    const deadline = waiting.session!.deadline!;
    const { state, outputs } = handsetStep(waiting, { type: 'timer', now: deadline - 1 }, env);
    expect(state).toBe(waiting);
    expect(outputs).toStrictEqual([{ type: 'set-timer', at: deadline }]);
  });

  it('at the deadline: the last frame again, byte for byte, in a buffer of its own, 4 times, 15 s apart', () => {
    const waiting = stateIn('awaiting-key');
    const original = waiting.session!.lastSent!.bytes.slice();
    const steps = fireTimers(waiting, 4);
    let at = waiting.session!.deadline!;
    for (const step of steps) {
      const [send, timer] = step.outputs as [Extract<HandsetOutput, { type: 'send' }>, HandsetOutput];
      expect(send.type).toBe('send');
      expect(send.bytes).toEqual(original);
      expect(send.to).toBe('srp:S0000001');
      expect(timer).toEqual({ type: 'set-timer', at: at + 15_000 });
      at += 15_000;
      // The transport may reuse the buffer it was given: the next retransmission is not affected.
      send.bytes.fill(0);
    }
    expect(steps.at(-1)!.state.session!.retriesUsed).toBe(4);
    expect(steps.at(-1)!.state.session!.lastSent!.bytes).toEqual(original);
  });

  it('after the 4th retransmission: TIMEOUT, cause.retries 4, and nothing sent to the silent server', () => {
    const [, , , , last] = fireTimers(stateIn('awaiting-key'), 5);
    const failed = last!.outputs.at(-1);
    if (failed?.type !== 'failed') throw new Error('the last output is not failed');
    expect(last!.outputs).toEqual([{ type: 'clear-timer' }, { type: 'status', status: failedStatus('TIMEOUT') }, failed]);
    expect(failed.error.code).toBe('TIMEOUT');
    expect(failed.error.message).toMatch(/did not respond/);
    expect(failed.error.cause).toStrictEqual({ operation: 'activation', phase: 'awaiting-key', retries: 4 });
    expect(last!.state.phase).toBe('failed');
  });

  it('an error in clear while awaiting the share is reported after the full wait, as a hint, and nothing is sent', () => {
    const waiting = stateIn('awaiting-server-share');
    const hint = encodeFrame({ ...sessionHeader(waiting, 'error'), body: encodeErrorMessage({ code: 'UNSUPPORTED' }) });
    const hinted = handsetStep(waiting, { type: 'frame', bytes: hint, now: run.clock.now }, env).state;
    expect(hinted.session?.hint).toBe('UNSUPPORTED');
    const steps = fireTimers(hinted, 5);
    expect(steps.slice(0, 4).map((s) => s.state.phase)).toEqual(Array(4).fill('awaiting-server-share'));
    const last = steps[4]!;
    const failed = last.outputs.at(-1);
    if (failed?.type !== 'failed') throw new Error('the last output is not failed');
    expect(last.outputs).toEqual([{ type: 'clear-timer' }, { type: 'status', status: failedStatus('UNSUPPORTED') }, failed]);
    expect(failed.error.code).toBe('UNSUPPORTED');
    expect(failed.error.cause).toStrictEqual({
      operation: 'activation',
      phase: 'awaiting-server-share',
      retries: 4,
      reportedBy: 'server',
      hint: true,
      authenticated: false,
    });
  });
});
