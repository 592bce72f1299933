/**
 * The server's sans-I/O core, the mirror of the handset's (src/handset/machine.ts):
 * `serverStep(state, input, env)` returns one session's next state and the outputs (frames to
 * send, log lines, account changes, reports to the administrator). It has no clock, no tables,
 * no sockets and no randomness of its own: time and randomness arrive in `env`, with a read-only
 * view of the account. Given the same state, input and env, it always returns the same result.
 *
 * Two tables say what a server session does: {@link SERVER_FRAME_TRANSITIONS} (which message each
 * phase takes, who handles it, where it may lead) and {@link SERVER_INPUT_TRANSITIONS} (policy
 * pushes and clock ticks); a session starts with {@link startServerSession} in one of
 * {@link SERVER_START_PHASES}. The diagram in docs/server.md is checked against them
 * (test/simulator/server-diagram.test.ts), and {@link serverStep} refuses a transition that is not
 * in them. Which session a frame belongs to is decided before, by {@link routeFrame}.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { frameAssociatedData, type Frame, type MessageType } from '../wire/frame.js';
import { openErrorBody } from '../wire/messages/error.js';
import type { ServerEnv, ServerInput, ServerStartResult, ServerStepResult } from './server-io.js';
import { aborted, drop, handsetErrorKeys } from './server-machine-support.js';
import { onEtpDat, onHandsetConfirm, onKeyVerified, onUnconfirmedTick } from './server-phase-key-exchange.js';
import { onBooksAck, onPolicyAck, onRetransmitTick } from './server-phase-services.js';
import { onPolicyUpdateAckTracked, onPushPolicyTracked, onUnappliedPolicyTick } from './server-unapplied-policy.js';
import { onSyncAck } from './server-phase-sync.js';
import {
  onBooksResendAck,
  onCommandAck,
  onResendBooks,
  onRetire,
  onRetiredFrame,
  onRetiredTick,
  sendBooks,
} from './server-phase-commands.js';
import { onRegenerateKey, onRekeyAccept, onRekeyRequest, onRolloverTick } from './server-phase-rollover.js';
import type { EtpDat } from '../wire/messages/etp-dat.js';
import type { ServerPhase, ServerSessionState, ServerStateIn } from './server-state.js';

/** One entry of {@link SERVER_FRAME_TRANSITIONS}: the handler of a message in a phase, and the phases it may lead to. */
export interface ServerFrameTransition<P extends ServerPhase> {
  /** Takes the frame (already routed to the session and checked for sequence) in phase `P`'s state. */
  readonly handle: (state: ServerStateIn<P>, frame: Frame, env: ServerEnv) => ServerStepResult;
  /**
   * The phases the handler may move to, `P` itself when staying is a transition of the protocol
   * (another sync page, an update acknowledged). A dropped frame stays in `P` without being one.
   */
  readonly to: readonly ServerPhase[];
}

/** The shape of {@link SERVER_FRAME_TRANSITIONS}: per phase, per message type, a transition. */
export type ServerFrameTable = { readonly [P in ServerPhase]?: { readonly [M in MessageType]?: ServerFrameTransition<P> } };

/** Where the handset's error frame leads: it ends the session. */
const ABORT: readonly ServerPhase[] = ['failed'];

/**
 * Which message each phase of a server session takes, who handles it, and where it may lead. A
 * message a phase does not list is dropped (logged). The handset's errors end any phase of a
 * running activation; after it, only acknowledgements of IT policy updates come.
 */
