/**
 * The WebCrypto provider trusts WebCrypto's Ed25519 "yes" and asks the noble provider about every
 * "no" (webcrypto-provider.ts, `verify`; src/crypto/ed25519-strict-key.ts). The two can differ on
 * a "no": with a mixed-order public key A' = aB + T (T of order 8; canonical and not of small
 * order, so WebCrypto is asked), a signature (R = rB, s = r + ka) holds in the cofactored equation
 * noble checks, [8]([s]B - R - [k]A') = [8](-[k]T) = 0, but not in the cofactorless one OpenSSL
 * and BoringSSL check when k is not a multiple of 8. WebCrypto says no, noble yes: the provider
 * must say yes, as the noble provider does. Written for issue 9: mutation survivors.
 */
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { nativeYesIsStrict } from '../../src/crypto/ed25519-strict-key.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { subtleOperations } from '../../src/crypto/webcrypto/subtle-operations.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { concatBytes } from '../../src/util/bytes.js';

const { Point } = ed25519;
const L = Point.Fn.ORDER;

const fromLe = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const toLe32 = (x: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));

/** A mixed-order key and a signature under it whose k is not a multiple of 8. */
function mixedOrderCase(message: Uint8Array): { publicKey: Uint8Array; signature: Uint8Array } {
  const { scalar, point } = ed25519.utils.getExtendedPublicKey(new Uint8Array(32).fill(7));
  const torsion = Point.fromHex(ED25519_TORSION_SUBGROUP[1]!); // of order 8
  const publicKey = point.add(torsion).toBytes();
  for (let r = 1234567n; ; r += 1234567n) {
    const R = Point.BASE.multiply(r).toBytes();
    const k = fromLe(sha512(concatBytes(R, publicKey, message))) % L;
    if (k % 8n !== 0n) return { publicKey, signature: concatBytes(R, toLe32((r + k * scalar) % L)) };
  }
}

describe('verify, where WebCrypto says no and noble yes', () => {
  it('a signature that holds only cofactored under a mixed-order key: true, as the noble provider says', async () => {
    const message = new Uint8Array([1, 2, 3]);
    const { publicKey, signature } = mixedOrderCase(message);
    // The case is what it should be: WebCrypto is asked (the key is canonical, not of small
    // order), says no, and noble says yes.
    expect(nativeYesIsStrict(publicKey)).toBe(true);
    expect(await subtleOperations(crypto.subtle).ed25519Verify(publicKey, message, signature)).toBe(false);
    expect(nobleProvider.verify(publicKey, message, signature)).toBe(true);

    const web = await createWebCryptoProvider();
    expect(web.native.has('Ed25519')).toBe(true);
    expect(await web.verify(publicKey, message, signature)).toBe(true);
  });
});
