/**
 * P-521's G.calculate_generator refuses to go on when hash_to_field gives its map no field element
 * (p521-suite.ts, `hasherOver`: "none would mean a noble that does not work as this was written
 * for"): the caller gets ActivationError('UNSUPPORTED') naming the operation, never a TypeError
 * from mapping `undefined`. @noble/curves 2.4 cannot do this itself (its hash_to_field refuses
 * m < 1 and count < 1), so `createHasher` is wrapped (vi.mock) into one whose encode_to_curve
 * hands the map an empty list, as a noble with another hash_to_field could.
 */
import { describe, expect, it, vi } from 'vitest';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { caught } from '../support/errors.js';

/** What the map was handed, so the test can see that the wrapper did reach it. */
const mapped = vi.hoisted(() => [] as unknown[]);

vi.mock('@noble/curves/abstract/hash-to-curve.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/abstract/hash-to-curve.js')>();
  const createHasher: typeof real.createHasher = (Point, mapToCurve, defaults) => {
    const hasher = real.createHasher(Point, mapToCurve, defaults);
    return {
      ...hasher,
      encodeToCurve: () => {
        mapped.push([]);
        return Point.fromAffine(mapToCurve([]));
      },
    };
  };
  return { ...real, createHasher };
});

describe('P-521 calculate_generator without a field element', () => {
  it('is UNSUPPORTED with operation "cpace calculate generator", not a TypeError', () => {
    const err = caught(() => p521Suite.calculateGenerator(utf8ToBytes('password'), utf8ToBytes('ci'), utf8ToBytes('sid')));
    expect(mapped).toEqual([[]]);
    expect(err).toBeInstanceOf(ActivationError);
    expect((err as ActivationError).toJSON()).toEqual({
      name: 'ActivationError',
      code: 'UNSUPPORTED',
      message: 'hash to curve gave no field element',
      cause: { operation: 'cpace calculate generator' },
    });
  });
});
