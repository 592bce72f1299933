/**
 * The WebCrypto provider's known-answer probe (src/crypto/webcrypto/probe.ts): a feature runs
 * natively only when every part of its check gives the noble provider's answer. A runtime that
 * answers one HMAC hash wrongly, an AES-CBC that round-trips but is not AES-CBC, an Ed25519 or
 * X25519 with a wrong public key, signature, verification or shared secret, a runtime that lacks
 * a feature (older browsers have no Ed25519 or X25519), and one with no `crypto` at all: each
 * leaves the feature to noble, and the provider still answers as the noble provider does.
 * Written for issue 9: mutation survivors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { WEBCRYPTO_FEATURES, type WebCryptoFeature } from '../../src/crypto/webcrypto/probe.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { fromBase64Url, toBase64Url } from '../../src/util/base64url.js';
import { algorithmName, recordingSubtle, type Replacement } from '../support/subtle.js';

const random = seededRandom('webcrypto-probe');

/** `bytes` with the lowest bit of its first byte flipped. */
function flipped(bytes: ArrayBuffer | Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes).slice();
  out[0]! ^= 1;
  return out;
}

/** A JWK export whose public key `x` is wrong for keys on `curve`. */
const wrongPublicKey =
  (curve: string): Replacement =>
  async (real, ...args) => {
    const jwk = (await real(...args)) as JsonWebKey;
    return jwk.crv === curve && jwk.x !== undefined ? { ...jwk, x: toBase64Url(flipped(fromBase64Url(jwk.x)!)) } : jwk;
  };

/** A method whose answer for `algorithm` (its first argument) is altered. */
const wrongAnswer =
  (algorithm: string, alter: (answer: unknown) => unknown): Replacement =>
  async (real, ...args) => {
    const answer = await real(...args);
    return algorithmName(args[0]) === algorithm ? alter(answer) : answer;
  };

/** An importKey that has no `algorithm`, as a runtime without it rejects. */
const lacking =
  (algorithm: string): Replacement =>
  (real, ...args) =>
    algorithmName(args[2]) === algorithm ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError')) : real(...args);

const LIES: readonly (readonly [string, WebCryptoFeature, Readonly<Partial<Record<keyof SubtleCrypto, Replacement>>>])[] = [
  [
    'HMAC-SHA-256 computed with SHA-1',
    'HMAC',
    {
      importKey: (real, format, data, algorithm, ...rest) =>
        real(format, data, (algorithm as HmacImportParams).hash === 'SHA-256' ? { name: 'HMAC', hash: 'SHA-1' } : algorithm, ...rest),
    },
  ],
  [
    'HMAC-SHA-512 computed with SHA-384',
    'HMAC',
    {
      importKey: (real, format, data, algorithm, ...rest) =>
        real(format, data, (algorithm as HmacImportParams).hash === 'SHA-512' ? { name: 'HMAC', hash: 'SHA-384' } : algorithm, ...rest),
    },
  ],
  [
    'AES-CBC that ignores the IV both ways (it round-trips, but is not AES-CBC)',
    'AES-CBC',
    {
      encrypt: (real, algorithm, ...rest) => real({ ...(algorithm as AesCbcParams), iv: new Uint8Array(16) }, ...rest),
      decrypt: (real, algorithm, ...rest) => real({ ...(algorithm as AesCbcParams), iv: new Uint8Array(16) }, ...rest),
    },
  ],
  ['AES-CBC decryption that is wrong', 'AES-CBC', { decrypt: wrongAnswer('AES-CBC', (b) => flipped(b as ArrayBuffer)) }],
  ['an Ed25519 public key that is wrong', 'Ed25519', { exportKey: wrongPublicKey('Ed25519') }],
  ['an Ed25519 signature that is wrong', 'Ed25519', { sign: wrongAnswer('Ed25519', (b) => flipped(b as ArrayBuffer)) }],
  ['an Ed25519 verification that says no', 'Ed25519', { verify: wrongAnswer('Ed25519', () => false) }],
  ['an X25519 public key that is wrong', 'X25519', { exportKey: wrongPublicKey('X25519') }],
  ['an X25519 shared secret that is wrong', 'X25519', { deriveBits: wrongAnswer('X25519', (b) => flipped(b as ArrayBuffer)) }],
  ['no Ed25519 (importKey rejects it)', 'Ed25519', { importKey: lacking('Ed25519') }],
  ['no X25519 (importKey rejects it)', 'X25519', { importKey: lacking('X25519') }],
  [
    'an exported Ed25519 key with no public key in it',
    'Ed25519',
    {
      exportKey: async (real, ...args) => {
        const jwk = (await real(...args)) as JsonWebKey;
        return jwk.crv === 'Ed25519' ? { ...jwk, x: undefined } : jwk;
      },
    },
  ],
];

