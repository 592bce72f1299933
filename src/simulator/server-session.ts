/**
 * The server side of one activation: phases 1 and 2 (ETP.DAT, CPace, key confirmation, key issue
 * and verification). Each handler takes the session and a frame and returns the session and the
 * frames to send; the account rules live in {@link AccountStore}.
 */
import { ActivationError, type ActivationErrorCode } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource, TransportKeyAlgorithm } from '../crypto/provider.js';
import { confirmationTag, cpaceDeriveIsk, cpaceStart, verifyConfirmationTag } from '../crypto/cpace/cpace.js';
import { strongestCommon } from '../crypto/transport-key/select.js';
import { bytesToHex, constantTimeEqual } from '../util/bytes.js';
import {
  channelIdentifier,
  deriveSessionKeys,
  keyProofPayload,
  normalizeEmail,
  passwordToPrs,
  transcriptHash,
} from '../protocol/key-schedule.js';
import { PROTOCOL_VERSION, encodeFrame, frameAssociatedData, type Frame, type MessageType } from '../wire/frame.js';
import { decodeEtpDat, type EtpDat } from '../wire/etp/etp-dat.js';
import { openEtpBody, type EtpBody } from '../wire/etp/etp-body.js';
import { encodeServerRouting, encodeServerShare } from '../wire/messages/server-share.js';
import { decodeHandsetConfirm } from '../wire/messages/handset-confirm.js';
import { encodeKeyGrant, encodeKeyIssue } from '../wire/messages/key-issue.js';
import { decodeKeyVerified } from '../wire/messages/key-verified.js';
import { encodeErrorMessage } from '../wire/messages/error-message.js';
import type { AccountStore } from './accounts.js';
import type { ServerIdentity, ServerPolicy } from './server-config.js';

export type ServerPhase =
  | 'awaiting-confirm'
  | 'awaiting-key-verified'
  | 'awaiting-policy-ack'
  | 'awaiting-books-ack'
  | 'awaiting-sync-request'
  | 'syncing'
  | 'complete'
  | 'failed';

export interface ServerSession {
  readonly sid: Uint8Array;
  readonly pin: string;
  readonly email: string;
  phase: ServerPhase;
  readonly etp: EtpDat;
  readonly serverAd: Uint8Array;
  readonly serverShare: Uint8Array;
  keys?: { macKey: Uint8Array; handsetToServer: Uint8Array; serverToHandset: Uint8Array };
  device?: EtpBody;
  transportKey?: { algorithm: TransportKeyAlgorithm; keyId: Uint8Array; key: Uint8Array };
  transcript?: Uint8Array;
  /** Next sequence number expected from the handset, and the next the server sends. */
  recvSeq: number;
  sendSeq: number;
  /** The reply to the last request, sent again when that request is repeated. */
  lastReply?: { forSeq: number; bytes: Uint8Array };
  readonly startedAt: number;
  /** Free-form per-phase data of phases 3 and 4. */
  extra: Record<string, unknown>;
}

export interface ServerContext {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly now: number;
  readonly identity: ServerIdentity;
  readonly policy: ServerPolicy;
  readonly accounts: AccountStore;
  readonly log: (event: string, detail?: Record<string, unknown>) => void;
}

export interface ServerStep {
  readonly session?: ServerSession;
  readonly send: readonly Uint8Array[];
}

/** Builds a reply frame in this session and remembers it for a repeated request. */
export function reply(session: ServerSession, type: MessageType, makeBody: (ad: Uint8Array) => Uint8Array, forSeq: number): Uint8Array {
  const header = { v: PROTOCOL_VERSION, type, sid: session.sid, seq: session.sendSeq, pin: session.pin, to: `pin:${session.pin}` } as const;
  const bytes = encodeFrame({ ...header, body: makeBody(frameAssociatedData(header)) });
  session.sendSeq += 1;
  // A message the server starts itself (forSeq < 0: a policy update) answers no request, and must
  // not displace the reply a repeated request would need.
  if (forSeq >= 0) session.lastReply = { forSeq, bytes };
  return bytes;
}

/** An error reply outside any session (or ending one). */
export function errorFrame(frame: Pick<Frame, 'sid' | 'pin'>, seq: number, code: ActivationErrorCode, message: string, rules?: string[]): Uint8Array {
  return encodeFrame({
    v: PROTOCOL_VERSION,
    type: 'error',
    sid: frame.sid,
    seq,
    pin: frame.pin,
    to: `pin:${frame.pin}`,
    body: encodeErrorMessage(rules ? { code, message, rules } : { code, message }),
  });
}

