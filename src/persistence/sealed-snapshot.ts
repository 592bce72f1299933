/**
 * Sealed snapshots: a whole state as bytes, encrypted and authenticated under a storage key the
 * caller gives (XChaCha20-Poly1305, 32-byte key). Used by the handset (device state: identity,
 * keys, service books, policy, progress) and the simulator (accounts and sessions), so both
 * survive a restart. A snapshot that was altered, or opened with another key, is DECRYPT_FAILED.
 */
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { decodeCbor, decodeWith, encodeCbor } from '../wire/cbor.js';
import { bytes, text } from '../wire/schema.js';
import { utf8ToBytes } from '../util/bytes.js';

/** Largest snapshot accepted (64 MiB: a device with many records). */
export const MAX_SNAPSHOT_BYTES = 64 << 20;

const envelopeSchema = v.strictObject({
  format: v.literal('enterprise-activation/snapshot'),
  v: v.literal(1),
  kind: text(32, 1),
  nonce: bytes(24),
  ciphertext: bytes(16, MAX_SNAPSHOT_BYTES),
});

function associatedData(kind: string): Uint8Array {
  return utf8ToBytes(`enterprise-activation/v1 snapshot ${kind}`);
}

function checkKey(storageKey: Uint8Array): void {
  if (!(storageKey instanceof Uint8Array) || storageKey.length !== 32) {
    throw new ActivationError('INVALID_ARGUMENT', 'the storage key must be 32 bytes', { field: 'storageKey' });
  }
}

/** Seals `value` (plain data: objects, arrays, strings, numbers, booleans, bytes) as a snapshot of `kind`. */
export function sealSnapshot(kind: string, value: unknown, storageKey: Uint8Array, provider: CryptoProvider, random: RandomSource): Uint8Array {
  checkKey(storageKey);
  const plaintext = encodeCbor(value);
  const nonce = random(24);
  const ciphertext = provider.aeadSeal(storageKey, nonce, plaintext, associatedData(kind));
  plaintext.fill(0);
  return encodeCbor({ format: 'enterprise-activation/snapshot', v: 1, kind, nonce, ciphertext });
}

/** Opens a snapshot of `kind`; the caller validates the returned plain data. */
export function openSnapshot(kind: string, snapshot: Uint8Array, storageKey: Uint8Array, provider: CryptoProvider): unknown {
  checkKey(storageKey);
  const envelope = decodeWith(envelopeSchema, snapshot, 'snapshot', MAX_SNAPSHOT_BYTES + 1024);
  if (envelope.kind !== kind) {
    throw new ActivationError('MALFORMED', `snapshot: expected a ${kind} snapshot`, { operation: 'open snapshot', kind: envelope.kind });
  }
  const plaintext = provider.aeadOpen(storageKey, envelope.nonce, envelope.ciphertext, associatedData(kind));
  if (plaintext === undefined) {
    throw new ActivationError('DECRYPT_FAILED', 'snapshot authentication failed', { operation: 'open snapshot' });
  }
  return decodeCbor(plaintext, 'snapshot', MAX_SNAPSHOT_BYTES);
}
