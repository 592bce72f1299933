/**
 * Sealed snapshots: a whole state as bytes, encrypted and authenticated under a storage key the
 * caller gives (XChaCha20-Poly1305, 32-byte key). Used by the handset (device state: identity,
 * keys, service books, policy, progress) and the simulator (accounts and sessions), so both
 * survive a restart. A snapshot that was altered, or opened with another key, is DECRYPT_FAILED.
 *
 * Rollback (issue 8, finding 15): authentication alone cannot tell an old snapshot from the
 * latest, so whoever controls the store could put back yesterday's (an older IT policy, a server
 * with a failed-attempt counter from before five wrong guesses). Each snapshot therefore carries a
 * **generation**, a number the host chooses (and increments) and keeps somewhere the attacker
 * cannot roll back (a monotonic counter, a TPM NV index, a server-side record). It is bound into
 * the AEAD's associated data, so it cannot be changed without the key; opening with
 * `minGeneration` refuses any older snapshot with ActivationError('STALE_SNAPSHOT').
 */
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { bytesToUtf8, concatBytes, utf8ToBytes } from '../util/bytes.js';

/** Largest snapshot accepted (64 MiB: a device with many records). */
export const MAX_SNAPSHOT_BYTES = 64 << 20;

/**
 * The envelope is plain binary, not CBOR, so that nothing is parsed before it is authenticated:
 * `"EA-SNAP2"` (8 bytes) || kind length (1 byte) || kind || generation (8 bytes, big-endian) ||
 * nonce (24 bytes) || ciphertext. The generation is in the clear (the host may want to read it)
 * and authenticated as part of the associated data. `"EA-SNAP1"` envelopes (no generation field,
 * written before the generation existed) are still read, as generation 0.
 */
const MAGIC = utf8ToBytes('EA-SNAP2');
const MAGIC_V1 = utf8ToBytes('EA-SNAP1');
const NONCE_LENGTH = 24;
const GENERATION_LENGTH = 8;

function associatedData(kind: string, generation: Uint8Array | undefined): Uint8Array {
  const label = utf8ToBytes(`enterprise-activation/v1 snapshot ${kind}`);
  return generation === undefined ? label : concatBytes(label, generation);
}

/** Options for taking a sealed snapshot: `Handset.snapshot` and `BesSimulator.snapshot`. */
export interface SnapshotSealOptions {
  /**
   * The generation to bind into the snapshot: a non-negative safe integer, larger than that of
   * every earlier snapshot the host keeps. Default 0 (no rollback protection).
   */
  readonly generation?: number;
}

/** Options for opening a sealed snapshot: `Handset.restore` and `BesSimulator.restore`. */
export interface SnapshotOpenOptions {
  /**
   * Refuse a snapshot whose generation is below this (ActivationError('STALE_SNAPSHOT')). Pass the
   * generation of the latest snapshot written. Default 0 (accept any).
   */
  readonly minGeneration?: number;
}

function checkGeneration(value: number | undefined, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ActivationError('INVALID_ARGUMENT', `${field} must be a non-negative safe integer`, { field });
  }
  return value;
}

function encodeGeneration(generation: number): Uint8Array {
  const out = new Uint8Array(GENERATION_LENGTH);
  new DataView(out.buffer).setBigUint64(0, BigInt(generation));
  return out;
}

