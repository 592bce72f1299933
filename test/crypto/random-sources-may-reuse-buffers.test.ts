/**
 * What a random source hands out is the caller's to keep: a source that fills one buffer again on
 * every call (as a pooled source might) must not change or zero a key drawn before, and the CPace
 * suites' checked multiplication answers `undefined` for any argument, a missing one included
 * (it never throws, src/crypto/provider.ts).
 */
import { describe, expect, it } from 'vitest';
import { aes256Cbc, tdesEde2Cbc } from '../../src/crypto/index.js';
import { createNobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';

/** A source that returns the same buffer, refilled from a seeded stream, for every request of one length. */
function reusingRandom(seed: string): (length: number) => Uint8Array {
  const inner = seededRandom(seed);
  const buffers = new Map<number, Uint8Array>();
  return (length) => {
    const buffer = buffers.get(length) ?? new Uint8Array(length);
    buffers.set(length, buffer);
    buffer.set(inner(length));
    return buffer;
  };
}

describe('a random source that reuses its buffer', () => {
  const provider = createNobleProvider({ ciphers: [aes256Cbc, tdesEde2Cbc] });
  const ad = new TextEncoder().encode('frame header');
  const payload = new TextEncoder().encode('the transport key protects this');

  for (const [algorithm, cipher] of [
    ['AES-256-CBC', aes256Cbc],
    ['TDES-EDE2-CBC', tdesEde2Cbc],
  ] as const) {
    it(`${algorithm}: a key drawn from it stays the key, and a message sealed with it opens`, () => {
      const random = reusingRandom(algorithm);
      const key = cipher.generateKey(random);
      const copy = key.slice();
      random(key.length); // the source refills its buffer
      expect(key).toEqual(copy);
      const sealed = provider.sealMessage(algorithm, key, payload, ad, reusingRandom(`${algorithm}/seal`));
      expect(provider.openMessage(key, sealed, ad)).toEqual(payload);
    });
  }
});

describe('scalarMultVfy never throws', () => {
  for (const [suite, size] of [
    [x25519Suite, 32],
    [p521Suite, 66],
  ] as const) {
    it(`${suite.id}: a missing scalar or point is undefined, not an exception`, () => {
      const present = new Uint8Array(size).fill(7);
      for (const missing of [undefined, null]) {
        const absent = missing as unknown as Uint8Array;
        expect(suite.scalarMultVfy(absent, present)).toBeUndefined();
        expect(suite.scalarMultVfy(present, absent)).toBeUndefined();
      }
    });
  }
});
