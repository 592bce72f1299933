/**
 * The sealed-message core (src/crypto/transport-key/sealed-core.ts) against its contract, where
 * the first mutation run of `crypto` found nothing holding it (issue 9): every refusal names its
 * operation and field in `cause` (with the lengths, where a length was wrong), every failure to
 * open that is not a malformed field is the one `DECRYPT_FAILED` error, a transport key or message
 * key of the wrong length never opens anything, nor does a wrapped key that does not unwrap (whatever
 * the tag), and the keys handed to the cipher are wiped.
 * Messages that `sealMessageWith` would never make are built with node:crypto (OpenSSL) by the
 * construction in sealed-message.ts and docs/protocol.md, "Message protection under the transport key".
 */
import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RandomSource, SealedMessage, TransportCipher, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { nobleSealPrimitives } from '../../src/crypto/transport-key/noble-seal-primitives.js';
import { openMessageWith, sealMessageWith, type CipherLookup, type SealPrimitives } from '../../src/crypto/transport-key/sealed-core.js';
import { TRANSPORT_CIPHERS } from '../../src/crypto/transport-key/select.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { bytesToHex, concatBytes, u32be, utf8ToBytes } from '../../src/util/bytes.js';
import { caught } from '../support/errors.js';

const random = seededRandom('sealed-core-contract.test');
const ALGORITHMS: TransportKeyAlgorithm[] = ['AES-256-CBC', 'TDES-EDE2-CBC'];
const OPENSSL: Record<TransportKeyAlgorithm, string> = { 'AES-256-CBC': 'aes-256-cbc', 'TDES-EDE2-CBC': 'des-ede-cbc' };
const AD = utf8ToBytes('type=policy;seq=9');
const PLAINTEXT = utf8ToBytes('a payload under the transport key');
const allCiphers: CipherLookup = (id) => TRANSPORT_CIPHERS[id];
const noCiphers: CipherLookup = () => undefined;

/** The error `fn` throws, as JSON; fails the test when it throws nothing or not an ActivationError. */
function thrownJson(fn: () => unknown): ReturnType<ActivationError['toJSON']> {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  return (err as ActivationError).toJSON();
}

const AUTH_FAILED = {
  name: 'ActivationError',
  code: 'DECRYPT_FAILED',
  message: 'message authentication failed',
  cause: { operation: 'open message' },
};

function malformed(cause: Record<string, unknown>): object {
  return {
    name: 'ActivationError',
    code: 'MALFORMED',
    message: 'sealed message is malformed',
    cause: { operation: 'open message', ...cause },
  };
}

function hkdf(ikm: Uint8Array, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), utf8ToBytes(info), length));
}

