/**
 * The handset's sans-I/O core: `handsetStep(state, input, env)` returns the next state and the
 * outputs (frames to send, statuses to show, timers to set). It has no clock, no timers, no
 * sockets and no randomness of its own: time arrives in each input, randomness in `env`.
 * Given the same state, input and random bytes, it always returns the same result.
 *
 * Two tables say what the handset does: {@link HANDSET_FRAME_TRANSITIONS} (which message each
 * phase takes, who handles it, where it may lead) and {@link HANDSET_INPUT_TRANSITIONS} (the
 * user's, the timer's and the enforcer's inputs). The diagram in docs/handset.md is checked
 * against them (test/handset/diagram.test.ts), and {@link handsetStep} refuses a transition that
 * is not in them.
 */
import * as v from 'valibot';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { policyAckSchema } from '../policy/acknowledgement.js';
import { decodeFrame, type Frame, type MessageType } from '../wire/frame.js';
import { type ErrorKey, errorText, openErrorBody } from '../wire/messages/error.js';
import { constantTimeEqual } from '../util/bytes.js';
import type { HandsetInput, HandsetOutput, StepResult } from './io.js';
import { type HandsetEnv, fail, headerAd, ignore, issuedInThisActivation, sealPendingErrors } from './machine-support.js';
import { onKeyIssue, onServerShare, startActivation } from './phase-key-exchange.js';
import { onItPolicy, onPolicyApplied, onServiceBooks } from './phase-services.js';
import { deactivate, onCommandRepeated, onDeviceCommand, onServiceBooksResent } from './phase-commands.js';
import { onSyncDone, onSyncPage, pauseSync, resumeSync } from './phase-sync.js';
import { onRegenerateKey, onRekeyDone, onRekeyOffer, promoteIfPending } from './phase-rollover.js';
import { onDevicePassword } from './password-attempts.js';
import { type HandsetPhase, type HandsetState, type HandsetStateIn, hasSession, withSession } from './state.js';
import { deepFreeze } from '../util/deep-freeze.js';

export type { HandsetEnv } from './machine-support.js';

/** One entry of {@link HANDSET_FRAME_TRANSITIONS}: the handler of a message in a phase, and the phases it may lead to. */
export interface FrameTransition<P extends HandsetPhase> {
  /** Takes the frame (already checked for session and sequence) in phase `P`'s state. */
  readonly handle: (state: HandsetStateIn<P>, frame: Frame, now: number, env: HandsetEnv) => StepResult<HandsetState>;
  /**
   * The phases the handler may move to, `P` itself when staying is a transition of the protocol
   * (another sync page). An ignored frame stays in `P` without being one.
   */
  readonly to: readonly HandsetPhase[];
}

type FrameTable = { readonly [P in HandsetPhase]?: { readonly [M in MessageType]?: FrameTransition<P> } };

/** Where an error frame may lead: it ends the activation, or is ignored. */
const ERROR: readonly HandsetPhase[] = ['failed'];
/** After the commit point an error may also say that the server retired the device (DEACTIVATED). */
const ERROR_AFTER_COMMIT: readonly HandsetPhase[] = ['failed', 'deactivated'];

/**
 * Which message each phase takes, who handles it, and where it may lead. A message a phase does
 * not list is ignored (reported as an `ignored` output). Errors from the server end any phase of
 * a running activation; after it, the server only pushes IT policy updates.
 */
