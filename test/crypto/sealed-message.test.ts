import { describe, expect, it } from 'vitest';
import { ActivationError, isActivationError } from '../../src/errors/activation-error.js';
import type { SealedMessage, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { openMessage, sealMessage } from '../../src/crypto/transport-key/sealed-message.js';
import { TRANSPORT_CIPHERS } from '../../src/crypto/transport-key/select.js';
import { bytesToHex, utf8ToBytes } from '../../src/util/bytes.js';
import { caught, expectCode } from '../support/errors.js';

const random = seededRandom('sealed-message.test');
const ALGORITHMS: TransportKeyAlgorithm[] = ['AES-256-CBC', 'TDES-EDE2-CBC'];
const BYTE_FIELDS = ['keyIv', 'wrappedKey', 'iv', 'ciphertext', 'tag'] as const;

function withField(sealed: SealedMessage, field: (typeof BYTE_FIELDS)[number], value: Uint8Array): SealedMessage {
  return { ...sealed, [field]: value };
}

describe.each(ALGORITHMS)('sealed messages with %s', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);
  const ad = utf8ToBytes('msg-type=policy;seq=7');

  it('round-trips payloads of many sizes', () => {
    for (const size of [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000, 4096]) {
      const plaintext = random(size);
      const sealed = sealMessage(algorithm, transportKey, plaintext, ad, random);
      expect(sealed.algorithm).toBe(algorithm);
      expect(sealed.keyIv.length).toBe(cipher.blockLength);
      expect(sealed.iv.length).toBe(cipher.blockLength);
      expect(sealed.wrappedKey.length).toBe(cipher.keyLength + cipher.blockLength);
      expect(sealed.ciphertext.length).toBe((Math.floor(size / cipher.blockLength) + 1) * cipher.blockLength);
      expect(sealed.tag.length).toBe(32);
      expect(bytesToHex(openMessage(transportKey, sealed, ad))).toBe(bytesToHex(plaintext));
    }
  });

  it('round-trips with empty associated data', () => {
    const sealed = sealMessage(algorithm, transportKey, utf8ToBytes('hi'), new Uint8Array(0), random);
    expect(openMessage(transportKey, sealed, new Uint8Array(0))).toEqual(utf8ToBytes('hi'));
    expectCode(() => openMessage(transportKey, sealed, new Uint8Array(1)), 'DECRYPT_FAILED');
  });

  it('uses a fresh message key and IVs for every message', () => {
    const plaintext = utf8ToBytes('the same plaintext twice');
    const a = sealMessage(algorithm, transportKey, plaintext, ad, random);
    const b = sealMessage(algorithm, transportKey, plaintext, ad, random);
    expect(bytesToHex(a.wrappedKey)).not.toBe(bytesToHex(b.wrappedKey));
    expect(bytesToHex(a.ciphertext)).not.toBe(bytesToHex(b.ciphertext));
    expect(bytesToHex(a.keyIv)).not.toBe(bytesToHex(b.keyIv));
    expect(bytesToHex(a.iv)).not.toBe(bytesToHex(b.iv));
    expect(bytesToHex(a.tag)).not.toBe(bytesToHex(b.tag));
  });

  it('rejects a single flipped bit anywhere, identically, with DECRYPT_FAILED', () => {
    const plaintext = utf8ToBytes('small message');
    const sealed = sealMessage(algorithm, transportKey, plaintext, ad, random);
    let checked = 0;
    const messages = new Set<string>();
    for (const field of BYTE_FIELDS) {
      const original = sealed[field];
      for (let i = 0; i < original.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const altered = original.slice();
          altered[i]! ^= 1 << bit;
          const err = expectCode(() => openMessage(transportKey, withField(sealed, field, altered), ad), 'DECRYPT_FAILED');
          messages.add(err.message);
          checked++;
        }
      }
    }
    for (let i = 0; i < ad.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const altered = ad.slice();
        altered[i]! ^= 1 << bit;
        const err = expectCode(() => openMessage(transportKey, sealed, altered), 'DECRYPT_FAILED');
        messages.add(err.message);
        checked++;
      }
    }
    // Every failure, whether the unwrap's padding broke or only the tag did, looks the same.
    expect([...messages]).toEqual(['message authentication failed']);
    expect(checked).toBeGreaterThan(8 * 60);
    // The original is untouched and still opens.
    expect(openMessage(transportKey, sealed, ad)).toEqual(plaintext);
  });

  it('reports a broken unwrap padding exactly like a bad tag (no padding oracle)', () => {
    const sealed = sealMessage(algorithm, transportKey, utf8ToBytes('oracle?'), ad, random);
    // Flipping the last byte of the wrapped key's second-to-last block flips the last byte of the
    // final (all-padding) block: 0x10 -> 0x11 or 0x08 -> 0x09, always invalid PKCS#7.
    const badPadding = sealed.wrappedKey.slice();
    badPadding[badPadding.length - cipher.blockLength - 1]! ^= 1;
    expect(() => cipher.decryptCbc(transportKey, sealed.keyIv, badPadding)).toThrow(ActivationError);
    const badTag = sealed.tag.slice();
    badTag[0]! ^= 1;
    const e1 = expectCode(() => openMessage(transportKey, { ...sealed, wrappedKey: badPadding }, ad), 'DECRYPT_FAILED');
    const e2 = expectCode(() => openMessage(transportKey, { ...sealed, tag: badTag }, ad), 'DECRYPT_FAILED');
    expect(e1.toJSON()).toEqual(e2.toJSON());
  });

  it('rejects another transport key (including one differing only in a parity bit)', () => {
    const sealed = sealMessage(algorithm, transportKey, utf8ToBytes('secret'), ad, random);
    const other = cipher.generateKey(random);
    const err = expectCode(() => openMessage(other, sealed, ad), 'DECRYPT_FAILED');
    expect(err.message).toBe('message authentication failed');
    for (let i = 0; i < transportKey.length; i++) {
      const near = transportKey.slice();
      near[i]! ^= 1; // for DES this is the ignored parity bit: the MAC key still changes
      expectCode(() => openMessage(near, sealed, ad), 'DECRYPT_FAILED');
    }
    // A key of the other algorithm's length cannot have made the message.
    const foreign = TRANSPORT_CIPHERS[algorithm === 'AES-256-CBC' ? 'TDES-EDE2-CBC' : 'AES-256-CBC'].generateKey(random);
    expectCode(() => openMessage(foreign, sealed, ad), 'DECRYPT_FAILED');
  });

  it('rejects a message relabelled with the other algorithm without a TypeError', () => {
    const sealed = sealMessage(algorithm, transportKey, utf8ToBytes('secret'), ad, random);
    const otherAlg: TransportKeyAlgorithm = algorithm === 'AES-256-CBC' ? 'TDES-EDE2-CBC' : 'AES-256-CBC';
    const err = caught(() => openMessage(transportKey, { ...sealed, algorithm: otherAlg }, ad));
    expect(isActivationError(err)).toBe(true);
    // The key is not of the labelled algorithm's length (or its fields not of its shape): MALFORMED.
    expect((err as ActivationError).code).toBe('MALFORMED');
  });

  it('gives a typed ActivationError, never a TypeError, for wrong-length or non-byte fields', () => {
    const sealed = sealMessage(algorithm, transportKey, utf8ToBytes('secret'), ad, random);
    for (const field of BYTE_FIELDS) {
      const value = sealed[field];
      const variants: unknown[] = [
        value.subarray(0, value.length - 1),
        new Uint8Array([...value, 0]),
        new Uint8Array(0),
        undefined,
        null,
        'abc',
        Array.from(value),
      ];
      for (const v of variants) {
        const err = caught(() => openMessage(transportKey, { ...sealed, [field]: v } as SealedMessage, ad));
        // A field of the wrong length or type is refused before anything is decrypted.
        expect(err, `${field} = ${String(v).slice(0, 12)}`).toBeInstanceOf(ActivationError);
        expect((err as ActivationError).code, `${field} = ${String(v).slice(0, 12)}`).toBe('MALFORMED');
      }
    }
    // A block-aligned but longer ciphertext is well-formed and fails authentication.
    const longer = new Uint8Array([...sealed.ciphertext, ...new Uint8Array(cipher.blockLength)]);
    expectCode(() => openMessage(transportKey, { ...sealed, ciphertext: longer }, ad), 'DECRYPT_FAILED');
    expectCode(() => openMessage(transportKey, { ...sealed, algorithm: 'ROT13' as TransportKeyAlgorithm }, ad), 'MALFORMED');
    expectCode(() => openMessage(transportKey, null as unknown as SealedMessage, ad), 'MALFORMED');
    expectCode(() => openMessage(transportKey, sealed, 'ad' as unknown as Uint8Array), 'INVALID_ARGUMENT');
  });

  it('rejects bad arguments to sealMessage with typed errors', () => {
    expectCode(() => sealMessage(algorithm, transportKey.subarray(1), new Uint8Array(1), ad, random), 'INVALID_ARGUMENT');
    expectCode(() => sealMessage('AES-128-ECB' as TransportKeyAlgorithm, transportKey, new Uint8Array(1), ad, random), 'UNSUPPORTED');
    expectCode(() => sealMessage(algorithm, transportKey, 'x' as unknown as Uint8Array, ad, random), 'INVALID_ARGUMENT');
    expectCode(() => sealMessage(algorithm, transportKey, new Uint8Array(1), ad, () => new Uint8Array(3)), 'INVALID_ARGUMENT');
  });

  it('is deterministic for a seeded random source', () => {
    const a = sealMessage(algorithm, transportKey, utf8ToBytes('replay'), ad, seededRandom('x'));
    const b = sealMessage(algorithm, transportKey, utf8ToBytes('replay'), ad, seededRandom('x'));
    expect(a).toEqual(b);
  });
});

describe('sealed message field binding', () => {
  it('rejects fields swapped between two messages under the same key', () => {
    const key = TRANSPORT_CIPHERS['AES-256-CBC'].generateKey(random);
    const ad = new Uint8Array(0);
    const a = sealMessage('AES-256-CBC', key, utf8ToBytes('message A'), ad, random);
    const b = sealMessage('AES-256-CBC', key, utf8ToBytes('message B'), ad, random);
    for (const field of BYTE_FIELDS) {
      expectCode(() => openMessage(key, { ...a, [field]: b[field] }, ad), 'DECRYPT_FAILED');
    }
  });
});
