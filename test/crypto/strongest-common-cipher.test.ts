/**
 * The transport cipher both sides support (algorithms.ts, strongestCommon): the strongest
 * algorithm in both the offered list (straight off the wire) and the allowed list (local policy),
 * AES-256-CBC before TDES-EDE2-CBC (docs/protocol.md: "AES-256 over Triple DES"), whatever the order of
 * either list; unknown strings are ignored; and anything that is not a list, as a decoded wire
 * value may be, yields no choice (`undefined`) instead of a throw or a match by substring.
 */
import { describe, expect, it } from 'vitest';
import type { TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { strongestCommon } from '../../src/crypto/transport-key/algorithms.js';

const AES = 'AES-256-CBC';
const TDES = 'TDES-EDE2-CBC';
const BOTH: TransportKeyAlgorithm[] = [AES, TDES];

/** Values that are not arrays; the strings contain an algorithm id. */
const NOT_LISTS: readonly unknown[] = [undefined, null, AES, `${TDES},${AES}`, { 0: AES, length: 1 }, new Set([AES]), 256];

describe('strongestCommon: the order of preference', () => {
  it.each([
    [
      [AES, TDES],
      [AES, TDES],
    ],
    [
      [TDES, AES],
      [AES, TDES],
    ],
    [
      [AES, TDES],
      [TDES, AES],
    ],
    [
      [TDES, AES],
      [TDES, AES],
    ],
  ] as TransportKeyAlgorithm[][][])('offered %j, allowed %j: AES-256-CBC', (offered, allowed) => {
    expect(strongestCommon(offered, allowed)).toBe(AES);
  });

  it('Triple DES when it is the only one in both lists', () => {
    expect(strongestCommon([TDES, AES], [TDES])).toBe(TDES);
    expect(strongestCommon([TDES], [AES, TDES])).toBe(TDES);
    expect(strongestCommon([TDES, TDES], [TDES])).toBe(TDES);
  });

  it('nothing when the lists have nothing in common', () => {
    expect(strongestCommon([AES], [TDES])).toBeUndefined();
    expect(strongestCommon([], BOTH)).toBeUndefined();
    expect(strongestCommon(BOTH, [])).toBeUndefined();
  });
});

describe('strongestCommon: lists that are not lists', () => {
  it.each(NOT_LISTS.map((x) => [x]))('offered %o: no choice, no throw', (offered) => {
    expect(strongestCommon(offered as TransportKeyAlgorithm[], BOTH)).toBeUndefined();
  });

  it.each(NOT_LISTS.map((x) => [x]))('allowed %o: no choice, no throw', (allowed) => {
    expect(strongestCommon(BOTH, allowed as TransportKeyAlgorithm[])).toBeUndefined();
  });

  it('neither a list: no choice, no throw', () => {
    expect(strongestCommon(AES as unknown as TransportKeyAlgorithm[], AES as unknown as TransportKeyAlgorithm[])).toBeUndefined();
  });
});