export const HANDSET_FRAME_TRANSITIONS: FrameTable = deepFreeze({
  'awaiting-server-share': {
    'server-share': { handle: onServerShare, to: ['awaiting-key', 'failed'] },
    error: { handle: onErrorFrame, to: ERROR },
  },
  'awaiting-key': {
    'key-issue': { handle: onKeyIssue, to: ['awaiting-policy', 'failed'] },
    error: { handle: onErrorFrame, to: ERROR },
  },
  'awaiting-policy': {
    'it-policy': { handle: onItPolicy, to: ['applying-policy', 'failed'] },
    error: { handle: onErrorFrame, to: ERROR },
  },
  // While the enforcer works every frame but an error waits: the server retransmits.
  'applying-policy': { error: { handle: onErrorFrame, to: ERROR } },
  'awaiting-services': {
    'service-books': { handle: onServiceBooks, to: ['syncing'] },
    error: { handle: onErrorFrame, to: ERROR },
  },
  // After the commit point. The server sends an error here only when it refused the books-ack
  // (it had not committed: its claim on the password was gone), so an error still ends it all.
  syncing: {
    'sync-page': { handle: onSyncPage, to: ['syncing'] },
    'sync-done': { handle: onSyncDone, to: ['complete'] },
    error: { handle: onErrorFrame, to: ERROR_AFTER_COMMIT },
  },
  // A late reply resumes the interrupted sync at once.
  'sync-pending': {
    'sync-page': { handle: onSyncPage, to: ['syncing'] },
    'sync-done': { handle: onSyncDone, to: ['complete'] },
    error: { handle: onErrorFrame, to: ERROR_AFTER_COMMIT },
  },
  // A newer policy is applied; the one in force, pushed again, is acknowledged again. An
  // administrator's command is acknowledged and carried out; the error DEACTIVATED retires the
  // device (docs/lifecycle.md); any other error is ignored (nothing is running to end).
  complete: {
    'it-policy': { handle: onItPolicy, to: ['applying-policy-update', 'complete'] },
    'service-books': { handle: onServiceBooksResent, to: ['complete'] },
    'device-command': { handle: onDeviceCommand, to: ['deactivated', 'idle'] },
    error: { handle: onRetiredError, to: ['deactivated'] },
    // The key rollover's offer and confirmation (docs/lifecycle.md, "Key rollover").
    'rekey-offer': { handle: onRekeyOffer, to: ['complete'] },
    'rekey-done': { handle: onRekeyDone, to: ['complete'] },
  },
});

/**
 * The inputs that are not frames: from which phases each may move the handset, and to where. An
 * input in a phase it does not list changes nothing (`activate` in such a phase is refused with
 * INVALID_STATE: an activation is already running).
 */
