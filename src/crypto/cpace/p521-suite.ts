/**
 * The CPace cipher suite CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512: NIST P-521 with the RFC 9380
 * encode_to_curve suite P521_XMD:SHA-512_SSWU_NU_ and H = SHA-512 (draft-irtf-cfrg-cpace-21,
 * sections "CPace cipher suites" and "CPace group objects for curves in Short-Weierstrass
 * representation").
 */
import { p521, p521_hasher } from '@noble/curves/nist.js';
import { createHasher, mapToCurveSimpleSWU, type H2CHasher } from '@noble/curves/abstract/hash-to-curve.js';
import type { IField } from '@noble/curves/abstract/modular.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { ActivationError, wrapErrors } from '../../errors/activation-error.js';
import type { CPaceSuite, RandomSource } from '../provider.js';
import { concatBytes, utf8ToBytes } from '../../util/bytes.js';
import { generatorString } from './encoding.js';
import { constantTimeField } from './ct-field.js';

const Point = p521.Point;
/** The prime group order n. */
const ORDER = Point.Fn.ORDER;

/** G.DSI = b"CPace" || name of the encode_to_curve suite. */
const DSI = utf8ToBytes('CPaceP521_XMD:SHA-512_SSWU_NU_');
/** G.DST = G.DSI || b"_DST". */
const DST = concatBytes(DSI, utf8ToBytes('_DST'));
/** Field element and scalar size: ceil(521 / 8). */
const FIELD_BYTES = 66;
/** Uncompressed SEC1 point: 0x04 || x || y. */
const SHARE_LENGTH = 1 + 2 * FIELD_BYTES;
/** SHA-512 input block size H.s_in_bytes. */
const SHA512_S_IN_BYTES = 128;
/** Upper bound on rejection-sampling rounds; each round is rejected with probability < 2^-260. */
const MAX_SAMPLING_ROUNDS = 64;

/**
 * encode_to_curve for P521_XMD:SHA-512_SSWU_NU_ (RFC 9380 section 8.3) over `field`, built from
 * noble's own pieces: its simplified SWU map, hasher and suite parameters. Only the field differs
 * from `p521_hasher`. noble's SWU map is RFC 9380's straight-line code and its sqrt_ratio for
 * q = 3 (mod 4) is a power with a fixed exponent, but its last step (x = x / tv4) inverts with
 * `FpInvertBatch`, i.e. `Fp.inv`, the variable-time extended Euclidean algorithm, on a value that
 * depends on the password. {@link constantTimeField} swaps that for a Fermat inversion and runs
 * every power through the field's own multiplications. The result is a point with Z = 1, so
 * noble's `toAffine`/`toBytes` afterwards take their fast path and invert nothing.
 */
function hasherOver(field: IField<bigint>): H2CHasher<typeof Point> {
  const { a, b } = Point.CURVE();
  const F = constantTimeField(field);
  const map = mapToCurveSimpleSWU(F, { A: a, B: b, Z: F.neg(4n) });
  return createHasher(
    Point,
    (scalars: bigint[]) => {
      // hash_to_field with m = 1 (P-521's defaults) gives one element per point; none would mean a
      // noble that does not work as this was written for, not a generator to compute anyway.
      const [u] = scalars;
      if (u === undefined)
        throw new ActivationError('UNSUPPORTED', 'hash to curve gave no field element', { operation: 'cpace calculate generator' });
      return map(u);
    },
    p521_hasher.defaults,
  );
}

/** Built on first use (the SWU set-up costs a few square roots). */
let defaultHasher: H2CHasher<typeof Point> | undefined;

/**
 * G.calculate_generator with `field` as the field of the map; for tests, which pass an
 * instrumented field to count the operations. @internal
 */
export function calculateGeneratorWithField(field: IField<bigint>, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  return generatorOver(hasherOver(field), prs, ci, sid);
}

function generatorOver(hasher: H2CHasher<typeof Point>, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const genStr = generatorString(DSI, prs, ci, sid, SHA512_S_IN_BYTES);
  try {
    return hasher.encodeToCurve(genStr, { DST }).toBytes(false);
  } finally {
    genStr.fill(0);
  }
}

