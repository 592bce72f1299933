/**
 * The two CPace suites with their group operations on OpenSSL where it has them, their generator
 * and scalar sampling in JavaScript (src/crypto/cpace/), where it does not: OpenSSL has neither
 * Elligator 2 nor RFC 9380 hash-to-curve, so `calculateGenerator` is the noble suite's own.
 *
 * - X25519: `scalarMult` and `scalarMultVfy` are X25519 on OpenSSL (native-x25519.ts); where
 *   OpenSSL refuses (a low-order u, all zeros), the noble suite answers, so the draft's G.I and
 *   its vectors come out byte for byte. H is SHA-512 on OpenSSL.
 * - P-521: `scalarMultVfy` is ECDH on OpenSSL (ECSVDP-DH gives the x-coordinate, which is what the
 *   draft asks for). `scalarMult` stays noble: it must return the whole point s*X, and OpenSSL's
 *   ECDH gives only x (the sign of y would cost a square root and a point addition in JavaScript).
 *   Only an uncompressed (0x04) or compressed (0x02, 0x03) encoding of the right length goes to
 *   OpenSSL, which would also take the hybrid form (0x06, 0x07) that noble refuses; anything else,
 *   and anything OpenSSL refuses (not on the curve, a scalar out of [1, n-1], the identity), is
 *   answered by noble.
 */
import { createECDH } from 'node:crypto';
import { ActivationError } from '../../errors/activation-error.js';
import { p521Suite } from '../../crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../crypto/cpace/x25519-suite.js';
import { isAllZero } from '../../crypto/provider-arguments.js';
import type { CPaceSuite } from '../../crypto/provider.js';
import { nativeDigest } from './native-hashes.js';
import { x25519 } from './native-x25519.js';

const X25519_LENGTH = 32;
const P521_SCALAR_LENGTH = 66;
const P521_UNCOMPRESSED_LENGTH = 133;
const P521_COMPRESSED_LENGTH = 67;

const sha512 = (message: Uint8Array): Uint8Array => nativeDigest('sha512', message);

/** G_X25519.scalar_mult_vfy on OpenSSL; noble's answer where OpenSSL refuses. Never throws. */
function x25519ScalarMultVfy(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined {
  try {
    if (scalar.length !== X25519_LENGTH || point.length !== X25519_LENGTH) return undefined;
    const k = x25519(scalar, point);
    if (k === undefined) return x25519Suite.scalarMultVfy(scalar, point);
    return isAllZero(k) ? undefined : k;
  } catch {
    return undefined;
  }
}

/** G_X25519.scalar_mult: X25519, with G.I (all zeros) for a low-order point, as the noble suite. */
function x25519ScalarMult(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  if (scalar.length !== X25519_LENGTH || point.length !== X25519_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', 'X25519 scalar and point must be 32 bytes', {
      operation: 'cpace scalar mult',
    });
  }
  return x25519ScalarMultVfy(scalar, point) ?? new Uint8Array(X25519_LENGTH);
}

/** CPACE-X25519-SHA512 with the ladder and H on OpenSSL. */
export const nativeX25519Suite: CPaceSuite = /* @__PURE__ */ Object.freeze({
  id: x25519Suite.id,
  /** A fresh copy each time, as the noble suite's. */
  get dsi(): Uint8Array {
    return x25519Suite.dsi;
  },
  shareLength: x25519Suite.shareLength,
  hash: sha512,
  calculateGenerator: x25519Suite.calculateGenerator,
  sampleScalar: x25519Suite.sampleScalar,
  scalarMult: x25519ScalarMult,
  scalarMultVfy: x25519ScalarMultVfy,
});

/** The encodings noble's P-521 decoder takes (SEC1 uncompressed or compressed), by their length and first byte. */
function isSec1Encoding(point: Uint8Array): boolean {
  const tag = point[0];
  return (
    (point.length === P521_UNCOMPRESSED_LENGTH && tag === 0x04) ||
    (point.length === P521_COMPRESSED_LENGTH && (tag === 0x02 || tag === 0x03))
  );
}

/** s*X's x-coordinate (66 bytes) by ECDH on OpenSSL, or `undefined` where OpenSSL refuses. */
function p521Ecdh(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined {
  try {
    const ecdh = createECDH('secp521r1');
    ecdh.setPrivateKey(scalar);
    const shared = ecdh.computeSecret(point);
    return shared.length === P521_SCALAR_LENGTH ? new Uint8Array(shared) : undefined;
  } catch {
    return undefined;
  }
}

/** G_NistP521.scalar_mult_vfy on OpenSSL; noble's answer for every input OpenSSL is not given or refuses. Never throws. */
function p521ScalarMultVfy(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined {
  try {
    const native = scalar.length === P521_SCALAR_LENGTH && isSec1Encoding(point) ? p521Ecdh(scalar, point) : undefined;
    return native ?? p521Suite.scalarMultVfy(scalar, point);
  } catch {
    return undefined;
  }
}

/** CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512 with scalar_mult_vfy and H on OpenSSL. */
export const nativeP521Suite: CPaceSuite = /* @__PURE__ */ Object.freeze({
  id: p521Suite.id,
  /** A fresh copy each time, as the noble suite's. */
  get dsi(): Uint8Array {
    return p521Suite.dsi;
  },
  shareLength: p521Suite.shareLength,
  hash: sha512,
  calculateGenerator: p521Suite.calculateGenerator,
  sampleScalar: p521Suite.sampleScalar,
  scalarMult: p521Suite.scalarMult,
  scalarMultVfy: p521ScalarMultVfy,
});
