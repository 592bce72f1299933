/**
 * What src/crypto/webcrypto/subtle-operations.ts hands to WebCrypto and takes back: the PKCS #8
 * copy a raw Ed25519 or X25519 secret key travels in is wiped once imported (the caller's key is
 * not touched); keys imported from raw bytes (HMAC and AES keys, Ed25519 and X25519 public keys)
 * are not extractable, as none needs to leave WebCrypto again; and a public key exported with no
 * `x`, or not 32 bytes, is refused rather than returned. Written for issue 9: mutation survivors.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { subtleOperations } from '../../src/crypto/webcrypto/subtle-operations.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { fromBase64Url, toBase64Url } from '../../src/util/base64url.js';
import { recordingSubtle, type Replacement } from '../support/subtle.js';

const random = seededRandom('webcrypto-subtle-operations');

describe('secret keys imported as PKCS #8', () => {
  it('the PKCS #8 copy is wiped after the import, and the caller’s key is left as it was', async () => {
    const recording = recordingSubtle();
    const web = await createWebCryptoProvider({ subtle: recording.subtle });
    const seed = random(32);
    const original = seed.slice();
    const peer = nobleProvider.agreementKeyPair(random(32)).publicKey;
    recording.clear();
    await web.signingKeyPair(seed);
    await web.sign(seed, random(10));
    await web.agreementKeyPair(seed);
    await web.agree(seed, peer);
    const pkcs8 = recording.imports.filter((r) => r.format === 'pkcs8').map((r) => r.data);
    expect(pkcs8).toHaveLength(4);
    for (const der of pkcs8) expect(der).toEqual(new Uint8Array(48));
    expect(seed).toEqual(original);
  });
});

describe('secret keys used, not exported', () => {
  it('the Ed25519 key that signs and the X25519 key that agrees are imported not extractable', async () => {
    const recording = recordingSubtle();
    const web = await createWebCryptoProvider({ subtle: recording.subtle });
    const seed = random(32);
    const peer = nobleProvider.agreementKeyPair(random(32)).publicKey;
    recording.clear();
    await web.sign(seed, random(10));
    await web.agree(seed, peer);
    const secret = recording.imports.filter((r) => r.format === 'pkcs8');
    expect(secret.map((r) => r.key?.algorithm.name)).toEqual(['Ed25519', 'X25519']);
    for (const r of secret) expect(r.key?.extractable, r.key?.algorithm.name).toBe(false);
  });
});

describe('keys imported from raw bytes', () => {
  it('are not extractable: HMAC, HKDF and AES keys, Ed25519 and X25519 public keys', async () => {
    const recording = recordingSubtle();
    const web = await createWebCryptoProvider({ subtle: recording.subtle });
    const [key, iv, msg, seed] = [random(32), random(16), random(20), random(32)];
    const pair = nobleProvider.signingKeyPair(seed);
    recording.clear();
    await web.hmac('SHA-256', key, msg);
    await web.hkdf(key, iv, msg, 32);
    expect(await web.verify(pair.publicKey, msg, nobleProvider.sign(seed, msg))).toBe(true);
    await web.agree(seed, nobleProvider.agreementKeyPair(random(32)).publicKey);
    const cipher = web.transportCipher('AES-256-CBC');
    await cipher.decryptCbc(key, iv, await cipher.encryptCbc(key, iv, msg));
    const raw = recording.imports.filter((r) => r.format === 'raw');
    expect(raw.map((r) => r.key?.algorithm.name).sort()).toEqual(['AES-CBC', 'AES-CBC', 'Ed25519', 'HKDF', 'HMAC', 'X25519']);
    for (const r of raw) expect(r.key?.extractable, r.key?.algorithm.name).toBe(false);
  });
});

describe('an exported public key', () => {
  /** An exportKey whose JWK `x` is changed by `alter`. */
  const exportingX =
    (alter: (x: Uint8Array) => string | undefined): Replacement =>
    async (real, ...args) => {
      const jwk = (await real(...args)) as JsonWebKey;
      return { ...jwk, x: alter(fromBase64Url(jwk.x ?? '') ?? new Uint8Array(0)) };
    };

  it.each([
    ['missing', () => undefined],
    ['31 bytes', (x: Uint8Array) => toBase64Url(x.subarray(0, 31))],
    ['33 bytes', (x: Uint8Array) => toBase64Url(Uint8Array.of(...x, 0))],
    ['not base64url', () => '!'.repeat(43)],
  ])('%s: ed25519PublicKey and x25519PublicKey reject, naming the problem', async (_name, alter) => {
    const ops = subtleOperations(recordingSubtle({ exportKey: exportingX(alter) }).subtle);
    const seed = random(32);
    await expect(ops.ed25519PublicKey(seed)).rejects.toThrow('WebCrypto exported no 32-byte public key');
    await expect(ops.x25519PublicKey(seed)).rejects.toThrow('WebCrypto exported no 32-byte public key');
  });

  it('of 32 bytes is the public key', async () => {
    const ops = subtleOperations(recordingSubtle({ exportKey: exportingX((x) => toBase64Url(x)) }).subtle);
    const seed = random(32);
    expect(await ops.ed25519PublicKey(seed)).toEqual(nobleProvider.signingKeyPair(seed).publicKey);
    expect(await ops.x25519PublicKey(seed)).toEqual(nobleProvider.agreementKeyPair(seed).publicKey);
  });
});
