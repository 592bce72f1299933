/**
 * The WebCrypto provider's argument checks (src/crypto/webcrypto/webcrypto-provider.ts): an
 * argument the noble provider refuses (or that WebCrypto would refuse to import, as an empty HMAC
 * key) never reaches `crypto.subtle`; the noble provider answers it, with the same value or the
 * same ActivationError code, message and `cause`. An argument the noble provider takes runs on
 * `crypto.subtle`, at the bounds too (HKDF lengths 1 and 16320). subtle-operations.ts checks
 * nothing itself, so these checks are all that stands between a caller's bytes and WebCrypto,
 * and a lenient WebCrypto would otherwise answer what the noble provider refuses (a plain array
 * of numbers is turned into bytes by WebCrypto). Written for issue 9: mutation survivors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { createWebCryptoProvider, type WebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { concatBytes } from '../../src/util/bytes.js';
import { recordingSubtle, type RecordingSubtle } from '../support/subtle.js';

const random = seededRandom('webcrypto-provider-arguments');
const KEY = random(32);
const SEED = random(32);
const IV = random(16);
const MSG = random(40);
const EMPTY = new Uint8Array(0);
const PAIR = nobleProvider.signingKeyPair(SEED);
const SIG = nobleProvider.sign(SEED, MSG);
const PEER = nobleProvider.agreementKeyPair(random(32)).publicKey;
const SEALED = aes256Cbc.encryptCbc(KEY, IV, MSG);
const X25519 = 'CPACE-X25519-SHA512';

/** A Uint8Array's bytes as a plain array of numbers (not bytes to the noble provider). */
const plain = (b: Uint8Array): Uint8Array => Array.from(b) as unknown as Uint8Array;
const short = (b: Uint8Array): Uint8Array => b.subarray(0, b.length - 1);
const long = (b: Uint8Array): Uint8Array => concatBytes(b, Uint8Array.of(1));

/** How a call came out: its value, or what it threw or rejected with (as code, message, cause). */
async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    return { value: await fn() };
  } catch (err) {
    if (!(err instanceof ActivationError)) return { thrown: err };
    return { code: err.code, message: err.message, cause: err.cause };
  }
}

interface Case {
  readonly name: string;
  readonly web: (p: WebCryptoProvider) => unknown;
  readonly noble: () => unknown;
}

