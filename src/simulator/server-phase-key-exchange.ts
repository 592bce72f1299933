/**
 * Phases 1 and 2 on the server: answer the ETP.DAT with CPace (against the password, or a dummy),
 * check the handset's confirmation Ta, open the ETP.DAT body and issue the transport key, check
 * the handset's proof under it and send the IT policy. The mirror of src/handset/phase-key-exchange.ts.
 */
import type { ActivationErrorCode } from '../errors/activation-error.js';
import { confirmationTag, cpaceDeriveIsk, cpaceStart } from '../crypto/cpace/cpace.js';
import { strongestCommon } from '../crypto/transport-key/algorithms.js';
import { bytesToHex, constantTimeEqual } from '../util/bytes.js';
import {
  channelIdentifier,
  deriveSessionKeys,
  keyProofPayload,
  normalizeEmail,
  passwordToPrs,
  transcriptHash,
} from '../protocol/key-schedule.js';
import { PROTOCOL_VERSION, frameAssociatedData, type Frame } from '../wire/frame.js';
import type { EtpDat } from '../wire/messages/etp-dat.js';
import { openEtpBody, type EtpBody } from '../wire/etp/etp-body.js';
import { encodeServerRouting, encodeServerShare } from '../wire/messages/server-share.js';
import { sessionDigest } from '../protocol/session-digest.js';
import { decodeHandsetConfirm } from '../wire/messages/handset-confirm.js';
import { encodeKeyGrant, encodeKeyIssue } from '../wire/messages/key-issue.js';
import { decodeKeyVerified } from '../wire/messages/key-verified.js';
import { claimAvailable, cpaceChoiceOf, passwordSetAt } from './accounts.js';
import type { ServerEnv, ServerOutput, ServerStartResult, ServerStepResult } from './server-io.js';
import { confirmsSession, drop, dropped, dummyPrs, errorFrame, fail, reply, sealed } from './server-machine-support.js';
import { signedPolicy } from './server-phase-services.js';
import {
  type AwaitingConfirmState,
  type AwaitingKeyVerifiedState,
  type AwaitingPolicyAckState,
  type ServerSessionBase,
  sessionBase,
} from './server-state.js';

/**
 * An ETP.DAT whose handset has not proven the password this long after it arrived is reported to
 * the administrator as a failed attempt (`unconfirmed`); it was counted as one when it arrived. A
 * default handset gives up after 75 s (15 s x (1 + 4 retries)).
 */
export const UNCONFIRMED_ATTEMPT_MS = 2 * 60_000;

/**
 * Phase 1 on the server: an ETP.DAT that opens a new session (the driver has ruled out a replay).
 * Returns the new session, or none when the request is refused before CPace (another protocol
 * version, a suite the server does not accept, an unknown address). `env.account` is the account
 * of the ETP.DAT's address.
 */
