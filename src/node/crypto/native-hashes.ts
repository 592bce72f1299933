/**
 * SHA-2, HMAC and HKDF on OpenSSL (node:crypto), with the argument checks of every provider
 * (src/crypto/provider-arguments.ts). Each call builds its hash object and drops it: a keyed
 * object is never kept for the next call.
 */
import { createHash, createHmac } from 'node:crypto';
import { requireBytes, requireHkdfLength, unsupportedHmacHash } from '../../crypto/provider-arguments.js';
import type { SealPrimitives } from '../../crypto/transport-key/sealed-core.js';
import { ownBytes } from './okp-keys.js';

const HASH_LENGTH = { sha256: 32, sha512: 64 } as const;
const NO_SALT = new Uint8Array(0);

/** SHA-256 or SHA-512 of `message` on OpenSSL, as a plain Uint8Array. */
export function nativeDigest(algorithm: 'sha256' | 'sha512', message: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(message).digest());
}

/** HMAC on OpenSSL; the result is a key (or a tag): the Buffer it came in is wiped. */
function nativeHmac(algorithm: 'sha256' | 'sha512', key: Uint8Array, message: Uint8Array): Uint8Array {
  return ownBytes(createHmac(algorithm, key).update(message).digest());
}

/**
 * HKDF (RFC 5869) written out on OpenSSL's HMAC: PRK = HMAC(salt, ikm), T(i) = HMAC(PRK, T(i-1) ||
 * info || i). Not node:crypto's `hkdfSync`, which was the largest single cost of a whole
 * activation on this provider (its argument handling turns the key into a KeyObject on every
 * call): two HMACs cost about half as much. It also has no 1024-byte limit on `info`, which
 * `hkdfSync` has and RFC 5869 does not. An empty salt is HashLen zeros, as the RFC says (HMAC
 * pads the key with zeros anyway).
 */
function hmacHkdf(hash: 'sha256' | 'sha512', inputs: { ikm: Uint8Array; salt: Uint8Array; info: Uint8Array }, length: number): Uint8Array {
  const hashLength = HASH_LENGTH[hash];
  const prk = createHmac(hash, inputs.salt.length === 0 ? new Uint8Array(hashLength) : inputs.salt)
    .update(inputs.ikm)
    .digest();
  const out = new Uint8Array(length);
  let previous: Buffer = Buffer.alloc(0);
  try {
    for (let i = 1, offset = 0; offset < length; i++, offset += hashLength) {
      const block = createHmac(hash, prk).update(previous).update(inputs.info).update(Uint8Array.of(i)).digest();
      previous.fill(0);
      previous = block;
      out.set(block.subarray(0, Math.min(hashLength, length - offset)), offset);
    }
    return out;
  } finally {
    prk.fill(0);
    previous.fill(0);
  }
}

/** The hash operations of the node:crypto provider. */
export const nativeHashOperations = {
  sha512(message: Uint8Array): Uint8Array {
    requireBytes('sha512', 'message', message);
    return nativeDigest('sha512', message);
  },

  sha256(message: Uint8Array): Uint8Array {
    requireBytes('sha256', 'message', message);
    return nativeDigest('sha256', message);
  },

  hmac(hash: 'SHA-256' | 'SHA-512', key: Uint8Array, message: Uint8Array): Uint8Array {
    requireBytes('hmac', 'key', key);
    requireBytes('hmac', 'message', message);
    switch (hash) {
      case 'SHA-256':
        return nativeHmac('sha256', key, message);
      case 'SHA-512':
        return nativeHmac('sha512', key, message);
      default:
        throw unsupportedHmacHash();
    }
  },

  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    requireBytes('hkdf', 'ikm', ikm);
    requireBytes('hkdf', 'salt', salt);
    requireBytes('hkdf', 'info', info);
    requireHkdfLength(length);
    return hmacHkdf('sha512', { ikm, salt, info }, length);
  },
};

/** The sealed message's HKDF-SHA-256 and HMAC-SHA-256 on OpenSSL (src/crypto/transport-key/sealed-core.ts). */
export const nativeSealPrimitives: SealPrimitives = Object.freeze({
  hkdfSha256: (ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array => hmacHkdf('sha256', { ikm, salt: NO_SALT, info }, length),
  hmacSha256: (key: Uint8Array, message: Uint8Array): Uint8Array => nativeHmac('sha256', key, message),
});
