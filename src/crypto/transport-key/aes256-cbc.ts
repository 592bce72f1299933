/**
 * AES-256 in CBC mode with PKCS#7 padding, the stronger of the two device transport key
 * algorithms RIM documented (facts file, "Cryptography"). Built on `cbc` from @noble/ciphers.
 *
 * CBC is unauthenticated: callers must MAC before decrypting (see `sealed-message.ts`), and a
 * padding failure here must never be observable separately from a MAC failure.
 */
import { cbc } from '@noble/ciphers/aes.js';
import type { RandomSource, TransportCipher } from '../provider.js';
import { TRANSPORT_KEY_STRENGTH } from './algorithms.js';
import { type CbcShape, cbcDecryptFailed, checkEncryptArgs, decryptArgsOk, randomKeyBytes } from './cbc-checks.js';

const KEY_LENGTH = 32;
const BLOCK_LENGTH = 16;

const SHAPE: CbcShape = { name: 'AES-256-CBC', keyLength: KEY_LENGTH, blockLength: BLOCK_LENGTH };

/** The AES-256-CBC {@link TransportCipher}: 32-byte keys, 16-byte blocks. Give it to `createNobleProvider` or use it directly. */
export const aes256Cbc: TransportCipher = /* @__PURE__ */ Object.freeze({
  id: 'AES-256-CBC',
  keyLength: KEY_LENGTH,
  blockLength: BLOCK_LENGTH,
  strength: TRANSPORT_KEY_STRENGTH['AES-256-CBC'],

  generateKey(random: RandomSource): Uint8Array {
    return randomKeyBytes(SHAPE, random);
  },

  encryptCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkEncryptArgs(SHAPE, key, iv, plaintext);
    return cbc(key, iv).encrypt(plaintext);
  },

  decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!decryptArgsOk(SHAPE, key, iv, ciphertext)) throw cbcDecryptFailed(SHAPE);
    // Decrypt into a buffer we own: noble checks PKCS#7 padding in constant shape and returns a
    // subarray of it; we copy the plaintext out and wipe the whole buffer (padding included).
    const work = new Uint8Array(ciphertext.length);
    try {
      return cbc(key, iv).decrypt(ciphertext, work).slice();
    } catch {
      throw cbcDecryptFailed(SHAPE);
    } finally {
      work.fill(0);
    }
  },
});