export function onEtpDat(frame: Frame, etp: EtpDat, env: ServerEnv): ServerStartResult {
  const header = etp.header;
  if (
    header.pin !== frame.pin ||
    !constantTimeEqual(header.nonce, frame.sid) ||
    frame.seq !== 0 ||
    normalizeEmail(frame.to.slice('mailto:'.length)) !== normalizeEmail(header.email) ||
    !frame.to.startsWith('mailto:')
  ) {
    return { outputs: [dropped(frame, 'rejected etp-dat: MALFORMED')] };
  }
  if (header.protocol !== PROTOCOL_VERSION) {
    return refused(frame, { pin: header.pin, code: 'UNSUPPORTED', protocol: header.protocol }, true);
  }
  if (!env.policy.suites.includes(header.suite)) {
    return refused(frame, { pin: header.pin, code: 'UNSUPPORTED', suite: header.suite }, true);
  }
  const email = normalizeEmail(header.email);
  const account = env.account;
  if (!account) {
    // A BES sees only the mail of the mailboxes it monitors (the seed: the BES "which monitors the
    // BlackBerry device user's mailbox, picks up the ETP.DAT message"): an unknown address gets no
    // answer, and the handset times out. `replyToUnknownUsers` is ours, for tests (docs/server.md).
    return refused(frame, { pin: header.pin, email, code: 'UNKNOWN_USER' }, env.replyToUnknownUsers);
  }
  // Without a usable password CPace runs against a dummy, with the same operations as the real
  // path: the peer learns nothing but "wrong password" unless it proves the password
  // (docs/protocol.md, "What a peer learns").
  const choice = cpaceChoiceOf(account, env.now);
  const dummy = dummyPrs(env, email);
  const prs = choice.password !== undefined ? passwordToPrs(choice.password) : dummy;
  const outputs: ServerOutput[] = [];
  if (choice.password !== undefined) {
    outputs.push({ type: 'account', change: { kind: 'attempt-started', email, expired: choice.refusal === 'PASSWORD_EXPIRED' } });
  } else {
    outputs.push(
      { type: 'log', event: 'ETP.DAT refused', detail: { pin: header.pin, email, code: choice.refusal } },
      {
        type: 'account',
        change: { kind: 'refused', email, code: choice.refusal, event: `ETP.DAT answered against a dummy password: ${choice.refusal}` },
      },
    );
  }
  const suite = env.provider.cpaceSuite(header.suite);
  const { scalar, share } = cpaceStart(suite, { prs, ci: channelIdentifier(header.pin, header.email), sid: header.nonce }, env.random);
  prs.fill(0);
  dummy.fill(0);
  const serverAd = encodeServerRouting({ srp: env.identity.srp, relay: env.identity.relay, suite: header.suite });
  const base: ServerSessionBase = { sid: header.nonce, pin: header.pin, email, recvSeq: 1, sendSeq: 0, startedAt: env.now };
  let isk: Uint8Array;
  try {
    isk = cpaceDeriveIsk(suite, {
      sid: header.nonce,
      scalar,
      peerShare: etp.share,
      Ya: etp.share,
      ADa: etp.headerBytes,
      Yb: share,
      ADb: serverAd,
    });
  } catch {
    scalar.fill(0);
    // Answered as the ETP.DAT's reply (recvSeq 0), so that the same ETP.DAT again gets it again.
    const failed = fail({ ...base, recvSeq: 0 }, 'PROTOCOL_ERROR', 'invalid CPace share', env);
    return { state: failed.state, outputs: [...outputs, ...failed.outputs] };
  }
  scalar.fill(0);
  const keys = deriveSessionKeys(env.provider, suite, header.nonce, isk);
  isk.fill(0);
  const tag = confirmationTag(keys.macKey, share, serverAd, env.provider);
  if (choice.password !== undefined) {
    outputs.push({
      type: 'log',
      event: 'ETP.DAT accepted',
      detail: { pin: header.pin, email, suite: header.suite, ...(choice.refusal ? { refusal: choice.refusal } : {}) },
    });
  }
  const waiting: AwaitingConfirmState = {
    ...base,
    phase: 'awaiting-confirm',
    etp,
    serverAd,
    serverShare: share,
    confirmation: { macKey: keys.macKey, share: etp.share, headerBytes: etp.headerBytes },
    handsetToServer: keys.handsetToServer,
    serverToHandset: keys.serverToHandset,
    ...(choice.refusal !== undefined ? { refusal: choice.refusal } : {}),
    ...(choice.password !== undefined ? { passwordSetAt: choice.setAt } : {}),
  };
  const echo = sessionDigest(header.nonce, header.pin, email, etp.share, env.provider);
  const sent = reply(waiting, 'server-share', () => encodeServerShare({ etp: echo, share, adBytes: serverAd, tag }), 0);
  return { state: sent.state, outputs: [...outputs, sent.send] };
}

/** An ETP.DAT refused before CPace: logged, answered with an error in clear if `answer`, no session. */
function refused(frame: Frame, detail: Record<string, unknown> & { code: ActivationErrorCode }, answer: boolean): ServerStartResult {
  const log: ServerOutput = { type: 'log', event: 'ETP.DAT refused', detail };
  return { outputs: answer ? [log, { type: 'send', bytes: errorFrame(frame, detail.code) }] : [log] };
}