/**
 * G.calculate_generator(H, PRS, CI, sid) = encode_to_curve(generator_string(G.DSI, PRS, CI, sid,
 * H.s_in_bytes), G.DST), encoded as an uncompressed SEC1 point; constant-time as the draft asks
 * (see {@link hasherOver}).
 */
function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  defaultHasher ??= hasherOver(Point.Fp);
  return generatorOver(defaultHasher, prs, ci, sid);
}

/**
 * G.sample_scalar(): uniform in [1, n - 1] by rejection sampling (draft section "Sampling of
 * scalars"). 66 random bytes are masked to 521 bits and accepted when in range; the comparison is
 * done on the whole value without data-dependent early exits in our code (BigInt arithmetic
 * itself is not guaranteed constant time). Returns the 66-byte big-endian scalar.
 */
function sampleScalar(random: RandomSource): Uint8Array {
  for (let round = 0; round < MAX_SAMPLING_ROUNDS; round++) {
    const bytes = random(FIELD_BYTES);
    if (!(bytes instanceof Uint8Array) || bytes.length !== FIELD_BYTES) {
      throw new ActivationError('INVALID_ARGUMENT', 'random source returned the wrong number of bytes', {
        operation: 'cpace sample scalar',
        expected: FIELD_BYTES,
      });
    }
    const candidate = Uint8Array.from(bytes);
    // Keep 521 bits: 8 * 66 - 521 = 7 high bits cleared. Byte 0 exists (the length is checked above).
    candidate[0] = (candidate[0] ?? 0) & 0x01;
    const value = bytesToNumberBE(candidate);
    const accept = Number(value >= 1n) & Number(value < ORDER);
    if (accept === 1) return candidate;
    candidate.fill(0);
  }
  throw new ActivationError('INVALID_ARGUMENT', 'random source produced no usable scalar', {
    operation: 'cpace sample scalar',
    reason: 'random-source',
  });
}

/** Decodes a 66-byte big-endian scalar; throws when it is not in [1, n - 1]. */
function decodeScalar(scalar: Uint8Array): bigint {
  if (scalar.length !== FIELD_BYTES) throw new RangeError('scalar must be 66 bytes');
  const s = bytesToNumberBE(scalar);
  if (s < 1n || s >= ORDER) throw new RangeError('scalar out of range');
  return s;
}

/**
 * is_valid(X) as IEEE 1363 A.16.10: noble's `fromBytes` accepts only compressed (67 bytes) or
 * uncompressed (133 bytes) SEC1 encodings with coordinates below p, checks the curve equation and
 * rejects the point at infinity (it has no encoding; b"\x00" does not decode). Throws when invalid.
 */
function decodePoint(bytes: Uint8Array) {
  return Point.fromBytes(bytes);
}

/**
 * G.scalar_mult(s, X): the uncompressed SEC1 encoding of s*X. Invalid input is a caller bug and
 * throws INVALID_ARGUMENT.
 */
function scalarMult(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  return wrapErrors('INVALID_ARGUMENT', 'cpace scalar mult', () => decodePoint(point).multiply(decodeScalar(scalar)).toBytes(false));
}

/**
 * G.scalar_mult_vfy(s, X): verify X (is_valid), compute s*X with ECSVDP-DH and return its
 * x-coordinate as 66 big-endian bytes (FE2OSP). Returns `undefined` ("error", i.e. G.I) for an
 * invalid encoding, a point not on the curve, the point at infinity, an out-of-range scalar or an
 * identity result. Never throws.
 */
function scalarMultVfy(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined {
  try {
    const result = decodePoint(point).multiply(decodeScalar(scalar));
    if (result.is0()) return undefined;
    return numberToBytesBE(result.toAffine().x, FIELD_BYTES);
  } catch {
    return undefined;
  }
}

/** CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512. */
export const p521Suite: CPaceSuite = Object.freeze({
  id: 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512' as const,
  /** A fresh copy each time, so callers cannot alter the suite's constant. */
  get dsi(): Uint8Array {
    return DSI.slice();
  },
  shareLength: SHARE_LENGTH,
  hash: (message: Uint8Array): Uint8Array => sha512(message),
  calculateGenerator,
  sampleScalar,
  scalarMult,
  scalarMultVfy,
});
