/**
 * Runs in Chromium (bundled by browser.test.ts): builds the WebCrypto provider from the public
 * `enterprise-activation/crypto` entry and runs the shared cases on it.
 */
import { createWebCryptoProvider } from '../../src/crypto/index.js';
import { runProviderCases } from './webcrypto-cases.js';

declare global {
  interface Window {
    webCryptoCases: Promise<{ native: string[]; cases: Record<string, string> }>;
  }
}

window.webCryptoCases = (async () => {
  const provider = await createWebCryptoProvider();
  return { native: [...provider.native], cases: await runProviderCases(provider) };
})();