function cbcEncrypt(algorithm: TransportKeyAlgorithm, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(OPENSSL[algorithm], key, iv);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** What {@link craft} wraps instead of the message key, and whether it spoils the wrapped key's padding. */
interface WrapOverride {
  readonly wrapped?: Uint8Array;
  readonly badPadding?: boolean;
}

/**
 * A sealed message built with OpenSSL alone from the given transport key and message key, whatever
 * their lengths. The wrap key is left without DES parity: DES ignores those bits. With `override`,
 * the wrapped key holds other bytes (or fails its padding) while the payload and the tag are still
 * made with `messageKey`: a message whose key does not unwrap but is otherwise consistent.
 */
function craft(
  algorithm: TransportKeyAlgorithm,
  transportKey: Uint8Array,
  messageKey: Uint8Array,
  override: WrapOverride = {},
): SealedMessage {
  const { keyLength, blockLength } = TRANSPORT_CIPHERS[algorithm];
  const wrapKey = hkdf(transportKey, `enterprise-activation/v1 key wrap${algorithm}`, keyLength);
  const keyIv = random(blockLength);
  const wrappedKey = cbcEncrypt(algorithm, wrapKey, keyIv, override.wrapped ?? messageKey);
  // The last byte of the next-to-last block is XORed into the last padding byte: blockLength + 1 is no valid padding.
  if (override.badPadding === true) wrappedKey[wrappedKey.length - blockLength - 1]! ^= 1;
  const iv = random(blockLength);
  // OpenSSL takes only a key of the right length; a longer message key encrypts with its prefix.
  const ciphertext = cbcEncrypt(algorithm, messageKey.subarray(0, keyLength), iv, PLAINTEXT);
  const macKey = hkdf(concatBytes(transportKey, messageKey), `enterprise-activation/v1 message mac${algorithm}`, 32);
  const lv = concatBytes(...[AD, utf8ToBytes(algorithm), keyIv, wrappedKey, iv, ciphertext].flatMap((p) => [u32be(p.length), p]));
  const tag = new Uint8Array(createHmac('sha256', macKey).update(lv).digest());
  return { algorithm, keyIv, wrappedKey, iv, ciphertext, tag };
}

/** A cipher that records every key it is handed and every key it unwraps. */
function recording(base: TransportCipher) {
  const generated: Uint8Array[] = [];
  const encryptKeys: Uint8Array[] = [];
  const decrypts: { key: Uint8Array; out?: Uint8Array }[] = [];
  const cipher: TransportCipher = {
    id: base.id,
    keyLength: base.keyLength,
    blockLength: base.blockLength,
    strength: base.strength,
    generateKey(r: RandomSource): Uint8Array {
      const key = base.generateKey(r);
      generated.push(key);
      return key;
    },
    encryptCbc(key, iv, plaintext) {
      encryptKeys.push(key);
      return base.encryptCbc(key, iv, plaintext);
    },
    decryptCbc(key, iv, ciphertext) {
      const call: { key: Uint8Array; out?: Uint8Array } = { key };
      decrypts.push(call);
      call.out = base.decryptCbc(key, iv, ciphertext);
      return call.out;
    },
  };
  const lookup: CipherLookup = (id) => (id === base.id ? cipher : undefined);
  return { lookup, generated, encryptKeys, decrypts };
}

const isZero = (bytes: Uint8Array | undefined): boolean => bytes !== undefined && bytes.length > 0 && bytes.every((b) => b === 0);

describe.each(ALGORITHMS)('%s: sealing refuses bad arguments, naming them', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);

  it('an unknown algorithm, or one the lookup does not have, is UNSUPPORTED', () => {
    const expected = {
      name: 'ActivationError',
      code: 'UNSUPPORTED',
      message: 'unsupported transport key algorithm',
      cause: { operation: 'seal message', field: 'algorithm' },
    };
    const unknown = 'ROT13' as TransportKeyAlgorithm;
    expect(thrownJson(() => sealMessageWith(allCiphers, unknown, transportKey, PLAINTEXT, { associatedData: AD, random }))).toEqual(
      expected,
    );
    expect(thrownJson(() => sealMessageWith(noCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random }))).toEqual(
      expected,
    );
  });

  it('a transport key must be a Uint8Array of the key length', () => {
    const expected = {
      name: 'ActivationError',
      code: 'INVALID_ARGUMENT',
      message: `transport key must be ${cipher.keyLength} bytes`,
      cause: { operation: 'seal message', field: 'transportKey' },
    };
    for (const key of [
      transportKey.subarray(1),
      new Uint8Array(cipher.keyLength + 1),
      new Uint8Array(0),
      Array.from(transportKey),
      undefined,
    ]) {
      expect(
        thrownJson(() => sealMessageWith(allCiphers, algorithm, key as Uint8Array, PLAINTEXT, { associatedData: AD, random })),
      ).toEqual(expected);
    }
  });

  it.each(['plaintext', 'associatedData'] as const)('%s must be a Uint8Array', (field) => {
    for (const value of ['text', Array.from(PLAINTEXT), undefined]) {
      const plaintext = field === 'plaintext' ? (value as unknown as Uint8Array) : PLAINTEXT;
      const ad = field === 'associatedData' ? (value as unknown as Uint8Array) : AD;
      expect(thrownJson(() => sealMessageWith(allCiphers, algorithm, transportKey, plaintext, { associatedData: ad, random }))).toEqual({
        name: 'ActivationError',
        code: 'INVALID_ARGUMENT',
        message: `${field} must be a Uint8Array`,
        cause: { operation: 'seal message', field },
      });
    }
  });

  // The construction draws the message key, then keyIv, then iv (sealed-message.ts, steps 1-3).
  it.each([
    ['keyIv', 2],
    ['iv', 3],
  ] as const)('a random source that gets %s wrong is named as the cause', (field, badCall) => {
    const short = (n: number) => new Uint8Array(n - 1);
    const long = (n: number) => new Uint8Array(n + 1);
    const notBytes = (n: number) => Array.from(new Uint8Array(n));
    for (const bad of [short, long, notBytes]) {
      let call = 0;
      const faulty = ((n: number) => (++call === badCall ? bad(n) : random(n))) as RandomSource;
      expect(
        thrownJson(() => sealMessageWith(allCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random: faulty })),
      ).toEqual({
        name: 'ActivationError',
        code: 'INVALID_ARGUMENT',
        message: 'random source returned the wrong number of bytes',
        cause: { operation: 'seal message', field },
      });
    }
  });
});