/** Phase 2 on the server: the handset's confirmation Ta and the ETP.DAT body key. */
export function onHandsetConfirm(state: AwaitingConfirmState, frame: Frame, env: ServerEnv): ServerStepResult {
  const { provider, random } = env;
  const msg = decodeHandsetConfirm(frame.body);
  if (!confirmsSession(state, msg.tag, env.provider)) {
    // Only a peer with the same ISK can make Ta, and a handset that does not have it stopped at
    // Tb: this is forged or damaged. It is dropped (the attempt stays counted), so that nobody
    // can end the genuine handset's session with it.
    return drop(state, frame, 'confirmation tag did not verify');
  }
  const bodyKey = provider.aeadOpen(state.handsetToServer, msg.bodyKey.nonce, msg.bodyKey.ciphertext, frameAssociatedData(frame));
  // Damaged or forged on the way (Ta covers the ETP.DAT, not the box): dropped like any body that
  // does not authenticate, so that the genuine confirmation may still come.
  if (bodyKey === undefined) return drop(state, frame, 'rejected handset-confirm: DECRYPT_FAILED');
  // The peer proved the password: now, and only now, it may learn why it cannot use it.
  const refusal = refusalAfterProof(state, env);
  if (refusal !== undefined) {
    bodyKey.fill(0);
    const proven: ServerOutput[] =
      state.passwordSetAt !== undefined && passwordSetAt(env.account, state.passwordSetAt)
        ? [{ type: 'account', change: { kind: 'attempt-proven', email: state.email } }]
        : [];
    return prefixed(proven, fail(state, refusal, `the proven activation password is refused: ${refusal}`, env));
  }
  const session = bytesToHex(state.sid);
  // The attempt is not a failed one, and the password is this session's, unless another holds it.
  const claim: ServerOutput[] = [{ type: 'account', change: { kind: 'claim', email: state.email, session, pin: state.pin } }];
  if (!claimAvailable(env.account, session, env.now, env.claimTimeoutMs, state.pin)) {
    return prefixed(claim, fail(state, 'NO_ACTIVATION_PASSWORD', 'the activation password is in use by another activation', env));
  }
  let device: EtpBody;
  try {
    device = openEtpBody(provider, bodyKey, state.etp.sealedBody, state.etp.headerBytes, state.etp.share);
  } catch {
    return prefixed(claim, fail(state, 'PROTOCOL_ERROR', 'the ETP.DAT body could not be opened', env));
  } finally {
    bodyKey.fill(0);
  }
  const algorithm = strongestCommon(state.etp.header.ciphers, env.policy.ciphers);
  if (algorithm === undefined) {
    return prefixed(
      claim,
      fail(state, 'UNSUPPORTED', `no transport key algorithm in common; this server allows ${env.policy.ciphers.join(', ')}`, env),
    );
  }
  const cipher = provider.transportCipher(algorithm);
  const transportKey = { algorithm, keyId: random(8), key: cipher.generateKey(random) };
  const { identity } = env;
  const grant = encodeKeyGrant({
    ...transportKey,
    server: {
      srp: identity.srp,
      relay: identity.relay,
      name: identity.name,
      version: identity.version,
      publicKey: identity.domainKey.publicKey,
      ...(identity.agreementKey === undefined ? {} : { agreementKey: identity.agreementKey.publicKey }),
    },
  });
  const transcript = transcriptHash(provider, {
    sid: state.sid,
    etpHeader: state.etp.headerBytes,
    handsetShare: state.etp.share,
    serverAd: state.serverAd,
    serverShare: state.serverShare,
    grant,
  });
  // The ETP.DAT, ADb, Yb and k_SH stay behind; Ta's check stays, to recognise the confirmation if
  // it comes again (its key-issue lost), and k_HS, which the handset's errors are sealed under.
  const issued: AwaitingKeyVerifiedState = {
    ...sessionBase(state),
    phase: 'awaiting-key-verified',
    recvSeq: frame.seq + 1,
    confirmation: state.confirmation,
    handsetToServer: state.handsetToServer,
    device,
    transportKey,
    transcript,
  };
  const sent = reply(
    issued,
    'key-issue',
    (ad) => {
      const nonce = random(24);
      const box = provider.aeadSeal(state.serverToHandset, nonce, grant, ad);
      grant.fill(0);
      const proof = provider.sealMessage(algorithm, transportKey.key, keyProofPayload('server', transcript), ad, random);
      return encodeKeyIssue({ grant: { nonce, ciphertext: box }, proof });
    },
    frame.seq,
  );
  return {
    state: sent.state,
    outputs: [...claim, { type: 'log', event: 'transport key issued', detail: { pin: state.pin, algorithm } }, sent.send],
  };
}

