/**
 * `nativeYesIsStrict` (src/crypto/ed25519-strict-key.ts): the public keys for which a native
 * Ed25519 "yes" (OpenSSL, BoringSSL) may be taken as the noble provider's strict "yes": y
 * canonical (y < p = 2^255 - 19, the sign bit aside) and not one of the eight points of small
 * order. Checked against an oracle written here with BigInt arithmetic, on the bounds (p - 1, p,
 * 2^255 - 1, keys equal to p in all but one byte), the eight small-order points with either sign,
 * and random keys. Written for issue 9: the crypto module's mutation run found nothing holding it
 * outside the node:crypto provider's suites, which that run leaves out.
 */
import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeYesIsStrict } from '../../src/crypto/ed25519-strict-key.js';
import { hexToBytes } from '../../src/util/bytes.js';

const P = 2n ** 255n - 19n;

const le = (n: bigint): Uint8Array => numberToBytesLE(n, 32);
const fromLe = bytesToNumberLE;

const SMALL_ORDER_Y = new Set(ED25519_TORSION_SUBGROUP.map((h) => fromLe(hexToBytes(h)) & (2n ** 255n - 1n)));

/** The oracle: y, the key without its sign bit, below p and not a small-order point's y. */
function strict(key: Uint8Array): boolean {
  const y = fromLe(key) & (2n ** 255n - 1n);
  return y < P && !SMALL_ORDER_Y.has(y);
}

/** `key` with the sign bit (bit 255) set. */
function signed(key: Uint8Array): Uint8Array {
  const out = key.slice();
  out[31]! |= 0x80;
  return out;
}

describe('nativeYesIsStrict', () => {
  it.each([
    ['y = p - 1 = -1 (a point of order 2)', P - 1n, false],
    ['y = p - 2 (differs from p in the lowest byte only)', P - 2n, true],
    ['y = p', P, false],
    ['y = p + 1', P + 1n, false],
    ['y = 2^255 - 1 (every bit set)', 2n ** 255n - 1n, false],
    ['y = p - 0xed (the lowest byte 0, the others p’s)', P - 0xedn, true],
    ['y = 2 (a point of large order with a zero in every byte but the first)', 2n, true],
    ['y = 2^248 (the last byte 1, the others 0)', 2n ** 248n, true],
  ])('%s: %s', (_name, y, expected) => {
    expect(strict(le(y))).toBe(expected);
    expect(nativeYesIsStrict(le(y))).toBe(expected);
    expect(nativeYesIsStrict(signed(le(y)))).toBe(expected);
  });

  it('y equal to p in all bytes but one: strict exactly when that byte is below p’s (y = -1 aside, of small order)', () => {
    const p = le(P);
    for (let i = 0; i < 32; i++) {
      for (const delta of [-1, 1]) {
        const key = p.slice();
        const byte = key[i]! + delta;
        if (byte < 0 || byte > 0xff || (i === 31 && byte > 0x7f)) continue;
        key[i] = byte;
        expect(nativeYesIsStrict(key), `byte ${i} ${delta > 0 ? 'above' : 'below'} p's`).toBe(strict(key));
        if (!SMALL_ORDER_Y.has(fromLe(key))) expect(strict(key)).toBe(delta < 0);
      }
    }
  });

  it('the eight points of small order, with either sign bit, are not strict', () => {
    expect(ED25519_TORSION_SUBGROUP).toHaveLength(8);
    for (const hex of ED25519_TORSION_SUBGROUP) {
      const key = hexToBytes(hex);
      expect(nativeYesIsStrict(key), hex).toBe(false);
      expect(nativeYesIsStrict(signed(key)), hex).toBe(false);
      const unsigned = key.slice();
      unsigned[31]! &= 0x7f;
      expect(nativeYesIsStrict(unsigned), hex).toBe(false);
    }
  });

  it('a key that shares bytes with a small-order y, or shares none, is judged on the whole y', () => {
    // y = 1 is the identity's: 01 00 .. 00. A key with zeros in the same places but another
    // first byte, one with no byte in common with it, and one equal to it but for the last byte.
    const nearIdentity = new Uint8Array(32);
    nearIdentity[0] = 3;
    const noCommonByte = new Uint8Array(32).fill(0x11);
    const lastByte = new Uint8Array(32);
    lastByte[0] = 1;
    lastByte[31] = 1;
    for (const key of [nearIdentity, noCommonByte, lastByte]) {
      expect(strict(key)).toBe(true);
      expect(nativeYesIsStrict(key)).toBe(true);
    }
  });

  it('agrees with the oracle on random keys, and leaves the key as it was', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const before = key.slice();
        expect(nativeYesIsStrict(key)).toBe(strict(key));
        expect(key).toEqual(before);
      }),
      { numRuns: 500 },
    );
  });
});
