/**
 * Phases 1 and 2 on the handset: build and send ETP.DAT (Activating), check the server's share and
 * confirmation and send the handset's (Verifying Encryption), take the transport key, check the
 * server's proof under it and prove it back (Encryption Verified. Waiting for Services).
 */
import { contentsDigest, recordDigests, type DeviceSyncStore } from '../sync/sync-store.js';
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import { confirmationTag, cpaceDeriveIsk, cpaceStart, verifyConfirmationTag } from '../crypto/cpace/cpace.js';
import { bytesToHex, constantTimeEqual } from '../util/bytes.js';
import { parseServerVersion } from '../server-version/server-version.js';
import { channelIdentifier, deriveSessionKeys, keyProofPayload, passwordToPrs, transcriptHash } from '../protocol/key-schedule.js';
import type { Frame } from '../wire/frame.js';
import { encodeEtpDat } from '../wire/messages/etp-dat.js';
import { emailAddress, encodeEtpHeader, type EtpHeader } from '../wire/etp/etp-header.js';
import { BODY_KEY_LENGTH, sealEtpBody } from '../wire/etp/etp-body.js';
import { decodeServerShare } from '../wire/messages/server-share.js';
import { sessionDigest } from '../protocol/session-digest.js';
import { encodeHandsetConfirm } from '../wire/messages/handset-confirm.js';
import { decodeKeyGrant, decodeKeyIssue } from '../wire/messages/key-issue.js';
import { encodeKeyVerified } from '../wire/messages/key-verified.js';
import type { ActivationResult, HandsetInput, StepResult } from './io.js';
import { type HandsetEnv, fail, headerAd, ignore, nextHeader, sendAndWait } from './machine-support.js';
import {
  deviceFields,
  type AwaitingKeyState,
  type AwaitingPolicyState,
  type AwaitingServerShareState,
  type HandsetState,
  type HandsetStateIn,
  type KeyWaitSession,
  type KeyedSession,
  type ShareWaitSession,
} from './state.js';
import { status } from './status.js';

/** ETP.DAT protocol version this handset speaks. */
export const HANDSET_PROTOCOL = 1;

/**
 * The user chose Activate (in a phase where nothing runs): build and send the ETP.DAT. The input's
 * `held`: the organizer records the device holds (its record store, read by the driver), which the
 * slow sync will reconcile with the server's; the state keeps only their digests.
 */
export function startActivation(
  state: HandsetStateIn<'idle' | 'failed' | 'complete' | 'sync-pending' | 'deactivated'>,
  input: Extract<HandsetInput, { readonly type: 'activate' }>,
  env: HandsetEnv,
): StepResult<HandsetState> {
  const { email, password, now, held = {} } = input;
  // Anything but a string goes to the check as it is, and the check refuses it.
  const typed = typeof email === 'string' ? email.trim() : email;
  if (!v.is(emailAddress, typed)) {
    throw new ActivationError('INVALID_ARGUMENT', 'enter a valid email address', { field: 'email' });
  }
  const prs = passwordToPrs(password);
  const { provider, random } = env;
  const config = state.config;
  const identity = state.identity ?? {
    signing: provider.signingKeyPair(random(32)),
    agreement: provider.agreementKeyPair(random(32)),
  };
  const [suiteId] = config.suites;
  const suite = provider.cpaceSuite(suiteId);
  const sid = random(16);
  const header: EtpHeader = {
    protocol: HANDSET_PROTOCOL,
    pin: config.pin,
    email: typed,
    nonce: sid,
    suite: suiteId,
    suites: config.suites,
    ciphers: config.ciphers,
  };
  const headerBytes = encodeEtpHeader(header);
  const { scalar, share } = cpaceStart(suite, { prs, ci: channelIdentifier(config.pin, typed), sid }, random);
  prs.fill(0);
  const bodyKey = random(BODY_KEY_LENGTH);
  const sealedBody = sealEtpBody(
    provider,
    bodyKey,
    random(24),
    {
      identityKey: identity.signing.publicKey,
      agreementKey: identity.agreement.publicKey,
      device: config.device,
      capabilities: { databases: config.databases, maxPageRecords: config.maxPageRecords },
      // Routing metadata the server needs only after the password is proven (finding 21).
      routing: config.routing,
    },
    { headerBytes, share },
  );
  const session: ShareWaitSession = {
    email: typed,
    sid,
    suite: suiteId,
    scalar,
    share,
    headerBytes,
    bodyKey,
    sendSeq: 0,
    recvSeq: 0,
    retriesUsed: 0,
    ...heldDigests(held, env),
  };
  // A new activation starts afresh: the previous activation's key, policy and books go. Its
  // organizer records stay in the record store with the device's own, for the slow sync to
  // reconcile (issue 12, finding 7).
  const next: AwaitingServerShareState = {
    version: state.version,
    phase: 'awaiting-server-share',
    config,
    // The IT policy key binding and the password failure count are the device's, not the activation's.
    ...deviceFields(state),
    identity,
    session,
    status: status('activating'),
  };
  const frameHeader = nextHeader(next, session, 'etp-dat', `mailto:${typed}`);
  return sendAndWait(next, frameHeader, encodeEtpDat({ headerBytes, share, sealedBody }), {
    now,
    before: [{ type: 'status', status: status('activating') }],
  });
}

