/**
 * runWithAsyncProvider (src/crypto/replay-bridge.ts) keeps a journal of every answer the provider
 * gave (derived keys, key pairs, shared secrets) so that it can replay them; once the run is over,
 * whether it resolved or rejected, the journal's bytes are wiped. The step itself gets copies, so
 * what it returns keeps its real bytes; the buffers the provider answered with are zeros afterwards.
 *
 * Issue 9: mutation survivors (the `finally` block, its loop over the entries and `wipe` itself
 * could be emptied with no test noticing).
 */
import { describe, expect, it } from 'vitest';
import type { AsyncCryptoProvider } from '../../src/crypto/async-provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { KeyPair } from '../../src/crypto/provider.js';
import { runWithAsyncProvider } from '../../src/crypto/replay-bridge.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';

/**
 * The noble provider, except that `hkdf` answers a microtask later and `agreementKeyPair` answers
 * at once; both keep what they answered, so the test can look at it after the run.
 */
function keepingProvider(): { provider: AsyncCryptoProvider; answered: { derived: Uint8Array[]; pairs: KeyPair[] } } {
  const answered = { derived: [] as Uint8Array[], pairs: [] as KeyPair[] };
  const provider: AsyncCryptoProvider = {
    ...nobleProvider,
    asynchronous: true,
    hkdf: (ikm, salt, info, length) => {
      const derived = nobleProvider.hkdf(ikm, salt, info, length);
      answered.derived.push(derived);
      return Promise.resolve(derived);
    },
    agreementKeyPair: (seed) => {
      const pair = nobleProvider.agreementKeyPair(seed);
      answered.pairs.push(pair);
      return pair;
    },
  };
  return { provider, answered };
}

const ikm = new Uint8Array(32).fill(0x42);
const seed = new Uint8Array(32).fill(0x17);
const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

describe('runWithAsyncProvider wipes its journal', () => {
  it("zeroes the provider's answers once the run resolves, while the step keeps its own copies", async () => {
    const { provider, answered } = keepingProvider();
    const expected = {
      secret: nobleProvider.hkdf(ikm, new Uint8Array(0), new Uint8Array(0), 32),
      pair: nobleProvider.agreementKeyPair(seed),
    };
    const result = await runWithAsyncProvider(provider, seededRandom('wipe'), (p) => ({
      secret: p.hkdf(ikm, new Uint8Array(0), new Uint8Array(0), 32),
      pair: p.agreementKeyPair(seed),
    }));
    expect(result).toEqual(expected);
    expect(isZero(expected.secret)).toBe(false);
    // hkdf answered later (asked once: the second pass replayed it); the key pair at once.
    expect(answered.derived).toHaveLength(1);
    expect(answered.pairs).toHaveLength(1);
    expect(answered.derived.every(isZero)).toBe(true);
    expect(answered.pairs.every((pair) => isZero(pair.secretKey) && isZero(pair.publicKey))).toBe(true);
  });

  it("zeroes the provider's answers when the step fails after using them", async () => {
    const { provider, answered } = keepingProvider();
    const failure = new ActivationError('PROTOCOL_ERROR', 'the step refuses what it derived');
    const run = runWithAsyncProvider(provider, seededRandom('wipe'), (p) => {
      p.hkdf(ikm, new Uint8Array(0), new Uint8Array(0), 32);
      throw failure;
    });
    await expect(run).rejects.toBe(failure);
    expect(answered.derived).toHaveLength(1);
    expect(isZero(answered.derived[0]!)).toBe(true);
  });
});
