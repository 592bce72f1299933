/**
 * The sealed-message construction (documented in sealed-message.ts), parameterized by its
 * primitives: where the cipher objects come from (a provider passes its own ciphers, so one built
 * without Triple DES never imports des.js) and which HKDF-SHA-256 and HMAC-SHA-256 it runs
 * ({@link SealPrimitives}). sealed-message.ts binds these to every cipher for its public functions.
 *
 * The noble provider and sealed-message.ts seal with noble's hashes (the default); the node:crypto
 * provider (src/node/crypto/) passes OpenSSL's ciphers and hashes, and the bytes are the same,
 * since the construction is all here, once.
 */
import { ActivationError } from '../../errors/activation-error.js';
import { concatBytes, constantTimeEqual, u32be, utf8ToBytes, zeroize } from '../../util/bytes.js';
import type { RandomSource, SealedMessage, TransportCipher, TransportKeyAlgorithm } from '../provider.js';
import { TRANSPORT_KEY_LENGTH, isTransportKeyAlgorithm } from './algorithms.js';
import { setOddParity } from './des-parity.js';
import { nobleSealPrimitives } from './noble-seal-primitives.js';

/**
 * The two keyed hashes the construction is made of. Given by the caller so that a provider seals
 * with its own implementation of them; the default is @noble/hashes (noble-seal-primitives.ts).
 */
export interface SealPrimitives {
  /** HKDF-SHA-256 (RFC 5869) with an empty salt. */
  hkdfSha256(ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** HMAC-SHA-256. */
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
}

/**
 * The cipher object for an algorithm id, or `undefined` when the caller has none for it (a
 * provider built without Triple DES, say). The id is known-good when this is called.
 */
export type CipherLookup = (algorithm: TransportKeyAlgorithm) => TransportCipher | undefined;

const MAC_INFO_PREFIX = /* @__PURE__ */ utf8ToBytes('enterprise-activation/v1 message mac');
const WRAP_INFO_PREFIX = /* @__PURE__ */ utf8ToBytes('enterprise-activation/v1 key wrap');
const MAC_KEY_LENGTH = 32;
const TAG_LENGTH = 32;
const AUTH_FAILED = 'message authentication failed';

/** LV encoding: each part as its length (4 bytes, big-endian) followed by its bytes. */
function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const p of parts) chunks.push(u32be(p.length), p);
  return concatBytes(...chunks);
}

function deriveMacKey(
  primitives: SealPrimitives,
  algorithm: TransportKeyAlgorithm,
  transportKey: Uint8Array,
  messageKey: Uint8Array,
): Uint8Array {
  const ikm = concatBytes(transportKey, messageKey);
  try {
    return primitives.hkdfSha256(ikm, concatBytes(MAC_INFO_PREFIX, utf8ToBytes(algorithm)), MAC_KEY_LENGTH);
  } finally {
    zeroize(ikm);
  }
}

/**
 * The key that wraps (CBC-encrypts) each message key: derived from the transport key, never the
 * transport key itself (see "One key, one purpose"). Exported for the tests.
 * @internal
 */
export function deriveWrapKey(
  algorithm: TransportKeyAlgorithm,
  transportKey: Uint8Array,
  primitives: SealPrimitives = nobleSealPrimitives,
): Uint8Array {
  const keyLength = TRANSPORT_KEY_LENGTH[algorithm];
  const okm = primitives.hkdfSha256(transportKey, concatBytes(WRAP_INFO_PREFIX, utf8ToBytes(algorithm)), keyLength);
  if (algorithm !== 'TDES-EDE2-CBC') return okm;
  // DES keys carry odd parity in each byte's low bit (ignored by DES itself; OpenSSL and our
  // decoder expect it). The 112 key bits stay HKDF output.
  const withParity = setOddParity(okm);
  zeroize(okm);
  return withParity;
}

/** The fields of a sealed message that its tag covers: all but the tag. */
type TaggedFields = Omit<SealedMessage, 'tag'>;

/**
 * HMAC-SHA-256 under `macKey` of the associated data and the message's fields, each
 * length-prefixed, in this order. The caller passes fields it has already checked (never the
 * caller's own object, whose getters could answer differently the second time).
 */
