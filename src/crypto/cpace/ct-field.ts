/**
 * Field arithmetic for the password-dependent part of CPace: `G.calculate_generator` maps a hash
 * of the password to a curve point, and draft-irtf-cfrg-cpace-21 (security considerations, on
 * side channels) asks for calculate_generator to be implemented in constant time, since its
 * inputs are derived from the password.
 *
 * noble's maps are written as RFC 9380's straight-line pseudocode (fixed sequence of field
 * operations, CMOV instead of branches, square roots as powers with fixed public exponents), with
 * one exception: a field inversion (`Fp.inv`, `invert`) is the extended Euclidean algorithm, whose
 * number of iterations depends on the value inverted. That is the leak the review measured on the
 * Elligator 2 map (17.5 vs 23.2 us for two passwords). This module supplies the inversion as
 * Fermat's little theorem, `x^(p-2)`, computed by noble's `FpPow` over the field's own `mul` and
 * `sqr`: with a public, fixed exponent the windowed exponentiation performs the same sequence of
 * squarings and multiplications for every `x` (see `FpPow` in @noble/curves/abstract/modular.js:
 * its table index and its "digit is zero" test read only exponent digits).
 *
 * Residual: JavaScript BigInt arithmetic is not constant time at the instruction level (the cost
 * of `*` and `%` depends on operand lengths, and a value with many leading zero bits is shorter),
 * and CMOV is a JavaScript conditional expression. What this removes is the data-dependent
 * *algorithm*: the operation count and sequence no longer depend on the password.
 */
import { FpPow, type IField } from '@noble/curves/abstract/modular.js';

/**
 * `x^-1` in the prime field `F` as `x^(p-2)` (Fermat), with the same sequence of field operations
 * for every `x`. Returns 0 for `x = 0` (the RFC 9380 `inv0` convention).
 */
export function invertFermat(F: IField<bigint>, x: bigint): bigint {
  return FpPow(F, x, F.ORDER - 2n);
}

/**
 * A view of the prime field `F` whose `inv`, `div`, `invertBatch` and `pow` have a control flow that
 * does not depend on the values: `inv` is {@link invertFermat} and `pow` runs `FpPow` over this
 * view's own `mul`/`sqr` (noble's `Field.pow` would call its module-level `pow`, which is also
 * fixed-sequence but cannot be observed). Everything else is inherited from `F`, so a test can pass
 * an instrumented field and count every operation the map performs.
 */
export function constantTimeField(F: IField<bigint>): IField<bigint> {
  const view = Object.create(F) as IField<bigint>;
  Object.defineProperties(view, {
    inv: { value: (x: bigint): bigint => invertFermat(view, x) },
    div: { value: (a: bigint, b: bigint): bigint => view.mul(a, invertFermat(view, b)) },
    pow: { value: (x: bigint, e: bigint): bigint => FpPow(view, x, e) },
    invertBatch: { value: (xs: bigint[]): bigint[] => xs.map((x) => invertFermat(view, x)) },
  });
  return Object.freeze(view);
}
