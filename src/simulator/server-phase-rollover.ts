/**
 * Key rollover on the server (docs/lifecycle.md, "Key rollover"): the server always runs the
 * exchange, so two rollovers never cross. It starts one on its schedule (every 30 days by default,
 * RIM's figure), on the administrator's `regenerateKey`, or on the device's `rekey-request`;
 * sends `rekey-offer` (sealed under the current key) again every `rekeyRetransmitMs` until the
 * handset accepts; derives the new key from the handset's `rekey-accept`, checks its proof, erases
 * its ephemeral secret, makes the new key current and the old one previous, and answers with
 * `rekey-done` under the new key (the same bytes again for a repeated accept: `lastReply`).
 */
import { keyProofPayload } from '../protocol/key-schedule.js';
import { deriveRolloverKey, rolloverTranscriptHash, serverSharedSecrets } from '../protocol/key-rollover.js';
import { isActivationError } from '../errors/activation-error.js';
import { bytesToHex, constantTimeEqual, zeroize } from '../util/bytes.js';
import { frameAssociatedData, type Frame } from '../wire/frame.js';
import { decodeRekeyAccept } from '../wire/messages/rekey-accept.js';
import { encodeRekeyDone } from '../wire/messages/rekey-done.js';
import { encodeRekeyOffer } from '../wire/messages/rekey-offer.js';
import { decodeRekeyRequest } from '../wire/messages/rekey-request.js';
import type { ServerEnv, ServerOutput, ServerStepResult } from './server-io.js';
import { drop, opened, sealed } from './server-machine-support.js';
import { isCurrentDevice } from './server-phase-services.js';
import type { RolloverReason, ServerCompleteState } from './server-state.js';

/** Default life of a transport key before the server rolls it over: 30 days (RIM: "every 30 days"; docs/lifecycle.md). */
export const DEFAULT_KEY_ROLLOVER_MS = 30 * 24 * 3_600_000;
/** Default interval of `rekey-offer` retransmission: 15 minutes (ours). */
export const DEFAULT_REKEY_RETRANSMIT_MS = 15 * 60_000;

/**
 * Starts a rollover (or, if one is already offered, sends its offer again). `forSeq`: the
 * device's `rekey-request` this offer answers (kept as its reply), undefined for the server's own.
 * Only a log line (`key rollover not possible`) for a session that is not the account's current
 * device, or when the server lacks a long-term agreement key (a server from before key rollovers;
 * every handset sends its own in the ETP.DAT body).
 */
export function startRollover(state: ServerCompleteState, reason: RolloverReason, env: ServerEnv, forSeq?: number): ServerStepResult {
  // Only the account's own device is current, so the account has a device (with its agreement key).
  if (!isCurrentDevice(state, env.account) || env.identity.agreementKey === undefined) {
    return { state, outputs: [{ type: 'log', event: 'key rollover not possible', detail: { pin: state.pin, reason } }] };
  }
  const rollover = state.rollover ?? {
    keyId: env.random(8),
    algorithm: state.transportKey.algorithm,
    ephemeral: env.provider.agreementKeyPair(env.random(32)),
    reason,
    sentAt: env.now,
    sends: 0,
  };
  return sendOffer({ ...state, rollover: { ...rollover, sentAt: env.now, sends: rollover.sends + 1 } }, env, forSeq);
}

function sendOffer(
  state: ServerCompleteState & { rollover: NonNullable<ServerCompleteState['rollover']> },
  env: ServerEnv,
  forSeq?: number,
) {
  const { rollover } = state;
  const body = encodeRekeyOffer({ keyId: rollover.keyId, algorithm: rollover.algorithm, ephemeral: rollover.ephemeral.publicKey });
  const sent = sealed(state, 'rekey-offer', body, forSeq, env);
  const log: ServerOutput = {
    type: 'log',
    event: rollover.sends > 1 ? 'key rollover offered again' : 'key rollover offered',
    detail: { pin: state.pin, reason: rollover.reason, keyId: bytesToHex(rollover.keyId), sends: rollover.sends },
  };
  return { state: sent.state, outputs: [log, sent.send] };
}

/** `rekey-request`: the user chose "Regenerate Encryption Key" on the device. */
export function onRekeyRequest(state: ServerCompleteState, frame: Frame, env: ServerEnv): ServerStepResult {
  decodeRekeyRequest(opened(state, frame, env));
  return startRollover({ ...state, recvSeq: frame.seq + 1 }, 'device', env, frame.seq);
}

/** The administrator's "Regenerate Encryption Key". */
export function onRegenerateKey(state: ServerCompleteState, env: ServerEnv): ServerStepResult {
  return startRollover(state, 'admin', env);
}

