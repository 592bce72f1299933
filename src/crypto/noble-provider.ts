/**
 * The default {@link CryptoProvider}: pure JavaScript, built on the audited @noble libraries
 * (@noble/curves, @noble/hashes, @noble/ciphers). Runs unchanged in Node and browsers.
 *
 * The provider is also the registry of CPace suites and transport ciphers: it knows only the
 * suite and cipher objects it is built with. `nobleProvider` has X25519 and AES-256 only, so a
 * bundle that uses it carries neither P-521 (@noble/curves' Weierstrass code) nor Triple DES
 * (des.js). `createNobleProvider({ suites, ciphers })` builds one with more, from the objects in
 * `enterprise-activation/crypto`; only code that imports those objects pays for them.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ActivationError, wrapErrors } from '../errors/activation-error.js';
import {
  isAllZero,
  isBytes,
  lowOrderAgreement,
  requireBytes,
  requireHkdfLength,
  unsupportedCipher,
  unsupportedHmacHash,
  unsupportedSuite,
} from './provider-arguments.js';
import { x25519Suite } from './cpace/x25519-suite.js';
import type {
  CPaceSuite,
  CPaceSuiteId,
  CryptoProvider,
  KeyPair,
  RandomSource,
  SealedMessage,
  TransportCipher,
  TransportKeyAlgorithm,
} from './provider.js';
import { aes256Cbc } from './transport-key/aes256-cbc.js';
import { openMessageWith, sealMessageWith } from './transport-key/sealed-core.js';

const XCHACHA_KEY_LENGTH = 32;
const XCHACHA_NONCE_LENGTH = 24;
const SEED_LENGTH = 32;

/** What a noble provider is built with: the suite and cipher objects it can look up by id. */
export interface NobleProviderOptions {
  /** CPace suites, e.g. `[x25519Suite, p521Suite]`. Default: `[x25519Suite]`. */
  readonly suites?: readonly CPaceSuite[];
  /** Transport ciphers, e.g. `[aes256Cbc, tdesEde2Cbc]`. Default: `[aes256Cbc]`. */
  readonly ciphers?: readonly TransportCipher[];
}

/** The first object in `list` with this id; own objects only, so `__proto__` and the like find nothing. */
function byId<T extends { readonly id: string }>(list: readonly T[], id: unknown): T | undefined {
  return typeof id === 'string' ? list.find((x) => x.id === id) : undefined;
}

/**
 * A noble provider that supports exactly the given suites and ciphers (see the module comment).
 * A handset or simulator given this provider offers and accepts these and no others by default.
 *
 * @example
 * ```ts
 * import { createNobleProvider, aes256Cbc, p521Suite, tdesEde2Cbc, x25519Suite } from 'enterprise-activation/crypto';
 * const provider = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
 * ```
 */
export function createNobleProvider(options: NobleProviderOptions = {}): CryptoProvider {
  const suites = [...(options.suites ?? [x25519Suite])];
  const ciphers = [...(options.ciphers ?? [aes256Cbc])];
  if (suites.length === 0 || ciphers.length === 0) {
    throw new ActivationError('INVALID_ARGUMENT', 'a provider needs at least one suite and one cipher', { field: 'suites/ciphers' });
  }
  const cipherFor = (id: TransportKeyAlgorithm): TransportCipher | undefined => byId(ciphers, id);
  return Object.freeze({ ...nobleOperations, cpaceSuite, transportCipher, sealMessage, openMessage });

  function cpaceSuite(id: CPaceSuiteId): CPaceSuite {
    const suite = byId(suites, id);
    if (suite === undefined) throw unsupportedSuite();
    return suite;
  }

  function transportCipher(id: TransportKeyAlgorithm): TransportCipher {
    const cipher = cipherFor(id);
    if (cipher === undefined) throw unsupportedCipher();
    return cipher;
  }

  function sealMessage(
    algorithm: TransportKeyAlgorithm,
    transportKey: Uint8Array,
    plaintext: Uint8Array,
    associatedData: Uint8Array,
    random: RandomSource,
  ): SealedMessage {
    return sealMessageWith(cipherFor, algorithm, transportKey, plaintext, { associatedData, random });
  }

  function openMessage(...args: Parameters<CryptoProvider['openMessage']>): Uint8Array {
    return openMessageWith(cipherFor, ...args);
  }
}

