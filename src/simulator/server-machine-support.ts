/** Helpers shared by the server's phase handlers: replying, failing, dropping a frame, the keys of error frames. */
import { type ActivationErrorCode, isActivationError } from '../errors/activation-error.js';
import { verifyConfirmationTag } from '../crypto/cpace/cpace.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { bytesToHex, utf8ToBytes } from '../util/bytes.js';
import { normalizeEmail } from '../protocol/key-schedule.js';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  frameAssociatedData,
  frameAssociatedDataView,
  type Frame,
  type MessageType,
} from '../wire/frame.js';
import { type ErrorKey, encodeErrorMessage, sealErrorBody } from '../wire/messages/error.js';
import { openBody, sealBody } from '../wire/messages/sealed-body.js';
import type { ServerEnv, ServerOutput, ServerStepResult } from './server-io.js';
import {
  type ServerFailedState,
  type ServerSessionBase,
  type ServerSessionState,
  type ServerTransportKey,
  type TaCheck,
  sessionBase,
} from './server-state.js';

/** A frame's header: everything but the body (whose sealing binds the header as associated data). */
export type FrameHeader = Omit<Frame, 'body'>;

/** The header of the next frame the server sends in `state`'s session. */
export function nextHeader(state: ServerSessionBase, type: MessageType): FrameHeader {
  return { v: PROTOCOL_VERSION, type, sid: state.sid, seq: state.sendSeq, pin: state.pin, to: `pin:${state.pin}` };
}

/** A state and the send of the frame that moved it there. */
export interface Replied<S> {
  readonly state: S;
  readonly send: ServerOutput;
}

/**
 * Sends a frame in `next`'s session and moves to `next`: advances the send sequence and, for the
 * reply to request `forSeq`, keeps the frame to answer that request again if it is repeated. A
 * message the server starts itself (`forSeq` undefined: a policy update) answers no request, and
 * must not displace the reply a repeated request would need.
 */
export function reply<S extends ServerSessionState>(
  next: S,
  type: MessageType,
  makeBody: (ad: Uint8Array) => Uint8Array,
  forSeq: number | undefined,
): Replied<S> {
  const header = nextHeader(next, type);
  // The associated data and the body are views (frameAssociatedDataView, sealBody): encodeFrame copies the body.
  const bytes = encodeFrame({ ...header, body: makeBody(frameAssociatedDataView(header)) });
  const sent: S =
    forSeq === undefined ? { ...next, sendSeq: next.sendSeq + 1 } : { ...next, sendSeq: next.sendSeq + 1, lastReply: { forSeq, bytes } };
  // The state keeps `bytes` for a repeated request; the transport gets its own copy.
  return { state: sent, send: { type: 'send', bytes: bytes.slice() } };
}

/** A state that holds the transport key. */
export type KeyedState = Extract<ServerSessionState, { readonly transportKey: ServerTransportKey }>;

/** {@link reply} with `plaintext` sealed under the session's transport key. */
export function sealed<S extends KeyedState>(
  next: S,
  type: MessageType,
  plaintext: Uint8Array,
  forSeq: number | undefined,
  env: ServerEnv,
): Replied<S> {
  return reply(next, type, (ad) => sealBody(env.provider, next.transportKey, plaintext, ad, env.random), forSeq);
}

/** The body of `frame`, opened under the session's transport key (DECRYPT_FAILED, MALFORMED otherwise). */
export function opened(state: KeyedState, frame: Frame, env: ServerEnv): Uint8Array {
  const ad = frameAssociatedDataView(frame);
  const previous = state.previousKey;
  if (previous === undefined) return openBody(env.provider, state.transportKey, frame.body, ad, frame.type);
  // After a rollover the handset may still seal under the key before it (it had not heard
  // rekey-done yet): current first, then previous, each a MAC check before any decryption.
  try {
    return openBody(env.provider, state.transportKey, frame.body, ad, frame.type);
  } catch (err) {
    if (!isActivationError(err) || err.code !== 'DECRYPT_FAILED') throw err;
    return openBody(env.provider, previous, frame.body, ad, frame.type);
  }
}

/** The fields {@link fail} and {@link serverErrorKey} read: every state has them (some as `undefined`). */
export type FailingSession = ServerSessionBase & {
  readonly confirmation?: TaCheck;
  readonly transportKey?: ServerTransportKey;
  readonly serverToHandset?: Uint8Array;
};

/** The key the server seals its error frames under now: the transport key once issued, k_SH before, none before CPace. */
export function serverErrorKey(state: FailingSession): ErrorKey | undefined {
  if (state.transportKey) return { transport: state.transportKey };
  if (state.serverToHandset) return { session: state.serverToHandset };
  return undefined;
}

/** The keys an error frame from the handset may be sealed under (the transport key once issued, and k_HS). */
export function handsetErrorKeys(state: ServerSessionState): ErrorKey[] {
  const keys: ErrorKey[] = [];
  if (state.transportKey) keys.push({ transport: state.transportKey });
  if (state.previousKey) keys.push({ transport: state.previousKey });
  if (state.handsetToServer) keys.push({ session: state.handsetToServer });
  return keys;
}