/**
 * The clock moved: an offer not yet accepted goes out again every `rekeyRetransmitMs` (a fresh
 * frame, like a policy update's resend), and a key older than `keyRolloverMs` is rolled over.
 */
export function onRolloverTick(state: ServerCompleteState, env: ServerEnv): ServerStepResult {
  if (!isCurrentDevice(state, env.account)) return { state, outputs: [] };
  const rollover = state.rollover;
  if (rollover !== undefined) {
    if (env.now - rollover.sentAt < (env.rekeyRetransmitMs ?? DEFAULT_REKEY_RETRANSMIT_MS)) return { state, outputs: [] };
    return startRollover(state, rollover.reason, env);
  }
  const every = env.keyRolloverMs ?? DEFAULT_KEY_ROLLOVER_MS;
  const since = state.keySince ?? env.account?.device?.activatedAt ?? state.startedAt;
  if (every <= 0 || env.now - since < every) return { state, outputs: [] };
  return startRollover(state, 'schedule', env);
}

/**
 * `rekey-accept`: derive the new key from the handset's ephemeral key, check its proof under it,
 * then switch: the new key current, the old one previous, the ephemeral secret erased, the
 * account told, `rekey-done` sent under the new key. An accept for another key id, or whose proof
 * does not open, is dropped and the offer stands (a genuine accept can still come).
 */
export function onRekeyAccept(state: ServerCompleteState, frame: Frame, env: ServerEnv): ServerStepResult {
  const accept = decodeRekeyAccept(opened(state, frame, env));
  const { rollover } = state;
  const device = env.account?.device;
  const serverKey = env.identity.agreementKey;
  if (rollover === undefined || device === undefined || serverKey === undefined || !constantTimeEqual(accept.keyId, rollover.keyId)) {
    return drop(state, frame, 'rekey-accept for no offered key');
  }
  const { provider } = env;
  const th = rolloverTranscriptHash(provider, {
    pin: state.pin,
    srp: env.identity.srp,
    oldKeyId: state.transportKey.keyId,
    newKeyId: rollover.keyId,
    algorithm: rollover.algorithm,
    deviceKey: device.agreementKey,
    serverKey: serverKey.publicKey,
    serverEphemeral: rollover.ephemeral.publicKey,
    handsetEphemeral: accept.ephemeral,
  });
  let key: Uint8Array;
  try {
    const shared = serverSharedSecrets(provider, {
      ephemeral: rollover.ephemeral.secretKey,
      agreement: serverKey.secretKey,
      handsetEphemeral: accept.ephemeral,
      deviceKey: device.agreementKey,
    });
    key = deriveRolloverKey(provider, shared, th, rollover.algorithm);
  } catch (err) {
    // A low-order ephemeral key (PROTOCOL_ERROR): nobody honest sends one.
    if (isActivationError(err)) return drop(state, frame, `rekey-accept refused: ${err.code}`);
    throw err;
  }
  let proof: Uint8Array | undefined;
  try {
    // A proof in another algorithm than the key's is never handed to the provider.
    if (accept.proof.algorithm === rollover.algorithm) proof = provider.openMessage(key, accept.proof, frameAssociatedData(frame));
  } catch {
    // A proof that does not open leaves `proof` undefined.
  }
  if (proof === undefined || !constantTimeEqual(proof, keyProofPayload('handset', th))) {
    zeroize(key);
    return drop(state, frame, 'rekey-accept proof did not verify');
  }
  // RIM: "the BlackBerry Enterprise Server and device discard the key pair after they generate the
  // device transport key". Erased in place: the secret must not outlive the derivation anywhere.
  zeroize(rollover.ephemeral.secretKey);
  const { rollover: _done, ...rest } = state;
  const newKey = { algorithm: rollover.algorithm, keyId: rollover.keyId, key };
  const switched: ServerCompleteState = {
    ...rest,
    recvSeq: frame.seq + 1,
    transportKey: newKey,
    previousKey: state.transportKey,
    keySince: env.now,
  };
  const sent = sealed(
    switched,
    'rekey-done',
    encodeRekeyDone({ keyId: newKey.keyId, proof: keyProofPayload('server', th) }),
    frame.seq,
    env,
  );
  const keyId = bytesToHex(newKey.keyId);
  return {
    state: sent.state,
    outputs: [
      { type: 'account', change: { kind: 'key-rolled-over', email: state.email, pin: state.pin, key: newKey } },
      { type: 'log', event: 'key rolled over', detail: { pin: state.pin, reason: rollover.reason, keyId } },
      { type: 'key-rolled-over', email: state.email, pin: state.pin, keyId, reason: rollover.reason },
      sent.send,
    ],
  };
}
