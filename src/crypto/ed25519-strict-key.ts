/**
 * When a native Ed25519 "yes" is the noble provider's "yes". noble (with `zip215: false`, as the
 * noble provider calls it) refuses a non-canonical or small-order public key and checks the
 * cofactored equation; OpenSSL and BoringSSL (node:crypto, WebCrypto) take any public key that
 * decodes and check the cofactorless one, encode([s]B - [k]A) == R. Their "yes" is noble's once
 * the public key is canonical (y < p) and not of small order: then R is the canonical encoding of
 * [s]B - [k]A, s < L (both libraries check it), and the cofactored equation holds too. So a native
 * provider trusts its library's "yes" for such a key, and asks noble about everything else.
 * Shared by the node:crypto and WebCrypto providers.
 */
import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { hexToBytes } from '../util/bytes.js';

/** The y coordinates (little-endian, sign bit cleared) of the eight points of small order. */
const SMALL_ORDER_Y: readonly Uint8Array[] = /* @__PURE__ */ ED25519_TORSION_SUBGROUP.map((h) => {
  const y = hexToBytes(h);
  y[31] = (y[31] ?? 0) & 0x7f;
  return y;
});

/** p = 2^255 - 19, little-endian: the first y that is not canonical. */
const P_LE = /* @__PURE__ */ hexToBytes('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

/** y (sign bit cleared) < p, compared from the most significant byte down; public data, so a plain loop. */
function yIsCanonical(y: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = y[i] ?? 0;
    const b = P_LE[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** True when a native library's "yes" for this 32-byte public key is noble's strict "yes". */
export function nativeYesIsStrict(publicKey: Uint8Array): boolean {
  const y = publicKey.slice();
  y[31] = (y[31] ?? 0) & 0x7f;
  return yIsCanonical(y) && !SMALL_ORDER_Y.some((t) => sameBytes(t, y));
}
