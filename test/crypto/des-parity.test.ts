/**
 * DES key parity (src/crypto/transport-key/des-parity.ts): a byte has odd parity when it has an
 * odd number of one bits; hasOddParity holds only when every byte does, and setOddParity fixes
 * the low bit of each byte and nothing else. Checked against a popcount written out here.
 */
import { describe, expect, it } from 'vitest';
import { hasOddParity, setOddParity } from '../../src/crypto/transport-key/des-parity.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';

const random = seededRandom('des-parity.test');

/** Number of one bits, by counting the characters of the binary string. */
const popcount = (byte: number): number => [...byte.toString(2)].filter((c) => c === '1').length;

describe('hasOddParity', () => {
  it('is true for a byte exactly when its number of one bits is odd', () => {
    for (let byte = 0; byte < 256; byte++) {
      expect(hasOddParity(Uint8Array.of(byte)), `byte 0x${byte.toString(16)}`).toBe(popcount(byte) % 2 === 1);
    }
  });

  it('a byte with two one bits is even: 0x03, 0x81, 0xc0', () => {
    for (const byte of [0x03, 0x81, 0xc0]) expect(hasOddParity(Uint8Array.of(byte))).toBe(false);
    expect(hasOddParity(Uint8Array.of(0x00))).toBe(false);
    expect(hasOddParity(Uint8Array.of(0xff))).toBe(false);
  });

  it('one even byte anywhere in a key makes the key fail', () => {
    const key = setOddParity(random(16));
    expect(hasOddParity(key)).toBe(true);
    for (let i = 0; i < key.length; i++) {
      const broken = key.slice();
      broken[i]! ^= 0x01;
      expect(hasOddParity(broken), `byte ${i}`).toBe(false);
    }
  });

  it('the classic test key 0123456789abcdef fedcba9876543210 has odd parity and setOddParity keeps it', () => {
    const key = Uint8Array.of(0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10);
    expect(hasOddParity(key)).toBe(true);
    expect([...setOddParity(key)]).toEqual([...key]);
  });
});

describe('setOddParity', () => {
  it('gives every byte odd parity, keeps the seven high bits and the length, and copies', () => {
    const input = random(64);
    const before = input.slice();
    const out = setOddParity(input);
    expect(out).toHaveLength(64);
    expect(out).not.toBe(input);
    expect([...input]).toEqual([...before]);
    for (let i = 0; i < 64; i++) {
      expect(popcount(out[i]!) % 2).toBe(1);
      expect(out[i]! & 0xfe).toBe(input[i]! & 0xfe);
    }
  });

  it('maps every byte value to the odd-parity byte with the same high bits', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const out = setOddParity(all);
    for (let byte = 0; byte < 256; byte++) {
      const high = byte & 0xfe;
      expect(out[byte]).toBe(popcount(high) % 2 === 0 ? high | 1 : high);
    }
    expect(hasOddParity(out)).toBe(true);
  });
});