export const HANDSET_INPUT_TRANSITIONS = deepFreeze({
  activate: {
    idle: ['awaiting-server-share'],
    failed: ['awaiting-server-share'],
    'sync-pending': ['awaiting-server-share'],
    complete: ['awaiting-server-share'],
    deactivated: ['awaiting-server-share'],
  },
  // A wait that ran out of retransmissions: before the commit point the activation fails; after
  // it the sync is pending, and the pending sync's timer resumes it.
  timer: {
    'awaiting-server-share': ['failed'],
    'awaiting-key': ['failed'],
    'awaiting-policy': ['failed'],
    'awaiting-services': ['failed'],
    syncing: ['sync-pending'],
    'sync-pending': ['syncing'],
  },
  // Only before the commit point: once the receipt of the books is registered, the server has
  // activated the account, and there is nothing left to cancel.
  cancel: {
    'awaiting-server-share': ['failed'],
    'awaiting-key': ['failed'],
    'awaiting-policy': ['failed'],
    'applying-policy': ['failed'],
    'awaiting-services': ['failed'],
  },
  'policy-applied': {
    'applying-policy': ['awaiting-services', 'failed'],
    'applying-policy-update': ['complete'],
  },
  // "Regenerate Encryption Key": a rekey-request, in the activated device's own phase.
  'regenerate-key': { complete: ['complete'] },
  // Counted while an IT policy is in force; reaching "Set Maximum Password Attempts" wipes the
  // device (RIM), which leaves it idle. Elsewhere there is no rule to count against.
  'device-password': {
    'awaiting-services': ['idle'],
    syncing: ['idle'],
    'sync-pending': ['idle'],
    complete: ['idle'],
    'applying-policy-update': ['idle'],
  },
} as const satisfies {
  readonly [I in Exclude<HandsetInput['type'], 'frame'>]: { readonly [P in HandsetPhase]?: readonly HandsetPhase[] };
});

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
      if (
        state.phase !== 'idle' &&
        state.phase !== 'failed' &&
        state.phase !== 'complete' &&
        state.phase !== 'sync-pending' &&
        state.phase !== 'deactivated'
      ) {
        throw new ActivationError('INVALID_STATE', 'an activation is already running', { phase: state.phase });
      }
      return checked(state, startActivation(state, input, env), HANDSET_INPUT_TRANSITIONS.activate[state.phase]);
    case 'timer':
      return onTimer(state, input.now);
    case 'policy-applied':
      if (!v.is(policyAckSchema, input.ack)) {
        throw new ActivationError('INVALID_ARGUMENT', 'policy-applied needs a policy acknowledgement', { field: 'input.ack' });
      }
      if (state.phase !== 'applying-policy' && state.phase !== 'applying-policy-update')
        return ignore(state, 'policy result without a pending policy');
      return checked(state, onPolicyApplied(state, input.ack, input.now, env), HANDSET_INPUT_TRANSITIONS['policy-applied'][state.phase]);
    case 'cancel':
      return onCancel(state);
    case 'regenerate-key':
      if (state.phase !== 'complete') return ignore(state, 'no activated key to regenerate');
      return checked(state, onRegenerateKey(state, input.now, env), HANDSET_INPUT_TRANSITIONS['regenerate-key'][state.phase]);
    case 'device-password': {
      if (typeof input.correct !== 'boolean') {
        throw new ActivationError('INVALID_ARGUMENT', 'device-password needs correct: true or false', { field: 'input.correct' });
      }
      const allowed: Partial<Record<HandsetPhase, readonly HandsetPhase[]>> = HANDSET_INPUT_TRANSITIONS['device-password'];
      const targets = allowed[state.phase];
      if (targets === undefined) return { state, outputs: [] };
      return checked(state, onDevicePassword(state, input.correct), targets);
    }
    case 'frame':
      if (!(input.bytes instanceof Uint8Array))
        throw new ActivationError('INVALID_ARGUMENT', 'a frame input needs bytes', { field: 'input.bytes' });
      return onFrame(state, input.bytes, input.now, env);
    default:
      throw new ActivationError('INVALID_ARGUMENT', 'unknown input type', { field: 'input.type' });
  }
}

/**
 * What a state continued from a snapshot still asks of its driver, which the step that reached it
 * asked once: the timer of a request waiting for its reply (`set-timer`, so that it is sent again),
 * or the enforcer's verdict on the policy it was applying (`apply-policy`: a snapshot taken while
 * the enforcer ran, or an older one holding a policy waiting for it). Nothing for any other state.
 */
export function restoredOutputs(state: HandsetState): readonly HandsetOutput[] {
  if (state.phase === 'applying-policy' || state.phase === 'applying-policy-update') {
    return [{ type: 'apply-policy', policy: state.pendingPolicy.policy }];
  }
  const deadline = state.session?.deadline;
  return deadline === undefined ? [] : [{ type: 'set-timer', at: deadline }];
}

/**
 * Refuses a transition the tables do not list: a handler that moves the handset elsewhere is a
 * bug of ours, caught here (and by the fuzzers) instead of surfacing as a strange state later.
 */
function checked(from: HandsetState, result: StepResult<HandsetState>, allowed: readonly HandsetPhase[]): StepResult<HandsetState> {
  const to = result.state.phase;
  if (to !== from.phase && !allowed.includes(to)) {
    throw new ActivationError('INVALID_STATE', 'a transition that the handset tables do not list', {
      operation: 'handsetStep',
      phase: from.phase,
      to,
    });
  }
  return result;
}

function onCancel(state: HandsetState): StepResult<HandsetState> {
  const allowed: Partial<Record<HandsetPhase, readonly HandsetPhase[]>> = HANDSET_INPUT_TRANSITIONS.cancel;
  const targets = allowed[state.phase];
  if (targets === undefined) return { state, outputs: [] };
  return checked(state, fail(state, 'ABORTED', 'the activation was cancelled'), targets);
}

