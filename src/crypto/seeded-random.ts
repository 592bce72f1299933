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
 * The platform's cryptographically secure generator (`crypto.getRandomValues` via
 * @noble/hashes' `randomBytes`), available in Node 20+ and browsers. Use this in production.
 */
export const systemRandom: RandomSource = (length: number): Uint8Array => {
  checkLength(length, 'systemRandom');
  return randomBytes(length);
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
