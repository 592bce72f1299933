/**
 * CPace string utilities (src/crypto/cpace/encoding.ts) at their edges: prepend_len encodes only
 * non-negative safe integer lengths, and lexiographically_larger on prefixes and equal strings.
 */
import { describe, expect, it } from 'vitest';
import { generatorString, lexicographicallyLarger, lvCat, prependLen } from '../../src/crypto/cpace/encoding.js';

/** Something shaped like a byte string with an impossible length (only reachable from JavaScript). */
const withLength = (length: number): Uint8Array => ({ length }) as unknown as Uint8Array;

describe('prepend_len refuses lengths LEB128 cannot encode', () => {
  it.each([-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY])('length %s is a RangeError naming LEB128', (length) => {
    expect(() => prependLen(withLength(length))).toThrow(RangeError);
    expect(() => prependLen(withLength(length))).toThrow(/LEB128: expected a non-negative safe integer/);
    expect(() => lvCat(new Uint8Array(1), withLength(length))).toThrow(/LEB128/);
    expect(() => generatorString(new Uint8Array(8), withLength(length), new Uint8Array(0), new Uint8Array(0), 128)).toThrow(/LEB128/);
  });
});

describe('lexiographically_larger compares up to the shorter length, then by length', () => {
  const z = (...v: number[]) => Uint8Array.of(...v);

  it('a proper prefix is smaller, in either order', () => {
    expect(lexicographicallyLarger(z(1, 2, 3), z(1, 2))).toBe(true);
    expect(lexicographicallyLarger(z(1, 2), z(1, 2, 3))).toBe(false);
    expect(lexicographicallyLarger(z(), z(0))).toBe(false);
    expect(lexicographicallyLarger(z(0), z())).toBe(true);
  });

  it('equal strings are not larger', () => {
    expect(lexicographicallyLarger(z(255, 255), z(255, 255))).toBe(false);
    expect(lexicographicallyLarger(z(), z())).toBe(false);
  });

  it('the first differing byte decides, whatever the lengths', () => {
    expect(lexicographicallyLarger(z(2), z(1, 255, 255))).toBe(true);
    expect(lexicographicallyLarger(z(1, 255, 255), z(2))).toBe(false);
  });
});