/** Calls the noble provider refuses, or answers without WebCrypto; each the same on both. */
const REFUSED: readonly Case[] = [
  { name: 'hmac, an empty key', web: (p) => p.hmac('SHA-256', EMPTY, MSG), noble: () => nobleProvider.hmac('SHA-256', EMPTY, MSG) },
  {
    name: 'hmac, a hash other than SHA-256 and SHA-512',
    web: (p) => p.hmac('SHA-1' as 'SHA-256', KEY, MSG),
    noble: () => nobleProvider.hmac('SHA-1' as 'SHA-256', KEY, MSG),
  },
  {
    name: 'hmac, a key that is an array',
    web: (p) => p.hmac('SHA-512', plain(KEY), MSG),
    noble: () => nobleProvider.hmac('SHA-512', plain(KEY), MSG),
  },
  {
    name: 'hmac, a message that is an array',
    web: (p) => p.hmac('SHA-512', KEY, plain(MSG)),
    noble: () => nobleProvider.hmac('SHA-512', KEY, plain(MSG)),
  },
  ...[0, -1, 1.5, 16321, Number.NaN].map((length) => ({
    name: `hkdf, length ${length}`,
    web: (p: WebCryptoProvider) => p.hkdf(KEY, IV, MSG, length),
    noble: () => nobleProvider.hkdf(KEY, IV, MSG, length),
  })),
  {
    name: 'hkdf, ikm that is an array',
    web: (p) => p.hkdf(plain(KEY), IV, MSG, 32),
    noble: () => nobleProvider.hkdf(plain(KEY), IV, MSG, 32),
  },
  {
    name: 'hkdf, salt that is an array',
    web: (p) => p.hkdf(KEY, plain(IV), MSG, 32),
    noble: () => nobleProvider.hkdf(KEY, plain(IV), MSG, 32),
  },
  {
    name: 'hkdf, info that is an array',
    web: (p) => p.hkdf(KEY, IV, plain(MSG), 32),
    noble: () => nobleProvider.hkdf(KEY, IV, plain(MSG), 32),
  },
  ...[short(SEED), long(SEED), plain(SEED)].flatMap((seed, i): Case[] => [
    { name: `signingKeyPair, seed #${i}`, web: (p) => p.signingKeyPair(seed), noble: () => nobleProvider.signingKeyPair(seed) },
    { name: `sign, secret key #${i}`, web: (p) => p.sign(seed, MSG), noble: () => nobleProvider.sign(seed, MSG) },
    { name: `agreementKeyPair, seed #${i}`, web: (p) => p.agreementKeyPair(seed), noble: () => nobleProvider.agreementKeyPair(seed) },
    { name: `agree, secret key #${i}`, web: (p) => p.agree(seed, PEER), noble: () => nobleProvider.agree(seed, PEER) },
  ]),
  { name: 'sign, a message that is an array', web: (p) => p.sign(SEED, plain(MSG)), noble: () => nobleProvider.sign(SEED, plain(MSG)) },
  ...[short(PEER), long(PEER), plain(PEER)].map((pk, i): Case => ({
    name: `agree, public key #${i}`,
    web: (p) => p.agree(SEED, pk),
    noble: () => nobleProvider.agree(SEED, pk),
  })),
  ...[short(PAIR.publicKey), long(PAIR.publicKey), plain(PAIR.publicKey)].map((pk, i): Case => ({
    name: `verify, public key #${i}`,
    web: (p) => p.verify(pk, MSG, SIG),
    noble: () => nobleProvider.verify(pk, MSG, SIG),
  })),
  {
    name: 'verify, a message that is an array',
    web: (p) => p.verify(PAIR.publicKey, plain(MSG), SIG),
    noble: () => nobleProvider.verify(PAIR.publicKey, plain(MSG), SIG),
  },
  ...[short(SIG), long(SIG), plain(SIG)].map((sig, i): Case => ({
    name: `verify, signature #${i}`,
    web: (p) => p.verify(PAIR.publicKey, MSG, sig),
    noble: () => nobleProvider.verify(PAIR.publicKey, MSG, sig),
  })),
  ...[short(SEED), long(SEED), plain(SEED)].flatMap((y, i): Case[] => [
    {
      name: `suite scalarMult, scalar #${i}`,
      web: (p) => p.cpaceSuite(X25519).scalarMult(y, PEER),
      noble: () => x25519Suite.scalarMult(y, PEER),
    },
    {
      name: `suite scalarMultVfy, scalar #${i}`,
      web: (p) => p.cpaceSuite(X25519).scalarMultVfy(y, PEER),
      noble: () => x25519Suite.scalarMultVfy(y, PEER),
    },
  ]),
  ...[short(PEER), long(PEER), plain(PEER)].flatMap((u, i): Case[] => [
    {
      name: `suite scalarMult, point #${i}`,
      web: (p) => p.cpaceSuite(X25519).scalarMult(SEED, u),
      noble: () => x25519Suite.scalarMult(SEED, u),
    },
    {
      name: `suite scalarMultVfy, point #${i}`,
      web: (p) => p.cpaceSuite(X25519).scalarMultVfy(SEED, u),
      noble: () => x25519Suite.scalarMultVfy(SEED, u),
    },
  ]),
  ...[short(KEY), long(KEY), plain(KEY)].map((key, i): Case => ({
    name: `AES-256-CBC encrypt, key #${i}`,
    web: (p) => p.transportCipher('AES-256-CBC').encryptCbc(key, IV, MSG),
    noble: () => aes256Cbc.encryptCbc(key, IV, MSG),
  })),
  ...[short(IV), long(IV), plain(IV)].map((iv, i): Case => ({
    name: `AES-256-CBC encrypt, IV #${i}`,
    web: (p) => p.transportCipher('AES-256-CBC').encryptCbc(KEY, iv, MSG),
    noble: () => aes256Cbc.encryptCbc(KEY, iv, MSG),
  })),
  {
    name: 'AES-256-CBC encrypt, a plaintext that is an array',
    web: (p) => p.transportCipher('AES-256-CBC').encryptCbc(KEY, IV, plain(MSG)),
    noble: () => aes256Cbc.encryptCbc(KEY, IV, plain(MSG)),
  },
];