export function failSession(session: ServerSession, ctx: ServerContext, code: ActivationErrorCode, message: string, rules?: string[]): ServerStep {
  session.phase = 'failed';
  ctx.accounts.attemptFailed(session.email, code);
  ctx.accounts.releaseClaim(session.email, bytesToHex(session.sid));
  ctx.log('activation failed', { pin: session.pin, email: session.email, code });
  const bytes = errorFrame(session, session.sendSeq, code, message, rules);
  session.sendSeq += 1;
  session.lastReply = { forSeq: session.recvSeq, bytes };
  return { session, send: [bytes] };
}

const PROBLEM_TEXT: Record<string, string> = {
  UNKNOWN_USER: 'no such user on this server',
  NO_ACTIVATION_PASSWORD: 'no activation password is set for this account',
  PASSWORD_EXPIRED: 'the activation password has expired',
  LOCKED_OUT: 'too many failed attempts: the activation password is no longer valid',
};

/** Phase 1 on the server: an ETP.DAT arrived. */
export function onEtpDat(frame: Frame, ctx: ServerContext): ServerStep {
  const etp = decodeEtpDat(frame.body);
  const header = etp.header;
  if (
    header.pin !== frame.pin ||
    !constantTimeEqual(header.nonce, frame.sid) ||
    frame.seq !== 0 ||
    normalizeEmail(frame.to.slice('mailto:'.length)) !== normalizeEmail(header.email) ||
    !frame.to.startsWith('mailto:')
  ) {
    throw new ActivationError('MALFORMED', 'ETP.DAT does not match its frame', { operation: 'server etp-dat' });
  }
  if (header.protocol !== PROTOCOL_VERSION) {
    return { send: [errorFrame(frame, 0, 'UNSUPPORTED', `protocol version ${header.protocol} is not supported`)] };
  }
  if (!ctx.policy.suites.includes(header.suite)) {
    return { send: [errorFrame(frame, 0, 'UNSUPPORTED', `CPace suite not supported; this server supports ${ctx.policy.suites.join(', ')}`)] };
  }
  const email = normalizeEmail(header.email);
  const usable = ctx.accounts.usablePassword(email);
  if ('problem' in usable) {
    ctx.log('ETP.DAT refused', { pin: header.pin, email, code: usable.problem });
    return { send: [errorFrame(frame, 0, usable.problem, PROBLEM_TEXT[usable.problem]!)] };
  }
  ctx.accounts.attemptStarted(email);
  const suite = ctx.provider.cpaceSuite(header.suite);
  const prs = passwordToPrs(usable.password);
  const { scalar, share } = cpaceStart(suite, { prs, ci: channelIdentifier(header.pin, header.email), sid: header.nonce }, ctx.random);
  prs.fill(0);
  const serverAd = encodeServerRouting({ srp: ctx.identity.srp, relay: ctx.identity.relay, suite: header.suite });
  const session: ServerSession = {
    sid: header.nonce,
    pin: header.pin,
    email,
    phase: 'awaiting-confirm',
    etp,
    serverAd,
    serverShare: share,
    recvSeq: 1,
    sendSeq: 0,
    startedAt: ctx.now,
    extra: {},
  };
  let isk: Uint8Array;
  try {
    isk = cpaceDeriveIsk(suite, { sid: header.nonce, scalar, peerShare: etp.share, Ya: etp.share, ADa: etp.headerBytes, Yb: share, ADb: serverAd });
  } catch {
    scalar.fill(0);
    session.recvSeq = 0;
    return failSession(session, ctx, 'PROTOCOL_ERROR', 'invalid CPace share');
  }
  scalar.fill(0);
  session.keys = deriveSessionKeys(ctx.provider, suite, header.nonce, isk);
  isk.fill(0);
  const tag = confirmationTag(session.keys.macKey, share, serverAd);
  ctx.log('ETP.DAT accepted', { pin: header.pin, email, suite: header.suite });
  const bytes = reply(session, 'server-share', () => encodeServerShare({ share, adBytes: serverAd, tag }), 0);
  return { session, send: [bytes] };
}

