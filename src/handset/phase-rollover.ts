/**
 * Key rollover on the handset (docs/lifecycle.md, "Key rollover"): "Regenerate Encryption Key"
 * asks the server for one (`rekey-request`); a `rekey-offer` is answered with `rekey-accept`
 * (the new key derived, kept as pending, the ephemeral secret erased at once); the pending key
 * becomes current when a message from the server opens under it (`rekey-done`, or any later one
 * when that was lost), and the old key stays as previous for 7 days (RIM's figure).
 *
 * Keys tried on receipt: current, then pending, then previous (each a MAC check before any
 * decryption, in the provider's `openMessage`).
 */
import { isActivationError } from '../errors/activation-error.js';
import { keyProofPayload } from '../protocol/key-schedule.js';
import { deriveRolloverKey, handsetSharedSecrets, rolloverTranscriptHash } from '../protocol/key-rollover.js';
import { bytesToHex, constantTimeEqual, zeroize } from '../util/bytes.js';
import { encodeFrame, type Frame } from '../wire/frame.js';
import { openBody, sealBody, type TransportKeyRef } from '../wire/messages/sealed-body.js';
import { encodeRekeyAccept } from '../wire/messages/rekey-accept.js';
import { decodeRekeyDone } from '../wire/messages/rekey-done.js';
import { decodeRekeyOffer } from '../wire/messages/rekey-offer.js';
import { encodeRekeyRequest } from '../wire/messages/rekey-request.js';
import type { HandsetOutput, StepResult } from './io.js';
import { type HandsetEnv, headerAd, ignore, nextHeader, sendAndWait } from './machine-support.js';
import type { CompleteState, HandsetState, PendingKey } from './state.js';

/** How long the previous key is still tried after a rollover: 7 days (RIM; docs/lifecycle.md, "Key states"). */
export const PREVIOUS_KEY_MS = 7 * 24 * 3_600_000;

/** The states that may hold rollover keys: those after the commit point. */
type KeyedState = Extract<HandsetState, { readonly phase: 'syncing' | 'sync-pending' | 'complete' | 'applying-policy-update' }>;

function isKeyed(state: HandsetState): state is KeyedState {
  return (
    state.phase === 'syncing' || state.phase === 'sync-pending' || state.phase === 'complete' || state.phase === 'applying-policy-update'
  );
}

/** True when `body` opens under `key` (the MAC is checked first: a wrong key never gets to decryption). */
function opensUnder(env: HandsetEnv, key: TransportKeyRef, frame: Frame): boolean {
  try {
    openBody(env.provider, key, frame.body, headerAd(frame), frame.type);
    return true;
  } catch (err) {
    if (isActivationError(err)) return false;
    throw err;
  }
}

/**
 * A frame's body opened under the keys the handset holds: current first, then the previous key
 * while it is kept. (A message under the pending key has promoted it to current before the
 * handler runs: {@link promoteIfPending}.) DECRYPT_FAILED when none opens it.
 */
export function openUnderKeys(
  state: HandsetState & { transportKey: TransportKeyRef },
  frame: Frame,
  now: number,
  env: HandsetEnv,
): Uint8Array {
  const ad = headerAd(frame);
  const previous = state.previousKey;
  // A previous key past its 7 days is gone already: promoteIfPending drops it before any handler runs.
  if (previous === undefined) return openBody(env.provider, state.transportKey, frame.body, ad, frame.type);
  try {
    return openBody(env.provider, state.transportKey, frame.body, ad, frame.type);
  } catch (err) {
    if (!isActivationError(err, 'DECRYPT_FAILED')) throw err;
    return openBody(env.provider, previous.key, frame.body, ad, frame.type);
  }
}

/** The pending key becomes current, the current one previous (for {@link PREVIOUS_KEY_MS}); `keyChanged` is emitted. */
function promote(state: KeyedState, pending: PendingKey, now: number): StepResult<HandsetState> {
  const { pendingKey: _pending, ...rest } = state;
  const promoted = {
    ...rest,
    transportKey: pending.key,
    previousKey: { key: state.transportKey, until: now + PREVIOUS_KEY_MS },
    // The accept's retransmission stops: the server has the key.
    session: { ...state.session, deadline: undefined, retriesUsed: 0 },
  } as KeyedState;
  const outputs: HandsetOutput[] = [
    { type: 'clear-timer' },
    { type: 'key-changed', keyId: bytesToHex(pending.key.keyId), algorithm: pending.key.algorithm },
  ];
  return { state: promoted, outputs };
}

/**
 * Before a frame is handled: a previous key past its 7 days is dropped, and a message from the
 * server that opens under the pending key (the server has switched; its `rekey-done` was lost)
 * makes the pending key current. `rekey-done` itself is left to its handler, which checks its proof.
 */
export function promoteIfPending(state: HandsetState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  if (!isKeyed(state)) return { state, outputs: [] };
  let current: KeyedState = state;
  if (current.previousKey !== undefined && now > current.previousKey.until) {
    const { previousKey: _expired, ...rest } = current;
    current = rest as KeyedState;
  }
  const pending = current.pendingKey;
  if (pending === undefined || frame.type === 'rekey-done' || !opensUnder(env, pending.key, frame)) return { state: current, outputs: [] };
  return promote(current, pending, now);
}