/** Phase 1 ends: the server's share and Tb arrived; check Tb, send Ta and the body key. */
export function onServerShare(state: AwaitingServerShareState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const { provider, random } = env;
  const session = state.session;
  const msg = decodeServerShare(frame.body);
  // Anyone who saw this handset's session id and PIN can send the server an ETP.DAT with them;
  // the server answers that one to this PIN too. Its Tb would fail here, so a share made for
  // another ETP.DAT is ignored instead (docs/protocol.md, "Sessions").
  if (!constantTimeEqual(msg.etp, sessionDigest(session.sid, state.config.pin, session.email, session.share, provider))) {
    return ignore(state, 'server-share for another ETP.DAT');
  }
  if (msg.ad.suite !== session.suite) {
    return fail(state, 'PROTOCOL_ERROR', 'the server answered with another CPace suite', { detail: { suite: msg.ad.suite } });
  }
  const suite = provider.cpaceSuite(session.suite);
  let isk: Uint8Array;
  try {
    isk = cpaceDeriveIsk(suite, {
      sid: session.sid,
      scalar: session.scalar,
      peerShare: msg.share,
      Ya: session.share,
      ADa: session.headerBytes,
      Yb: msg.share,
      ADb: msg.adBytes,
    });
  } catch (err) {
    if (err instanceof ActivationError)
      return fail(state, 'PROTOCOL_ERROR', 'the server sent an invalid CPace share', { detail: { reason: 'invalid-point' } });
    throw err;
  }
  const keys = deriveSessionKeys(provider, suite, session.sid, isk);
  isk.fill(0);
  if (!verifyConfirmationTag(keys.macKey, msg.share, msg.adBytes, msg.tag, provider)) {
    // Either the password differs or this is not the server that knows it: the same thing to a handset.
    return fail(state, 'WRONG_PASSWORD', 'the activation password is incorrect', { serverSrp: msg.ad.srp });
  }
  const tag = confirmationTag(keys.macKey, session.share, session.headerBytes, provider);
  // The scalar and the body key stay behind, and so does a hint in clear (machine.ts,
  // onErrorFrame): it was about the wait that just ended with an answer.
  const { scalar: _scalar, bodyKey, hint: _hint, ...kept } = session;
  const next: KeyWaitSession = {
    ...kept,
    serverSrp: msg.ad.srp,
    recvSeq: frame.seq + 1,
    handsetToServer: keys.handsetToServer,
    serverToHandset: keys.serverToHandset,
    serverAd: msg.adBytes,
    serverShare: msg.share,
  };
  const header = nextHeader(state, next, 'handset-confirm', `srp:${msg.ad.srp}`);
  const nonce = random(24);
  const boxed = provider.aeadSeal(keys.handsetToServer, nonce, bodyKey, headerAd(header));
  const verifying = status('verifying-encryption');
  const waiting: AwaitingKeyState = { ...state, phase: 'awaiting-key', session: next, status: verifying };
  return sendAndWait(waiting, header, encodeHandsetConfirm({ tag, bodyKey: { nonce, ciphertext: boxed } }), {
    now,
    before: [{ type: 'status', status: verifying }],
  });
}