function computeTag(primitives: SealPrimitives, macKey: Uint8Array, associatedData: Uint8Array, fields: TaggedFields): Uint8Array {
  const { algorithm, keyIv, wrappedKey, iv, ciphertext } = fields;
  return primitives.hmacSha256(macKey, lengthPrefixed(associatedData, utf8ToBytes(algorithm), keyIv, wrappedKey, iv, ciphertext));
}

function randomBytesChecked(random: RandomSource, length: number, field: string): Uint8Array {
  const out = random(length);
  if (!(out instanceof Uint8Array) || out.length !== length) {
    throw new ActivationError('INVALID_ARGUMENT', 'random source returned the wrong number of bytes', {
      operation: 'seal message',
      field,
    });
  }
  return out;
}

/** Length of the CBC/PKCS#7 encryption of an `n`-byte plaintext. */
function paddedLength(cipher: TransportCipher, n: number): number {
  return (Math.floor(n / cipher.blockLength) + 1) * cipher.blockLength;
}

/** What {@link sealMessageWith} binds and draws on besides the plaintext and the keys. */
export interface SealInputs {
  /** Authenticated but not encrypted and not included in the result; the opener must supply it. */
  readonly associatedData: Uint8Array;
  /** The message key, keyIv and iv come from it, in this order. */
  readonly random: RandomSource;
  /** The HKDF and HMAC to seal with; @noble/hashes when absent. */
  readonly primitives?: SealPrimitives;
}

/**
 * Seals `plaintext` under `transportKey` (see the module comment), binding
 * `inputs.associatedData`. Throws ActivationError('UNSUPPORTED') for an unknown algorithm and
 * 'INVALID_ARGUMENT' for a transport key of the wrong length.
 */
export function sealMessageWith(
  cipherFor: CipherLookup,
  algorithm: TransportKeyAlgorithm,
  transportKey: Uint8Array,
  plaintext: Uint8Array,
  inputs: SealInputs,
): SealedMessage {
  const { associatedData, random, primitives = nobleSealPrimitives } = inputs;
  const cipher = isTransportKeyAlgorithm(algorithm) ? cipherFor(algorithm) : undefined;
  if (cipher === undefined) {
    throw new ActivationError('UNSUPPORTED', 'unsupported transport key algorithm', {
      operation: 'seal message',
      field: 'algorithm',
    });
  }
  if (!(transportKey instanceof Uint8Array) || transportKey.length !== cipher.keyLength) {
    throw new ActivationError('INVALID_ARGUMENT', `transport key must be ${cipher.keyLength} bytes`, {
      operation: 'seal message',
      field: 'transportKey',
    });
  }
  for (const [field, value] of [
    ['plaintext', plaintext],
    ['associatedData', associatedData],
  ] as const) {
    if (!(value instanceof Uint8Array)) {
      throw new ActivationError('INVALID_ARGUMENT', `${field} must be a Uint8Array`, { operation: 'seal message', field });
    }
  }

  const messageKey = cipher.generateKey(random);
  const wrapKey = deriveWrapKey(algorithm, transportKey, primitives);
  let macKey: Uint8Array | undefined;
  try {
    const keyIv = randomBytesChecked(random, cipher.blockLength, 'keyIv').slice();
    const wrappedKey = cipher.encryptCbc(wrapKey, keyIv, messageKey);
    const iv = randomBytesChecked(random, cipher.blockLength, 'iv').slice();
    const ciphertext = cipher.encryptCbc(messageKey, iv, plaintext);
    macKey = deriveMacKey(primitives, algorithm, transportKey, messageKey);
    const tag = computeTag(primitives, macKey, associatedData, { algorithm, keyIv, wrappedKey, iv, ciphertext });
    return { algorithm, keyIv, wrappedKey, iv, ciphertext, tag };
  } finally {
    zeroize(messageKey, wrapKey, macKey);
  }
}

function malformed(field: string, detail: Record<string, unknown> = {}): ActivationError {
  return new ActivationError('MALFORMED', 'sealed message is malformed', { operation: 'open message', field, ...detail });
}

