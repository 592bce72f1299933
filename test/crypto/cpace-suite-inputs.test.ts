/**
 * The CPace suites' inputs at their edges: G.sample_scalar with crafted random sources (the
 * scalar range [1, n - 1] of P-521 at both ends, wrong lengths and types, a source that never
 * yields a usable scalar), G.scalar_mult with invalid arguments, a peer share of the wrong length,
 * and the structured `cause` of each error. The P-521 shares at the boundary scalars are checked
 * against OpenSSL's ECDH (node:crypto).
 */
import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../src/crypto/provider.js';
import { cpaceDeriveIsk, cpaceIskSymmetric, cpaceStart, p521Suite, x25519Suite } from '../../src/crypto/cpace/index.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';
import vectors from '../vectors/cpace-testvectors.json';

/** The order n of the P-521 base point (FIPS 186-4, appendix D.1.2.5). */
const N = BigInt(
  '0x' +
    (
      '01ff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff fffffffa' +
      '51868783 bf2f966b 7fcc0148 f709a5d0 3bb5c9b8 899c47ae bb6fb71e 91386409'
    ).replace(/ /g, ''),
);

/** `value` as a 66-byte big-endian string (FE2OSP / I2OSP for P-521). */
function be66(value: bigint): Uint8Array {
  return hexToBytes(value.toString(16).padStart(132, '0'));
}

/** A random source that returns `draws` one after the other (a copy each) and counts the calls. */
function scripted(...draws: Uint8Array[]): { random: RandomSource; calls: () => number } {
  let calls = 0;
  const random: RandomSource = (n) => {
    const next = draws[Math.min(calls, draws.length - 1)]!;
    calls++;
    if (calls > 1000) throw new Error('too many draws');
    expect(n).toBe(next.length);
    return next.slice();
  };
  return { random, calls: () => calls };
}

/** OpenSSL's ECDH on P-521: the x-coordinate of scalar * point. */
function opensslEcdhX(scalar: Uint8Array, point: Uint8Array): string {
  const ecdh = createECDH('secp521r1');
  ecdh.setPrivateKey(scalar);
  return ecdh.computeSecret(point).toString('hex');
}

const p = vectors.G_NistP521;
const g521 = hexToBytes(p.g);
const session521 = { prs: hexToBytes(p.PRS), ci: hexToBytes(p.CI), sid: hexToBytes(p.sid) };

describe('P-521 sample_scalar accepts exactly [1, n - 1]', () => {
  it('n - 1 is a usable scalar, n is not', () => {
    expect(be66(N)).toHaveLength(66);
    // The vector scalars are below n; n itself is not a usable scalar for scalar_mult_vfy.
    expect(p521Suite.scalarMultVfy(be66(N), g521)).toBeUndefined();
    expect(p521Suite.scalarMultVfy(be66(N - 1n), g521)).toBeDefined();
  });

  it('1 is accepted on the first draw', () => {
    const { random, calls } = scripted(be66(1n));
    expect(bytesToHex(p521Suite.sampleScalar(random))).toBe(bytesToHex(be66(1n)));
    expect(calls()).toBe(1);
  });

  it('n - 1 is accepted on the first draw', () => {
    const { random, calls } = scripted(be66(N - 1n));
    expect(bytesToHex(p521Suite.sampleScalar(random))).toBe(bytesToHex(be66(N - 1n)));
    expect(calls()).toBe(1);
  });

  it('n is rejected and the next draw is used', () => {
    const { random, calls } = scripted(be66(N), be66(N - 1n));
    expect(bytesToHex(p521Suite.sampleScalar(random))).toBe(bytesToHex(be66(N - 1n)));
    expect(calls()).toBe(2);
  });

  it('0 is rejected and the next draw is used', () => {
    const { random, calls } = scripted(be66(0n), be66(1n));
    expect(bytesToHex(p521Suite.sampleScalar(random))).toBe(bytesToHex(be66(1n)));
    expect(calls()).toBe(2);
  });

  it('the 7 high bits of the first byte are ignored (521 bits are kept)', () => {
    const draw = be66(N - 1n);
    draw[0]! |= 0xfe;
    const { random } = scripted(draw);
    expect(bytesToHex(p521Suite.sampleScalar(random))).toBe(bytesToHex(be66(N - 1n)));
  });

  it('a source that never yields a usable scalar is INVALID_ARGUMENT with reason random-source', () => {
    const { random, calls } = scripted(new Uint8Array(66));
    const err = expectCode(() => p521Suite.sampleScalar(random), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/random source/);
    expect(err.cause).toEqual({ operation: 'cpace sample scalar', reason: 'random-source' });
    expect(calls()).toBeGreaterThan(1);
  });

  it.each([
    ['65 bytes', new Uint8Array(65).fill(1)],
    ['67 bytes', new Uint8Array(67).fill(1)],
    ['no bytes', new Uint8Array(0)],
    ['a plain array of 66 numbers', Array.from({ length: 66 }, () => 1) as unknown as Uint8Array],
  ])('a source that returns %s is INVALID_ARGUMENT naming the expected 66 bytes', (_name, draw) => {
    let calls = 0;
    const err = expectCode(
      () =>
        p521Suite.sampleScalar(() => {
          calls++;
          return draw;
        }),
      'INVALID_ARGUMENT',
    );
    expect(err.message).toMatch(/random source/);
    expect(err.cause).toEqual({ operation: 'cpace sample scalar', expected: 66 });
    expect(calls).toBe(1);
  });
});

