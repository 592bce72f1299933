/**
 * The handset's sans-I/O core: `handsetStep(state, input, env)` returns the next state and the
 * outputs (frames to send, statuses to show, timers to set). It has no clock, no timers, no
 * sockets and no randomness of its own: time arrives in each input, randomness in `env`.
 * Given the same state, input and random bytes, it always returns the same result.
 */
import * as v from 'valibot';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { policyAckSchema } from '../policy/acknowledgement.js';
import { decodeFrame, type Frame, type MessageType } from '../wire/frame.js';
import { type ErrorKey, errorText, openErrorBody } from '../wire/messages/error.js';
import { constantTimeEqual } from '../util/bytes.js';
import type { HandsetInput, StepResult } from './io.js';
import { type HandsetEnv, fail, headerAd, ignore, sealPendingErrors } from './machine-support.js';
import { onKeyIssue, onServerShare, startActivation } from './phase-key-exchange.js';
import { onItPolicy, onPolicyApplied, onServiceBooks } from './phase-services.js';
import { onSyncDone, onSyncPage } from './phase-sync.js';
import type { HandsetPhase, HandsetState, SessionState } from './state.js';

export type { HandsetEnv } from './machine-support.js';

type FrameHandler = (state: HandsetState, session: SessionState, frame: Frame, now: number, env: HandsetEnv) => StepResult<HandsetState>;

/** Which message each waiting phase expects, and who handles it. */
const HANDLERS: Readonly<Partial<Record<HandsetPhase, Partial<Record<MessageType, FrameHandler>>>>> = {
  'awaiting-server-share': { 'server-share': onServerShare },
  'awaiting-key': { 'key-issue': onKeyIssue },
  'awaiting-policy': { 'it-policy': onItPolicy },
  'awaiting-services': { 'service-books': onServiceBooks },
  syncing: { 'sync-page': onSyncPage, 'sync-done': onSyncDone },
  complete: { 'it-policy': onItPolicy },
};

/**
 * The handset's protocol logic as a pure step function: given a state and one input (the user
 * chose Activate, a frame arrived, the timer fired, the enforcer answered, the user cancelled),
 * returns the next state and the outputs to perform (send a frame, show a status, set a timer,
 * apply a policy...). For emulators that run their own event loop, replay tests and fuzzers;
 * {@link Handset} is the ready-made driver around it.
 *
 * It keeps no clock, timer, socket or randomness of its own: time comes in each input's `now`,
 * randomness from `env.random`. The same state, input and random bytes always give the same
 * result. A failed activation is an output (`failed`), not an exception; it throws
 * {@link ActivationError} `INVALID_ARGUMENT` only for an input that is not an input at all.
 *
 * @example
 * ```ts
 * import { handsetStep, initialHandsetState, resolveHandsetConfig, nobleProvider, seededRandom } from 'enterprise-activation';
 *
 * const env = { provider: nobleProvider, random: seededRandom('replay-1') };
 * let state = initialHandsetState(resolveHandsetConfig(config));
 * const { state: next, outputs } = handsetStep(state, { type: 'activate', email, password, now: Date.now() }, env);
 * state = next;
 * for (const out of outputs) if (out.type === 'send') radio.send(out.bytes); // and 'status', 'set-timer', ...
 * ```
 */
export function handsetStep(state: HandsetState, input: HandsetInput, env: HandsetEnv): StepResult<HandsetState> {
  return sealPendingErrors(step(state, input, env), env);
}

function step(state: HandsetState, input: HandsetInput, env: HandsetEnv): StepResult<HandsetState> {
  if (input === null || typeof input !== 'object' || typeof input.now !== 'number') {
    throw new ActivationError('INVALID_ARGUMENT', 'an input is an object with a type and a time', { field: 'input' });
  }
  switch (input.type) {
    case 'activate':
      return startActivation(state, input.email, input.password, input.now, env);
    case 'timer':
      return onTimer(state, input.now);
    case 'policy-applied':
      if (!v.is(policyAckSchema, input.ack)) {
        throw new ActivationError('INVALID_ARGUMENT', 'policy-applied needs a policy acknowledgement', { field: 'input.ack' });
      }
      return onPolicyApplied(state, input.ack, input.now, env);
    case 'cancel':
      if (!state.session || state.phase === 'complete' || state.phase === 'failed') return { state, outputs: [] };
      return fail(state, 'ABORTED', 'the activation was cancelled');
    case 'frame':
      if (!(input.bytes instanceof Uint8Array)) throw new ActivationError('INVALID_ARGUMENT', 'a frame input needs bytes', { field: 'input.bytes' });
      return onFrame(state, input.bytes, input.now, env);
    default:
      throw new ActivationError('INVALID_ARGUMENT', 'unknown input type', { field: 'input.type' });
  }
}

