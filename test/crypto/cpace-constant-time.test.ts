/**
 * Issue 8, finding 14: `G.calculate_generator` must not take a password-dependent time
 * (draft-irtf-cfrg-cpace-21 asks for a constant-time generator). The leak was noble's `invert`, an
 * extended Euclidean loop whose iteration count depends on the value inverted: the test first
 * shows that two passwords give denominators whose Euclidean inversions take different numbers of
 * steps (the attack's premise), then runs the real generator code over an instrumented field and
 * checks that both passwords cause exactly the same sequence of field operations, with no
 * variable-time `inv` among them. A timing measurement would be flaky; the per-password timing
 * spread is reported by `bench/cpace-generator.ts` instead.
 */
import { describe, expect, it } from 'vitest';
import { _map_to_curve_elligator2_curve25519, ed25519 } from '@noble/curves/ed25519.js';
import { p521, p521_hasher } from '@noble/curves/nist.js';
import { hash_to_field } from '@noble/curves/abstract/hash-to-curve.js';
import { mod, type IField } from '@noble/curves/abstract/modular.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { generatorString } from '../../src/crypto/cpace/encoding.js';
import { calculateGeneratorWithField as x25519Generator, x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { calculateGeneratorWithField as p521Generator, p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { utf8ToBytes } from '../../src/util/bytes.js';

const CI = utf8ToBytes('ci');
const SID = new Uint8Array(16).fill(7);
const PASSWORDS = Array.from({ length: 48 }, (_, i) => utf8ToBytes(`password-${i}`));

/** Iterations of the extended Euclidean algorithm noble's `invert` runs for `x` mod `p`. */
function euclidSteps(x: bigint, p: bigint): number {
  let a = mod(x, p);
  let b = p;
  let n = 0;
  while (a !== 0n) {
    [a, b] = [b % a, a];
    n += 1;
  }
  return n;
}

/** The passwords whose inversion took the fewest and the most Euclidean steps. */
function extremes(steps: number[]): { fast: number; slow: number } {
  let fast = 0;
  let slow = 0;
  steps.forEach((s, i) => {
    if (s < steps[fast]!) fast = i;
    if (s > steps[slow]!) slow = i;
  });
  return { fast, slow };
}

const OPS = ['mul', 'sqr', 'add', 'sub', 'neg', 'inv', 'div', 'pow', 'eql', 'cmov', 'isOdd', 'is0', 'invertBatch'] as const;

/** `base` with every operation recorded, in order, in `trace`. */
function instrumented(base: IField<bigint>): { field: IField<bigint>; trace: string[] } {
  const trace: string[] = [];
  const field = Object.create(base) as IField<bigint>;
  for (const name of OPS) {
    const original = (base as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
    Object.defineProperty(field, name, {
      value: (...args: unknown[]) => {
        trace.push(name);
        return original.apply(field, args);
      },
    });
  }
  return { field, trace };
}

describe('CPace calculate_generator runs the same field operations for every password (finding 14)', () => {
  it('CPACE-X25519: Elligator 2 denominators of different inversion lengths, same operation sequence, no variable-time inversion', () => {
    const P = ed25519.Point.Fp.ORDER;
    // The premise: the denominator xMd that the old code inverted with noble's `invert`.
    const steps = PASSWORDS.map((prs) => {
      const digest = sha512(generatorString(utf8ToBytes('CPace255'), prs, CI, SID, 128));
      digest[31]! &= 0x7f;
      const { xMd } = _map_to_curve_elligator2_curve25519(mod(bytesToNumberLE(digest.subarray(0, 32)), P));
      return euclidSteps(xMd, P);
    });
    const { fast, slow } = extremes(steps);
    expect(steps[slow]! - steps[fast]!).toBeGreaterThanOrEqual(4);

    const traces = [fast, slow].map((i) => {
      const { field, trace } = instrumented(ed25519.Point.Fp);
      const g = x25519Generator(field, PASSWORDS[i]!, CI, SID);
      // Same generator as the suite itself computes (and the suite passes the draft's vectors).
      expect(g).toEqual(x25519Suite.calculateGenerator(PASSWORDS[i]!, CI, SID));
      return trace;
    });
    expect(traces[0]).toEqual(traces[1]);
    expect(traces[0]).not.toContain('inv');
    // The Fermat inversion x^(p-2) went through the field: one squaring per exponent bit.
    expect(traces[0]!.filter((op) => op === 'sqr').length).toBeGreaterThanOrEqual(250);
  });

  it('CPACE-P521: SSWU denominators of different inversion lengths, same operation sequence, no variable-time inversion', () => {
    const Fp = p521.Point.Fp;
    const { a: A } = p521.Point.CURVE();
    const Z = Fp.neg(4n);
    const DSI = utf8ToBytes('CPaceP521_XMD:SHA-512_SSWU_NU_');
    const DST = new Uint8Array([...DSI, ...utf8ToBytes('_DST')]);
    // The premise: tv4 of RFC 9380's simplified SWU (steps 1-8), which noble inverts with Fp.inv.
    const steps = PASSWORDS.map((prs) => {
      const u = hash_to_field(generatorString(DSI, prs, CI, SID, 128), 1, { ...p521_hasher.defaults, DST })[0]![0]!;
      const tv1 = Fp.mul(Z, Fp.sqr(u));
      const tv2 = Fp.add(Fp.sqr(tv1), tv1);
      const tv4 = Fp.mul(A, Fp.is0(tv2) ? Z : Fp.neg(tv2));
      return euclidSteps(tv4, Fp.ORDER);
    });
    const { fast, slow } = extremes(steps);
    expect(steps[slow]! - steps[fast]!).toBeGreaterThanOrEqual(4);

    const traces = [fast, slow].map((i) => {
      const { field, trace } = instrumented(Fp);
      const g = p521Generator(field, PASSWORDS[i]!, CI, SID);
      expect(g).toEqual(p521Suite.calculateGenerator(PASSWORDS[i]!, CI, SID));
      return trace;
    });
    expect(traces[0]).toEqual(traces[1]);
    expect(traces[0]).not.toContain('inv');
    // At least the square root and the Fermat inversion, each a 519/520-bit fixed exponent.
    expect(traces[0]!.filter((op) => op === 'sqr').length).toBeGreaterThanOrEqual(2 * 519);
  });
});