/** Phase 2 on the server: the handset's confirmation and the ETP.DAT body key. */
export function onHandsetConfirm(session: ServerSession, frame: Frame, ctx: ServerContext): ServerStep {
  const msg = decodeHandsetConfirm(frame.body);
  const keys = session.keys!;
  if (!verifyConfirmationTag(keys.macKey, session.etp.share, session.etp.headerBytes, msg.tag)) {
    return failSession(session, ctx, 'WRONG_PASSWORD', 'the activation password is incorrect');
  }
  const bodyKey = ctx.provider.aeadOpen(keys.handsetToServer, msg.bodyKey.nonce, msg.bodyKey.ciphertext, frameAssociatedData(frame));
  if (bodyKey === undefined) throw new ActivationError('DECRYPT_FAILED', 'body key authentication failed');
  if (!ctx.accounts.attemptConfirmed(session.email, bytesToHex(session.sid))) {
    return failSession(session, ctx, 'NO_ACTIVATION_PASSWORD', 'the activation password is in use by another activation');
  }
  let device: EtpBody;
  try {
    device = openEtpBody(ctx.provider, bodyKey, session.etp.sealedBody, session.etp.headerBytes, session.etp.share);
  } catch {
    return failSession(session, ctx, 'PROTOCOL_ERROR', 'the ETP.DAT body could not be opened');
  } finally {
    bodyKey.fill(0);
  }
  const algorithm = strongestCommon(session.etp.header.ciphers, ctx.policy.ciphers);
  if (algorithm === undefined) {
    return failSession(session, ctx, 'UNSUPPORTED', `no transport key algorithm in common; this server allows ${ctx.policy.ciphers.join(', ')}`);
  }
  const cipher = ctx.provider.transportCipher(algorithm);
  const transportKey = { algorithm, keyId: ctx.random(8), key: cipher.generateKey(ctx.random) };
  const grant = encodeKeyGrant({
    ...transportKey,
    server: {
      srp: ctx.identity.srp,
      relay: ctx.identity.relay,
      name: ctx.identity.name,
      version: ctx.identity.version,
      publicKey: ctx.identity.domainKey.publicKey,
    },
  });
  const transcript = transcriptHash(ctx.provider, {
    sid: session.sid,
    etpHeader: session.etp.headerBytes,
    handsetShare: session.etp.share,
    serverAd: session.serverAd,
    serverShare: session.serverShare,
    grant,
  });
  session.device = device;
  session.transportKey = transportKey;
  session.transcript = transcript;
  session.recvSeq = frame.seq + 1;
  session.phase = 'awaiting-key-verified';
  const bytes = reply(
    session,
    'key-issue',
    (ad) => {
      const nonce = ctx.random(24);
      const box = ctx.provider.aeadSeal(keys.serverToHandset, nonce, grant, ad);
      grant.fill(0);
      const proof = ctx.provider.sealMessage(algorithm, transportKey.key, keyProofPayload('server', transcript), ad, ctx.random);
      return encodeKeyIssue({ grant: { nonce, ciphertext: box }, proof });
    },
    frame.seq,
  );
  ctx.log('transport key issued', { pin: session.pin, algorithm });
  return { session, send: [bytes] };
}

/**
 * Phase 3 begins: the handset's proof under the new key. On success `afterKeyVerified` produces
 * the next message (the IT policy); the account is activated once the device applies it.
 */
export function onKeyVerified(
  session: ServerSession,
  frame: Frame,
  ctx: ServerContext,
  afterKeyVerified: (session: ServerSession, ctx: ServerContext, forSeq: number) => Uint8Array[],
): ServerStep {
  const msg = decodeKeyVerified(frame.body);
  const tk = session.transportKey!;
  let proof: Uint8Array;
  try {
    if (msg.proof.algorithm !== tk.algorithm) throw new Error('algorithm');
    proof = ctx.provider.openMessage(tk.key, msg.proof, frameAssociatedData(frame));
  } catch {
    return failSession(session, ctx, 'PROTOCOL_ERROR', 'the handset could not prove the new key');
  }
  if (!constantTimeEqual(proof, keyProofPayload('handset', session.transcript!))) {
    return failSession(session, ctx, 'PROTOCOL_ERROR', 'the handset could not prove the new key');
  }
  session.keys = undefined;
  session.recvSeq = frame.seq + 1;
  ctx.log('encryption verified', { pin: session.pin, email: session.email });
  return { session, send: afterKeyVerified(session, ctx, frame.seq) };
}
