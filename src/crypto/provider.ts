/**
 * The crypto provider: every cryptographic operation the protocol uses, behind one small
 * interface. The protocol code (handset, simulator) calls only this, so a native-accelerated
 * provider (WebCrypto, node:crypto, a secure element) can replace the default pure-JS one
 * without touching the state machines.
 */
import type { CPaceSuiteId, TransportKeyAlgorithm } from './ids.js';

// The id unions are derived from their lists in ids.ts; re-exported here, where they always were.
export type { CPaceSuiteId, TransportKeyAlgorithm } from './ids.js';

/** Source of randomness, injected everywhere: `random(n)` returns n fresh bytes. */
export type RandomSource = (length: number) => Uint8Array;

/** One CPace group environment G with its hash H (draft section "Group environment G"). */
export interface CPaceSuite {
  /** The suite's name as the draft writes it. */
  readonly id: CPaceSuiteId;
  /** G.DSI, e.g. b"CPace255". */
  readonly dsi: Uint8Array;
  /** Length in bytes of an encoded public share. */
  readonly shareLength: number;
  /** H.hash(m): SHA-512 for both suites, 64 bytes. */
  hash(message: Uint8Array): Uint8Array;
  /** G.calculate_generator(H, PRS, CI, sid). */
  calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array;
  /** G.sample_scalar(), drawing bytes from `random`. */
  sampleScalar(random: RandomSource): Uint8Array;
  /** G.scalar_mult(y, g): the encoded point y*g. */
  scalarMult(scalar: Uint8Array, point: Uint8Array): Uint8Array;
  /** G.scalar_mult_vfy(y, X): the shared secret K, or `undefined` for G.I (invalid or low-order X). */
  scalarMultVfy(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined;
}

/** A block cipher used for the device transport key, in CBC mode with PKCS#7 padding. */
export interface TransportCipher {
  /** The algorithm's name, as offered in the ETP.DAT header. */
  readonly id: TransportKeyAlgorithm;
  /** Key length in bytes as stored: 32 for AES-256, 16 for two-key Triple DES (parity bits included). */
  readonly keyLength: number;
  /** Block (and IV) length in bytes: 16 for AES, 8 for DES. */
  readonly blockLength: number;
  /** Nominal security strength in bits, used to pick "the strongest both support". */
  readonly strength: number;
  /** A fresh key from `random` (Triple DES keys get odd parity). */
  generateKey(random: RandomSource): Uint8Array;
  /** CBC-encrypts with PKCS#7 padding; `iv` is `blockLength` bytes. Unauthenticated: MAC the result (as {@link CryptoProvider.sealMessage} does). */
  encryptCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws ActivationError('DECRYPT_FAILED') on a bad length or padding. */
  decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

/**
 * A message protected under the transport key: as RIM described (facts file, "Cryptography"), a
 * fresh random message key encrypts the payload (CBC) and the message key is itself encrypted under
 * the transport key; ours, an HMAC over everything (keyed from both keys) is checked before
 * anything is decrypted (encrypt-then-MAC). docs/protocol.md, "Message protection under the transport key".
 */
export interface SealedMessage {
  /** The transport key algorithm both CBC layers use. */
  readonly algorithm: TransportKeyAlgorithm;
  /** IV for the wrapped message key. */
  readonly keyIv: Uint8Array;
  /** The message key, CBC-encrypted under the transport key. */
  readonly wrappedKey: Uint8Array;
  /** IV for the payload. */
  readonly iv: Uint8Array;
  /** The payload, CBC-encrypted under the message key. */
  readonly ciphertext: Uint8Array;
  /** HMAC-SHA-256 tag over associated data, algorithm and all fields above. */
  readonly tag: Uint8Array;
}

/** An Ed25519 (signing) or X25519 (agreement) key pair. */
export interface KeyPair {
  /** The secret key (Ed25519: the 32-byte seed). Never leaves the device or the server. */
  readonly secretKey: Uint8Array;
  /** The public key, 32 bytes. */
  readonly publicKey: Uint8Array;
}

/**
 * Every cryptographic operation the protocol uses, behind one interface. The default is
 * {@link nobleProvider} (pure JavaScript). Implement it to run the protocol on native crypto
 * (WebCrypto, node:crypto, a secure element); the package's tests for CPace vectors and the
 * transport ciphers show what each method must do.
 *
 * The protocol's helpers take the provider as an argument and compute with nothing else: the CPace
 * key-confirmation tags (`hmac`), the session digest a server share names (`sha256`), the IT
 * policy's content hash (`sha256`), the key schedule (`hkdf`, `sha512`), sealed bodies
 * (`aeadSeal`, `sealMessage`, ...). Where such a helper is called without one, it uses
 * {@link nobleProvider}. One hash stays outside on purpose: the frame checksum (src/wire/frame.ts)
 * is fixed SHA-256, because it only detects accidental damage in transit, protects nothing against
 * an attacker, and must give the same bytes whichever provider either peer runs.
 */
export interface CryptoProvider {
  /** Human-readable name, e.g. "noble". */
  readonly name: string;
  /** The CPace suite with this id; throws ActivationError('UNSUPPORTED') for a suite this provider lacks. */
  cpaceSuite(id: CPaceSuiteId): CPaceSuite;
  /** The transport cipher with this id; throws ActivationError('UNSUPPORTED') for one this provider lacks. */
  transportCipher(id: TransportKeyAlgorithm): TransportCipher;
  /** SHA-512 (the key schedule's transcript hash). */
  sha512(message: Uint8Array): Uint8Array;
  /** SHA-256 (the session digest a server share names, the IT policy's content hash). */
  sha256(message: Uint8Array): Uint8Array;
  /** HMAC with SHA-512 (the CPace key-confirmation tags) or SHA-256. */
  hmac(hash: 'SHA-256' | 'SHA-512', key: Uint8Array, message: Uint8Array): Uint8Array;
  /** HKDF (RFC 5869) with SHA-512. */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** XChaCha20-Poly1305 with a 24-byte nonce. `open` returns `undefined` when authentication fails. */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /** Opens what {@link CryptoProvider.aeadSeal} sealed; `undefined` when authentication fails. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | undefined;
  /** Ed25519 key pair from a 32-byte seed. */
  signingKeyPair(seed: Uint8Array): KeyPair;
  /** Ed25519 signature (64 bytes) of `message`. */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Returns false (never throws) for a bad signature or a malformed key. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** X25519 key pair from a 32-byte seed. */
  agreementKeyPair(seed: Uint8Array): KeyPair;
  /**
   * X25519 (RFC 7748) of our secret key and the peer's public key: the 32-byte shared secret of
   * the key rollover's triple Diffie-Hellman (docs/lifecycle.md, "Key rollover"). A result of all
   * zeros (the peer sent a low-order point) is refused with ActivationError('PROTOCOL_ERROR');
   * arguments of the wrong length are INVALID_ARGUMENT.
   */
  agree(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Seals `plaintext` under the transport key (see {@link SealedMessage}). */
  sealMessage(
    algorithm: TransportKeyAlgorithm,
    transportKey: Uint8Array,
    plaintext: Uint8Array,
    associatedData: Uint8Array,
    random: RandomSource,
  ): SealedMessage;
  /** Opens a sealed message; throws ActivationError('DECRYPT_FAILED') if it was altered or made with another key. */
  openMessage(transportKey: Uint8Array, sealed: SealedMessage, associatedData: Uint8Array): Uint8Array;
}