/** The provider's answers for every feature, next to the noble provider's. */
async function answersEqualNoble(web: Awaited<ReturnType<typeof createWebCryptoProvider>>): Promise<void> {
  const [key, seed, iv, msg] = [random(32), random(32), random(16), random(50)];
  const peer = nobleProvider.agreementKeyPair(random(32)).publicKey;
  expect(await web.sha256(msg)).toEqual(nobleProvider.sha256(msg));
  expect(await web.hmac('SHA-256', key, msg)).toEqual(nobleProvider.hmac('SHA-256', key, msg));
  expect(await web.hmac('SHA-512', key, msg)).toEqual(nobleProvider.hmac('SHA-512', key, msg));
  expect(await web.hkdf(key, iv, msg, 100)).toEqual(nobleProvider.hkdf(key, iv, msg, 100));
  const pair = await web.signingKeyPair(seed);
  expect(pair).toEqual(nobleProvider.signingKeyPair(seed));
  expect(await web.sign(seed, msg)).toEqual(nobleProvider.sign(seed, msg));
  expect(await web.verify(pair.publicKey, msg, nobleProvider.sign(seed, msg))).toBe(true);
  expect(await web.agreementKeyPair(seed)).toEqual(nobleProvider.agreementKeyPair(seed));
  expect(await web.agree(seed, peer)).toEqual(nobleProvider.agree(seed, peer));
  const suite = web.cpaceSuite('CPACE-X25519-SHA512');
  expect(await suite.scalarMult(seed, peer)).toEqual(x25519Suite.scalarMult(seed, peer));
  expect(await suite.scalarMultVfy(seed, peer)).toEqual(x25519Suite.scalarMultVfy(seed, peer));
  const cipher = web.transportCipher('AES-256-CBC');
  const sealed = await cipher.encryptCbc(key, iv, msg);
  expect(sealed).toEqual(nobleProvider.transportCipher('AES-256-CBC').encryptCbc(key, iv, msg));
  expect(await cipher.decryptCbc(key, iv, sealed)).toEqual(msg);
}

describe('the known-answer probe', () => {
  it.each(LIES.map(([name, feature, replace]) => [name, feature, replace] as const))(
    'a runtime with %s: %s runs on noble, every other feature natively, every answer the noble provider’s',
    async (_name, feature, replace) => {
      const web = await createWebCryptoProvider({ subtle: recordingSubtle(replace).subtle });
      expect([...web.native].sort()).toEqual(WEBCRYPTO_FEATURES.filter((f) => f !== feature).sort());
      await answersEqualNoble(web);
    },
  );

  it('a runtime without Ed25519 and X25519 (older browsers) runs both on noble', async () => {
    const replace: Replacement = (real, ...args) => {
      const name = algorithmName(args[2]);
      return name === 'Ed25519' || name === 'X25519'
        ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
        : real(...args);
    };
    const web = await createWebCryptoProvider({ subtle: recordingSubtle({ importKey: replace }).subtle });
    expect([...web.native].sort()).toEqual(['AES-CBC', 'HKDF', 'HMAC', 'SHA-256', 'SHA-512']);
    await answersEqualNoble(web);
  });
});

describe('a runtime with no crypto global', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is built all the same, with nothing native, and answers as the noble provider does', async () => {
    vi.stubGlobal('crypto', undefined);
    expect(globalThis.crypto).toBeUndefined();
    const web = await createWebCryptoProvider();
    expect(web.native.size).toBe(0);
    // (noble's own X25519 and Ed25519 key generation want crypto.getRandomValues for blinding.)
    const [key, iv, msg] = [random(32), random(16), random(50)];
    expect(await web.sha512(msg)).toEqual(nobleProvider.sha512(msg));
    expect(await web.hmac('SHA-256', key, msg)).toEqual(nobleProvider.hmac('SHA-256', key, msg));
    expect(await web.hkdf(key, iv, msg, 100)).toEqual(nobleProvider.hkdf(key, iv, msg, 100));
    expect(await web.transportCipher('AES-256-CBC').encryptCbc(key, iv, msg)).toEqual(aes256Cbc.encryptCbc(key, iv, msg));
  });
});