function authFailed(): ActivationError {
  return new ActivationError('DECRYPT_FAILED', AUTH_FAILED, { operation: 'open message' });
}

/**
 * Opens a message made by {@link sealMessageWith}. Field lengths that cannot be right for the
 * algorithm (or non-byte fields, or an unknown algorithm) give ActivationError('MALFORMED');
 * lengths are public, so this reveals nothing. Everything else that goes wrong (altered field,
 * altered associated data, another transport key, bad padding anywhere) gives
 * ActivationError('DECRYPT_FAILED', 'message authentication failed'), always the same. A
 * transport key whose length does not fit `sealed.algorithm` cannot have made the message, so it
 * is reported as DECRYPT_FAILED too. `primitives` are the HKDF and HMAC (@noble/hashes when absent).
 */
export function openMessageWith(
  cipherFor: CipherLookup,
  transportKey: Uint8Array,
  sealed: SealedMessage,
  associatedData: Uint8Array,
  primitives: SealPrimitives = nobleSealPrimitives,
): Uint8Array {
  if (typeof sealed !== 'object' || sealed === null) throw malformed('sealed');
  const { algorithm, keyIv, wrappedKey, iv, ciphertext, tag } = sealed;
  const cipher = isTransportKeyAlgorithm(algorithm) ? cipherFor(algorithm) : undefined;
  if (cipher === undefined) throw malformed('algorithm');
  if (!(associatedData instanceof Uint8Array)) {
    throw new ActivationError('INVALID_ARGUMENT', 'associatedData must be a Uint8Array', {
      operation: 'open message',
      field: 'associatedData',
    });
  }
  const wrappedLength = paddedLength(cipher, cipher.keyLength);
  const expectLength = (field: string, value: unknown, length: number): void => {
    if (!(value instanceof Uint8Array)) throw malformed(field);
    if (value.length !== length) throw malformed(field, { expected: length, actual: value.length });
  };
  expectLength('keyIv', keyIv, cipher.blockLength);
  expectLength('wrappedKey', wrappedKey, wrappedLength);
  expectLength('iv', iv, cipher.blockLength);
  expectLength('tag', tag, TAG_LENGTH);
  if (!(ciphertext instanceof Uint8Array)) throw malformed('ciphertext');
  if (ciphertext.length === 0 || ciphertext.length % cipher.blockLength !== 0) {
    throw malformed('ciphertext', { length: ciphertext.length, blockLength: cipher.blockLength });
  }
  if (!(transportKey instanceof Uint8Array) || transportKey.length !== cipher.keyLength) throw authFailed();

  // Unwrap the message key. On failure carry on with a dummy key so that the work done and the
  // error reported are the same as for a bad tag (no padding oracle).
  let mk: Uint8Array = new Uint8Array(cipher.keyLength); // the dummy, kept unless unwrapping succeeds
  let unwrapped = true;
  const wrapKey = deriveWrapKey(algorithm, transportKey, primitives);
  try {
    const unwrappedKey = cipher.decryptCbc(wrapKey, keyIv, wrappedKey);
    if (unwrappedKey.length === cipher.keyLength) {
      mk = unwrappedKey;
    } else {
      unwrapped = false;
      zeroize(unwrappedKey);
    }
  } catch {
    unwrapped = false;
  } finally {
    zeroize(wrapKey);
  }
  let macKey: Uint8Array | undefined;
  let expected: Uint8Array | undefined;
  try {
    macKey = deriveMacKey(primitives, algorithm, transportKey, mk);
    expected = computeTag(primitives, macKey, associatedData, { algorithm, keyIv, wrappedKey, iv, ciphertext });
    const tagOk = constantTimeEqual(expected, tag);
    if (!(tagOk && unwrapped)) throw authFailed();
    try {
      return cipher.decryptCbc(mk, iv, ciphertext);
    } catch {
      // Unreachable unless the sealer itself produced bad padding under a valid MAC.
      throw authFailed();
    }
  } finally {
    zeroize(mk, macKey, expected);
  }
}