function onTimer(state: HandsetState, now: number): StepResult<HandsetState> {
  if (!hasSession(state)) return { state, outputs: [] };
  const session = state.session;
  if (session.deadline === undefined || !session.lastSent) return { state, outputs: [] };
  if (now < session.deadline) return { state, outputs: [{ type: 'set-timer', at: session.deadline }] };
  // After activation only the key rollover waits for replies (rekey-request, rekey-accept): when
  // its retries run out the handset stops asking; the server's own offers repair the rest.
  if (state.phase === 'complete' && session.retriesUsed >= state.config.retry.retries) {
    return {
      state: withSession(state, { deadline: undefined }),
      outputs: [{ type: 'clear-timer' }, { type: 'ignored', reason: 'no answer to the key rollover message', code: 'TIMEOUT' }],
    };
  }
  const allowed: Partial<Record<HandsetPhase, readonly HandsetPhase[]>> = HANDSET_INPUT_TRANSITIONS.timer;
  if (state.phase === 'sync-pending') return checked(state, resumeSync(state, now, session.lastSent), allowed[state.phase] ?? []);
  if (session.retriesUsed >= state.config.retry.retries) {
    if (state.phase === 'syncing') return checked(state, pauseSync(state, now), allowed[state.phase] ?? []);
    // An error in clear that arrived meanwhile is reported now, as what it is: a hint nobody
    // authenticated (`cause.hint`, `cause.authenticated` false), after the full wait.
    if (state.phase === 'awaiting-server-share' && state.session.hint !== undefined) {
      const hint = state.session.hint;
      const detail = { retries: session.retriesUsed, reportedBy: 'server', hint: true, authenticated: false };
      return checked(state, fail(state, hint, errorText(hint), { detail, notifyServer: false }), allowed[state.phase] ?? []);
    }
    return checked(
      state,
      fail(state, 'TIMEOUT', 'the server did not respond', { detail: { retries: session.retriesUsed }, notifyServer: false }),
      allowed[state.phase] ?? [],
    );
  }
  const deadline = now + state.config.retry.replyTimeoutMs;
  return {
    state: withSession(state, { retriesUsed: session.retriesUsed + 1, deadline }),
    outputs: [
      { type: 'send', bytes: session.lastSent.bytes.slice(), to: session.lastSent.to },
      { type: 'set-timer', at: deadline },
    ],
  };
}

/**
 * A frame arrived. The guards run in this order, each for a reason: a frame that does not decode
 * or belongs to another session says nothing about this one; a duplicate (a retransmission of an
 * answer already taken) is dropped before anything else looks at it; a frame that skips ahead is
 * not taken (the handset takes the server's messages in order), except an IT policy update after
 * activation, which may follow a lost one; then the table decides.
 */
function onFrame(state: HandsetState, bytes: Uint8Array, now: number, env: HandsetEnv): StepResult<HandsetState> {
  let frame: Frame;
  try {
    frame = decodeFrame(bytes);
  } catch (err) {
    if (isActivationError(err)) return ignore(state, 'undecodable frame', err.code);
    throw err;
  }
  // A command carried out already, repeated because its acknowledgement was lost: the same bytes again.
  const repeated = onCommandRepeated(state, frame);
  if (repeated) return repeated;
  const session = state.session;
  if (!session || !constantTimeEqual(frame.sid, session.sid) || frame.pin !== state.config.pin) {
    return ignore(state, 'frame of another session');
  }
  if (frame.seq < session.recvSeq) return ignore(state, 'duplicate frame');
  // After activation the server pushes IT policy updates unasked; one may have been lost on the
  // way, and the newest supersedes it, so a later one is taken even with a gap in the sequence.
  // The same holds for the server's commands, its refusal of a retired device (docs/lifecycle.md),
  // and the key rollover's offer (pushed again) and its rekey-done that may follow them.
  const pushedUpdate = state.phase === 'complete' && PUSHED.includes(frame.type);
  if (frame.seq > session.recvSeq && !pushedUpdate) return ignore(state, 'frame out of order');
  // A message under the pending key means the server has switched: promote it first (phase-rollover.ts).
  const promoted = promoteIfPending(state, frame, now, env);
  const handled = dispatch(promoted.state, frame, now, env);
  return { state: handled.state, outputs: [...promoted.outputs, ...handled.outputs] };
}