describe.each(ALGORITHMS)('%s: opening refuses a malformed message with MALFORMED, naming the field', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);
  const sealed = sealMessageWith(allCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random });
  const open = (message: unknown, ad: unknown = AD, lookup = allCiphers) =>
    thrownJson(() => openMessageWith(lookup, transportKey, message as SealedMessage, ad as Uint8Array));
  const openWithAd = (ad: unknown) => thrownJson(() => openMessageWith(allCiphers, transportKey, sealed, ad as Uint8Array));

  it('a sealed message that is not an object', () => {
    for (const value of [undefined, null, 'sealed', 42, true]) expect(open(value)).toEqual(malformed({ field: 'sealed' }));
  });

  it('an unknown algorithm, or one the lookup does not have', () => {
    for (const value of ['ROT13', 'toString', undefined, 7]) {
      expect(open({ ...sealed, algorithm: value })).toEqual(malformed({ field: 'algorithm' }));
    }
    expect(open(sealed, AD, noCiphers)).toEqual(malformed({ field: 'algorithm' }));
  });

  it('associated data that is not a Uint8Array is INVALID_ARGUMENT', () => {
    for (const value of ['ad', Array.from(AD), undefined]) {
      expect(openWithAd(value)).toEqual({
        name: 'ActivationError',
        code: 'INVALID_ARGUMENT',
        message: 'associatedData must be a Uint8Array',
        cause: { operation: 'open message', field: 'associatedData' },
      });
    }
  });

  const fixedLengths = {
    keyIv: cipher.blockLength,
    wrappedKey: cipher.keyLength + cipher.blockLength,
    iv: cipher.blockLength,
    tag: 32,
  };

  it.each(Object.keys(fixedLengths) as (keyof typeof fixedLengths)[])(
    '%s of the wrong length, with expected and actual lengths',
    (field) => {
      const expected = fixedLengths[field];
      for (const actual of [0, expected - 1, expected + 1, expected + cipher.blockLength]) {
        expect(open({ ...sealed, [field]: new Uint8Array(actual) })).toEqual(malformed({ field, expected, actual }));
      }
    },
  );

  it.each([...Object.keys(fixedLengths), 'ciphertext'])('%s that is not a Uint8Array', (field) => {
    for (const value of [undefined, null, 'abc', Array.from(sealed.tag)]) {
      expect(open({ ...sealed, [field]: value })).toEqual(malformed({ field }));
    }
  });

  it('a ciphertext that is empty or not whole blocks, with its length and the block length', () => {
    for (const length of [0, 1, cipher.blockLength - 1, cipher.blockLength + 1, 3 * cipher.blockLength - 1]) {
      expect(open({ ...sealed, ciphertext: new Uint8Array(length) })).toEqual(
        malformed({ field: 'ciphertext', length, blockLength: cipher.blockLength }),
      );
    }
  });
});

