/**
 * What a frame that does not fit does to the handset (docs/handset.md, "Frames that do not fit";
 * docs/protocol.md, "error"): it is ignored, the state is left exactly as it was, and the one
 * output says why (`ignored { reason, code? }`, the code only where there is one). Each row steps
 * a state of a real run with one such frame.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ActivationErrorCode } from '../../src/errors/activation-error.js';
import type { HandsetOutput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { encodeFrame, frameAssociatedData, type MessageType } from '../../src/wire/frame.js';
import { type ErrorKey, type ErrorMessage, errorText, sealErrorBody } from '../../src/wire/messages/error.js';
import { sealBody } from '../../src/wire/messages/sealed-body.js';
import { frameOf, frameType, sessionHeader } from '../support/frames.js';
import { allAlgorithms } from '../support/providers.js';
import { activationRun } from '../support/handset-states.js';

const { run, env, stateIn } = activationRun();
const random = seededRandom('frame-guards');
/** The state a frame of `type` reached in the run, and that frame. */
const delivery = (type: MessageType): { before: HandsetState; bytes: Uint8Array } => {
  const step = run.steps.find((s) => s.input.type === 'frame' && frameType(s.input.bytes) === type);
  if (step?.input.type !== 'frame') throw new Error(`no ${type} in the run`);
  return { before: step.before, bytes: step.input.bytes };
};

function errorFrame(state: HandsetState, message: ErrorMessage, key: ErrorKey | undefined): Uint8Array {
  const h = sessionHeader(state, 'error');
  return encodeFrame({ ...h, body: sealErrorBody(allAlgorithms, random, message, frameAssociatedData(h), key) });
}
const otherTransportKey = (state: HandsetState) => ({ algorithm: state.transportKey!.algorithm, key: random(32) });

/** Steps `state` with `bytes` and expects it ignored: the same state, one output, exactly `ignored`. */
function expectIgnored(state: HandsetState, bytes: Uint8Array, ignored: { reason: string; code?: string }): void {
  const result = handsetStep(state, { type: 'frame', bytes, now: run.clock.now }, env);
  expect(result.state).toBe(state);
  expect(result.outputs).toStrictEqual([{ type: 'ignored', ...ignored }]);
}

describe('frames that do not fit are ignored, and the state stays as it was', () => {
  it('a frame of another session: the reason alone, no code', () => {
    const state = stateIn('awaiting-key');
    expectIgnored(state, encodeFrame({ ...sessionHeader(state, 'key-issue'), sid: new Uint8Array(16), body: new Uint8Array(1) }), {
      reason: 'frame of another session',
    });
  });

  it('a message the phase does not take: named with the phase', () => {
    const state = stateIn('awaiting-key');
    expectIgnored(state, encodeFrame({ ...sessionHeader(state, 'sync-page'), body: new Uint8Array(1) }), {
      reason: 'unexpected sync-page in phase awaiting-key',
    });
  });

  it('after activation a gap in the sequence is taken only for what the server pushes: a sync-page is out of order', () => {
    const state = stateIn('complete');
    const seq = state.session!.recvSeq + 1;
    expectIgnored(state, encodeFrame({ ...sessionHeader(state, 'sync-page', seq), body: new Uint8Array(1) }), {
      reason: 'frame out of order',
    });
  });

  it('during the sync no gap is taken, not even for an error sealed right', () => {
    const state = stateIn('syncing');
    const h = sessionHeader(state, 'error', state.session!.recvSeq + 1);
    const body = sealErrorBody(allAlgorithms, random, { code: 'ABORTED' }, frameAssociatedData(h), { transport: state.transportKey! });
    expectIgnored(state, encodeFrame({ ...h, body }), { reason: 'frame out of order' });
  });

  it('a sync page sealed under another key: DECRYPT_FAILED; one whose body does not decode: MALFORMED', () => {
    const { before, bytes } = delivery('sync-page');
    const page = frameOf(bytes);
    const { body: _body, ...h } = page;
    const forged = sealBody(allAlgorithms, otherTransportKey(before), encodeCbor({}), frameAssociatedData(h), random);
    expectIgnored(before, encodeFrame({ ...h, body: forged }), { reason: 'rejected sync-page', code: 'DECRYPT_FAILED' });
    expectIgnored(before, encodeFrame({ ...h, body: new Uint8Array([0xff]) }), { reason: 'rejected sync-page', code: 'MALFORMED' });
  });
});

