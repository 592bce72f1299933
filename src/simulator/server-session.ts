/**
 * The server side of one activation: phases 1 and 2 (ETP.DAT, CPace, key confirmation, key issue
 * and verification). Each handler takes the session and a frame and returns the session and the
 * frames to send; the account rules live in {@link AccountStore}.
 */
import { ActivationError, type ActivationErrorCode } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource, TransportKeyAlgorithm } from '../crypto/provider.js';
import { confirmationTag, cpaceDeriveIsk, cpaceStart, verifyConfirmationTag } from '../crypto/cpace/cpace.js';
import { strongestCommon } from '../crypto/transport-key/algorithms.js';
import { bytesToHex, constantTimeEqual, utf8ToBytes } from '../util/bytes.js';
import {
  channelIdentifier,
  deriveSessionKeys,
  keyProofPayload,
  normalizeEmail,
  passwordToPrs,
  transcriptHash,
} from '../protocol/key-schedule.js';
import { PROTOCOL_VERSION, encodeFrame, frameAssociatedData, type Frame, type MessageType } from '../wire/frame.js';
import { decodeEtpDat, type EtpDat } from '../wire/messages/etp-dat.js';
import { openEtpBody, type EtpBody } from '../wire/etp/etp-body.js';
import { encodeServerRouting, encodeServerShare } from '../wire/messages/server-share.js';
import { sessionDigest } from '../protocol/session-digest.js';
import { decodeHandsetConfirm } from '../wire/messages/handset-confirm.js';
import { encodeKeyGrant, encodeKeyIssue } from '../wire/messages/key-issue.js';
import { decodeKeyVerified } from '../wire/messages/key-verified.js';
import { type ErrorKey, encodeErrorMessage, sealErrorBody } from '../wire/messages/error.js';
import type { AccountStore, CpaceChoice } from './accounts.js';
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
  /**
   * Why this activation is refused even when the peer proves the password (PASSWORD_EXPIRED), or
   * why CPace ran against a dummy (NO_ACTIVATION_PASSWORD, LOCKED_OUT). Told, sealed, only to a
   * peer that proved the password (docs/protocol.md, "What a peer learns").
   */
  readonly refusal?: CpaceChoice['refusal'];
  /** When the password this session ran CPace against was set (absent: a dummy). */
  readonly passwordSetAt?: number;
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
  /**
   * The server's own random secret (32 bytes, never a constant) from which the dummy password of
   * an account without a usable one is derived, per address (see {@link dummyPrs}).
   */
  readonly dummySecret: Uint8Array;
  /** Answer an ETP.DAT for an unknown address with UNKNOWN_USER instead of silence. Default false. */
  readonly replyToUnknownUsers?: boolean;
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

/**
 * An error reply in clear, outside any session key: before CPace (an unsupported suite, say).
 * The handset takes it only as a hint (docs/protocol.md, "error"), so it carries no account state.
 */
export function errorFrame(frame: Pick<Frame, 'sid' | 'pin'>, seq: number, code: ActivationErrorCode): Uint8Array {
  return encodeFrame({
    v: PROTOCOL_VERSION,
    type: 'error',
    sid: frame.sid,
    seq,
    pin: frame.pin,
    to: `pin:${frame.pin}`,
    body: encodeErrorMessage({ code }),
  });
}

/** The key the server seals its error frames under now: the transport key once issued, k_SH before, none before CPace. */
export function serverErrorKey(session: ServerSession): ErrorKey | undefined {
  if (session.transportKey) return { transport: session.transportKey };
  if (session.keys) return { session: session.keys.serverToHandset };
  return undefined;
}

/** The keys an error frame from the handset may be sealed under (k_HS and, once issued, the transport key). */
export function handsetErrorKeys(session: ServerSession): ErrorKey[] {
  const keys: ErrorKey[] = [];
  if (session.transportKey) keys.push({ transport: session.transportKey });
  if (session.keys) keys.push({ session: session.keys.handsetToServer });
  return keys;
}

/**
 * Ends the session with an error frame to the handset, sealed under the session's current key
 * (see {@link serverErrorKey}); this is how every server phase reports a failure. `message`
 * documents the call site and never travels: the handset shows its own text for `code`.
 */
export function failSession(session: ServerSession, ctx: ServerContext, code: ActivationErrorCode, _message: string, rules?: string[]): ServerStep {
  session.phase = 'failed';
  ctx.accounts.attemptFailed(session.email, code);
  ctx.accounts.releaseClaim(session.email, bytesToHex(session.sid));
  ctx.log('activation failed', { pin: session.pin, email: session.email, code });
  const header = { v: PROTOCOL_VERSION, type: 'error', sid: session.sid, seq: session.sendSeq, pin: session.pin, to: `pin:${session.pin}` } as const;
  const body = sealErrorBody(ctx.provider, ctx.random, rules ? { code, rules } : { code }, frameAssociatedData(header), serverErrorKey(session));
  const bytes = encodeFrame({ ...header, body });
  session.sendSeq += 1;
  session.lastReply = { forSeq: session.recvSeq, bytes };
  return { session, send: [bytes] };
}

/**
 * The dummy PRS for an account without a usable password: HKDF of the server's secret and the
 * address, so that every request for the address runs against the same unknowable password.
 */
export function dummyPrs(ctx: Pick<ServerContext, 'provider' | 'dummySecret'>, email: string): Uint8Array {
  return ctx.provider.hkdf(ctx.dummySecret, utf8ToBytes('enterprise-activation/v1 dummy password'), utf8ToBytes(normalizeEmail(email)), 32);
}