export const SERVER_FRAME_TRANSITIONS: ServerFrameTable = {
  'awaiting-confirm': {
    'handset-confirm': { handle: onHandsetConfirm, to: ['awaiting-key-verified', 'failed'] },
    error: { handle: onHandsetError, to: ABORT },
  },
  'awaiting-key-verified': {
    'key-verified': { handle: onKeyVerified, to: ['awaiting-policy-ack', 'failed'] },
    error: { handle: onHandsetError, to: ABORT },
  },
  'awaiting-policy-ack': {
    'policy-ack': { handle: onPolicyAck, to: ['awaiting-books-ack', 'failed'] },
    error: { handle: onHandsetError, to: ABORT },
  },
  // The commit point. No data to send at all goes straight to sync-done; a session that lost its
  // claim on the password fails, uncommitted.
  'awaiting-books-ack': {
    'books-ack': { handle: onBooksAck, to: ['syncing', 'complete', 'failed'] },
    error: { handle: onHandsetError, to: ABORT },
  },
  // Committed: nothing fails the activation any more, and the handset no longer aborts it.
  syncing: {
    'sync-ack': { handle: onSyncAck, to: ['syncing', 'complete'] },
  },
  // After activation: the acknowledgement of an IT policy update (recorded, or logged when it
  // names another; a rejection retires the device when the unapplied-policy limit is 0) or of
  // service books sent again, and the key rollover's messages.
  complete: {
    'policy-ack': { handle: onPolicyUpdateAckTracked, to: ['complete', 'retired'] },
    'books-ack': { handle: onBooksResendAck, to: ['complete'] },
    'rekey-request': { handle: onRekeyRequest, to: ['complete'] },
    'rekey-accept': { handle: onRekeyAccept, to: ['complete'] },
  },
  // A retired device: its command's acknowledgement; anything else that opens under its old key
  // is answered with DEACTIVATED (onFrame sends every other type to onRetiredFrame).
  retired: { 'device-command-ack': { handle: onCommandAck, to: ['retired'] } },
};

/**
 * The inputs that are not frames: from which phases each may move a session, and to where. An
 * input in a phase it does not list changes nothing.
 */
export const SERVER_INPUT_TRANSITIONS = {
  // A new IT policy for an activated device: sent now, or recorded for the next tick.
  'push-policy': { complete: ['complete'] },
  // An unacknowledged update is sent again; an attempt left unconfirmed is reported, once; a
  // device that left its IT policy unapplied past the limit is retired.
  tick: { 'awaiting-confirm': ['awaiting-confirm'], complete: ['complete', 'retired'], retired: ['retired'] },
  // The device is retired (another device activated for the user, or wiped): docs/lifecycle.md.
  retire: { complete: ['retired'] },
  'resend-books': { complete: ['complete'] },
  // The administrator's "Regenerate Encryption Key": a key rollover (docs/lifecycle.md).
  'regenerate-key': { complete: ['complete'] },
} as const satisfies { readonly [I in Exclude<ServerInput['type'], 'frame'>]: { readonly [P in ServerPhase]?: readonly ServerPhase[] } };

/** The phases an ETP.DAT's new session starts in: waiting for the confirmation, or failed at once (an invalid CPace share). */
export const SERVER_START_PHASES: readonly ServerPhase[] = ['awaiting-confirm', 'failed'];

/**
 * The server's protocol logic for one session as a pure step function: given the session's state
 * and one input (a frame routed to it, an IT policy to push, a clock tick), returns the next state
 * and the outputs to perform in order (send a frame, log, change the account, tell the
 * administrator). {@link BesSimulator} is the driver around it: it keeps the tables (sessions,
 * replays, admission, accounts), the clock, the timers and the transports, routes each frame
 * ({@link routeFrame}) and applies the outputs right after the step.
 *
 * It keeps no clock, table or randomness of its own: time and randomness come from `env`, with the
 * account as it is before the step. A frame that does not decode or authenticate is dropped (a
 * `log` output), not an exception; it throws {@link ActivationError} `INVALID_ARGUMENT` only for
 * an input that is not an input at all.
 *
 * @example
 * ```ts
 * import { serverStep } from 'enterprise-activation/simulator';
 *
 * const { state: next, outputs } = serverStep(session, { type: 'frame', frame }, { ...env, now: Date.now(), account });
 * for (const out of outputs) if (out.type === 'send') radio.send(out.bytes); // and 'log', 'account', 'attempt-failed'
 * ```
 */
