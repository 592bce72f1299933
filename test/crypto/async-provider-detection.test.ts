/**
 * isAsyncProvider (src/crypto/async-provider.ts): a provider is asynchronous when it says so with
 * `asynchronous: true` (the drivers then run their steps through the replay bridge); a synchronous
 * provider, and one whose flag is anything but `true`, is not.
 *
 * Issue 9: mutation survivors (the check could answer `false` for everything, or look for
 * `asynchronous: false`, and no test noticed).
 */
import { describe, expect, it } from 'vitest';
import { isAsyncProvider, type AnyCryptoProvider, type AsyncCryptoProvider } from '../../src/crypto/async-provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';

describe('isAsyncProvider', () => {
  it('is true for a provider that says asynchronous: true, such as the WebCrypto provider', async () => {
    const marked: AsyncCryptoProvider = { ...nobleProvider, asynchronous: true };
    expect(isAsyncProvider(marked)).toBe(true);
    expect(isAsyncProvider(await createWebCryptoProvider())).toBe(true);
  });

  it('is false for a synchronous provider, and for a flag that is not exactly true', () => {
    expect(isAsyncProvider(nobleProvider)).toBe(false);
    for (const flag of [false, 'true', 1, undefined]) {
      expect(isAsyncProvider({ ...nobleProvider, asynchronous: flag } as unknown as AnyCryptoProvider), String(flag)).toBe(false);
    }
  });
});