describe('error frames (docs/protocol.md, "error")', () => {
  it('sealed under a key the handset does not hold: DECRYPT_FAILED', () => {
    const state = stateIn('syncing');
    expectIgnored(state, errorFrame(state, { code: 'ABORTED' }, { transport: otherTransportKey(state) }), {
      reason: 'error frame failed authentication',
      code: 'DECRYPT_FAILED',
    });
  });

  it.each(['awaiting-key', 'awaiting-policy', 'syncing'] as const)(
    'in clear once the handset holds a key (%s): ignored, not a hint',
    (phase) => {
      const state = stateIn(phase);
      expectIgnored(state, errorFrame(state, { code: 'WRONG_PASSWORD' }, undefined), {
        reason: 'unauthenticated error frame',
        code: 'WRONG_PASSWORD',
      });
    },
  );

  it('in clear while awaiting the share: kept as a hint; the same again changes nothing; another code replaces it', () => {
    const state = stateIn('awaiting-server-share');
    const first = handsetStep(
      state,
      { type: 'frame', bytes: errorFrame(state, { code: 'UNSUPPORTED' }, undefined), now: run.clock.now },
      env,
    );
    expect(first.outputs).toStrictEqual([{ type: 'ignored', reason: 'unauthenticated error frame (kept as a hint)', code: 'UNSUPPORTED' }]);
    expect(first.state).toStrictEqual({ ...state, session: { ...state.session, hint: 'UNSUPPORTED' } });
    expectIgnored(first.state, errorFrame(state, { code: 'UNSUPPORTED' }, undefined), {
      reason: 'unauthenticated error frame (hint kept)',
      code: 'UNSUPPORTED',
    });
    const other = handsetStep(
      first.state,
      { type: 'frame', bytes: errorFrame(state, { code: 'UNKNOWN_USER' }, undefined), now: run.clock.now },
      env,
    );
    expect(other.state.session?.hint).toBe('UNKNOWN_USER');
  });

  it('sealed under k_SH while awaiting the key (a password refused though proven): the activation ends with its code', () => {
    const state = stateIn('awaiting-key');
    const bytes = errorFrame(state, { code: 'PASSWORD_EXPIRED' }, { session: state.session!.serverToHandset! });
    const { state: next } = handsetStep(state, { type: 'frame', bytes, now: run.clock.now }, env);
    expect(next.phase).toBe('failed');
    expect(next.failure).toStrictEqual({ code: 'PASSWORD_EXPIRED', message: errorText('PASSWORD_EXPIRED') });
  });

  it.each([
    ['with the rules it names', { code: 'POLICY_REJECTED', rules: ['Password Required'] }, { rules: ['Password Required'] }],
    ['without rules: the cause has none', { code: 'POLICY_REJECTED' }, {}],
  ] as const)('a sealed error ends the activation with its code, our text, and %s', (_name, message, extra) => {
    const state = stateIn('awaiting-policy');
    const { state: next, outputs } = handsetStep(
      state,
      { type: 'frame', bytes: errorFrame(state, message as ErrorMessage, { transport: state.transportKey! }), now: run.clock.now },
      env,
    );
    const failed = outputs.find((o): o is Extract<HandsetOutput, { type: 'failed' }> => o.type === 'failed');
    expect(next.phase).toBe('failed');
    expect(failed?.error.code).toBe('POLICY_REJECTED' satisfies ActivationErrorCode);
    expect(failed?.error.message).toBe(errorText('POLICY_REJECTED'));
    expect(failed?.error.cause).toStrictEqual({
      operation: 'activation',
      phase: 'awaiting-policy',
      reportedBy: 'server',
      authenticated: true,
      ...extra,
    });
  });
});
