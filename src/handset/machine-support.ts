/** Helpers shared by the handset's phase handlers: building frames, waiting, failing. */
import { ActivationError, type ActivationErrorCode } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { PROTOCOL_VERSION, encodeFrame, frameAssociatedData, type Frame, type MessageType } from '../wire/frame.js';
import { type ErrorKey, encodeErrorMessage, sealErrorBody } from '../wire/messages/error.js';
import type { HandsetOutput, StepResult } from './io.js';
import type { HandsetPhase, HandsetState, SessionState } from './state.js';
import { failedStatus } from './status.js';

/** What the machine is given besides state and input: the crypto provider and the randomness. */
export interface HandsetEnv {
  /** The cryptography, e.g. {@link nobleProvider}. */
  readonly provider: CryptoProvider;
  /** Every random byte the machine uses; {@link seededRandom} makes a run reproducible. */
  readonly random: RandomSource;
}

/** The frame header of the next message the handset sends. */
export function nextHeader(state: HandsetState, session: SessionState, type: MessageType, to: string): Omit<Frame, 'body'> {
  return { v: PROTOCOL_VERSION, type, sid: session.sid, seq: session.sendSeq, pin: state.config.pin, to };
}

export function headerAd(header: Omit<Frame, 'body'>): Uint8Array {
  return frameAssociatedData(header);
}

/**
 * Sends a request and waits for its reply: advances the send sequence, remembers the frame for
 * retransmission, expects the next server sequence number, arms the timer.
 */
export function sendAndWait(
  state: HandsetState,
  session: SessionState,
  header: Omit<Frame, 'body'>,
  body: Uint8Array,
  phase: HandsetPhase,
  now: number,
  extra: readonly HandsetOutput[] = [],
  expectReply = true,
): StepResult<HandsetState> {
  const bytes = encodeFrame({ ...header, body });
  const deadline = now + state.config.retry.replyTimeoutMs;
  const next: SessionState = {
    ...session,
    sendSeq: session.sendSeq + 1,
    lastSent: { bytes, to: header.to },
    retriesUsed: 0,
    deadline: expectReply ? deadline : undefined,
  };
  return {
    state: { ...state, phase, session: next },
    outputs: [
      ...extra,
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
const pendingErrors = new WeakMap<HandsetOutput, { header: Omit<Frame, 'body'>; code: ActivationErrorCode; key: ErrorKey | undefined }>();

/**
 * The key the handset seals an error frame under now: k_HS while it has it (phase 2), the transport
 * key issued in this activation afterwards, none before the server's Tb was verified (then the
 * server takes the frame only as a hint, docs/protocol.md "error").
 */
export function handsetErrorKey(state: HandsetState, session: SessionState): ErrorKey | undefined {
  if (session.handsetToServer) return { session: session.handsetToServer };
  if (state.transportKey && ISSUED_PHASES.includes(state.phase)) return { transport: state.transportKey };
  return undefined;
}

/** Phases in which the state's transport key is the one issued in the running activation. */
const ISSUED_PHASES: readonly HandsetPhase[] = ['awaiting-policy', 'awaiting-services', 'syncing'];

/** Replaces each error frame {@link fail} produced by its sealed form (called by handsetStep with its env). */
export function sealPendingErrors(result: StepResult<HandsetState>, env: HandsetEnv): StepResult<HandsetState> {
  if (!result.outputs.some((o) => pendingErrors.has(o))) return result;
  const outputs = result.outputs.map((o) => {
    const pending = pendingErrors.get(o);
    if (!pending || o.type !== 'send') return o;
    const body = sealErrorBody(env.provider, env.random, { code: pending.code }, frameAssociatedData(pending.header), pending.key);
    return { type: 'send' as const, bytes: encodeFrame({ ...pending.header, body }), to: o.to };
  });
  return { state: result.state, outputs };
}

/**
 * Ends the activation with an error; tells the server where there is a session to tell, sealed
 * under the activation's current key (see {@link handsetErrorKey}). Every phase reports its
 * failures through this; `message` is ours and stays on the handset (the frame carries the code).
 */
export function fail(
  state: HandsetState,
  code: ActivationErrorCode,
  message: string,
  detail: Record<string, unknown> = {},
  notifyServer = true,
): StepResult<HandsetState> {
  const error = new ActivationError(code, message, { operation: 'activation', phase: state.phase, ...detail });
  const outputs: HandsetOutput[] = [{ type: 'clear-timer' }];
  const session = state.session;
  if (notifyServer && session) {
    const to = session.serverSrp !== undefined ? `srp:${session.serverSrp}` : `mailto:${session.email}`;
    const header = nextHeader(state, session, 'error', to);
    // Sealed by sealPendingErrors; the frame in clear stands in for it until then (a hint at most).
    const send: HandsetOutput = { type: 'send', bytes: encodeFrame({ ...header, body: encodeErrorMessage({ code }) }), to };
    pendingErrors.set(send, { header, code, key: handsetErrorKey(state, session) });
    outputs.push(send);
  }
  const status = failedStatus(code);
  outputs.push({ type: 'status', status }, { type: 'failed', error });
  // A key issued in this activation is not kept when the activation fails.
  const issuedNow = state.phase === 'awaiting-policy' || state.phase === 'awaiting-services' || state.phase === 'syncing';
  const keep = issuedNow ? { transportKey: undefined, server: undefined } : {};
  return {
    state: { ...state, ...keep, phase: 'failed', session: undefined, pendingPolicy: undefined, status, failure: { code, message } },
    outputs,
  };
}

/** Leaves the state as it is and reports why a frame was not used. */
export function ignore(state: HandsetState, reason: string, code?: string): StepResult<HandsetState> {
  return { state, outputs: [code === undefined ? { type: 'ignored', reason } : { type: 'ignored', reason, code }] };
}