/** Calls the noble provider takes: each runs on crypto.subtle and gives the noble provider's answer. */
const NATIVE: readonly Case[] = [
  { name: 'sha256', web: (p) => p.sha256(MSG), noble: () => nobleProvider.sha256(MSG) },
  { name: 'sha512', web: (p) => p.sha512(MSG), noble: () => nobleProvider.sha512(MSG) },
  {
    name: 'hmac SHA-256, a one-byte key',
    web: (p) => p.hmac('SHA-256', KEY.subarray(0, 1), MSG),
    noble: () => nobleProvider.hmac('SHA-256', KEY.subarray(0, 1), MSG),
  },
  { name: 'hmac SHA-512', web: (p) => p.hmac('SHA-512', KEY, MSG), noble: () => nobleProvider.hmac('SHA-512', KEY, MSG) },
  ...[1, 32, 16320].map((length): Case => ({
    name: `hkdf, length ${length}`,
    web: (p) => p.hkdf(KEY, IV, MSG, length),
    noble: () => nobleProvider.hkdf(KEY, IV, MSG, length),
  })),
  { name: 'signingKeyPair', web: (p) => p.signingKeyPair(SEED), noble: () => nobleProvider.signingKeyPair(SEED) },
  { name: 'sign', web: (p) => p.sign(SEED, MSG), noble: () => nobleProvider.sign(SEED, MSG) },
  { name: 'verify', web: (p) => p.verify(PAIR.publicKey, MSG, SIG), noble: () => nobleProvider.verify(PAIR.publicKey, MSG, SIG) },
  { name: 'agreementKeyPair', web: (p) => p.agreementKeyPair(SEED), noble: () => nobleProvider.agreementKeyPair(SEED) },
  { name: 'agree', web: (p) => p.agree(SEED, PEER), noble: () => nobleProvider.agree(SEED, PEER) },
  { name: 'suite hash', web: (p) => p.cpaceSuite(X25519).hash(MSG), noble: () => x25519Suite.hash(MSG) },
  { name: 'suite scalarMult', web: (p) => p.cpaceSuite(X25519).scalarMult(SEED, PEER), noble: () => x25519Suite.scalarMult(SEED, PEER) },
  {
    name: 'suite scalarMultVfy',
    web: (p) => p.cpaceSuite(X25519).scalarMultVfy(SEED, PEER),
    noble: () => x25519Suite.scalarMultVfy(SEED, PEER),
  },
  {
    name: 'AES-256-CBC encrypt',
    web: (p) => p.transportCipher('AES-256-CBC').encryptCbc(KEY, IV, MSG),
    noble: () => aes256Cbc.encryptCbc(KEY, IV, MSG),
  },
  {
    name: 'AES-256-CBC decrypt',
    web: (p) => p.transportCipher('AES-256-CBC').decryptCbc(KEY, IV, SEALED),
    noble: () => aes256Cbc.decryptCbc(KEY, IV, SEALED),
  },
];

let recording: RecordingSubtle;
let web: WebCryptoProvider;

beforeAll(async () => {
  recording = recordingSubtle();
  web = await createWebCryptoProvider({ subtle: recording.subtle });
  expect(web.native.size).toBe(7);
});

describe('an argument the noble provider refuses', () => {
  it.each(REFUSED.map((c) => [c.name, c] as const))('%s: answered as the noble provider does, without crypto.subtle', async (_name, c) => {
    recording.clear();
    const expected = await outcome(c.noble);
    expect(await outcome(() => c.web(web))).toEqual(expected);
    expect(recording.calls).toEqual([]);
  });

  it('the refusals are the noble provider’s ActivationErrors, code and cause', async () => {
    expect(await outcome(() => web.sign(short(SEED), MSG))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'secretKey must be 32 bytes',
      cause: { operation: 'sign', field: 'secretKey' },
    });
    expect(await outcome(() => web.hkdf(KEY, IV, MSG, 16321))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      cause: { operation: 'hkdf', field: 'length' },
    });
    expect(await outcome(() => web.hmac('SHA-1' as 'SHA-256', KEY, MSG))).toMatchObject({
      code: 'UNSUPPORTED',
      cause: { operation: 'hmac', field: 'hash' },
    });
  });
});

describe('an argument the noble provider takes', () => {
  it.each(NATIVE.map((c) => [c.name, c] as const))('%s: runs on crypto.subtle and gives the noble provider’s answer', async (_name, c) => {
    recording.clear();
    expect(await outcome(() => c.web(web))).toEqual(await outcome(c.noble));
    expect(recording.calls.length).toBeGreaterThan(0);
  });
});

describe('key pairs made natively keep their own copy of the seed', () => {
  it.each([
    ['signingKeyPair', (p: WebCryptoProvider, seed: Uint8Array) => p.signingKeyPair(seed)],
    ['agreementKeyPair', (p: WebCryptoProvider, seed: Uint8Array) => p.agreementKeyPair(seed)],
  ])('%s: wiping the caller’s seed leaves the secret key intact', async (_name, make) => {
    const seed = random(32);
    const original = seed.slice();
    recording.clear();
    const pair = await make(web, seed);
    expect(recording.calls.length).toBeGreaterThan(0);
    seed.fill(0);
    expect(pair.secretKey).toEqual(original);
  });
});