/** The server's messages after activation that may follow lost ones (taken with a gap in the sequence). */
const PUSHED: readonly MessageType[] = ['it-policy', 'service-books', 'device-command', 'error', 'rekey-offer', 'rekey-done'];

/** Runs the table's handler for this phase and message, if there is one. */
function dispatch<P extends HandsetPhase>(state: HandsetStateIn<P>, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const phase: P = state.phase;
  const transitions: FrameTable[P] = HANDSET_FRAME_TRANSITIONS[phase];
  const transition = transitions?.[frame.type];
  if (!transition) return ignore(state, `unexpected ${frame.type} in phase ${phase}`);
  try {
    return checked(state, transition.handle(state, frame, now, env), transition.to);
  } catch (err) {
    // A body that does not decode or authenticate is dropped; the genuine one may still come.
    if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED')) {
      return ignore(state, `rejected ${frame.type}`, err.code);
    }
    throw err;
  }
}

/**
 * An error frame from the server (docs/protocol.md, "error"), in a phase of a running activation.
 * Once the handset holds a key of the server's (k_SH after Tb, then the transport key), only an
 * error sealed under it ends the activation; one in clear is ignored. Before that, one in clear is
 * kept as a hint: the handset goes on waiting (and retransmitting), so that a forged error cannot
 * pre-empt the server's real answer, and reports the hinted code only if it times out. The text is
 * always ours ({@link errorText}).
 */
function onErrorFrame(state: HandsetState, frame: Frame, _now: number, env: HandsetEnv): StepResult<HandsetState> {
  const keys: ErrorKey[] = [];
  if (state.phase === 'awaiting-key') keys.push({ session: state.session.serverToHandset });
  if (issuedInThisActivation(state)) keys.push({ transport: state.transportKey });
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
    if (keys.length > 0 || state.phase !== 'awaiting-server-share') return ignore(state, 'unauthenticated error frame', code);
    if (state.session.hint === code) return ignore(state, 'unauthenticated error frame (hint kept)', code);
    return {
      state: { ...state, session: { ...state.session, hint: code } },
      outputs: [{ type: 'ignored', reason: 'unauthenticated error frame (kept as a hint)', code }],
    };
  }
  // After the commit point the server retired the device: not a failed activation (docs/lifecycle.md).
  if (code === 'DEACTIVATED' && (state.phase === 'syncing' || state.phase === 'sync-pending')) return deactivate(state, 'refused');
  const detail: Record<string, unknown> = { reportedBy: 'server', authenticated: true };
  if (rules) detail.rules = rules;
  return fail(state, code, errorText(code), { detail, notifyServer: false });
}

/**
 * An error frame after activation. Only `DEACTIVATED`, sealed under the transport key, means
 * something here: the server retired this device (another device was activated for the user, or
 * it was wiped), and the handset acts as on the deactivate command. Anything else is ignored:
 * there is no activation running to end.
 */
function onRetiredError(state: HandsetStateIn<'complete'>, frame: Frame, _now: number, env: HandsetEnv): StepResult<HandsetState> {
  let opened;
  try {
    // Within its 7 days the previous key is tried too, as for every frame after a rollover
    // (docs/lifecycle.md, "Key states"): a server that has not switched yet seals under it.
    const keys = state.previousKey ? [state.transportKey, state.previousKey.key] : [state.transportKey];
    opened = openErrorBody(
      env.provider,
      frame.body,
      headerAd(frame),
      keys.map((transport) => ({ transport })),
    );
  } catch (err) {
    if (isActivationError(err)) return ignore(state, 'undecodable error frame', err.code);
    throw err;
  }
  if (opened === undefined || !opened.authenticated) return ignore(state, 'unauthenticated error frame after activation');
  if (opened.message.code !== 'DEACTIVATED') return ignore(state, 'error frame after activation', opened.message.code);
  return deactivate(state, 'refused');
}
