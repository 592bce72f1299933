/**
 * The two transport ciphers on OpenSSL (node:crypto): AES-256-CBC (`aes-256-cbc`) and two-key
 * Triple DES (E_K1 D_K2 E_K1 in outer CBC, which is what tdes-ede2-cbc.ts computes on des.js). Triple
 * DES runs as `des-ede3-cbc` with the key K1||K2||K1, which is `des-ede-cbc` exactly: Node and Bun
 * have both, Deno 2.9 only the three-key one. Same contracts as src/crypto/transport-key/*: the same argument checks, keys made
 * the same way (Triple DES with odd parity and K1 != K2), PKCS#7 padding, and one DECRYPT_FAILED
 * for every decryption fault.
 *
 * OpenSSL's own padding is off: we pad, and we check the padding in a fixed shape (pkcs7.ts),
 * where OpenSSL's check stops at the first bad byte. Everything OpenSSL hands back (the padded
 * plaintext) is copied out and wiped; the key schedule inside OpenSSL is cleansed when the cipher
 * context is freed.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { RandomSource, TransportCipher, TransportKeyAlgorithm } from '../../crypto/provider.js';
import { TRANSPORT_KEY_STRENGTH } from '../../crypto/transport-key/algorithms.js';
import {
  type CbcShape,
  cbcDecryptFailed,
  checkEncryptArgs,
  decryptArgsOk,
  joinWiped,
  randomKeyBytes,
} from '../../crypto/transport-key/cbc-checks.js';
import { pkcs7Pad, pkcs7UnpaddedLength } from '../../crypto/transport-key/pkcs7.js';
import { generateTdesEde2Key, tdesEde3Key } from '../../crypto/transport-key/tdes-key.js';

/** One CBC cipher: its shape, OpenSSL's name for it and how its keys are made. */
interface NativeCbcSpec {
  readonly shape: CbcShape & { readonly name: TransportKeyAlgorithm };
  readonly openssl: 'aes-256-cbc' | 'des-ede3-cbc';
  readonly generateKey: (shape: CbcShape, random: RandomSource) => Uint8Array;
  /** The key as OpenSSL takes it, in a buffer of its own that is wiped after use. */
  readonly opensslKey: (key: Uint8Array) => Uint8Array;
}

/** Runs `fn` with the cipher's key as OpenSSL takes it, and wipes that copy. */
function withKey<T>(spec: NativeCbcSpec, key: Uint8Array, fn: (opensslKey: Uint8Array) => T): T {
  const k = spec.opensslKey(key);
  try {
    return fn(k);
  } finally {
    k.fill(0);
  }
}

/** `update` then `final` of an OpenSSL cipher without padding, as one buffer; the pieces are wiped. */
function runCipher(cipher: { update(data: Uint8Array): Buffer; final(): Buffer }, data: Uint8Array): Uint8Array {
  return joinWiped(cipher.update(data), cipher.final());
}

function nativeCbcCipher(spec: NativeCbcSpec): TransportCipher {
  const { shape, openssl } = spec;
  return Object.freeze({
    id: shape.name,
    keyLength: shape.keyLength,
    blockLength: shape.blockLength,
    strength: TRANSPORT_KEY_STRENGTH[shape.name],

    generateKey(random: RandomSource): Uint8Array {
      return spec.generateKey(shape, random);
    },

    encryptCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
      checkEncryptArgs(shape, key, iv, plaintext);
      const padded = pkcs7Pad(plaintext, shape.blockLength);
      try {
        return withKey(spec, key, (k) => runCipher(createCipheriv(openssl, k, iv).setAutoPadding(false), padded));
      } finally {
        padded.fill(0);
      }
    },

    decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
      if (!decryptArgsOk(shape, key, iv, ciphertext)) throw cbcDecryptFailed(shape);
      let padded: Uint8Array;
      try {
        padded = withKey(spec, key, (k) => runCipher(createDecipheriv(openssl, k, iv).setAutoPadding(false), ciphertext));
      } catch {
        throw cbcDecryptFailed(shape);
      }
      try {
        const n = pkcs7UnpaddedLength(padded, shape.blockLength);
        if (n < 0) throw cbcDecryptFailed(shape);
        return padded.slice(0, n);
      } finally {
        padded.fill(0);
      }
    },
  });
}

/** AES-256-CBC on OpenSSL: 32-byte keys, 16-byte blocks; the bytes of `aes256Cbc`. */
export const nativeAes256Cbc: TransportCipher = /* @__PURE__ */ nativeCbcCipher({
  shape: { name: 'AES-256-CBC', keyLength: 32, blockLength: 16 },
  openssl: 'aes-256-cbc',
  generateKey: randomKeyBytes,
  opensslKey: (key) => key.slice(),
});

/** Two-key Triple DES (EDE, CBC) on OpenSSL's `des-ede3-cbc` with K1||K2||K1 (`des-ede-cbc`): 16-byte keys with odd parity, 8-byte blocks; the bytes of `tdesEde2Cbc`. */
export const nativeTdesEde2Cbc: TransportCipher = /* @__PURE__ */ nativeCbcCipher({
  shape: { name: 'TDES-EDE2-CBC', keyLength: 16, blockLength: 8 },
  openssl: 'des-ede3-cbc',
  generateKey: generateTdesEde2Key,
  opensslKey: tdesEde3Key,
});
