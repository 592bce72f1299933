/**
 * Two-key Triple DES (TDES-EDE2-CBC) at its edges: the argument checks of encryptCbc (which field,
 * INVALID_ARGUMENT with a cause), decryptCbc's single uniform DECRYPT_FAILED for every bad input
 * (lengths, types, PKCS#7 padding values above the block length), and generateKey with random
 * sources of the wrong length or that keep returning K1 = K2. Ciphertexts are made by OpenSSL's
 * des-ede-cbc (node:crypto).
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { hasOddParity, setOddParity, tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

const random = seededRandom('triple-des-inputs.test');

/** OpenSSL des-ede-cbc encryption, with or without PKCS#7 padding. */
function opensslEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad: boolean): Uint8Array {
  const c = createCipheriv('des-ede-cbc', key, iv);
  c.setAutoPadding(pad);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

const asArray = (bytes: Uint8Array): Uint8Array => Array.from(bytes) as unknown as Uint8Array;

describe('TDES-EDE2-CBC encryptCbc: a bad argument is INVALID_ARGUMENT naming the field', () => {
  const key = tdesEde2Cbc.generateKey(random);
  const iv = random(8);
  const plaintext = random(20);

  it.each([
    ['15 bytes', key.subarray(1)],
    ['17 bytes', new Uint8Array([...key, 0])],
    ['24 bytes (three-key 3DES)', new Uint8Array([...key, ...key.subarray(0, 8)])],
    ['empty', new Uint8Array(0)],
    ['a plain array', asArray(key)],
  ])('key: %s', (_name, badKey) => {
    const err = expectCode(() => tdesEde2Cbc.encryptCbc(badKey, iv, plaintext), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/TDES-EDE2-CBC key must be 16 bytes/);
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC encrypt', field: 'key' });
  });

  it.each([
    ['7 bytes', iv.subarray(1)],
    ['9 bytes', new Uint8Array([...iv, 0])],
    ['16 bytes (an AES IV)', new Uint8Array(16)],
    ['a plain array', asArray(iv)],
  ])('IV: %s', (_name, badIv) => {
    const err = expectCode(() => tdesEde2Cbc.encryptCbc(key, badIv, plaintext), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/TDES-EDE2-CBC IV must be 8 bytes/);
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC encrypt', field: 'iv' });
  });

  it.each([
    ['a plain array', asArray(plaintext)],
    ['a string', 'plaintext' as unknown as Uint8Array],
    ['null', null as unknown as Uint8Array],
  ])('plaintext: %s', (_name, badPlaintext) => {
    const err = expectCode(() => tdesEde2Cbc.encryptCbc(key, iv, badPlaintext), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/TDES-EDE2-CBC plaintext must be a Uint8Array/);
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC encrypt', field: 'plaintext' });
  });

  it('the key is checked first, then the IV, then the plaintext', () => {
    const bad = 'x' as unknown as Uint8Array;
    expect(expectCode(() => tdesEde2Cbc.encryptCbc(bad, bad, bad), 'INVALID_ARGUMENT').cause).toMatchObject({ field: 'key' });
    expect(expectCode(() => tdesEde2Cbc.encryptCbc(key, bad, bad), 'INVALID_ARGUMENT').cause).toMatchObject({ field: 'iv' });
  });

  it('an empty plaintext is valid: one block of padding, as OpenSSL', () => {
    const ct = tdesEde2Cbc.encryptCbc(key, iv, new Uint8Array(0));
    expect(bytesToHex(ct)).toBe(bytesToHex(opensslEncrypt(key, iv, new Uint8Array(0), true)));
    expect(tdesEde2Cbc.decryptCbc(key, iv, ct)).toHaveLength(0);
  });
});

describe('TDES-EDE2-CBC decryptCbc: every bad input is the same DECRYPT_FAILED (no oracle)', () => {
  const key = tdesEde2Cbc.generateKey(random);
  const iv = random(8);
  const plaintext = random(21);
  const ct = opensslEncrypt(key, iv, plaintext, true);
  /** Two blocks whose decryption ends in a full block of `byte`. */
  const endingIn = (byte: number): Uint8Array => {
    const blocks = random(16);
    blocks.fill(byte, 8);
    return opensslEncrypt(key, iv, blocks, false);
  };

  const cases: [string, () => unknown][] = [
    ['a 17-byte key whose first 16 bytes are the key', () => tdesEde2Cbc.decryptCbc(new Uint8Array([...key, 0x55]), iv, ct)],
    ['a 24-byte key K1||K2||K1', () => tdesEde2Cbc.decryptCbc(new Uint8Array([...key, ...key.subarray(0, 8)]), iv, ct)],
    ['a 15-byte key', () => tdesEde2Cbc.decryptCbc(key.subarray(0, 15), iv, ct)],
    ['the key as a plain array', () => tdesEde2Cbc.decryptCbc(asArray(key), iv, ct)],
    ['the IV as a plain array', () => tdesEde2Cbc.decryptCbc(key, asArray(iv), ct)],
    ['a 7-byte IV', () => tdesEde2Cbc.decryptCbc(key, iv.subarray(1), ct)],
    ['a 9-byte IV', () => tdesEde2Cbc.decryptCbc(key, new Uint8Array([...iv, 0]), ct)],
    ['the ciphertext as a plain array', () => tdesEde2Cbc.decryptCbc(key, iv, asArray(ct))],
    ['an empty ciphertext', () => tdesEde2Cbc.decryptCbc(key, iv, new Uint8Array(0))],
    ['a ciphertext one byte short', () => tdesEde2Cbc.decryptCbc(key, iv, ct.subarray(1))],
    ['a ciphertext one byte long', () => tdesEde2Cbc.decryptCbc(key, iv, new Uint8Array([...ct, 0]))],
    ['a padding byte of 0', () => tdesEde2Cbc.decryptCbc(key, iv, endingIn(0))],
    ...[9, 10, 15, 16, 0x80, 0xff].map((byte): [string, () => unknown] => [
      `a final block of eight ${byte}s (padding longer than a block)`,
      () => tdesEde2Cbc.decryptCbc(key, iv, endingIn(byte)),
    ]),
  ];

  it.each(cases)('%s', (_name, call) => {
    const err = expectCode(call, 'DECRYPT_FAILED');
    expect(err.message).toMatch(/TDES-EDE2-CBC decryption failed/);
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC decrypt' });
  });

  it('all of them give the very same error', () => {
    const reports = cases.map(([, call]) => JSON.stringify(expectCode(call, 'DECRYPT_FAILED').toJSON()));
    expect(new Set(reports).size).toBe(1);
  });

  it('the same inputs as Uint8Arrays of the right lengths decrypt', () => {
    expect(bytesToHex(tdesEde2Cbc.decryptCbc(key, iv, ct))).toBe(bytesToHex(plaintext));
    // A full final block of 8s is valid padding: an empty last block.
    const blocks = random(16);
    blocks.fill(8, 8);
    expect(bytesToHex(tdesEde2Cbc.decryptCbc(key, iv, opensslEncrypt(key, iv, blocks, false)))).toBe(bytesToHex(blocks.subarray(0, 8)));
  });
});

describe('TDES-EDE2-CBC generateKey', () => {
  it.each([
    ['15 bytes', 15],
    ['17 bytes', 17],
    ['no bytes', 0],
  ])('a random source that returns %s is INVALID_ARGUMENT', (_name, length) => {
    const source: RandomSource = (n) => {
      expect(n).toBe(16);
      return random(length);
    };
    const err = expectCode(() => tdesEde2Cbc.generateKey(source), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/random source returned the wrong number of bytes/);
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC generateKey' });
  });

  it('a random source that returns a plain array is INVALID_ARGUMENT', () => {
    const err = expectCode(() => tdesEde2Cbc.generateKey((n) => asArray(random(n))), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC generateKey' });
  });

  /** A source whose every draw is K||K', with K' = K except for the parity bits; gives up after 100 draws. */
  function degenerate(goodFrom = Number.POSITIVE_INFINITY): { source: RandomSource; draws: () => number } {
    let draws = 0;
    const source: RandomSource = (n) => {
      expect(n).toBe(16);
      draws++;
      if (draws > 100) throw new Error('generateKey keeps drawing');
      if (draws >= goodFrom) return random(n);
      const half = random(8);
      return new Uint8Array([...half, ...half.map((b) => b ^ 0x01)]);
    };
    return { source, draws: () => draws };
  }

  it('K1 = K2 up to the parity bits is redrawn; after eight such draws it is INVALID_ARGUMENT', () => {
    const { source, draws } = degenerate();
    const err = expectCode(() => tdesEde2Cbc.generateKey(source), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/degenerate/);
    expect(err.cause).toEqual({ operation: 'TDES-EDE2-CBC generateKey' });
    expect(draws()).toBe(8);
  });

  it('a good eighth draw is used', () => {
    const { source, draws } = degenerate(8);
    const key = tdesEde2Cbc.generateKey(source);
    expect(draws()).toBe(8);
    expect(hasOddParity(key)).toBe(true);
    expect(bytesToHex(key.subarray(0, 8))).not.toBe(bytesToHex(key.subarray(8)));
  });

  it('the key is the draw with odd parity set, and encrypts as OpenSSL des-ede-cbc', () => {
    const draw = random(16);
    const key = tdesEde2Cbc.generateKey(() => draw.slice());
    expect(bytesToHex(key)).toBe(bytesToHex(setOddParity(draw)));
    const iv = random(8);
    const pt = random(30);
    expect(bytesToHex(tdesEde2Cbc.encryptCbc(key, iv, pt))).toBe(bytesToHex(opensslEncrypt(key, iv, pt, true)));
  });
});