export function serverStep(state: ServerSessionState, input: ServerInput, env: ServerEnv): ServerStepResult {
  if (input === null || typeof input !== 'object') {
    throw new ActivationError('INVALID_ARGUMENT', 'an input is an object with a type', { field: 'input' });
  }
  switch (input.type) {
    case 'frame':
      return onFrame(state, input.frame, env);
    case 'push-policy':
      if (state.phase !== 'complete') return { state, outputs: [] };
      return checked(
        state,
        onPushPolicyTracked(state, input.policy, input.sendNow, env),
        SERVER_INPUT_TRANSITIONS['push-policy'][state.phase],
      );
    case 'tick':
      if (state.phase === 'awaiting-confirm')
        return checked(state, onUnconfirmedTick(state, env), SERVER_INPUT_TRANSITIONS.tick[state.phase]);
      if (state.phase === 'complete') return checked(state, onCompleteTick(state, env), SERVER_INPUT_TRANSITIONS.tick[state.phase]);
      if (state.phase === 'retired') return checked(state, onRetiredTick(state, env), SERVER_INPUT_TRANSITIONS.tick[state.phase]);
      return { state, outputs: [] };
    case 'retire':
      if (state.phase !== 'complete') return { state, outputs: [] };
      return checked(state, onRetire(state, input.command, input.sendNow, env), SERVER_INPUT_TRANSITIONS.retire[state.phase]);
    case 'resend-books':
      if (state.phase !== 'complete') return { state, outputs: [] };
      return checked(state, onResendBooks(state, input.sendNow, env), SERVER_INPUT_TRANSITIONS['resend-books'][state.phase]);
    case 'regenerate-key':
      if (state.phase !== 'complete') return { state, outputs: [] };
      return checked(state, onRegenerateKey(state, env), SERVER_INPUT_TRANSITIONS['regenerate-key'][state.phase]);
    default:
      throw new ActivationError('INVALID_ARGUMENT', 'unknown input type', { field: 'input.type' });
  }
}

/**
 * A new session from an ETP.DAT (the driver has ruled out a replay and admitted it): CPace against
 * the account's password or a dummy, and the server's share. No session when the request is
 * refused before CPace. `env.account` is the account of the ETP.DAT's address.
 */
export function startServerSession(frame: Frame, etp: EtpDat, env: ServerEnv): ServerStartResult {
  const result = onEtpDat(frame, etp, env);
  const to = result.state?.phase;
  if (to !== undefined && !SERVER_START_PHASES.includes(to)) {
    throw new ActivationError('INVALID_STATE', 'a start that the server tables do not list', { operation: 'startServerSession', to });
  }
  return result;
}

/**
 * Refuses a transition the tables do not list: a handler that moves a session elsewhere is a bug
 * of ours, caught here (and by the fuzzers) instead of surfacing as a strange state later.
 */
function checked(from: ServerSessionState, result: ServerStepResult, allowed: readonly ServerPhase[]): ServerStepResult {
  const to = result.state.phase;
  if (to !== from.phase && !allowed.includes(to)) {
    throw new ActivationError('INVALID_STATE', 'a transition that the server tables do not list', {
      operation: 'serverStep',
      phase: from.phase,
      to,
    });
  }
  return result;
}

/**
 * A frame routed to this session. The guards run in this order, each for a reason: a repeated
 * request (its reply was lost) gets the same reply again, byte for byte, whatever the session
 * became since (an error reply included); anything older was answered already; a failed session
 * takes nothing more; a frame that skips ahead is not taken (the handset sends one request at a
 * time), except an acknowledgement after activation (of an IT policy update, or of service books
 * sent again), which answers a push that may have followed a lost frame (it is sealed over its
 * sequence number, and taking it moves `recvSeq` past it, so nothing older can follow); then the
 * table decides.
 */
