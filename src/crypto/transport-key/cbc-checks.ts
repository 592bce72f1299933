/**
 * Argument checks shared by the CBC transport ciphers. Encryption reports a bad argument as
 * INVALID_ARGUMENT naming the field; decryption reports every problem the same way (no oracle).
 */
import { ActivationError } from '../../errors/activation-error.js';
import type { RandomSource } from '../provider.js';

export interface CbcShape {
  /** The cipher's name, e.g. "AES-256-CBC". */
  readonly name: string;
  readonly keyLength: number;
  readonly blockLength: number;
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

export function checkEncryptArgs(shape: CbcShape, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): void {
  const operation = `${shape.name} encrypt`;
  if (!isBytes(key) || key.length !== shape.keyLength) {
    throw new ActivationError('INVALID_ARGUMENT', `${shape.name} key must be ${shape.keyLength} bytes`, { operation, field: 'key' });
  }
  if (!isBytes(iv) || iv.length !== shape.blockLength) {
    throw new ActivationError('INVALID_ARGUMENT', `${shape.name} IV must be ${shape.blockLength} bytes`, { operation, field: 'iv' });
  }
  if (!isBytes(plaintext)) {
    throw new ActivationError('INVALID_ARGUMENT', `${shape.name} plaintext must be a Uint8Array`, { operation, field: 'plaintext' });
  }
}

/** True when the decryption arguments have the right types and lengths. */
export function decryptArgsOk(shape: CbcShape, key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): boolean {
  return (
    isBytes(key) &&
    key.length === shape.keyLength &&
    isBytes(iv) &&
    iv.length === shape.blockLength &&
    isBytes(ciphertext) &&
    ciphertext.length > 0 &&
    ciphertext.length % shape.blockLength === 0
  );
}

/** `random(keyLength)`, checked: a random source that returns the wrong length is INVALID_ARGUMENT. */
export function randomKeyBytes(shape: CbcShape, random: RandomSource): Uint8Array {
  const key = random(shape.keyLength);
  if (!isBytes(key) || key.length !== shape.keyLength) {
    throw new ActivationError('INVALID_ARGUMENT', 'random source returned the wrong number of bytes', {
      operation: `${shape.name} generateKey`,
    });
  }
  // A copy: a random source may hand out one buffer it fills again on the next call, and the
  // sealer both draws more bytes after the key and zeroes the key when done.
  return key.slice();
}

/** What a CBC decryption throws for every cause (length, key, IV, padding): one message, no detail, no padding oracle. */
export function cbcDecryptFailed(shape: CbcShape): ActivationError {
  return new ActivationError('DECRYPT_FAILED', `${shape.name} decryption failed`, { operation: `${shape.name} decrypt` });
}

/** A streaming cipher's `update` and `final` outputs (des.js arrays, OpenSSL Buffers) as one array; the pieces are wiped. */
export function joinWiped(
  head: ArrayLike<number> & { fill(value: number): unknown },
  tail: ArrayLike<number> & { fill(value: number): unknown },
): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  head.fill(0);
  tail.fill(0);
  return out;
}
