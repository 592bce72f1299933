/**
 * Raw 32-byte X25519 and Ed25519 keys as node:crypto KeyObjects, by the cheapest import path
 * Node 20 has. There is no raw import before Node 24 ('raw-private' and 'raw-public' formats), and
 * PKCS#8 or SPKI DER goes through OpenSSL's generic decoder, which tries every format it knows:
 * measured on this project's 2-core machine, importing a private key took about 580 us as DER and
 * about 50 us as a JWK, a public key 160 us as SPKI DER and 25 us as a JWK (docs/crypto-providers.md).
 * Node turns an OKP JWK straight into EVP_PKEY_new_raw_*_key, so the JWK is the raw path in
 * disguise.
 *
 * A private JWK carries only `d`: Node reads `x` as a string but builds the key from `d` alone
 * (OpenSSL derives the public half itself), so `x` is left empty instead of computing it here.
 *
 * Nothing is cached: a KeyObject is made for one operation and dropped, so no map keyed by (or
 * holding) a secret outlives the call. The JWK's base64url strings are immutable and cannot be
 * wiped; the noble provider's BigInts cannot either.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The two curves handled here, as JWK `crv` names. */
export type OkpCurve = 'X25519' | 'Ed25519';

/** base64url of `bytes` without copying them first (a Buffer view of the same memory). */
function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** A private KeyObject from a 32-byte secret (X25519 scalar or Ed25519 seed). Throws on a bad length. */
export function okpPrivateKey(curve: OkpCurve, secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: curve, d: base64url(secret), x: '' }, format: 'jwk' });
}

/** A public KeyObject from a 32-byte encoding (any 32 bytes for X25519; Ed25519 checks the point). */
export function okpPublicKey(curve: OkpCurve, publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: curve, x: base64url(publicKey) }, format: 'jwk' });
}

/** The 32-byte public key of a private KeyObject (exported as a JWK: the cheapest way out too). */
export function okpPublicBytes(privateKey: KeyObject): Uint8Array {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x ?? '', 'base64url'));
}

/** A Buffer's bytes as a plain Uint8Array of their own, the Buffer wiped (it may be a secret). */
export function ownBytes(buffer: Buffer): Uint8Array {
  const out = new Uint8Array(buffer);
  buffer.fill(0);
  return out;
}