describe('P-521 shares at the boundary scalars match OpenSSL ECDH', () => {
  it('y = 1 gives the generator itself as the share', () => {
    const { scalar, share } = cpaceStart(p521Suite, session521, scripted(be66(1n)).random);
    expect(bytesToHex(scalar)).toBe(bytesToHex(be66(1n)));
    expect(bytesToHex(share)).toBe(bytesToHex(g521));
    expect(opensslEcdhX(scalar, g521)).toBe(bytesToHex(g521.subarray(1, 67)));
  });

  it('y = n - 1 gives -g: the same x-coordinate as OpenSSL, y negated', () => {
    const { scalar, share } = cpaceStart(p521Suite, session521, scripted(be66(N - 1n)).random);
    expect(share).toHaveLength(133);
    expect(share[0]).toBe(0x04);
    expect(bytesToHex(share.subarray(1, 67))).toBe(opensslEcdhX(scalar, g521));
    const pField = 2n ** 521n - 1n;
    const gy = BigInt('0x' + bytesToHex(g521.subarray(67)));
    expect(bytesToHex(share.subarray(67))).toBe(bytesToHex(be66(pField - gy)));
  });

  it('scalar_mult_vfy agrees with OpenSSL ECDH for 1, n - 1 and the vector scalars', () => {
    for (const s of [be66(1n), be66(N - 1n), hexToBytes(p.ya), hexToBytes(p.yb)]) {
      expect(bytesToHex(p521Suite.scalarMultVfy(s, g521)!)).toBe(opensslEcdhX(s, g521));
    }
  });
});

describe('P-521 scalar_mult: invalid arguments are INVALID_ARGUMENT for "cpace scalar mult"', () => {
  it.each([
    ['scalar 0', be66(0n), g521],
    ['scalar n', be66(N), g521],
    ['scalar 2^528 - 1', new Uint8Array(66).fill(0xff), g521],
    ['a 65-byte scalar', be66(1n).subarray(1), g521],
    ['a point not on the curve', be66(1n), hexToBytes(vectors.G_NistP521_points['Invalid Y1'])],
    ['the point at infinity', be66(1n), Uint8Array.of(0)],
  ])('%s', (_name, scalar, point) => {
    const err = expectCode(() => p521Suite.scalarMult(scalar, point), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ operation: 'cpace scalar mult' });
    expect(typeof err.cause!.reason).toBe('string');
  });
});

describe('X25519 suite: wrong lengths are INVALID_ARGUMENT with a cause', () => {
  it.each([31, 33, 0])('sample_scalar refuses a source that returns %i bytes', (length) => {
    const err = expectCode(() => x25519Suite.sampleScalar(() => new Uint8Array(length).fill(1)), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/random source/);
    expect(err.cause).toEqual({ operation: 'cpace sample scalar', expected: 32 });
  });

  it('sample_scalar refuses a plain array', () => {
    const err = expectCode(
      () => x25519Suite.sampleScalar(() => Array.from({ length: 32 }, () => 1) as unknown as Uint8Array),
      'INVALID_ARGUMENT',
    );
    expect(err.cause).toEqual({ operation: 'cpace sample scalar', expected: 32 });
  });

  it.each([
    ['a 31-byte scalar', 31, 32],
    ['a 33-byte scalar', 33, 32],
    ['a 31-byte point', 32, 31],
    ['a 33-byte point', 32, 33],
  ])('scalar_mult refuses %s', (_name, scalarLength, pointLength) => {
    const scalar = new Uint8Array(scalarLength).fill(7);
    const point = new Uint8Array(pointLength).fill(9);
    const err = expectCode(() => x25519Suite.scalarMult(scalar, point), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/32 bytes/);
    expect(err.cause).toEqual({ operation: 'cpace scalar mult' });
  });
});

describe.each([
  ['CPACE-X25519-SHA512', x25519Suite, vectors.G_25519],
  ['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512', p521Suite, vectors.G_NistP521],
] as const)('%s: a peer share of the wrong length', (_id, suite, t) => {
  const common = {
    sid: hexToBytes(t.sid),
    scalar: hexToBytes(t.ya),
    Ya: hexToBytes(t.Ya),
    ADa: hexToBytes(t.ADa),
    ADb: hexToBytes(t.ADb),
  };
  const Yb = hexToBytes(t.Yb);

  it.each([
    ['one byte short', Yb.subarray(1)],
    ['one byte long', new Uint8Array([...Yb, 0])],
    ['empty', new Uint8Array(0)],
  ])('%s is a PROTOCOL_ERROR with reason invalid-length, the length and the expected length', (_name, share) => {
    for (const derive of [cpaceDeriveIsk, cpaceIskSymmetric]) {
      const err = expectCode(() => derive(suite, { ...common, Yb: share, peerShare: share }), 'PROTOCOL_ERROR');
      expect(err.message).toBe('invalid CPace share');
      expect(err.cause).toEqual({
        operation: 'cpace',
        reason: 'invalid-length',
        length: share.length,
        expected: suite.shareLength,
      });
    }
  });

  it('the right length with the vector share still derives the ISK', () => {
    expect(bytesToHex(cpaceDeriveIsk(suite, { ...common, Yb, peerShare: Yb }))).toBe(t.ISK_IR.toLowerCase());
  });
});