describe.each(ALGORITHMS)('%s: every other failure to open is the one DECRYPT_FAILED', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);
  const sealed = sealMessageWith(allCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random });

  it('a bad tag', () => {
    const tag = sealed.tag.slice();
    tag[31]! ^= 0x80;
    expect(thrownJson(() => openMessageWith(allCiphers, transportKey, { ...sealed, tag }, AD))).toEqual(AUTH_FAILED);
  });

  it('a transport key that is not a Uint8Array', () => {
    for (const key of [undefined, null, 'k'.repeat(cipher.keyLength), Array.from(transportKey)]) {
      expect(thrownJson(() => openMessageWith(allCiphers, key as unknown as Uint8Array, sealed, AD))).toEqual(AUTH_FAILED);
    }
  });

  it('the documented construction, built with OpenSSL, opens under a key of the right length', () => {
    const messageKey = random(cipher.keyLength);
    const message = craft(algorithm, transportKey, messageKey);
    expect(bytesToHex(openMessageWith(allCiphers, transportKey, message, AD))).toBe(bytesToHex(PLAINTEXT));
  });

  it('a transport key of the wrong length cannot open a message, even one made under it', () => {
    for (const length of [1, cipher.keyLength - 1, cipher.keyLength + 1, 64]) {
      const shortOrLong = random(length);
      const message = craft(algorithm, shortOrLong, random(cipher.keyLength));
      expect(thrownJson(() => openMessageWith(allCiphers, shortOrLong, message, AD))).toEqual(AUTH_FAILED);
    }
  });

  it('a message key of the wrong length fails like a bad tag, and the payload is never decrypted', () => {
    // The wrapped key has room for keyLength + 1 .. keyLength + blockLength - 1 bytes under valid padding.
    for (const length of [cipher.keyLength + 1, cipher.keyLength + cipher.blockLength - 1]) {
      const message = craft(algorithm, transportKey, random(length));
      const rec = recording(cipher);
      expect(thrownJson(() => openMessageWith(rec.lookup, transportKey, message, AD))).toEqual(AUTH_FAILED);
      expect(rec.decrypts).toHaveLength(1);
      expect(rec.decrypts[0]!.out).toHaveLength(length); // it did unwrap, to a key of the wrong length
    }
  });
});

// openMessageWith carries on with a stand-in message key (all zero) when the wrapped key does not
// unwrap, so that a bad wrapped key costs the same work as a bad tag; the stand-in must never open
// anything. These messages are consistent under the all-zero key (payload and tag made with it), so
// only the failed unwrap itself can refuse them.
describe.each(ALGORITHMS)('%s: a message whose key does not unwrap never opens, whatever its tag', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);
  const zeroKey = new Uint8Array(cipher.keyLength);

  it('the all-zero key, properly wrapped, does open: the messages below differ only in the wrapped key', () => {
    expect(bytesToHex(openMessageWith(allCiphers, transportKey, craft(algorithm, transportKey, zeroKey), AD))).toBe(bytesToHex(PLAINTEXT));
  });

  it('a wrapped key that unwraps to a key of the wrong length', () => {
    for (const length of [cipher.keyLength + 1, cipher.keyLength + cipher.blockLength - 1]) {
      const message = craft(algorithm, transportKey, zeroKey, { wrapped: new Uint8Array(length) });
      expect(thrownJson(() => openMessageWith(allCiphers, transportKey, message, AD))).toEqual(AUTH_FAILED);
    }
  });

  it('a wrapped key whose padding is bad', () => {
    const message = craft(algorithm, transportKey, zeroKey, { wrapped: zeroKey, badPadding: true });
    expect(thrownJson(() => openMessageWith(allCiphers, transportKey, message, AD))).toEqual(AUTH_FAILED);
  });
});

