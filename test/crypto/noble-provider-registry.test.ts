/**
 * `createNobleProvider` as the registry of CPace suites and transport ciphers (module comment of
 * src/crypto/noble-provider.ts, docs/handset.md, docs/bundle-size.md): the defaults are X25519
 * and AES-256, each list falls back to its default on its own, a provider knows only the objects
 * it was built with, and a lookup it cannot satisfy is UNSUPPORTED with a structured cause.
 *
 * Every provider here is built inside a test, not at module load, so that the defaults are
 * checked by the tests that use them.
 */
import { describe, expect, it } from 'vitest';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { createNobleProvider, nobleProvider } from '../../src/crypto/noble-provider.js';
import type { CPaceSuiteId, CryptoProvider, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

const X25519: CPaceSuiteId = 'CPACE-X25519-SHA512';
const P521: CPaceSuiteId = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';

function expectNoSuite(provider: CryptoProvider, id: string): void {
  const err = expectCode(() => provider.cpaceSuite(id as CPaceSuiteId), 'UNSUPPORTED');
  expect(err.cause).toEqual({ operation: 'select CPace suite', field: 'suite' });
  expect(err.message).toMatch(/CPace cipher suite/);
}

function expectNoCipher(provider: CryptoProvider, id: string): void {
  const err = expectCode(() => provider.transportCipher(id as TransportKeyAlgorithm), 'UNSUPPORTED');
  expect(err.cause).toEqual({ operation: 'select transport cipher', field: 'algorithm' });
  expect(err.message).toMatch(/transport key algorithm/);
}

describe('createNobleProvider defaults', () => {
  it('with no options has X25519 and AES-256 and nothing else', () => {
    for (const provider of [createNobleProvider(), createNobleProvider({})]) {
      expect(provider.cpaceSuite(X25519)).toBe(x25519Suite);
      expect(provider.transportCipher('AES-256-CBC')).toBe(aes256Cbc);
      expectNoSuite(provider, P521);
      expectNoCipher(provider, 'TDES-EDE2-CBC');
    }
  });

  it('given suites only, keeps the default cipher', () => {
    const provider = createNobleProvider({ suites: [p521Suite] });
    expect(provider.cpaceSuite(P521)).toBe(p521Suite);
    expectNoSuite(provider, X25519);
    expect(provider.transportCipher('AES-256-CBC')).toBe(aes256Cbc);
    expectNoCipher(provider, 'TDES-EDE2-CBC');
  });

  it('given ciphers only, keeps the default suite', () => {
    const provider = createNobleProvider({ ciphers: [tdesEde2Cbc] });
    expect(provider.transportCipher('TDES-EDE2-CBC')).toBe(tdesEde2Cbc);
    expectNoCipher(provider, 'AES-256-CBC');
    expect(provider.cpaceSuite(X25519)).toBe(x25519Suite);
    expectNoSuite(provider, P521);
  });

  it('builds a provider from explicit lists of one suite and one cipher', () => {
    const provider = createNobleProvider({ suites: [x25519Suite], ciphers: [aes256Cbc] });
    expect(provider.name).toBe('noble');
    expect(Object.isFrozen(provider)).toBe(true);
    expect(provider.cpaceSuite(X25519)).toBe(x25519Suite);
    expect(provider.transportCipher('AES-256-CBC')).toBe(aes256Cbc);
  });

  it('keeps its own copy of the lists it was given', () => {
    const suites = [x25519Suite];
    const ciphers = [aes256Cbc];
    const provider = createNobleProvider({ suites, ciphers });
    suites.push(p521Suite);
    ciphers.push(tdesEde2Cbc);
    expectNoSuite(provider, P521);
    expectNoCipher(provider, 'TDES-EDE2-CBC');
  });
});

describe('createNobleProvider refuses empty lists', () => {
  it.each([
    ['no suites', { suites: [] }],
    ['no ciphers', { ciphers: [] }],
    ['neither', { suites: [], ciphers: [] }],
  ])('%s is INVALID_ARGUMENT on field suites/ciphers', (_name, options) => {
    const err = expectCode(() => createNobleProvider(options), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'suites/ciphers' });
    expect(err.message).toMatch(/at least one suite and one cipher/);
  });
});

describe('lookups the provider cannot satisfy', () => {
  it('the default provider refuses P-521 and Triple DES unless built with them', () => {
    expectNoSuite(nobleProvider, P521);
    expectNoCipher(nobleProvider, 'TDES-EDE2-CBC');
    const key = new Uint8Array(16).fill(1);
    expectCode(
      () => nobleProvider.sealMessage('TDES-EDE2-CBC', key, utf8ToBytes('x'), new Uint8Array(0), seededRandom('registry')),
      'UNSUPPORTED',
    );
    const both = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
    expect(both.cpaceSuite(P521)).toBe(p521Suite);
    expect(both.transportCipher('TDES-EDE2-CBC')).toBe(tdesEde2Cbc);
  });

  it('an unknown, inherited or non-string id is UNSUPPORTED with the same cause', () => {
    const both = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
    for (const bad of ['CPACE-RISTR255-SHA512', 'cpace-x25519-sha512', 'toString', '__proto__', '', undefined, 1, null]) {
      expectNoSuite(both, bad as string);
    }
    for (const bad of ['DES-CBC', 'aes-256-cbc', 'constructor', '__proto__', '', undefined, 256, null]) {
      expectNoCipher(both, bad as string);
    }
  });

  it('seals and opens only with its own ciphers', () => {
    const random = seededRandom('registry seal');
    const tdesOnly = createNobleProvider({ ciphers: [tdesEde2Cbc] });
    const key = tdesEde2Cbc.generateKey(random);
    const sealed = tdesOnly.sealMessage('TDES-EDE2-CBC', key, utf8ToBytes('payload'), new Uint8Array(0), random);
    expect(tdesOnly.openMessage(key, sealed, new Uint8Array(0))).toEqual(utf8ToBytes('payload'));
    expectCode(() => tdesOnly.sealMessage('AES-256-CBC', new Uint8Array(32), utf8ToBytes('x'), new Uint8Array(0), random), 'UNSUPPORTED');
  });
});
