/** Helpers shared by the handset's phase handlers: building frames, waiting, failing. */
import { ActivationError, type ActivationErrorCode } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  frameAssociatedData,
  frameAssociatedDataView,
  type Frame,
  type MessageType,
} from '../wire/frame.js';
import { type ErrorKey, encodeErrorMessage, sealErrorBody } from '../wire/messages/error.js';
import type { HandsetOutput, StepResult } from './io.js';
import { type FailedState, type HandsetPhase, type HandsetState, type SessionState, type StateWithSession, deviceFields } from './state.js';
import { failedStatus } from './status.js';

/** What the machine is given besides state and input: the crypto provider and the randomness. */
export interface HandsetEnv {
  /** The cryptography, e.g. {@link nobleProvider}. */
  readonly provider: CryptoProvider;
  /** Every random byte the machine uses; {@link seededRandom} makes a run reproducible. */
  readonly random: RandomSource;
}

/** A frame's header: everything but the body (whose sealing binds the header as associated data). */
export type FrameHeader = Omit<Frame, 'body'>;

/** The frame header of the next message the handset sends in `session`. */
export function nextHeader(state: Pick<HandsetState, 'config'>, session: SessionState, type: MessageType, to: string): FrameHeader {
  return { v: PROTOCOL_VERSION, type, sid: session.sid, seq: session.sendSeq, pin: state.config.pin, to };
}

/**
 * The associated data that binds a frame's header to its sealed body: a view, not a copy
 * (`frameAssociatedDataView`), since every handler hands it straight to a seal or an open.
 */
export function headerAd(header: FrameHeader): Uint8Array {
  return frameAssociatedDataView(header);
}

/** How {@link sendAndWait} sends: when, what to output first, and whether a reply is awaited. */
export interface SendOptions {
  /** The time of the input being handled (ms). */
  readonly now: number;
  /** Outputs that come before the `send` (statuses, events). */
  readonly before?: readonly HandsetOutput[];
  /**
   * Whether the request expects a reply (default true): arm the timer. An acknowledgement that
   * nothing answers (an IT policy update's) clears it instead.
   */
  readonly expectReply?: boolean;
}

/**
 * Sends a request and waits for its reply. `next` is the state the handset moves to, with the
 * session the request belongs to (its `sendSeq` is the header's `seq`): this advances the send
 * sequence, remembers the frame for retransmission and arms the timer.
 */
export function sendAndWait<S extends StateWithSession>(
  next: S,
  header: FrameHeader,
  body: Uint8Array,
  options: SendOptions,
): StepResult<HandsetState> {
  const expectReply = options.expectReply ?? true;
  const bytes = encodeFrame({ ...header, body });
  const deadline = options.now + next.config.retry.replyTimeoutMs;
  // Kept for retransmission only while a reply is awaited: an acknowledgement nothing answers is
  // never sent again, and an idle handset holds no frame.
  const { lastSent: _lastSent, deadline: _deadline, ...session } = next.session;
  const sent: S = {
    ...next,
    session: {
      ...session,
      sendSeq: next.session.sendSeq + 1,
      retriesUsed: 0,
      ...(expectReply ? { lastSent: { bytes, to: header.to }, deadline } : {}),
    },
  } as S;
  return {
    state: sent,
    outputs: [
      ...(options.before ?? []),
      // The state keeps `bytes` for retransmission; the transport gets its own copy.
      { type: 'send', bytes: bytes.slice(), to: header.to },
      expectReply ? { type: 'set-timer', at: deadline } : { type: 'clear-timer' },
    ],
  };
}

/**
 * Error frames that {@link fail} asked for, by their `send` output: {@link sealPendingErrors} seals
 * each under the key the activation held when it failed (fail() has no randomness to do it itself,
 * and this keeps its signature for every phase). Only handsetStep's outputs ever carry one.
 */
const pendingErrors = new WeakMap<HandsetOutput, { header: FrameHeader; code: ActivationErrorCode; key: ErrorKey | undefined }>();

/**
 * The key the handset seals an error frame under now: k_HS while it has it (phase 2), the transport
 * key issued in this activation afterwards, none before the server's Tb was verified (then the
 * server takes the frame only as a hint, docs/protocol.md "error").
 */
