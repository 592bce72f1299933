/**
 * The synchronous stand-in provider a step runs with under runWithAsyncProvider
 * (src/crypto/replay-bridge.ts): it answers repeated lookups of a suite or a cipher with the same
 * object, as a provider's registry does (the noble provider hands out one object per id); and the
 * throw that ends a pass waiting for an operation is a `PendingOperation` error ("a crypto
 * operation is pending"), not an ActivationError, so that a step (or its log) that catches
 * everything can tell it from a real failure.
 *
 * Issue 9: mutation survivors (the lookup caches, and the pass-ending error's name and message,
 * which only a step that catches it can see).
 */
import { describe, expect, it } from 'vitest';
import type { AsyncCryptoProvider } from '../../src/crypto/async-provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { runWithAsyncProvider } from '../../src/crypto/replay-bridge.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';

const X25519: CPaceSuiteId = 'CPACE-X25519-SHA512';
const AES: TransportKeyAlgorithm = 'AES-256-CBC';

/** The noble provider with `sha256` answering a microtask later. */
const laterSha256: AsyncCryptoProvider = {
  ...nobleProvider,
  asynchronous: true,
  sha256: (message) => Promise.resolve(nobleProvider.sha256(message)),
};

describe('the stand-in provider a step runs with', () => {
  it('answers repeated lookups of a suite or a cipher with the same object, as the provider does', async () => {
    expect(nobleProvider.cpaceSuite(X25519)).toBe(nobleProvider.cpaceSuite(X25519));
    expect(nobleProvider.transportCipher(AES)).toBe(nobleProvider.transportCipher(AES));
    const same = await runWithAsyncProvider(laterSha256, seededRandom('lookups'), (p) => ({
      suite: p.cpaceSuite(X25519) === p.cpaceSuite(X25519),
      cipher: p.transportCipher(AES) === p.transportCipher(AES),
    }));
    expect(same).toEqual({ suite: true, cipher: true });
  });

  it("ends a pass waiting for an operation with a PendingOperation error ('a crypto operation is pending'), which the result never holds", async () => {
    const seen: unknown[] = [];
    const result = await runWithAsyncProvider(laterSha256, seededRandom('pending'), (p) => {
      try {
        return p.sha256(new Uint8Array(3));
      } catch (err) {
        seen.push(err); // only the first pass, waiting for sha256, gets here
        return undefined;
      }
    });
    expect(result).toEqual(nobleProvider.sha256(new Uint8Array(3)));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(Error);
    expect(seen[0]).not.toBeInstanceOf(ActivationError);
    expect(seen[0]).toMatchObject({ name: 'PendingOperation', message: 'a crypto operation is pending' });
  });
});
