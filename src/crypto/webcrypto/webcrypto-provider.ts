/**
 * The WebCrypto provider: the protocol's operations on `crypto.subtle` where the runtime has them,
 * on the noble provider where it does not, chosen per operation when the provider is built.
 * WebCrypto is asynchronous, so this is an {@link AsyncCryptoProvider}: a driver runs the
 * synchronous state machines against it with `runWithAsyncProvider` (replay-bridge.ts).
 *
 * Native when the runtime passes the known-answer check at build time: SHA-256, SHA-512, HMAC,
 * HKDF-SHA-512, Ed25519, X25519 (key agreement and the CPace X25519 suite's scalar
 * multiplications), AES-256-CBC. Always JavaScript: XChaCha20-Poly1305, Triple DES, Elligator 2
 * and the P-521 suite (WebCrypto has none of them), and the sealed message's composition (its
 * CBC and MAC steps run on the noble cipher objects). docs/crypto-providers.md has the table.
 *
 * Every answer equals the noble provider's, byte for byte and error code for error code: an input
 * the noble provider would refuse goes to the noble provider (which refuses it), and a native
 * operation that rejects (an all-zero X25519 result, bad CBC padding, a key WebCrypto will not
 * import) is answered by the noble provider, which gives the documented result or error.
 */
import type { AsyncCPaceSuite, AsyncCryptoProvider, AsyncTransportCipher } from '../async-provider.js';
import { x25519Suite } from '../cpace/x25519-suite.js';
import { createNobleProvider, type NobleProviderOptions } from '../noble-provider.js';
import type { CPaceSuite, CPaceSuiteId, CryptoProvider, KeyPair, TransportCipher, TransportKeyAlgorithm } from '../provider.js';
import { aes256Cbc } from '../transport-key/aes256-cbc.js';
import { nativeYesIsStrict } from '../ed25519-strict-key.js';
import { HKDF_SHA512_MAX_LENGTH, isBytes } from '../provider-arguments.js';
import { decryptArgsOk } from '../transport-key/cbc-checks.js';
import { probeWebCrypto, type WebCryptoFeature } from './probe.js';
import { subtleOperations, type SubtleOperations } from './subtle-operations.js';

