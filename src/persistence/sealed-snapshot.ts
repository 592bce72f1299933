/**
 * Sealed snapshots: a whole state as bytes, encrypted and authenticated under a storage key the
 * caller gives (XChaCha20-Poly1305, 32-byte key). Used by the handset (device state: identity,
 * keys, service books, policy, progress) and the simulator (accounts and sessions), so both
 * survive a restart. A snapshot that was altered, or opened with another key, is DECRYPT_FAILED.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { decodeCbor, encodeCbor } from '../wire/cbor.js';
import { bytesToUtf8, concatBytes, utf8ToBytes } from '../util/bytes.js';

/** Largest snapshot accepted (64 MiB: a device with many records). */
export const MAX_SNAPSHOT_BYTES = 64 << 20;

/**
 * The envelope is plain binary, not CBOR, so that nothing is parsed before it is authenticated:
 * `"EA-SNAP1"` (8 bytes) || kind length (1 byte) || kind || nonce (24 bytes) || ciphertext.
 */
const MAGIC = utf8ToBytes('EA-SNAP1');
const NONCE_LENGTH = 24;

function associatedData(kind: string): Uint8Array {
  return utf8ToBytes(`enterprise-activation/v1 snapshot ${kind}`);
}

function checkKey(storageKey: Uint8Array): void {
  if (!(storageKey instanceof Uint8Array) || storageKey.length !== 32) {
    throw new ActivationError('INVALID_ARGUMENT', 'the storage key must be 32 bytes', { field: 'storageKey' });
  }
}

function malformed(reason: string): ActivationError {
  return new ActivationError('MALFORMED', `snapshot: ${reason}`, { operation: 'open snapshot', reason });
}

/** Seals `value` (plain data: objects, arrays, strings, numbers, booleans, bytes) as a snapshot of `kind`. */
export function sealSnapshot(kind: string, value: unknown, storageKey: Uint8Array, provider: CryptoProvider, random: RandomSource): Uint8Array {
  checkKey(storageKey);
  const kindBytes = utf8ToBytes(kind);
  if (kindBytes.length < 1 || kindBytes.length > 32) throw new ActivationError('INVALID_ARGUMENT', 'snapshot kind must be 1 to 32 bytes', { field: 'kind' });
  const plaintext = encodeCbor(value);
  const nonce = random(NONCE_LENGTH);
  const ciphertext = provider.aeadSeal(storageKey, nonce, plaintext, associatedData(kind));
  plaintext.fill(0);
  return concatBytes(MAGIC, Uint8Array.of(kindBytes.length), kindBytes, nonce, ciphertext);
}

/** Opens a snapshot of `kind`: authenticates first, then decodes. The caller validates the returned plain data. */
export function openSnapshot(kind: string, snapshot: Uint8Array, storageKey: Uint8Array, provider: CryptoProvider): unknown {
  checkKey(storageKey);
  if (!(snapshot instanceof Uint8Array)) throw malformed('not bytes');
  if (snapshot.length > MAX_SNAPSHOT_BYTES + 1024) throw malformed('oversized');
  const header = MAGIC.length + 1;
  if (snapshot.length < header || !MAGIC.every((b, i) => snapshot[i] === b)) throw malformed('not a snapshot');
  const kindLength = snapshot[MAGIC.length]!;
  const body = header + kindLength;
  if (snapshot.length < body + NONCE_LENGTH + 16) throw malformed('truncated');
  let written: string;
  try {
    written = bytesToUtf8(snapshot.subarray(header, body));
  } catch {
    throw malformed('invalid kind');
  }
  if (written !== kind) throw new ActivationError('MALFORMED', `snapshot: expected a ${kind} snapshot`, { operation: 'open snapshot', kind: written });
  const nonce = snapshot.subarray(body, body + NONCE_LENGTH);
  const plaintext = provider.aeadOpen(storageKey, nonce, snapshot.subarray(body + NONCE_LENGTH), associatedData(kind));
  if (plaintext === undefined) {
    throw new ActivationError('DECRYPT_FAILED', 'snapshot authentication failed', { operation: 'open snapshot' });
  }
  try {
    return decodeCbor(plaintext, 'snapshot', MAX_SNAPSHOT_BYTES);
  } finally {
    plaintext.fill(0);
  }
}