/** True when `tag` is this session's Ta (constant time). Also picks a confirmation's session among those with one sid and PIN. */
export function confirmsSession(state: ServerSessionState, tag: Uint8Array, provider: CryptoProvider): boolean {
  const check = state.confirmation;
  return check !== undefined && verifyConfirmationTag(check.macKey, check.share, check.headerBytes, tag, provider);
}

/** How {@link fail} ends a session besides its code. */
export interface FailOptions {
  /** The IT policy rules the device could not apply (POLICY_REJECTED). */
  readonly rules?: readonly string[];
  /**
   * Send the error frame now (default true). False when the handset has stopped already (it
   * rejected the policy): the frame is still kept as the reply to a repeated request.
   */
  readonly send?: boolean;
}

/** The failed state that `state` ends in: what answers a repeated request with the same error. */
function failedState(state: FailingSession, changes: Pick<ServerSessionBase, 'sendSeq' | 'lastReply'>): ServerFailedState {
  const base = { ...sessionBase(state), ...changes, phase: 'failed' as const };
  return state.confirmation ? { ...base, confirmation: state.confirmation } : base;
}

/**
 * Ends the session with an error frame to the handset, sealed under the session's current key
 * ({@link serverErrorKey}), kept as the reply to the request it answers; the attempt failed and
 * the claim on the password (if any) goes. Every server phase reports its failures through this.
 *
 * `reason` says why, for the administrator: it goes into the `activation failed` log line only
 * (docs/server.md, "Log events"), never to the handset, which shows its own text for `code`. It
 * must never carry a secret: every call site passes a fixed text, to which it may add only codes,
 * algorithm names and IT policy rule names (the rules the device's own acknowledgement names).
 */
export function fail(
  state: FailingSession,
  code: ActivationErrorCode,
  reason: string,
  env: ServerEnv,
  options: FailOptions = {},
): ServerStepResult {
  const outputs: ServerOutput[] = [
    { type: 'account', change: { kind: 'attempt-failed', email: state.email, reason: code } },
    { type: 'account', change: { kind: 'release-claim', email: state.email, session: bytesToHex(state.sid) } },
    { type: 'log', event: 'activation failed', detail: { pin: state.pin, email: state.email, code, reason } },
    { type: 'attempt-failed', email: state.email, pin: state.pin, reason: code },
  ];
  const header = nextHeader(state, 'error');
  const message = options.rules ? { code, rules: options.rules } : { code };
  const bytes = encodeFrame({
    ...header,
    body: sealErrorBody(env.provider, env.random, message, frameAssociatedData(header), serverErrorKey(state)),
  });
  if (options.send ?? true) outputs.push({ type: 'send', bytes: bytes.slice() });
  return { state: failedState(state, { sendSeq: state.sendSeq + 1, lastReply: { forSeq: state.recvSeq, bytes } }), outputs };
}

/**
 * The handset ended the session (an error frame sealed under a key of this session): the attempt
 * failed, the claim goes, nothing is sent.
 */
export function aborted(state: ServerSessionState, code: ActivationErrorCode): ServerStepResult {
  return {
    state: failedState(state, { sendSeq: state.sendSeq, lastReply: state.lastReply }),
    outputs: [
      { type: 'account', change: { kind: 'attempt-failed', email: state.email, reason: 'handset aborted' } },
      { type: 'account', change: { kind: 'release-claim', email: state.email, session: bytesToHex(state.sid) } },
      { type: 'log', event: 'handset aborted', detail: { pin: state.pin, email: state.email, code } },
      { type: 'attempt-failed', email: state.email, pin: state.pin, reason: 'handset aborted' },
    ],
  };
}

/**
 * An error frame in clear, outside any session: the answer to an ETP.DAT refused before CPace (an
 * unsupported suite, say). The handset takes it only as a hint (docs/protocol.md, "error").
 */
export function errorFrame(frame: Pick<Frame, 'sid' | 'pin'>, code: ActivationErrorCode): Uint8Array {
  return encodeFrame({
    v: PROTOCOL_VERSION,
    type: 'error',
    sid: frame.sid,
    seq: 0,
    pin: frame.pin,
    to: `pin:${frame.pin}`,
    body: encodeErrorMessage({ code }),
  });
}

/** Leaves the state as it is and logs why the frame was not taken. */
export function drop<S extends ServerSessionState>(
  state: S,
  frame: Frame,
  reason: string,
): { readonly state: S; readonly outputs: readonly ServerOutput[] } {
  return { state, outputs: [dropped(frame, reason)] };
}

/** The log line of a frame not taken. */
export function dropped(frame: Frame, reason: string): ServerOutput {
  return { type: 'log', event: 'frame dropped', detail: { reason, type: frame.type, pin: frame.pin, seq: frame.seq } };
}

/**
 * The dummy PRS for an account without a usable password: HKDF of the server's secret and the
 * address, so that every request for the address runs against the same unknowable password.
 */
export function dummyPrs(env: Pick<ServerEnv, 'provider' | 'dummySecret'>, email: string): Uint8Array {
  return env.provider.hkdf(env.dummySecret, utf8ToBytes('enterprise-activation/v1 dummy password'), utf8ToBytes(normalizeEmail(email)), 32);
}
