/**
 * A provider looks its suites and ciphers up by string id only (noble-provider.ts, `byId`): the
 * ids are strings (CPaceSuiteId, TransportKeyAlgorithm), so a lookup with anything else, as a
 * decoded wire value may be, finds nothing and is UNSUPPORTED, even when an object given to
 * createNobleProvider carries that same non-string value as its id.
 */
import { describe, expect, it } from 'vitest';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { createNobleProvider } from '../../src/crypto/noble-provider.js';
import type { CPaceSuite, CPaceSuiteId, TransportCipher, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { expectCode } from '../support/errors.js';

/** Values that are not strings; each is also the id of one of the odd objects below. */
const NOT_STRINGS: readonly unknown[] = [256, 25519n, true, null, undefined, Symbol.for('AES-256-CBC'), ['AES-256-CBC'], {}];

const oddCiphers = NOT_STRINGS.map((id) => ({ ...aes256Cbc, id }) as unknown as TransportCipher);
const oddSuites = NOT_STRINGS.map((id) => ({ ...x25519Suite, id }) as unknown as CPaceSuite);
const provider = createNobleProvider({ suites: [x25519Suite, ...oddSuites], ciphers: [aes256Cbc, ...oddCiphers] });

describe('provider lookups take string ids only', () => {
  it('the string ids find their objects', () => {
    expect(provider.transportCipher('AES-256-CBC')).toBe(aes256Cbc);
    expect(provider.cpaceSuite('CPACE-X25519-SHA512')).toBe(x25519Suite);
  });

  it.each(NOT_STRINGS.map((id) => [id]))('transportCipher(%o) is UNSUPPORTED, though a cipher has that id', (id) => {
    const err = expectCode(() => provider.transportCipher(id as TransportKeyAlgorithm), 'UNSUPPORTED');
    expect(err.cause).toEqual({ operation: 'select transport cipher', field: 'algorithm' });
  });

  it.each(NOT_STRINGS.map((id) => [id]))('cpaceSuite(%o) is UNSUPPORTED, though a suite has that id', (id) => {
    const err = expectCode(() => provider.cpaceSuite(id as CPaceSuiteId), 'UNSUPPORTED');
    expect(err.cause).toEqual({ operation: 'select CPace suite', field: 'suite' });
  });
});
