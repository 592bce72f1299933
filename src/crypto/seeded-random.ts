/**
 * Random sources: {@link systemRandom} for real use, {@link seededRandom} for tests and replay.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ActivationError } from '../errors/activation-error.js';
import type { RandomSource } from './provider.js';

function checkLength(length: number, operation: string): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new ActivationError('INVALID_ARGUMENT', 'random length must be a non-negative integer', {
      operation,
      length,
    });
  }
}

/**
 * Draws of at most this many bytes are served from {@link pool}; larger ones go to the platform
 * directly. The protocol's draws are keys, IVs, nonces and scalars (8 to 66 bytes).
 */
const POOLED_MAX = 256;
/** Bytes fetched from the platform at once (browsers allow up to 65,536 per call). */
const POOL_SIZE = 4096;
/** Platform random bytes not yet handed out, from {@link poolOffset} on; bytes before it are zeroed. */
let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * The platform's cryptographically secure generator (`crypto.getRandomValues` via
 * @noble/hashes' `randomBytes`), available in Node 20+ and browsers. Use this in production.
 *
 * Small draws come from a pool of 4 KiB filled by one platform call: a call to
 * `getRandomValues` costs about 5 us whatever its size up to 4 KiB (Node 20, measured for issue
 * 14), and an activation makes about 200 small draws, so one call per draw was some 2 ms of each
 * activation's overhead. Every draw is a fresh copy, and the pool's bytes are zeroed as they are
 * handed out, so no byte is served twice and what was served does not linger in the pool; the
 * bytes not yet served do sit in memory until used (as they do in Node's own `randomUUID` pool).
 */
export const systemRandom: RandomSource = (length: number): Uint8Array => {
  checkLength(length, 'systemRandom');
  if (length > POOLED_MAX) return randomBytes(length);
  if (poolOffset + length > pool.length) {
    pool.fill(0);
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + length);
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
};

/**
 * A deterministic random source: **for tests, demos and replaying recorded runs only, never
 * for real keys.** Anyone who knows (or guesses) the seed can recompute every byte it produces.
 *
 * Construction: key = SHA-256(seed) (a string seed is UTF-8 encoded first); call number i
 * (0, 1, 2, ...) returns the first `length` bytes of the ChaCha20 (RFC 8439) keystream under that
 * key with nonce = i as 12 bytes little-endian. Every call uses a new nonce, so no output ever
 * repeats a previous one, and the same seed always yields the same sequence of outputs for the
 * same sequence of requested lengths. One call may ask for up to 256 GiB (the 32-bit block counter).
 */
export function seededRandom(seed: Uint8Array | string): RandomSource {
  let seedBytes: Uint8Array;
  if (typeof seed === 'string') seedBytes = utf8ToBytes(seed);
  else if (seed instanceof Uint8Array) seedBytes = seed;
  else {
    throw new ActivationError('INVALID_ARGUMENT', 'seed must be a string or a Uint8Array', {
      operation: 'seededRandom',
    });
  }
  const key = sha256(seedBytes);
  let calls = 0;
  return (length: number): Uint8Array => {
    checkLength(length, 'seededRandom');
    if (calls >= Number.MAX_SAFE_INTEGER) {
      throw new ActivationError('INVALID_STATE', 'seeded random source exhausted', { operation: 'seededRandom' });
    }
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setBigUint64(0, BigInt(calls), true);
    calls++;
    return chacha20(key, nonce, new Uint8Array(length));
  };
}