/** The operations that do not depend on which suites and ciphers a provider has. */
const nobleOperations = {
  name: 'noble',

  sha512(message: Uint8Array): Uint8Array {
    requireBytes('sha512', 'message', message);
    return sha512(message);
  },

  sha256(message: Uint8Array): Uint8Array {
    requireBytes('sha256', 'message', message);
    return sha256(message);
  },

  hmac(hash: 'SHA-256' | 'SHA-512', key: Uint8Array, message: Uint8Array): Uint8Array {
    requireBytes('hmac', 'key', key);
    requireBytes('hmac', 'message', message);
    switch (hash) {
      case 'SHA-256':
        return hmac(sha256, key, message);
      case 'SHA-512':
        return hmac(sha512, key, message);
      default:
        throw unsupportedHmacHash();
    }
  },

  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    requireBytes('hkdf', 'ikm', ikm);
    requireBytes('hkdf', 'salt', salt);
    requireBytes('hkdf', 'info', info);
    requireHkdfLength(length);
    return hkdf(sha512, ikm, salt, info, length);
  },

  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    requireBytes('aeadSeal', 'key', key, XCHACHA_KEY_LENGTH);
    requireBytes('aeadSeal', 'nonce', nonce, XCHACHA_NONCE_LENGTH);
    requireBytes('aeadSeal', 'plaintext', plaintext);
    requireBytes('aeadSeal', 'ad', ad);
    return wrapErrors('INVALID_ARGUMENT', 'aeadSeal', () => xchacha20poly1305(key, nonce, ad).encrypt(plaintext));
  },

  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | undefined {
    // Never throws: the checks are inside the try too, since reading a hostile argument (a Proxy) throws.
    try {
      if (
        !isBytes(key) ||
        key.length !== XCHACHA_KEY_LENGTH ||
        !isBytes(nonce) ||
        nonce.length !== XCHACHA_NONCE_LENGTH ||
        !isBytes(ciphertext) ||
        !isBytes(ad)
      ) {
        return undefined;
      }
      return xchacha20poly1305(key, nonce, ad).decrypt(ciphertext);
    } catch {
      return undefined;
    }
  },

  signingKeyPair(seed: Uint8Array): KeyPair {
    requireBytes('signingKeyPair', 'seed', seed, SEED_LENGTH);
    // Copy: noble's keygen/getPublicKey may keep a reference, and the caller may wipe its seed.
    const secretKey = seed.slice();
    return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
  },

  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    requireBytes('sign', 'secretKey', secretKey, SEED_LENGTH);
    requireBytes('sign', 'message', message);
    return wrapErrors('INVALID_ARGUMENT', 'sign', () => ed25519.sign(message, secretKey));
  },

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // Never throws: the checks are inside the try too, since reading a hostile argument (a Proxy) throws.
    try {
      if (!isBytes(publicKey) || publicKey.length !== 32 || !isBytes(message) || !isBytes(signature) || signature.length !== 64) {
        return false;
      }
      // Strict RFC 8032 / FIPS 186-5 decoding (no ZIP-215 leniency): canonical encodings only.
      return ed25519.verify(signature, message, publicKey, { zip215: false }) === true;
    } catch {
      return false;
    }
  },

  agreementKeyPair(seed: Uint8Array): KeyPair {
    requireBytes('agreementKeyPair', 'seed', seed, SEED_LENGTH);
    const secretKey = seed.slice();
    return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
  },

  agree(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    requireBytes('agree', 'secretKey', secretKey, SEED_LENGTH);
    requireBytes('agree', 'publicKey', publicKey, 32);
    let shared: Uint8Array | undefined;
    try {
      shared = x25519.getSharedSecret(secretKey, publicKey);
    } catch {
      // noble refuses an all-zero result itself; the check below holds for any implementation.
      shared = undefined;
    }
    // RFC 7748 section 6.1: a low-order point gives all zeros, which would make the "shared"
    // secret known to anyone. Checked without a data-dependent early exit.
    if (shared === undefined || isAllZero(shared)) throw lowOrderAgreement();
    return shared;
  },
};

/**
 * The default provider: X25519 and AES-256, the suite and cipher both peers use unless one of
 * them asks for another. For P-521 or Triple DES, build one with `createNobleProvider` from
 * `enterprise-activation/crypto`.
 */
export const nobleProvider: CryptoProvider = /* @__PURE__ */ createNobleProvider();
