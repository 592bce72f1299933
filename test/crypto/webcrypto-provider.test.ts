/**
 * The WebCrypto provider (src/crypto/webcrypto/): which operations it runs natively, and that
 * each answers as the noble provider does, byte for byte and error code for error code, including
 * where WebCrypto itself would refuse (all-zero X25519, bad CBC padding, an empty HMAC key) and
 * where it might be lenient (non-canonical Ed25519 signatures). The byte-for-byte run of a whole
 * activation on it is in replay-bridge.test.ts; in Chromium, test/browser.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { WEBCRYPTO_FEATURES } from '../../src/crypto/webcrypto/probe.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';

const bytes = (min = 0, max = 200) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('createWebCryptoProvider', () => {
  it("runs every feature natively on Node's WebCrypto (Node >= 20 has Ed25519 and X25519)", async () => {
    const provider = await createWebCryptoProvider();
    expect([...provider.native].sort()).toEqual([...WEBCRYPTO_FEATURES].sort());
    expect(provider.name).toBe('webcrypto');
  });

  it('leaves to noble a feature whose known answer is wrong', async () => {
    const subtle = globalThis.crypto.subtle;
    // A SubtleCrypto whose SHA-256 is wrong (SHA-1 in its place): the probe must not trust it.
    const lying = new Proxy(subtle, {
      get(target, name) {
        if (name === 'digest') return (alg: string, data: BufferSource) => target.digest(alg === 'SHA-256' ? 'SHA-1' : alg, data);
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const provider = await createWebCryptoProvider({ subtle: lying });
    expect(provider.native.has('SHA-256')).toBe(false);
    expect(provider.native.has('SHA-512')).toBe(true);
    expect(await provider.sha256(new Uint8Array([1, 2]))).toEqual(nobleProvider.sha256(new Uint8Array([1, 2])));
  });

  it('answers each operation as the noble provider does, byte for byte', async () => {
    const web = await createWebCryptoProvider();
    await fc.assert(
      fc.asyncProperty(bytes(), key32, key32, bytes(1, 64), fc.integer({ min: 1, max: 300 }), async (m, a, b, salt, length) => {
        expect(await web.sha256(m)).toEqual(nobleProvider.sha256(m));
        expect(await web.sha512(m)).toEqual(nobleProvider.sha512(m));
        expect(await web.hmac('SHA-256', a, m)).toEqual(nobleProvider.hmac('SHA-256', a, m));
        expect(await web.hmac('SHA-512', salt, m)).toEqual(nobleProvider.hmac('SHA-512', salt, m));
        expect(await web.hkdf(a, salt, m, length)).toEqual(nobleProvider.hkdf(a, salt, m, length));
        const pair = await web.signingKeyPair(a);
        expect(pair).toEqual(nobleProvider.signingKeyPair(a));
        const signature = await web.sign(a, m);
        expect(signature).toEqual(nobleProvider.sign(a, m));
        expect(await web.verify(pair.publicKey, m, signature)).toBe(true);
        const agreement = await web.agreementKeyPair(b);
        expect(agreement).toEqual(nobleProvider.agreementKeyPair(b));
        expect(await web.agree(a, agreement.publicKey)).toEqual(nobleProvider.agree(a, agreement.publicKey));
        const iv = salt.length >= 16 ? salt.subarray(0, 16) : new Uint8Array(16);
        const sealed = await web.transportCipher('AES-256-CBC').encryptCbc(a, iv, m);
        expect(sealed).toEqual(aes256Cbc.encryptCbc(a, iv, m));
        expect(await web.transportCipher('AES-256-CBC').decryptCbc(a, iv, sealed)).toEqual(m);
        const suite = web.cpaceSuite('CPACE-X25519-SHA512');
        expect(await suite.scalarMult(a, agreement.publicKey)).toEqual(x25519Suite.scalarMult(a, agreement.publicKey));
        expect(await suite.scalarMultVfy(b, pair.publicKey)).toEqual(x25519Suite.scalarMultVfy(b, pair.publicKey));
      }),
      { numRuns: 25 },
    );
  });

  it('gives the documented answers where WebCrypto itself refuses', async () => {
    const web = await createWebCryptoProvider();
    const low = new Uint8Array(32); // u = 0: a low-order point
    await expect(Promise.resolve().then(() => web.agree(new Uint8Array(32).fill(9), low))).rejects.toMatchObject({
      code: 'PROTOCOL_ERROR',
    });
    expect(await web.cpaceSuite('CPACE-X25519-SHA512').scalarMultVfy(new Uint8Array(32).fill(9), low)).toBeUndefined();
    const cipher = web.transportCipher('AES-256-CBC');
    await expect(
      Promise.resolve().then(() => cipher.decryptCbc(new Uint8Array(32), new Uint8Array(16), new Uint8Array(32))),
    ).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    expect(await web.hmac('SHA-256', new Uint8Array(0), new Uint8Array(3))).toEqual(
      nobleProvider.hmac('SHA-256', new Uint8Array(0), new Uint8Array(3)),
    );
    await expect(Promise.resolve().then(() => web.hkdf(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 0))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(Promise.resolve().then(() => web.sign(new Uint8Array(31), new Uint8Array(1)))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('verifies as strictly as the noble provider: S >= L and non-canonical encodings are refused', async () => {
    const web = await createWebCryptoProvider();
    const pair = nobleProvider.signingKeyPair(new Uint8Array(32).fill(4));
    const message = new Uint8Array([1, 2, 3]);
    const signature = nobleProvider.sign(pair.secretKey, message);
    // S + L: the same point equation, an encoding RFC 8032 section 5.1.7 refuses.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
    s += L;
    const malleable = signature.slice();
    for (let i = 32; i < 64; i++, s >>= 8n) malleable[i] = Number(s & 0xffn);
    expect(nobleProvider.verify(pair.publicKey, message, malleable)).toBe(false);
    expect(await web.verify(pair.publicKey, message, malleable)).toBe(false);
    expect(await web.verify(pair.publicKey, message, signature)).toBe(true);
    expect(await web.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(
      nobleProvider.verify(new Uint8Array(32).fill(0xff), message, signature),
    );
  });

  it('keeps the suites and ciphers it was given: Triple DES and P-521 only when asked for, on noble', async () => {
    const web = await createWebCryptoProvider();
    expect(() => web.transportCipher('TDES-EDE2-CBC')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    expect(() => web.cpaceSuite('CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});
