/**
 * The CPace cipher suite CPACE-X25519-SHA512: group environment G_X25519 with H = SHA-512
 * (draft-irtf-cfrg-cpace-21, sections "CPace cipher suites" and "CPace group objects G_X25519 and
 * G_X448 for single-coordinate Ladders on Montgomery curves").
 */
import { _map_to_curve_elligator2_curve25519, ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { mod, type IField } from '@noble/curves/abstract/modular.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { ActivationError } from '../../errors/activation-error.js';
import type { CPaceSuite, RandomSource } from '../provider.js';
import { utf8ToBytes } from '../../util/bytes.js';
import { generatorString } from './encoding.js';
import { constantTimeField, invertFermat } from './ct-field.js';

/** G_X25519.DSI = b"CPace255". */
const DSI = /* @__PURE__ */ utf8ToBytes('CPace255');
/** G_X25519.field_size_bytes. */
const FIELD_SIZE_BYTES = 32;
/** SHA-512 input block size H.s_in_bytes. */
const SHA512_S_IN_BYTES = 128;
/**
 * The field prime of Curve25519, 2^255 - 19. Written as a literal, like the mask below: a bundler
 * keeps `2n ** 255n` (an operation) in every bundle that shares this module's chunk, used or not.
 */
const P = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffedn;
/** Bits #0 to #254: decodeUCoordinate masks off bit #255. */
const LOW_255_BITS = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn;

/**
 * `decodeUCoordinate(u, 255)` from RFC 7748 (repeated in the draft's appendix "Decoding and
 * Encoding functions according to RFC7748"): little-endian, with bit #255 masked off.
 */
function decodeUCoordinate(bytes: Uint8Array): bigint {
  const u = bytes.slice(0, FIELD_SIZE_BYTES);
  // Bit #255 is the top bit of the last byte; masking the number clears it without indexing.
  const value = bytesToNumberLE(u) & LOW_255_BITS;
  u.fill(0);
  return value;
}

/**
 * GF(2^255 - 19) with a fixed-sequence inversion (see ct-field.ts), built on first use: at module
 * load it would be work (and, for bundlers, a side effect) for every importer, the /wire entry's
 * included, since the node:crypto provider shares this module.
 */
let field: IField<bigint> | undefined;

/**
 * G_X25519.calculate_generator(H, PRS, CI, sid): hash the generator string to 32 bytes, decode it
 * as a field element and map it with Elligator 2 (RFC 9380 map_to_curve_elligator2_curve25519),
 * keeping only the u coordinate.
 *
 * The draft asks for this to run in constant time (its input is derived from the password).
 * noble's map is RFC 9380's straight-line code (one fixed addition chain for the square root,
 * CMOV for the choices) and returns the rational form x = xMn / xMd; the division is ours, and it
 * is a Fermat inversion with a fixed exponent rather than noble's `invert`, whose extended
 * Euclidean loop runs a password-dependent number of times (issue 8, finding 14).
 *
 * `field` is for tests, which pass an instrumented field to count the operations.
 * @internal
 */
export function calculateGeneratorWithField(field: IField<bigint>, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const genStr = generatorString(DSI, prs, ci, sid, SHA512_S_IN_BYTES);
  const digest = sha512(genStr);
  genStr.fill(0);
  const u = mod(decodeUCoordinate(digest), P);
  digest.fill(0);
  // xMd = 1 + 2u^2 is never zero for Curve25519 (-1/2 is not a square), so the inverse exists.
  const { xMn, xMd } = _map_to_curve_elligator2_curve25519(u);
  return numberToBytesLE(field.mul(xMn, invertFermat(field, xMd)), FIELD_SIZE_BYTES);
}

function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  return calculateGeneratorWithField((field ??= constantTimeField(ed25519.Point.Fp)), prs, ci, sid);
}

/** G_X25519.sample_scalar() = sample_random_bytes(32); X25519 clamps it when used. */
function sampleScalar(random: RandomSource): Uint8Array {
  const bytes = random(FIELD_SIZE_BYTES);
  if (!(bytes instanceof Uint8Array) || bytes.length !== FIELD_SIZE_BYTES) {
    throw new ActivationError('INVALID_ARGUMENT', 'random source returned the wrong number of bytes', {
      operation: 'cpace sample scalar',
      expected: FIELD_SIZE_BYTES,
    });
  }
  return Uint8Array.from(bytes);
}

/** True when every byte is zero (no early exit). */
function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * G_X25519.scalar_mult_vfy(y, X) = X25519(y, X), with G.I (all zero) reported as `undefined`.
 *
 * noble's X25519 rejects the low-order u coordinates (on the curve and on the twist, after
 * masking bit #255 and reducing modulo p) by throwing before running the ladder; that is exactly
 * the set of inputs for which X25519 outputs all zeros, so a throw maps to G.I. Non-canonical
 * encodings with bit #255 set are masked as RFC 7748 requires (draft vectors u6, u8..ub).
 * Malformed lengths also give `undefined`. Never throws.
 */
function scalarMultVfy(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined {
  let k: Uint8Array;
  // Never throws: the length check is inside the try too, since reading a missing argument throws.
  try {
    if (scalar.length !== FIELD_SIZE_BYTES || point.length !== FIELD_SIZE_BYTES) return undefined;
    k = x25519.scalarMult(scalar, point);
  } catch {
    return undefined;
  }
  return isAllZero(k) ? undefined : k;
}

/**
 * G_X25519.scalar_mult(y, g) = X25519(y, g). For the (unreachable in practice) low-order inputs
 * noble refuses, the X25519 result G.I = zero_bytes(32) is returned, as the draft defines it.
 * Wrong lengths are a caller bug and throw INVALID_ARGUMENT.
 */
function scalarMult(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  if (scalar.length !== FIELD_SIZE_BYTES || point.length !== FIELD_SIZE_BYTES) {
    throw new ActivationError('INVALID_ARGUMENT', 'X25519 scalar and point must be 32 bytes', {
      operation: 'cpace scalar mult',
    });
  }
  return scalarMultVfy(scalar, point) ?? new Uint8Array(FIELD_SIZE_BYTES);
}

/** CPACE-X25519-SHA512. */
export const x25519Suite: CPaceSuite = /* @__PURE__ */ Object.freeze({
  id: 'CPACE-X25519-SHA512' as const,
  /** A fresh copy each time, so callers cannot alter the suite's constant. */
  get dsi(): Uint8Array {
    return DSI.slice();
  },
  shareLength: FIELD_SIZE_BYTES,
  hash: (message: Uint8Array): Uint8Array => sha512(message),
  calculateGenerator,
  sampleScalar,
  scalarMult,
  scalarMultVfy,
});