function onFrame(state: ServerSessionState, frame: Frame, env: ServerEnv): ServerStepResult {
  // A retired device hears DEACTIVATED whatever it sends (docs/lifecycle.md): before the guards
  // below, since it may repeat a request of its old session (its last reply would say nothing).
  if (state.phase === 'retired' && frame.type !== 'device-command-ack')
    return guarded(state, frame, () => onRetiredFrame(state, frame, env));
  if (state.phase === 'retired') return dispatch(state, frame, env);
  if (state.lastReply && state.lastReply.forSeq === frame.seq)
    return { state, outputs: [{ type: 'send', bytes: state.lastReply.bytes.slice() }] };
  if (frame.seq < state.recvSeq) return drop(state, frame, 'old frame');
  if (state.phase === 'failed') return drop(state, frame, 'frame of a failed session');
  const updateAck = state.phase === 'complete' && (frame.type === 'policy-ack' || frame.type === 'books-ack');
  if (frame.seq > state.recvSeq && !updateAck) return drop(state, frame, 'frame out of order');
  return dispatch(state, frame, env);
}

/**
 * The clock moved for an activated device: past the unapplied-policy limit it is retired, and
 * nothing else is sent to it; otherwise an IT policy update due goes again, then service books
 * due, then a key rollover (offer due again, or the schedule).
 */
function onCompleteTick(state: ServerStateIn<'complete'>, env: ServerEnv): ServerStepResult {
  const unapplied = onUnappliedPolicyTick(state, env);
  if (unapplied !== undefined) return unapplied;
  const policy = onRetransmitTick(state, env);
  const next = policy.state;
  const push = next.booksPush;
  const books = push === undefined || env.now - push.sentAt < env.policyRetransmitMs ? { state: next, outputs: [] } : sendBooks(next, env);
  const rollover = onRolloverTick(books.state, env);
  return { state: rollover.state, outputs: [...policy.outputs, ...books.outputs, ...rollover.outputs] };
}

/** Runs `fn`, dropping a frame whose body does not decode or authenticate (as {@link dispatch} does). */
function guarded(state: ServerSessionState, frame: Frame, fn: () => ServerStepResult): ServerStepResult {
  try {
    return fn();
  } catch (err) {
    if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED'))
      return drop(state, frame, `rejected ${frame.type}: ${err.code}`);
    throw err;
  }
}

/** Runs the table's handler for this phase and message, if there is one. */
function dispatch<P extends ServerPhase>(state: ServerStateIn<P>, frame: Frame, env: ServerEnv): ServerStepResult {
  const phase: P = state.phase;
  const transitions: ServerFrameTable[P] = SERVER_FRAME_TRANSITIONS[phase];
  const transition = transitions?.[frame.type];
  if (!transition) return drop(state, frame, `unexpected ${frame.type} in ${phase}`);
  try {
    return checked(state, transition.handle(state, frame, env), transition.to);
  } catch (err) {
    // A body that does not decode or authenticate is dropped; the genuine one may still come.
    if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED'))
      return drop(state, frame, `rejected ${frame.type}: ${err.code}`);
    throw err;
  }
}

/**
 * An error frame from the handset, routed to this session because it is sealed under one of its
 * keys (k_HS, or the transport key once issued) with the sequence number expected next: the
 * handset ended the activation. One in clear is only a hint, and ends nothing. There is no peer
 * text to keep (src/wire/messages/error.ts).
 */
function onHandsetError(state: ServerSessionState, frame: Frame, env: ServerEnv): ServerStepResult {
  const opened = openErrorBody(env.provider, frame.body, frameAssociatedData(frame), handsetErrorKeys(state));
  if (opened === undefined) return drop(state, frame, 'error frame of no session state');
  if (!opened.authenticated)
    return {
      state,
      outputs: [{ type: 'log', event: 'unauthenticated error frame', detail: { pin: frame.pin, code: opened.message.code } }],
    };
  return aborted(state, opened.message.code);
}