/** The generation of a sealed snapshot (read from its clear header; authenticated only by opening it). */
export function snapshotGeneration(snapshot: Uint8Array): number {
  if (!(snapshot instanceof Uint8Array)) throw malformed('not bytes');
  if (snapshot.length >= MAGIC_V1.length && MAGIC_V1.every((b, i) => snapshot[i] === b)) return 0;
  // The kind's length byte follows the magic; a snapshot too short to have it is no snapshot.
  const kindLength = snapshot[MAGIC.length];
  if (kindLength === undefined || !MAGIC.every((b, i) => snapshot[i] === b)) throw malformed('not a snapshot');
  const at = MAGIC.length + 1 + kindLength;
  if (snapshot.length < at + GENERATION_LENGTH) throw malformed('truncated');
  const value = new DataView(snapshot.buffer, snapshot.byteOffset + at, GENERATION_LENGTH).getBigUint64(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('invalid generation');
  return Number(value);
}

function checkKey(storageKey: Uint8Array): void {
  if (!(storageKey instanceof Uint8Array) || storageKey.length !== 32) {
    throw new ActivationError('INVALID_ARGUMENT', 'the storage key must be 32 bytes', { field: 'storageKey' });
  }
}

function malformed(reason: string): ActivationError {
  return new ActivationError('MALFORMED', `snapshot: ${reason}`, { operation: 'open snapshot', reason });
}

/** What {@link sealSnapshot} takes besides the value, the key and the provider. */
export interface SnapshotSealInputs extends SnapshotSealOptions {
  /** The source of the 24-byte nonce. */
  readonly random: RandomSource;
}

/**
 * Seals `value` (plain data: objects, arrays, strings, numbers, booleans, bytes) as a snapshot of
 * `kind`, with a nonce from `inputs.random` and the generation `inputs.generation`. The same first
 * four parameters as {@link openSnapshot}.
 */
export function sealSnapshot(
  kind: string,
  value: unknown,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  inputs: SnapshotSealInputs,
): Uint8Array {
  checkKey(storageKey);
  const { random } = inputs;
  const generation = encodeGeneration(checkGeneration(inputs.generation, 'generation'));
  const kindBytes = utf8ToBytes(kind);
  if (kindBytes.length < 1 || kindBytes.length > 32)
    throw new ActivationError('INVALID_ARGUMENT', 'snapshot kind must be 1 to 32 bytes', { field: 'kind' });
  const plaintext = encodeCbor(value);
  const nonce = random(NONCE_LENGTH);
  const ciphertext = provider.aeadSeal(storageKey, nonce, plaintext, associatedData(kind, generation));
  plaintext.fill(0);
  return concatBytes(MAGIC, Uint8Array.of(kindBytes.length), kindBytes, generation, nonce, ciphertext);
}

/**
 * Opens a snapshot of `kind`: authenticates first, then checks the generation, then decodes. The
 * caller validates the returned plain data. A snapshot older than `options.minGeneration` is
 * ActivationError('STALE_SNAPSHOT') (checked after authentication, so a forged generation is
 * DECRYPT_FAILED, not STALE_SNAPSHOT).
 */
export function openSnapshot(
  kind: string,
  snapshot: Uint8Array,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  options: SnapshotOpenOptions = {},
): unknown {
  checkKey(storageKey);
  const minGeneration = checkGeneration(options.minGeneration, 'minGeneration');
  if (!(snapshot instanceof Uint8Array)) throw malformed('not bytes');
  if (snapshot.length > MAX_SNAPSHOT_BYTES + 1024) throw malformed('oversized');
  const header = MAGIC.length + 1;
  // The kind's length byte follows the magic (of either version, both 8 bytes); a snapshot too
  // short to have it is no snapshot.
  const kindLength = snapshot[MAGIC.length];
  const v1 = kindLength !== undefined && MAGIC_V1.every((b, i) => snapshot[i] === b);
  if (kindLength === undefined || (!v1 && !MAGIC.every((b, i) => snapshot[i] === b))) throw malformed('not a snapshot');
  const kindEnd = header + kindLength;
  const body = kindEnd + (v1 ? 0 : GENERATION_LENGTH);
  if (snapshot.length < body + NONCE_LENGTH + 16) throw malformed('truncated');
  let written: string;
  try {
    written = bytesToUtf8(snapshot.subarray(header, kindEnd));
  } catch {
    throw malformed('invalid kind');
  }
  if (written !== kind)
    throw new ActivationError('MALFORMED', `snapshot: expected a ${kind} snapshot`, { operation: 'open snapshot', kind: written });
  const generationBytes = v1 ? undefined : snapshot.slice(kindEnd, body);
  const nonce = snapshot.subarray(body, body + NONCE_LENGTH);
  const plaintext = provider.aeadOpen(storageKey, nonce, snapshot.subarray(body + NONCE_LENGTH), associatedData(kind, generationBytes));
  if (plaintext === undefined) {
    throw new ActivationError('DECRYPT_FAILED', 'snapshot authentication failed', { operation: 'open snapshot' });
  }
  const generation = generationBytes === undefined ? 0n : new DataView(generationBytes.buffer).getBigUint64(0);
  if (generation < BigInt(minGeneration)) {
    plaintext.fill(0);
    throw new ActivationError('STALE_SNAPSHOT', `snapshot: generation ${generation} is older than ${minGeneration}`, {
      operation: 'open snapshot',
      kind,
      generation: Number(generation),
      minGeneration,
    });
  }
  try {
    return decodeCbor(plaintext, 'snapshot', MAX_SNAPSHOT_BYTES);
  } finally {
    plaintext.fill(0);
  }
}