export function handsetErrorKey(state: HandsetState): ErrorKey | undefined {
  if (state.phase === 'awaiting-key') return { session: state.session.handsetToServer };
  if (issuedInThisActivation(state)) return { transport: state.transportKey };
  return undefined;
}

/** The states whose transport key was issued in the running activation (not yet complete). */
export function issuedInThisActivation(
  state: HandsetState,
): state is Extract<
  HandsetState,
  { readonly phase: 'awaiting-policy' | 'applying-policy' | 'awaiting-services' | 'syncing' | 'sync-pending' }
> {
  return ISSUED_PHASES.includes(state.phase);
}

/** Phases in which the state's transport key is the one issued in the running activation. */
const ISSUED_PHASES: readonly HandsetPhase[] = ['awaiting-policy', 'applying-policy', 'awaiting-services', 'syncing', 'sync-pending'];

/** Replaces each error frame {@link fail} produced by its sealed form (called by handsetStep with its env). */
export function sealPendingErrors(result: StepResult<HandsetState>, env: HandsetEnv): StepResult<HandsetState> {
  const outputs = result.outputs.map((o) => {
    const pending = pendingErrors.get(o);
    if (!pending) return o;
    const body = sealErrorBody(env.provider, env.random, { code: pending.code }, frameAssociatedData(pending.header), pending.key);
    return { type: 'send' as const, bytes: encodeFrame({ ...pending.header, body }), to: pending.header.to };
  });
  return { state: result.state, outputs };
}

/** How {@link fail} ends an activation besides its code and message. */
export interface FailOptions {
  /** Structured detail for the error's `cause`. */
  readonly detail?: Record<string, unknown>;
  /** Tell the server with an error frame (default true; false when the server ended it, or nobody is left to tell). */
  readonly notifyServer?: boolean;
  /**
   * The server's SRP identifier when the session does not hold it yet: a failure that answers the
   * server's first message (a wrong Tb) goes back to the server that sent it.
   */
  readonly serverSrp?: string;
}

/**
 * Ends the activation with an error; tells the server where there is a session to tell, sealed
 * under the activation's current key (see {@link handsetErrorKey}). Every phase reports its
 * failures through this; `message` is ours and stays on the handset (the frame carries the code).
 */
export function fail(state: HandsetState, code: ActivationErrorCode, message: string, options: FailOptions = {}): StepResult<HandsetState> {
  const error = new ActivationError(code, message, { operation: 'activation', phase: state.phase, ...options.detail });
  const outputs: HandsetOutput[] = [{ type: 'clear-timer' }];
  const session = state.session;
  if ((options.notifyServer ?? true) && session) {
    const srp = options.serverSrp ?? ('serverSrp' in session ? session.serverSrp : undefined);
    const to = srp !== undefined ? `srp:${srp}` : `mailto:${session.email}`;
    const header = nextHeader(state, session, 'error', to);
    // Sealed by sealPendingErrors; the frame in clear stands in for it until then (a hint at most).
    const send: HandsetOutput = { type: 'send', bytes: encodeFrame({ ...header, body: encodeErrorMessage({ code }) }), to };
    pendingErrors.set(send, { header, code, key: handsetErrorKey(state) });
    outputs.push(send);
  }
  const status = failedStatus(code);
  outputs.push({ type: 'status', status }, { type: 'failed', error });
  // An activation fails only before its commit point (the registration of the service books;
  // docs/protocol.md, "The commit point"), and the server has not activated the account then: the
  // handset keeps nothing of it either, no key, no policy, no books, no data (issue 12, finding 1).
  const failed: FailedState = {
    version: state.version,
    phase: 'failed',
    config: state.config,
    // The device's own: its long-term keys, its IT policy key binding, its password failure count.
    ...deviceFields(state),
    ...(state.email !== undefined ? { email: state.email } : {}),
    // The device's own organizer records are not the activation's: they stay in the record store,
    // which a failure does not touch (no page arrives before the commit point).
    status,
    failure: { code, message },
  };
  return { state: failed, outputs };
}

/** Leaves the state as it is and reports why a frame was not used. */
export function ignore(state: HandsetState, reason: string, code?: string): StepResult<HandsetState> {
  return { state, outputs: [code === undefined ? { type: 'ignored', reason } : { type: 'ignored', reason, code }] };
}
