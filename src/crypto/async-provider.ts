/**
 * A crypto provider whose operations may answer later: the shape of {@link CryptoProvider} with
 * every computing method allowed to return a promise. WebCrypto (`crypto.subtle`) is the reason:
 * it is the only native crypto a browser has, and all of it is asynchronous.
 *
 * The state machines stay synchronous and pure. A driver runs a step against an asynchronous
 * provider with {@link runWithAsyncProvider} (replay-bridge.ts), which replays the step until
 * every operation it needs has been answered; docs/crypto-providers.md, "Asynchronous providers".
 *
 * An asynchronous provider says so (`asynchronous: true`): a driver given one runs its steps
 * through the bridge, and runs them directly on a synchronous one, at no cost. Code that takes
 * either kind takes `CryptoProvider | AsyncCryptoProvider` ({@link AnyCryptoProvider}).
 */
import type { CPaceSuiteId, CryptoProvider, KeyPair, RandomSource, SealedMessage, TransportKeyAlgorithm } from './provider.js';
import type { MaybePromise } from '../util/maybe-promise.js';

export type { MaybePromise } from '../util/maybe-promise.js';

/** {@link CPaceSuite} with its group operations allowed to answer later. */
export interface AsyncCPaceSuite {
  /** As {@link CPaceSuite.id}. */
  readonly id: CPaceSuiteId;
  /** As {@link CPaceSuite.dsi}. */
  readonly dsi: Uint8Array;
  /** As {@link CPaceSuite.shareLength}. */
  readonly shareLength: number;
  /** As {@link CPaceSuite.hash}. */
  hash(message: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CPaceSuite.calculateGenerator}. */
  calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): MaybePromise<Uint8Array>;
  /** Synchronous: it only draws bytes from `random`, which the step owns. */
  sampleScalar(random: RandomSource): Uint8Array;
  /** As {@link CPaceSuite.scalarMult}. */
  scalarMult(scalar: Uint8Array, point: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CPaceSuite.scalarMultVfy}. */
  scalarMultVfy(scalar: Uint8Array, point: Uint8Array): MaybePromise<Uint8Array | undefined>;
}

/** {@link TransportCipher} with encryption and decryption allowed to answer later. */
export interface AsyncTransportCipher {
  /** As {@link TransportCipher.id}. */
  readonly id: TransportKeyAlgorithm;
  /** As {@link TransportCipher.keyLength}. */
  readonly keyLength: number;
  /** As {@link TransportCipher.blockLength}. */
  readonly blockLength: number;
  /** As {@link TransportCipher.strength}. */
  readonly strength: number;
  /** Synchronous: random bytes (and DES parity). */
  generateKey(random: RandomSource): Uint8Array;
  /** As {@link TransportCipher.encryptCbc}. */
  encryptCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link TransportCipher.decryptCbc}. */
  decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array>;
}

/**
 * {@link CryptoProvider} with every computing method allowed to return a promise. The lookups
 * (`cpaceSuite`, `transportCipher`) stay synchronous: which suites and ciphers a provider has is
 * known when it is built. Each method keeps its synchronous twin's contract (arguments, error
 * codes, "never throws" for `verify` and `aeadOpen`), with rejection in place of throwing.
 */
export interface AsyncCryptoProvider {
  /** As {@link CryptoProvider.name}. */
  readonly name: string;
  /** Marks a provider whose operations may answer later: drivers run their steps through the replay bridge. */
  readonly asynchronous: true;
  /** As {@link CryptoProvider.cpaceSuite}. */
  cpaceSuite(id: CPaceSuiteId): AsyncCPaceSuite;
  /** As {@link CryptoProvider.transportCipher}. */
  transportCipher(id: TransportKeyAlgorithm): AsyncTransportCipher;
  /** As {@link CryptoProvider.sha512}. */
  sha512(message: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.sha256}. */
  sha256(message: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.hmac}. */
  hmac(hash: 'SHA-256' | 'SHA-512', key: Uint8Array, message: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.hkdf}. */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.aeadSeal}. */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.aeadOpen}. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): MaybePromise<Uint8Array | undefined>;
  /** As {@link CryptoProvider.signingKeyPair}. */
  signingKeyPair(seed: Uint8Array): MaybePromise<KeyPair>;
  /** As {@link CryptoProvider.sign}. */
  sign(secretKey: Uint8Array, message: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.verify}. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): MaybePromise<boolean>;
  /** As {@link CryptoProvider.agreementKeyPair}. */
  agreementKeyPair(seed: Uint8Array): MaybePromise<KeyPair>;
  /** As {@link CryptoProvider.agree}. */
  agree(secretKey: Uint8Array, publicKey: Uint8Array): MaybePromise<Uint8Array>;
  /** As {@link CryptoProvider.sealMessage}. */
  sealMessage(
    algorithm: TransportKeyAlgorithm,
    transportKey: Uint8Array,
    plaintext: Uint8Array,
    associatedData: Uint8Array,
    random: RandomSource,
  ): MaybePromise<SealedMessage>;
  /** As {@link CryptoProvider.openMessage}. */
  openMessage(transportKey: Uint8Array, sealed: SealedMessage, associatedData: Uint8Array): MaybePromise<Uint8Array>;
}

/** Either kind of provider. */
export type AnyCryptoProvider = CryptoProvider | AsyncCryptoProvider;

/** True for a provider that says its operations may answer later. */
export function isAsyncProvider(provider: AnyCryptoProvider): provider is AsyncCryptoProvider {
  return (provider as { readonly asynchronous?: unknown }).asynchronous === true;
}