/** What a WebCrypto provider is built with. */
export interface WebCryptoProviderOptions extends NobleProviderOptions {
  /** The SubtleCrypto to use. Default: `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleCrypto;
}

/** A WebCrypto provider, and which of its operations run natively on this runtime. */
export interface WebCryptoProvider extends AsyncCryptoProvider {
  /** The features the runtime passed the known-answer check for; the rest run on noble. */
  readonly native: ReadonlySet<WebCryptoFeature>;
}

export type { WebCryptoFeature } from './probe.js';

/**
 * Builds a WebCrypto provider: probes the runtime (a known-answer check per feature, a few
 * milliseconds), then answers each operation natively where the probe passed.
 *
 * @example
 * ```ts
 * import { createWebCryptoProvider, runWithAsyncProvider } from 'enterprise-activation/crypto';
 * const provider = await createWebCryptoProvider();
 * console.log([...provider.native]); // e.g. ['SHA-256', 'SHA-512', 'HMAC', 'HKDF', 'AES-CBC', 'Ed25519', 'X25519']
 * ```
 */
export async function createWebCryptoProvider(options: WebCryptoProviderOptions = {}): Promise<WebCryptoProvider> {
  const subtle = options.subtle ?? globalThis.crypto?.subtle;
  const noble = createNobleProvider(options);
  const native = subtle === undefined ? new Set<WebCryptoFeature>() : await probeWebCrypto(subtleOperations(subtle), noble);
  return buildProvider(noble, subtle === undefined ? undefined : subtleOperations(subtle), native);
}

function buildProvider(noble: CryptoProvider, ops: SubtleOperations | undefined, native: ReadonlySet<WebCryptoFeature>): WebCryptoProvider {
  /** Native when the feature passed and the arguments are plain bytes; noble otherwise, and on any rejection. */
  function either<T>(
    feature: WebCryptoFeature,
    argsOk: boolean,
    nativeCall: (o: SubtleOperations) => Promise<T>,
    fallback: () => T,
  ): T | Promise<T> {
    if (ops === undefined || !native.has(feature) || !argsOk) return fallback();
    return nativeCall(ops).catch(() => fallback());
  }

  const suites = new Map<CPaceSuiteId, AsyncCPaceSuite>();
  const ciphers = new Map<TransportKeyAlgorithm, AsyncTransportCipher>();

  const provider: WebCryptoProvider = {
    name: 'webcrypto',
    asynchronous: true,
    native,
    cpaceSuite(id) {
      const suite = noble.cpaceSuite(id); // throws UNSUPPORTED for a suite this provider lacks
      let wrapped = suites.get(id);
      // Only the library's own suite object is known to be X25519: a caller's suite is used as given.
      if (wrapped === undefined) suites.set(id, (wrapped = suite === x25519Suite ? x25519Native(suite) : suite));
      return wrapped;
    },
    transportCipher(id) {
      const cipher = noble.transportCipher(id);
      let wrapped = ciphers.get(id);
      if (wrapped === undefined) ciphers.set(id, (wrapped = cipher === aes256Cbc ? aesNative(cipher) : cipher));
      return wrapped;
    },
    sha512: (m) =>
      either(
        'SHA-512',
        isBytes(m),
        (o) => o.digest('SHA-512', m),
        () => noble.sha512(m),
      ),
    sha256: (m) =>
      either(
        'SHA-256',
        isBytes(m),
        (o) => o.digest('SHA-256', m),
        () => noble.sha256(m),
      ),
    hmac: (hash, key, m) =>
      either(
        'HMAC',
        (hash === 'SHA-256' || hash === 'SHA-512') && isBytes(key) && key.length > 0 && isBytes(m),
        (o) => o.hmac(hash, key, m),
        () => noble.hmac(hash, key, m),
      ),
    hkdf: (ikm, salt, info, length) =>
      either(
        'HKDF',
        isBytes(ikm) && isBytes(salt) && isBytes(info) && Number.isSafeInteger(length) && length >= 1 && length <= HKDF_SHA512_MAX_LENGTH,
        (o) => o.hkdfSha512(ikm, salt, info, length),
        () => noble.hkdf(ikm, salt, info, length),
      ),
    aeadSeal: (k, n, p, ad) => noble.aeadSeal(k, n, p, ad),
    aeadOpen: (k, n, c, ad) => noble.aeadOpen(k, n, c, ad),
    signingKeyPair: (seed) =>
      either(
        'Ed25519',
        isBytes(seed) && seed.length === 32,
        async (o): Promise<KeyPair> => ({ secretKey: seed.slice(), publicKey: await o.ed25519PublicKey(seed) }),
        () => noble.signingKeyPair(seed),
      ),
    sign: (sk, m) =>
      either(
        'Ed25519',
        isBytes(sk) && sk.length === 32 && isBytes(m),
        (o) => o.ed25519Sign(sk, m),
        () => noble.sign(sk, m),
      ),
    verify(pk, m, sig) {
      // Never throws, as the noble provider's: reading a hostile argument (a Proxy) may throw.
      let plain: boolean;
      try {
        plain = isBytes(pk) && pk.length === 32 && isBytes(m) && isBytes(sig) && sig.length === 64 && nativeYesIsStrict(pk);
      } catch {
        return false;
      }
      // WebCrypto's "yes" for a canonical key of full order is noble's strict "yes"
      // (ed25519-strict-key.ts); noble answers every "no" and every other key.
      return either(
        'Ed25519',
        plain,
        async (o) => (await o.ed25519Verify(pk, m, sig)) || noble.verify(pk, m, sig),
        () => noble.verify(pk, m, sig),
      );
    },
    agreementKeyPair: (seed) =>
      either(
        'X25519',
        isBytes(seed) && seed.length === 32,
        async (o): Promise<KeyPair> => ({ secretKey: seed.slice(), publicKey: await o.x25519PublicKey(seed) }),
        () => noble.agreementKeyPair(seed),
      ),
    // An all-zero result makes WebCrypto reject, and the noble provider then refuses it (PROTOCOL_ERROR).
    agree: (sk, pk) =>
      either(
        'X25519',
        isBytes(sk) && sk.length === 32 && isBytes(pk) && pk.length === 32,
        (o) => o.x25519(sk, pk),
        () => noble.agree(sk, pk),
      ),
    sealMessage: (alg, key, pt, ad, random) => noble.sealMessage(alg, key, pt, ad, random),
    openMessage: (key, sealed, ad) => noble.openMessage(key, sealed, ad),
  };
  return Object.freeze(provider);

  /** The X25519 CPace suite with its two scalar multiplications on WebCrypto's X25519. */
  function x25519Native(suite: CPaceSuite): AsyncCPaceSuite {
    const argsOk = (y: Uint8Array, u: Uint8Array): boolean => isBytes(y) && y.length === 32 && isBytes(u) && u.length === 32;
    return Object.freeze({
      id: suite.id,
      dsi: suite.dsi,
      shareLength: suite.shareLength,
      hash: (m: Uint8Array) =>
        either(
          'SHA-512',
          isBytes(m),
          (o) => o.digest('SHA-512', m),
          () => suite.hash(m),
        ),
      calculateGenerator: (prs: Uint8Array, ci: Uint8Array, sid: Uint8Array) => suite.calculateGenerator(prs, ci, sid),
      sampleScalar: (random: Parameters<CPaceSuite['sampleScalar']>[0]) => suite.sampleScalar(random),
      // The generator is never low order, so WebCrypto's refusal of a zero result cannot bite;
      // were it to, the noble suite answers.
      scalarMult: (y: Uint8Array, g: Uint8Array) =>
        either(
          'X25519',
          argsOk(y, g),
          (o) => o.x25519(y, g),
          () => suite.scalarMult(y, g),
        ),
      // G.I (a low-order share) makes WebCrypto reject; the noble suite then answers `undefined`.
      scalarMultVfy: (y: Uint8Array, x: Uint8Array) =>
        either(
          'X25519',
          argsOk(y, x),
          (o) => o.x25519(y, x),
          () => suite.scalarMultVfy(y, x),
        ),
    });
  }

  /** AES-256-CBC on WebCrypto (which pads with PKCS #7 itself), with the noble cipher's checks. */
  function aesNative(cipher: TransportCipher): AsyncTransportCipher {
    const shape = { name: cipher.id, keyLength: cipher.keyLength, blockLength: cipher.blockLength };
    const shapeOk = (key: Uint8Array, iv: Uint8Array, data: Uint8Array): boolean =>
      isBytes(key) && key.length === shape.keyLength && isBytes(iv) && iv.length === shape.blockLength && isBytes(data);
    return Object.freeze({
      id: cipher.id,
      keyLength: cipher.keyLength,
      blockLength: cipher.blockLength,
      strength: cipher.strength,
      generateKey: (random: Parameters<TransportCipher['generateKey']>[0]) => cipher.generateKey(random),
      encryptCbc: (k: Uint8Array, iv: Uint8Array, p: Uint8Array) =>
        either(
          'AES-CBC',
          shapeOk(k, iv, p),
          (o) => o.aesCbcEncrypt(k, iv, p),
          () => cipher.encryptCbc(k, iv, p),
        ),
      // Bad padding makes WebCrypto reject; the noble cipher then throws its one DECRYPT_FAILED.
      decryptCbc: (k: Uint8Array, iv: Uint8Array, c: Uint8Array) =>
        either(
          'AES-CBC',
          decryptArgsOk(shape, k, iv, c),
          (o) => o.aesCbcDecrypt(k, iv, c),
          () => cipher.decryptCbc(k, iv, c),
        ),
    });
  }
}
