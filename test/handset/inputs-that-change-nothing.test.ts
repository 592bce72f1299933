/**
 * The inputs and frames a phase does not take (docs/handset.md: "An input in a phase it does not
 * list changes nothing"; "Frames that do not fit"): the state stays the very same object, and the
 * outputs are none, or one exact `ignored`. Then what the handset does with errors after the
 * commit point (docs/lifecycle.md): only a sealed DEACTIVATED retires it; and a key rollover whose
 * request is never answered stops asking after 4 retransmissions.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { HandsetInput, HandsetOutput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { encodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { type ErrorKey, type ErrorMessage, sealErrorBody } from '../../src/wire/messages/error.js';
import { expectCode } from '../support/errors.js';
import { frameType, sessionHeader } from '../support/frames.js';
import { activatePair, faults } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';
import { activationRun } from '../support/handset-states.js';

const { run, env, stateIn } = activationRun();
const random = seededRandom('inputs-that-change-nothing');
const now = run.clock.now;
const complete = stateIn('complete');
const idle = run.states[0]!;
const failed = activatePair({ link: faults.drop({ direction: 'to-handset', type: 'key-issue' }) }).handset;
const pending = activatePair({
  link: faults.drop({ direction: 'to-handset', type: 'sync-page' }),
  until: (p) => p.handset.phase === 'sync-pending',
}).handset;
const ack = applyPolicy(new InMemoryPolicyEnforcer(), stateIn('applying-policy').pendingPolicy!.policy);

function errorFrame(state: HandsetState, message: ErrorMessage, key: ErrorKey | undefined, seq = state.session!.recvSeq): Uint8Array {
  const h = sessionHeader(state, 'error', seq);
  return encodeFrame({ ...h, body: sealErrorBody(allAlgorithms, random, message, frameAssociatedData(h), key) });
}
const frame = (bytes: Uint8Array): HandsetInput => ({ type: 'frame', bytes, now });
const sealed = (state: HandsetState): ErrorKey => ({ transport: state.transportKey! });

describe('inputs a phase does not take change nothing', () => {
  it.each([
    ['cancel in idle', idle, { type: 'cancel', now }],
    ['cancel in syncing (after the commit point)', stateIn('syncing'), { type: 'cancel', now }],
    ['cancel in complete', complete, { type: 'cancel', now }],
    ['cancel in failed', failed, { type: 'cancel', now }],
    ['the timer in idle (no session)', idle, { type: 'timer', now }],
    ['the timer in failed', failed, { type: 'timer', now: now + 3_600_000 }],
    ['the timer in complete with nothing awaited', complete, { type: 'timer', now: now + 3_600_000 }],
    ['a device password in awaiting-key (no policy in force)', stateIn('awaiting-key'), { type: 'device-password', correct: false, now }],
    [
      'a correct device password in awaiting-key, with wrong entries counted before (no policy in force)',
      { ...stateIn('awaiting-key'), passwordFailures: 2 } as HandsetState,
      { type: 'device-password', correct: true, now },
    ],
  ] as const)('%s: the same state, no output', (_name, state, input) => {
    const result = handsetStep(state, input as HandsetInput, env);
    expect(result.state).toBe(state);
    expect(result.outputs).toStrictEqual([]);
  });

  it.each([
    [
      'Regenerate Encryption Key before activation',
      stateIn('awaiting-key'),
      { type: 'regenerate-key', now },
      'no activated key to regenerate',
    ],
    ['a policy result with no policy pending', complete, { type: 'policy-applied', ack, now }, 'policy result without a pending policy'],
  ] as const)('%s: the same state, one exact ignored', (_name, state, input, reason) => {
    const result = handsetStep(state, input as HandsetInput, env);
    expect(result.state).toBe(state);
    expect(result.outputs).toStrictEqual([{ type: 'ignored', reason }]);
  });

  it('a device password entry that is not true or false is INVALID_ARGUMENT, field input.correct', () => {
    const err = expectCode(
      () => handsetStep(complete, { type: 'device-password', correct: 'no', now } as unknown as HandsetInput, env),
      'INVALID_ARGUMENT',
    );
    expect(err.cause).toStrictEqual({ field: 'input.correct' });
    expect(err.message).toBe('device-password needs correct: true or false');
  });
});

describe('frames that do not reach a handler', () => {
  const syncing = stateIn('syncing');
  it.each([
    ['bytes that are no frame', syncing, new Uint8Array([1, 2, 3]), { reason: 'undecodable frame', code: 'MALFORMED' }],
    [
      'a frame for another PIN',
      syncing,
      (() => {
        const h = sessionHeader(syncing, 'error', syncing.session!.recvSeq, '2100000B');
        return encodeFrame({
          ...h,
          body: sealErrorBody(allAlgorithms, random, { code: 'ABORTED' }, frameAssociatedData(h), sealed(syncing)),
        });
      })(),
      { reason: 'frame of another session' },
    ],
    [
      'a frame in idle (no session)',
      idle,
      errorFrame(syncing, { code: 'ABORTED' }, sealed(syncing)),
      { reason: 'frame of another session' },
    ],
    [
      'an older sequence number',
      syncing,
      errorFrame(syncing, { code: 'ABORTED' }, sealed(syncing), syncing.session!.recvSeq - 1),
      { reason: 'duplicate frame' },
    ],
    [
      'an error body that does not decode',
      syncing,
      (() => {
        const h = sessionHeader(syncing, 'error');
        return encodeFrame({ ...h, body: new Uint8Array([0xa0]) });
      })(),
      { reason: 'undecodable error frame', code: 'MALFORMED' },
    ],
  ] as const)('%s: ignored, the state as it was', (_name, state, bytes, ignored) => {
    const result = handsetStep(state, frame(bytes), env);
    expect(result.state).toBe(state);
    expect(result.outputs).toStrictEqual([{ type: 'ignored', ...ignored }]);
  });
});

describe('errors after the commit point (docs/lifecycle.md)', () => {
  it.each([
    ['syncing', stateIn('syncing')],
    ['sync-pending', pending],
  ] as const)('a sealed DEACTIVATED in %s retires the device: deactivated, not a failed activation', (phase, state) => {
    expect(state.phase).toBe(phase);
    const { state: next, outputs } = handsetStep(state, frame(errorFrame(state, { code: 'DEACTIVATED' }, sealed(state))), env);
    expect(next.phase).toBe('deactivated');
    expect(outputs.filter((o) => o.type === 'failed')).toEqual([]);
    expect(outputs.at(-1)).toEqual({ type: 'deactivated', reason: 'refused' });
  });

  it('a sealed DEACTIVATED before the commit point ends the activation like any other error', () => {
    const state = stateIn('awaiting-services');
    const { state: next } = handsetStep(state, frame(errorFrame(state, { code: 'DEACTIVATED' }, sealed(state))), env);
    expect(next.phase).toBe('failed');
    expect(next.failure?.code).toBe('DEACTIVATED');
  });

  it.each([
    [
      'in clear',
      () => errorFrame(complete, { code: 'DEACTIVATED' }, undefined),
      { reason: 'unauthenticated error frame after activation' },
    ],
    [
      'under another key',
      () => errorFrame(complete, { code: 'DEACTIVATED' }, { transport: { algorithm: complete.transportKey!.algorithm, key: random(32) } }),
      { reason: 'unauthenticated error frame after activation' },
    ],
    [
      'sealed, another code',
      () => errorFrame(complete, { code: 'ABORTED' }, sealed(complete)),
      { reason: 'error frame after activation', code: 'ABORTED' },
    ],
  ] as const)('in complete an error %s is ignored', (_name, bytes, ignored) => {
    const result = handsetStep(complete, frame(bytes()), env);
    expect(result.state).toBe(complete);
    expect(result.outputs).toStrictEqual([{ type: 'ignored', ...ignored }]);
  });

  it('in complete a sealed DEACTIVATED is taken even after a gap in the sequence (earlier pushes lost)', () => {
    const bytes = errorFrame(complete, { code: 'DEACTIVATED' }, sealed(complete), complete.session!.recvSeq + 3);
    expect(handsetStep(complete, frame(bytes), env).state.phase).toBe('deactivated');
  });
});

describe('a key rollover request nobody answers', () => {
  it('is sent again 4 times, 15 s apart; then the handset stops asking, stays activated, and says so', () => {
    const asked = handsetStep(complete, { type: 'regenerate-key', now }, env);
    expect(asked.outputs.map((o) => o.type)).toEqual(['send', 'set-timer']);
    const request = (asked.outputs[0] as Extract<HandsetOutput, { type: 'send' }>).bytes;
    expect(frameType(request)).toBe('rekey-request');
    let state = asked.state;
    for (let i = 1; i <= 4; i++) {
      const step = handsetStep(state, { type: 'timer', now: state.session!.deadline! }, env);
      expect(step.outputs).toEqual([
        { type: 'send', bytes: request, to: 'srp:S0000001' },
        { type: 'set-timer', at: now + (i + 1) * 15_000 },
      ]);
      state = step.state;
    }
    const last = handsetStep(state, { type: 'timer', now: state.session!.deadline! }, env);
    expect(last.outputs).toStrictEqual([
      { type: 'clear-timer' },
      { type: 'ignored', reason: 'no answer to the key rollover message', code: 'TIMEOUT' },
    ]);
    expect(last.state.phase).toBe('complete');
    expect(last.state.session!.deadline).toBeUndefined();
    expect(last.state.transportKey).toEqual(complete.transportKey);
    const later = handsetStep(last.state, { type: 'timer', now: now + 3_600_000 }, env);
    expect(later.state).toBe(last.state);
    expect(later.outputs).toStrictEqual([]);
  });
});