/** Phase 1 on the server: an ETP.DAT arrived. */
export function onEtpDat(frame: Frame, ctx: ServerContext, etp: EtpDat = decodeEtpDat(frame.body)): ServerStep {
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
    ctx.log('ETP.DAT refused', { pin: header.pin, code: 'UNSUPPORTED', protocol: header.protocol });
    return { send: [errorFrame(frame, 0, 'UNSUPPORTED')] };
  }
  if (!ctx.policy.suites.includes(header.suite)) {
    ctx.log('ETP.DAT refused', { pin: header.pin, code: 'UNSUPPORTED', suite: header.suite });
    return { send: [errorFrame(frame, 0, 'UNSUPPORTED')] };
  }
  const email = normalizeEmail(header.email);
  if (!ctx.accounts.get(email)) {
    // A BES sees only the mail of the mailboxes it monitors: an unknown address gets no answer.
    ctx.log('ETP.DAT refused', { pin: header.pin, email, code: 'UNKNOWN_USER' });
    return { send: ctx.replyToUnknownUsers ? [errorFrame(frame, 0, 'UNKNOWN_USER')] : [] };
  }
  // Without a usable password CPace runs against a dummy, with the same operations as the real
  // path: the peer learns nothing but "wrong password" unless it proves the password
  // (docs/protocol.md, "What a peer learns").
  const choice = ctx.accounts.cpaceChoice(email);
  const dummy = dummyPrs(ctx, email);
  const prs = choice.password !== undefined ? passwordToPrs(choice.password) : dummy;
  if (choice.password !== undefined) {
    ctx.accounts.attemptStarted(email, choice.refusal === 'PASSWORD_EXPIRED');
  } else {
    ctx.log('ETP.DAT refused', { pin: header.pin, email, code: choice.refusal });
    ctx.accounts.refused(email, choice.refusal, `ETP.DAT answered against a dummy password: ${choice.refusal}`);
  }
  const suite = ctx.provider.cpaceSuite(header.suite);
  const { scalar, share } = cpaceStart(suite, { prs, ci: channelIdentifier(header.pin, header.email), sid: header.nonce }, ctx.random);
  prs.fill(0);
  dummy.fill(0);
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
    ...(choice.refusal !== undefined ? { refusal: choice.refusal } : {}),
    ...(choice.password !== undefined ? { passwordSetAt: choice.setAt } : {}),
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
  if (choice.password !== undefined) ctx.log('ETP.DAT accepted', { pin: header.pin, email, suite: header.suite, ...(choice.refusal ? { refusal: choice.refusal } : {}) });
  const echo = sessionDigest(header.nonce, header.pin, email, etp.share);
  const bytes = reply(session, 'server-share', () => encodeServerShare({ etp: echo, share, adBytes: serverAd, tag }), 0);
  return { session, send: [bytes] };
}

/** Phase 2 on the server: the handset's confirmation and the ETP.DAT body key. */
export function onHandsetConfirm(session: ServerSession, frame: Frame, ctx: ServerContext): ServerStep {
  const msg = decodeHandsetConfirm(frame.body);
  const keys = session.keys!;
  if (!confirmsSession(session, msg.tag)) {
    // Only a peer with the same ISK can make Ta, and a handset that does not have it stopped at
    // Tb: this is forged or damaged. It is dropped (the attempt stays counted), so that nobody
    // can end the genuine handset's session with it.
    ctx.log('frame dropped', { reason: 'confirmation tag did not verify', type: frame.type, pin: frame.pin, seq: frame.seq });
    return { session, send: [] };
  }
  const bodyKey = ctx.provider.aeadOpen(keys.handsetToServer, msg.bodyKey.nonce, msg.bodyKey.ciphertext, frameAssociatedData(frame));
  if (bodyKey === undefined) throw new ActivationError('DECRYPT_FAILED', 'body key authentication failed');
  // The peer proved the password: now, and only now, it may learn why it cannot use it.
  const refusal = refusalAfterProof(session, ctx);
  if (refusal !== undefined) {
    bodyKey.fill(0);
    if (session.passwordSetAt !== undefined && ctx.accounts.passwordIs(session.email, session.passwordSetAt)) ctx.accounts.attemptProven(session.email);
    return failSession(session, ctx, refusal, `the proven activation password is refused: ${refusal}`);
  }
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

/** True when `tag` is this session's Ta (constant time). The simulator also uses it to pick among sessions with one sid and PIN. */
export function confirmsSession(session: ServerSession, tag: Uint8Array): boolean {
  return session.keys !== undefined && verifyConfirmationTag(session.keys.macKey, session.etp.share, session.etp.headerBytes, tag);
}

/** Why a session whose peer proved the password must stop anyway, if it must. */
function refusalAfterProof(session: ServerSession, ctx: ServerContext): ActivationErrorCode | undefined {
  if (session.refusal !== undefined) return session.refusal;
  const setAt = session.passwordSetAt!;
  // The administrator set another password (or the password was used) since the ETP.DAT.
  if (!ctx.accounts.passwordIs(session.email, setAt)) return 'NO_ACTIVATION_PASSWORD';
  if (ctx.accounts.cpaceChoice(session.email).refusal === 'PASSWORD_EXPIRED') return 'PASSWORD_EXPIRED';
  return undefined;
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