/** The user chose "Regenerate Encryption Key": send `rekey-request` under the current key and wait for the offer. */
export function onRegenerateKey(state: CompleteState, now: number, env: HandsetEnv): StepResult<HandsetState> {
  if (state.server.agreementKey === undefined) return ignore(state, 'the server cannot roll keys over (no agreement key)');
  if (state.pendingKey !== undefined) return ignore(state, 'a key rollover is already under way');
  const header = nextHeader(state, state.session, 'rekey-request', `srp:${state.server.srp}`);
  const body = sealBody(env.provider, state.transportKey, encodeRekeyRequest(), headerAd(header), env.random);
  return sendAndWait(state, header, body, { now });
}

/**
 * `rekey-offer`: derive the new key (eH made and erased here), keep it as pending, answer with
 * `rekey-accept` under the current key carrying the proof under the new one. An offer repeated
 * for the pending key id gets the same accept again, byte for byte; one for the current key (late,
 * after the switch) is ignored.
 */
export function onRekeyOffer(state: CompleteState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const offer = decodeRekeyOffer(openUnderKeys(state, frame, now, env));
  const session = { ...state.session, recvSeq: frame.seq + 1 };
  const pending = state.pendingKey;
  if (pending !== undefined && constantTimeEqual(pending.key.keyId, offer.keyId)) {
    const to = `srp:${state.server.srp}`;
    return { state: { ...state, session }, outputs: [{ type: 'send', bytes: pending.accept.slice(), to }] };
  }
  if (constantTimeEqual(state.transportKey.keyId, offer.keyId)) return ignore({ ...state, session }, 'rekey-offer for the current key');
  const serverKey = state.server.agreementKey;
  if (serverKey === undefined || !state.config.ciphers.includes(offer.algorithm)) {
    return ignore({ ...state, session }, 'rekey-offer the handset cannot take', 'PROTOCOL_ERROR');
  }
  const { provider, random } = env;
  const ephemeral = provider.agreementKeyPair(random(32));
  const th = rolloverTranscriptHash(provider, {
    pin: state.config.pin,
    srp: state.server.srp,
    oldKeyId: state.transportKey.keyId,
    newKeyId: offer.keyId,
    algorithm: offer.algorithm,
    deviceKey: state.identity.agreement.publicKey,
    serverKey,
    serverEphemeral: offer.ephemeral,
    handsetEphemeral: ephemeral.publicKey,
  });
  let key: Uint8Array;
  try {
    const shared = handsetSharedSecrets(provider, {
      ephemeral: ephemeral.secretKey,
      agreement: state.identity.agreement.secretKey,
      serverEphemeral: offer.ephemeral,
      serverKey,
    });
    key = deriveRolloverKey(provider, shared, th, offer.algorithm);
  } catch (err) {
    if (isActivationError(err)) return ignore({ ...state, session }, 'rekey-offer refused', err.code);
    throw err;
  } finally {
    // RIM: the key pair is discarded once the key is derived. eH never leaves this function.
    zeroize(ephemeral.secretKey);
  }
  const newKey = { algorithm: offer.algorithm, keyId: offer.keyId, key };
  const header = nextHeader(state, session, 'rekey-accept', `srp:${state.server.srp}`);
  const proof = provider.sealMessage(offer.algorithm, key, keyProofPayload('handset', th), headerAd(header), random);
  const body = sealBody(
    provider,
    state.transportKey,
    encodeRekeyAccept({ keyId: offer.keyId, ephemeral: ephemeral.publicKey, proof }),
    headerAd(header),
    random,
  );
  const pendingKey: PendingKey = { key: newKey, accept: encodeFrame({ ...header, body }), serverProof: keyProofPayload('server', th) };
  return sendAndWait({ ...state, session, pendingKey }, header, body, { now });
}

/** `rekey-done` (under the new key): the server switched; with its proof checked, the pending key becomes current. */
export function onRekeyDone(state: CompleteState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const pending = state.pendingKey;
  // Nothing is opened here, so nothing may change: rekey-done is taken across a gap in the
  // sequence (PUSHED, machine.ts), and moving recvSeq on an unauthenticated frame would let anyone
  // who can inject one make every later genuine frame look like a duplicate. No genuine rekey-done
  // needs it: the server sends one only in answer to an accept, which leaves a key pending.
  if (pending === undefined) return ignore(state, 'rekey-done without a pending key');
  const done = decodeRekeyDone(openBody(env.provider, pending.key, frame.body, headerAd(frame), frame.type));
  if (!constantTimeEqual(done.keyId, pending.key.keyId) || !constantTimeEqual(done.proof, pending.serverProof)) {
    return ignore(state, 'rekey-done with a wrong proof', 'PROTOCOL_ERROR');
  }
  return promote({ ...state, session: { ...state.session, recvSeq: frame.seq + 1 } }, pending, now);
}
