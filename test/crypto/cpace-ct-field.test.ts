/**
 * The constant-time field view used by CPace's calculate_generator (src/crypto/cpace/ct-field.ts):
 * `inv`, `div`, `invertBatch` and `pow` give the field's own results (0 for an inverse of 0, the
 * RFC 9380 inv0 convention), and run the same sequence of field operations for every value, with
 * no call to the base field's variable-time inversion.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p521 } from '@noble/curves/nist.js';
import type { IField } from '@noble/curves/abstract/modular.js';
import { constantTimeField, invertFermat } from '../../src/crypto/cpace/ct-field.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';

const random = seededRandom('cpace-ct-field.test');

/** A random element of F, from 16 more bytes than the field needs (bias is irrelevant here). */
function element(F: IField<bigint>): bigint {
  const bytes = random(F.BYTES + 16);
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x % F.ORDER;
}

const OPS = ['mul', 'sqr', 'add', 'sub', 'neg', 'inv', 'div', 'pow', 'eql', 'is0', 'invertBatch'] as const;

/** `base` with every call of an operation recorded in `trace`. */
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

describe.each([
  ['GF(2^255 - 19)', ed25519.Point.Fp],
  ['GF(2^521 - 1)', p521.Point.Fp],
] as const)('constantTimeField over %s', (_name, F) => {
  const view = constantTimeField(F);

  it('inv, div, invertBatch and pow give the same results as the field', () => {
    for (let i = 0; i < 8; i++) {
      const a = element(F);
      const b = element(F) || 1n;
      const c = element(F) || 2n;
      expect(view.inv(b)).toBe(F.inv(b));
      expect(view.mul(view.inv(b), b)).toBe(1n);
      expect(view.div(a, b)).toBe(F.div(a, b));
      expect(view.mul(view.div(a, b), b)).toBe(a);
      expect(view.invertBatch([b, c])).toEqual([F.inv(b), F.inv(c)]);
      expect(view.pow(a, 65537n)).toBe(F.pow(a, 65537n));
    }
  });

  it('an inverse of 0 is 0 (RFC 9380 inv0), also in div and invertBatch', () => {
    expect(invertFermat(F, 0n)).toBe(0n);
    expect(view.inv(0n)).toBe(0n);
    expect(view.div(element(F), 0n)).toBe(0n);
    const b = element(F) || 1n;
    expect(view.invertBatch([0n, b, 0n])).toEqual([0n, F.inv(b), 0n]);
  });

  it.each(['inv', 'div', 'invertBatch'] as const)(
    '%s runs the same field operations for every value, none of them the base inversion',
    (op) => {
      const traces = [1n, 2n, F.ORDER - 1n, element(F) || 3n].map((x) => {
        const { field, trace } = instrumented(F);
        const ct = constantTimeField(field);
        const a = element(F);
        const expected = op === 'inv' ? F.inv(x) : op === 'div' ? F.div(a, x) : F.inv(x);
        const result = op === 'inv' ? ct.inv(x) : op === 'div' ? ct.div(a, x) : ct.invertBatch([x])[0];
        expect(result).toBe(expected);
        return trace;
      });
      for (const trace of traces) expect(trace).toEqual(traces[0]);
      expect(traces[0]).not.toContain('inv');
      expect(traces[0]).not.toContain('div');
      expect(traces[0]).not.toContain('invertBatch');
      // x^(p-2): about one squaring per bit of p.
      expect(traces[0]!.filter((name) => name === 'sqr').length).toBeGreaterThanOrEqual(F.BITS - 8);
    },
  );

  it('the view is frozen and inherits everything else from the field', () => {
    expect(Object.isFrozen(view)).toBe(true);
    expect(view.ORDER).toBe(F.ORDER);
    const a = element(F);
    const b = element(F);
    expect(view.mul(a, b)).toBe(F.mul(a, b));
  });
});