function onTimer(state: HandsetState, now: number): StepResult<HandsetState> {
  const session = state.session;
  if (!session || session.deadline === undefined || !session.lastSent) return { state, outputs: [] };
  if (now < session.deadline) return { state, outputs: [{ type: 'set-timer', at: session.deadline }] };
  if (session.retriesUsed >= state.config.retry.retries) {
    // An error in clear that arrived meanwhile is reported now, as what it is: a hint nobody
    // authenticated (`cause.hint`, `cause.authenticated` false), after the full wait.
    if (session.hint !== undefined && state.phase === 'awaiting-server-share') {
      return fail(state, session.hint, errorText(session.hint), { retries: session.retriesUsed, reportedBy: 'server', hint: true, authenticated: false }, false);
    }
    return fail(state, 'TIMEOUT', 'the server did not respond', { retries: session.retriesUsed }, false);
  }
  const deadline = now + state.config.retry.replyTimeoutMs;
  return {
    state: { ...state, session: { ...session, retriesUsed: session.retriesUsed + 1, deadline } },
    outputs: [
      { type: 'send', bytes: session.lastSent.bytes.slice(), to: session.lastSent.to },
      { type: 'set-timer', at: deadline },
    ],
  };
}

function onFrame(state: HandsetState, bytes: Uint8Array, now: number, env: HandsetEnv): StepResult<HandsetState> {
  let frame: Frame;
  try {
    frame = decodeFrame(bytes);
  } catch (err) {
    if (isActivationError(err)) return ignore(state, 'undecodable frame', err.code);
    throw err;
  }
  const session = state.session;
  if (!session || !constantTimeEqual(frame.sid, session.sid) || frame.pin !== state.config.pin) {
    return ignore(state, 'frame of another session');
  }
  if (frame.seq < session.recvSeq) return ignore(state, 'duplicate frame');
  if (frame.type === 'error') return onErrorFrame(state, session, frame, env);
  // After activation the server pushes IT policy updates unasked; one may have been lost on the
  // way, and the newest supersedes it, so a later one is taken even with a gap in the sequence.
  const pushedUpdate = state.phase === 'complete' && frame.type === 'it-policy';
  if (frame.seq > session.recvSeq && !pushedUpdate) return ignore(state, 'frame out of order');
  if (state.pendingPolicy) return ignore(state, 'frame while the IT policy is being applied');
  const handler = HANDLERS[state.phase]?.[frame.type];
  if (!handler) return ignore(state, `unexpected ${frame.type} in phase ${state.phase}`);
  try {
    return handler(state, session, frame, now, env);
  } catch (err) {
    // A body that does not decode or authenticate is dropped; the genuine one may still come.
    if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED')) {
      return ignore(state, `rejected ${frame.type}`, err.code);
    }
    throw err;
  }
}

/**
 * An error frame from the server (docs/protocol.md, "error"). It must carry the sequence number
 * expected next, like any frame. Once the handset holds a key of the server's (k_SH after Tb, then
 * the transport key), only an error sealed under it ends the activation; one in clear is ignored.
 * Before that, one in clear is kept as a hint: the handset goes on waiting (and retransmitting),
 * so that a forged error cannot pre-empt the server's real answer, and reports the hinted code
 * only if it times out. The text is always ours ({@link errorText}).
 */
function onErrorFrame(state: HandsetState, session: SessionState, frame: Frame, env: HandsetEnv): StepResult<HandsetState> {
  if (state.phase === 'idle' || state.phase === 'complete' || state.phase === 'failed') return ignore(state, 'error frame when not activating');
  if (frame.seq > session.recvSeq) return ignore(state, 'frame out of order');
  const keys: ErrorKey[] = [];
  if (session.serverToHandset) keys.push({ session: session.serverToHandset });
  if (state.transportKey && (state.phase === 'awaiting-policy' || state.phase === 'awaiting-services' || state.phase === 'syncing')) {
    keys.push({ transport: state.transportKey });
  }
  let opened;
  try {
    opened = openErrorBody(env.provider, frame.body, headerAd(frame), keys);
  } catch (err) {
    if (isActivationError(err)) return ignore(state, 'undecodable error frame', err.code);
    throw err;
  }
  if (opened === undefined) return ignore(state, 'error frame failed authentication', 'DECRYPT_FAILED');
  const { code, rules } = opened.message;
  if (!opened.authenticated) {
    if (keys.length > 0) return ignore(state, 'unauthenticated error frame', code);
    if (session.hint === code) return ignore(state, 'unauthenticated error frame (hint kept)', code);
    return {
      state: { ...state, session: { ...session, hint: code } },
      outputs: [{ type: 'ignored', reason: 'unauthenticated error frame (kept as a hint)', code }],
    };
  }
  const detail: Record<string, unknown> = { reportedBy: 'server', authenticated: true };
  if (rules) detail.rules = rules;
  return fail(state, code, errorText(code), detail, false);
}
