/**
 * SHA-2, HMAC and HKDF on OpenSSL (node:crypto), with the argument checks of every provider
 * (src/crypto/provider-arguments.ts). Each call builds its hash object and drops it: a keyed
 * object is never kept for the next call.
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { requireBytes, requireHkdfLength, unsupportedHmacHash } from '../../crypto/provider-arguments.js';
import type { SealPrimitives } from '../../crypto/transport-key/sealed-core.js';
import { ownBytes } from './okp-keys.js';

/** node:crypto's hkdfSync refuses an info longer than this; RFC 5869 and noble do not. */
const NODE_HKDF_MAX_INFO = 1024;
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
 * HKDF on OpenSSL, or on noble for an info longer than node:crypto takes (1024 bytes), which RFC
 * 5869 allows and the noble provider accepts: the same bytes either way.
 */
function anyHkdf(hash: 'sha256' | 'sha512', inputs: { ikm: Uint8Array; salt: Uint8Array; info: Uint8Array }, length: number): Uint8Array {
  const { ikm, salt, info } = inputs;
  if (info.length > NODE_HKDF_MAX_INFO) return hkdf(hash === 'sha256' ? sha256 : sha512, ikm, salt, info, length);
  return ownBytes(hkdfSync(hash, ikm, salt, info, length));
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
    return anyHkdf('sha512', { ikm, salt, info }, length);
  },
};

/** The sealed message's HKDF-SHA-256 and HMAC-SHA-256 on OpenSSL (src/crypto/transport-key/sealed-core.ts). */
export const nativeSealPrimitives: SealPrimitives = Object.freeze({
  hkdfSha256: (ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array => anyHkdf('sha256', { ikm, salt: NO_SALT, info }, length),
  hmacSha256: (key: Uint8Array, message: Uint8Array): Uint8Array => nativeHmac('sha256', key, message),
});