/** Phase 2 ends: the transport key arrived; check the server's proof under it and prove it back. */
export function onKeyIssue(state: AwaitingKeyState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const { provider, random } = env;
  const session = state.session;
  const msg = decodeKeyIssue(frame.body);
  const plaintext = provider.aeadOpen(session.serverToHandset, msg.grant.nonce, msg.grant.ciphertext, headerAd(frame));
  if (plaintext === undefined) return ignore(state, 'key-issue failed authentication', 'DECRYPT_FAILED');
  const grant = decodeKeyGrant(plaintext);
  // Offered first, then looked up: the offer holds only what the provider has, so an algorithm
  // the handset did not offer is this protocol error, never the provider's UNSUPPORTED.
  if (!state.config.ciphers.includes(grant.algorithm) || grant.key.length !== provider.transportCipher(grant.algorithm).keyLength) {
    return fail(state, 'PROTOCOL_ERROR', 'the server issued a key the handset did not offer', { detail: { algorithm: grant.algorithm } });
  }
  if (grant.server.srp !== session.serverSrp) {
    return fail(state, 'PROTOCOL_ERROR', 'the server identity changed during activation', { detail: { field: 'server.srp' } });
  }
  const hash = transcriptHash(provider, {
    sid: session.sid,
    etpHeader: session.headerBytes,
    handsetShare: session.share,
    serverAd: session.serverAd,
    serverShare: session.serverShare,
    grant: plaintext,
  });
  plaintext.fill(0);
  // A proof under another algorithm than the key's is never handed to the provider.
  if (msg.proof.algorithm !== grant.algorithm) {
    return fail(state, 'PROTOCOL_ERROR', 'the server could not prove the new key', { detail: { reason: 'key-proof' } });
  }
  let proof: Uint8Array;
  try {
    proof = provider.openMessage(grant.key, msg.proof, headerAd(frame));
  } catch {
    return fail(state, 'PROTOCOL_ERROR', 'the server could not prove the new key', { detail: { reason: 'key-proof' } });
  }
  if (!constantTimeEqual(proof, keyProofPayload('server', hash))) {
    return fail(state, 'PROTOCOL_ERROR', 'the server could not prove the new key', { detail: { reason: 'key-proof' } });
  }
  // The CPace session keys and the transcript's inputs stay behind: the transport key takes over.
  const { handsetToServer: _hs, serverToHandset: _sh, serverAd: _ad, serverShare: _yb, share: _ya, headerBytes: _ada, ...kept } = session;
  const next: KeyedSession = { ...kept, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, next, 'key-verified', `srp:${grant.server.srp}`);
  const myProof = provider.sealMessage(grant.algorithm, grant.key, keyProofPayload('handset', hash), headerAd(header), random);
  const verified = status('encryption-verified');
  const transportKey = { algorithm: grant.algorithm, keyId: grant.keyId, key: grant.key };
  const result = activationResult(session.email, transportKey.algorithm, transportKey.keyId, grant.server);
  const established: AwaitingPolicyState = {
    ...state,
    phase: 'awaiting-policy',
    session: next,
    transportKey,
    server: grant.server,
    email: session.email,
    status: verified,
  };
  return sendAndWait(established, header, encodeKeyVerified({ proof: myProof }), {
    now,
    before: [
      { type: 'status', status: verified },
      { type: 'key-established', result },
    ],
  });
}

/** The session's `held` field: the digests of the records the device holds, none when it holds none. */
function heldDigests(held: DeviceSyncStore, env: HandsetEnv): { held?: ReturnType<typeof recordDigests> } {
  const digests = recordDigests(held, (record) => contentsDigest(record, (m) => env.provider.sha256(m)));
  return Object.keys(digests).length > 0 ? { held: digests } : {};
}

export function activationResult(
  email: string,
  keyAlgorithm: ActivationResult['keyAlgorithm'],
  keyId: Uint8Array,
  server: NonNullable<HandsetState['server']>,
): ActivationResult {
  const result: ActivationResult = {
    email,
    keyAlgorithm,
    keyId: bytesToHex(keyId),
    server: { srp: server.srp, relay: server.relay, name: server.name, version: server.version, publicKey: bytesToHex(server.publicKey) },
  };
  try {
    return { ...result, serverVersion: parseServerVersion(server.version) };
  } catch {
    return result;
  }
}