describe.each(ALGORITHMS)('%s: the keys handed to the cipher are wiped', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);
  const sealed = sealMessageWith(allCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random });

  it('sealing wipes the message key and the wrap key', () => {
    const rec = recording(cipher);
    const made = sealMessageWith(rec.lookup, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random });
    // Wrap key wraps the message key, then the message key encrypts the payload.
    expect(rec.generated).toHaveLength(1);
    expect(rec.encryptKeys).toHaveLength(2);
    expect(rec.encryptKeys[1]).toBe(rec.generated[0]);
    expect(isZero(rec.encryptKeys[0])).toBe(true);
    expect(isZero(rec.generated[0])).toBe(true);
    expect(bytesToHex(openMessageWith(allCiphers, transportKey, made, AD))).toBe(bytesToHex(PLAINTEXT));
  });

  it('opening wipes the wrap key and the message key', () => {
    const rec = recording(cipher);
    expect(bytesToHex(openMessageWith(rec.lookup, transportKey, sealed, AD))).toBe(bytesToHex(PLAINTEXT));
    expect(rec.decrypts).toHaveLength(2);
    const [unwrap, payload] = rec.decrypts as [{ key: Uint8Array; out: Uint8Array }, { key: Uint8Array }];
    expect(payload.key).toBe(unwrap.out);
    expect(unwrap.out).toHaveLength(cipher.keyLength);
    expect(isZero(unwrap.key)).toBe(true);
    expect(isZero(unwrap.out)).toBe(true);
  });

  it('a bad tag: opening still wipes the wrap key and the message key', () => {
    const rec = recording(cipher);
    const tag = sealed.tag.slice();
    tag[0]! ^= 1;
    expect(thrownJson(() => openMessageWith(rec.lookup, transportKey, { ...sealed, tag }, AD))).toEqual(AUTH_FAILED);
    expect(rec.decrypts).toHaveLength(1);
    expect(isZero(rec.decrypts[0]!.key)).toBe(true);
    expect(isZero(rec.decrypts[0]!.out)).toBe(true);
  });

  it('a message key of the wrong length: opening wipes it as well as the wrap key', () => {
    const rec = recording(cipher);
    const message = craft(algorithm, transportKey, random(cipher.keyLength + 1));
    expect(thrownJson(() => openMessageWith(rec.lookup, transportKey, message, AD))).toEqual(AUTH_FAILED);
    expect(rec.decrypts).toHaveLength(1);
    expect(rec.decrypts[0]!.out).toHaveLength(cipher.keyLength + 1);
    expect(isZero(rec.decrypts[0]!.key)).toBe(true);
    expect(isZero(rec.decrypts[0]!.out)).toBe(true);
  });

  it('a failed unwrap: opening still wipes the wrap key', () => {
    const rec = recording(cipher);
    const wrappedKey = sealed.wrappedKey.slice();
    wrappedKey[wrappedKey.length - cipher.blockLength - 1]! ^= 1; // breaks the final padding block
    expect(thrownJson(() => openMessageWith(rec.lookup, transportKey, { ...sealed, wrappedKey }, AD))).toEqual(AUTH_FAILED);
    expect(rec.decrypts).toHaveLength(1);
    expect(rec.decrypts[0]!.out).toBeUndefined();
    expect(isZero(rec.decrypts[0]!.key)).toBe(true);
  });
});

/**
 * The keyed hashes of {@link nobleSealPrimitives}, keeping every key and key material they were
 * handed (the buffers themselves, to be looked at after the call).
 */
function recordingPrimitives(): SealPrimitives & { hkdfInputs: Uint8Array[]; hmacKeys: Uint8Array[] } {
  const hkdfInputs: Uint8Array[] = [];
  const hmacKeys: Uint8Array[] = [];
  return {
    hkdfInputs,
    hmacKeys,
    hkdfSha256(ikm, info, length) {
      hkdfInputs.push(ikm);
      return nobleSealPrimitives.hkdfSha256(ikm, info, length);
    },
    hmacSha256(key, message) {
      hmacKeys.push(key);
      return nobleSealPrimitives.hmacSha256(key, message);
    },
  };
}

describe.each(ALGORITHMS)('%s: the MAC key and what it is derived from are wiped', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);

  // HKDF runs twice: for the wrap key on the transport key (the caller's, kept), then for the MAC
  // key on transport key || message key, a buffer of the core's own that holds the message key.
  it('sealing: the transport key is left alone, the transport key || message key input and the MAC key are zero', () => {
    const prims = recordingPrimitives();
    const made = sealMessageWith(allCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random, primitives: prims });
    expect(prims.hkdfInputs).toHaveLength(2);
    expect(prims.hkdfInputs[0]).toBe(transportKey);
    expect(isZero(transportKey)).toBe(false);
    expect(prims.hkdfInputs[1]).toHaveLength(2 * cipher.keyLength);
    expect(isZero(prims.hkdfInputs[1]!)).toBe(true);
    expect(prims.hmacKeys).toHaveLength(1);
    expect(isZero(prims.hmacKeys[0]!)).toBe(true);
    expect(bytesToHex(openMessageWith(allCiphers, transportKey, made, AD))).toBe(bytesToHex(PLAINTEXT));
  });

  it('opening: the same, whether the tag is good or not', () => {
    const sealed = sealMessageWith(allCiphers, algorithm, transportKey, PLAINTEXT, { associatedData: AD, random });
    const tag = sealed.tag.slice();
    tag[0]! ^= 1;
    for (const message of [sealed, { ...sealed, tag }]) {
      const prims = recordingPrimitives();
      caught(() => openMessageWith(allCiphers, transportKey, message, AD, prims));
      expect(prims.hkdfInputs).toHaveLength(2);
      expect(isZero(prims.hkdfInputs[1]!)).toBe(true);
      expect(isZero(prims.hmacKeys[0]!)).toBe(true);
    }
  });
});
