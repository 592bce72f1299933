/**
 * AES-256 in CBC mode with PKCS#7 padding, the stronger of the two device transport key
 * algorithms RIM documented. Built on `cbc` from @noble/ciphers.
 *
 * CBC is unauthenticated: callers must MAC before decrypting (see `sealed-message.ts`), and a
 * padding failure here must never be observable separately from a MAC failure.
 */
import { cbc } from '@noble/ciphers/aes.js';
import { ActivationError } from '../../errors/activation-error.js';
import type { RandomSource, TransportCipher } from '../provider.js';

const KEY_LENGTH = 32;
const BLOCK_LENGTH = 16;

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

function checkEncryptArgs(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): void {
  if (!isBytes(key) || key.length !== KEY_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', 'AES-256-CBC key must be 32 bytes', {
      operation: 'AES-256-CBC encrypt',
      field: 'key',
    });
  }
  if (!isBytes(iv) || iv.length !== BLOCK_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', 'AES-256-CBC IV must be 16 bytes', {
      operation: 'AES-256-CBC encrypt',
      field: 'iv',
    });
  }
  if (!isBytes(plaintext)) {
    throw new ActivationError('INVALID_ARGUMENT', 'AES-256-CBC plaintext must be a Uint8Array', {
      operation: 'AES-256-CBC encrypt',
      field: 'plaintext',
    });
  }
}

function decryptFailed(): ActivationError {
  // One message and no detail for every cause (length, key, IV, padding): no padding oracle.
  return new ActivationError('DECRYPT_FAILED', 'AES-256-CBC decryption failed', {
    operation: 'AES-256-CBC decrypt',
  });
}

export const aes256Cbc: TransportCipher = Object.freeze({
  id: 'AES-256-CBC',
  keyLength: KEY_LENGTH,
  blockLength: BLOCK_LENGTH,
  strength: 256,

  generateKey(random: RandomSource): Uint8Array {
    const key = random(KEY_LENGTH);
    if (!isBytes(key) || key.length !== KEY_LENGTH) {
      throw new ActivationError('INVALID_ARGUMENT', 'random source returned the wrong number of bytes', {
        operation: 'AES-256-CBC generateKey',
      });
    }
    return key;
  },

  encryptCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkEncryptArgs(key, iv, plaintext);
    return cbc(key, iv).encrypt(plaintext);
  },

  decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (
      !isBytes(key) ||
      key.length !== KEY_LENGTH ||
      !isBytes(iv) ||
      iv.length !== BLOCK_LENGTH ||
      !isBytes(ciphertext) ||
      ciphertext.length === 0 ||
      ciphertext.length % BLOCK_LENGTH !== 0
    ) {
      throw decryptFailed();
    }
    // Decrypt into a buffer we own: noble checks PKCS#7 padding in constant shape and returns a
    // subarray of it; we copy the plaintext out and wipe the whole buffer (padding included).
    const work = new Uint8Array(ciphertext.length);
    try {
      return cbc(key, iv).decrypt(ciphertext, work).slice();
    } catch {
      throw decryptFailed();
    } finally {
      work.fill(0);
    }
  },
});