/** Why a session whose peer proved the password must stop anyway, if it must. */
function refusalAfterProof(state: AwaitingConfirmState, env: ServerEnv): ActivationErrorCode | undefined {
  if (state.refusal !== undefined) return state.refusal;
  // The administrator set another password (or the password was used) since the ETP.DAT. (A
  // session that ran against a dummy always has a refusal, so `passwordSetAt` is there.)
  if (state.passwordSetAt === undefined || !passwordSetAt(env.account, state.passwordSetAt)) return 'NO_ACTIVATION_PASSWORD';
  if (env.account && cpaceChoiceOf(env.account, env.now).refusal === 'PASSWORD_EXPIRED') return 'PASSWORD_EXPIRED';
  return undefined;
}

/**
 * Phase 3 begins: the handset's proof under the new key. On success the IT policy goes out; the
 * account is activated once the device has applied it.
 */
export function onKeyVerified(state: AwaitingKeyVerifiedState, frame: Frame, env: ServerEnv): ServerStepResult {
  const msg = decodeKeyVerified(frame.body);
  const tk = state.transportKey;
  // A proof under another algorithm than the key's is never handed to the provider.
  if (msg.proof.algorithm !== tk.algorithm) {
    return fail(state, 'PROTOCOL_ERROR', 'the key proof is sealed under another algorithm than the key issued', env);
  }
  let proof: Uint8Array;
  try {
    proof = env.provider.openMessage(tk.key, msg.proof, frameAssociatedData(frame));
  } catch {
    return fail(state, 'PROTOCOL_ERROR', 'the key proof does not open under the key issued', env);
  }
  if (!constantTimeEqual(proof, keyProofPayload('handset', state.transcript))) {
    return fail(state, 'PROTOCOL_ERROR', "the key proof is not the handset's proof of this session", env);
  }
  // The CPace keys and the transcript stay behind: the transport key takes over.
  const policy = env.services.policy;
  const { plaintext, hash } = signedPolicy(policy, env);
  const next: AwaitingPolicyAckState = {
    ...sessionBase(state),
    phase: 'awaiting-policy-ack',
    recvSeq: frame.seq + 1,
    device: state.device,
    transportKey: tk,
    policySent: { id: policy.id, hash },
  };
  const sent = sealed(next, 'it-policy', plaintext, frame.seq, env);
  return {
    state: sent.state,
    outputs: [
      { type: 'log', event: 'encryption verified', detail: { pin: state.pin, email: state.email } },
      { type: 'log', event: 'IT policy sent', detail: { pin: state.pin, policyId: policy.id } },
      sent.send,
    ],
  };
}

/**
 * The clock moved while the handset's confirmation is awaited: an attempt left unconfirmed for
 * {@link UNCONFIRMED_ATTEMPT_MS} is reported to the administrator, once.
 */
export function onUnconfirmedTick(state: AwaitingConfirmState, env: ServerEnv): ServerStepResult {
  if (state.reportedUnconfirmed || env.now - state.startedAt < UNCONFIRMED_ATTEMPT_MS) return { state, outputs: [] };
  return {
    state: { ...state, reportedUnconfirmed: true },
    outputs: [{ type: 'attempt-failed', email: state.email, pin: state.pin, reason: 'unconfirmed' }],
  };
}

/** `result` with `outputs` first. */
function prefixed(outputs: readonly ServerOutput[], result: ServerStepResult): ServerStepResult {
  return { state: result.state, outputs: [...outputs, ...result.outputs] };
}
