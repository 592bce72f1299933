/**
 * The library in a real browser: the public entry points are bundled for the browser (no Node
 * built-ins) and a full activation runs in headless Chromium. CI installs Debian's chromium
 * (.ci/run). Without it the tests fail in CI (`CI=true`) and are skipped elsewhere, with a warning
 * (test/browser/chromium.ts).
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/index.js';
import { runProviderCases } from './webcrypto-cases.js';
import { CHROMIUM, bundleForBrowser, chromiumAvailable, chromiumRequired, runBrowserTests, runInChromium } from './chromium.js';

describe('in a browser (headless Chromium)', () => {
  it.runIf(chromiumRequired)('CI has a browser to run these tests in', () => {
    expect(chromiumAvailable, `${CHROMIUM} must exist in CI (.ci/run installs it)`).toBe(true);
  });

  it.runIf(runBrowserTests)('bundles for the browser and runs a whole activation', async () => {
    const script = await bundleForBrowser('entry.ts');
    // Nothing Node-only made it into the bundle.
    expect(script).not.toMatch(/require\(["']node:/);

    const { value: outcome, errors } = await runInChromium(script, 'enterprise-activation', () => window.activation);
    expect(errors).toEqual([]);
    expect(outcome.error).toBe('WRONG_PASSWORD');
    expect(outcome.keyAlgorithm).toBe('AES-256-CBC');
    expect(outcome.webCrypto).toBe(true);
    expect(outcome.statuses[0]).toBe('Activating');
    expect(outcome.statuses).toContain('Your email address "alice@example.com" is now enabled');
    expect(outcome.statuses.at(-1)).toBe('Activation Complete');
  });

  it.runIf(runBrowserTests)("runs the WebCrypto provider on Chromium's own crypto, answering as noble does, byte for byte", async () => {
    const { value, errors } = await runInChromium(
      await bundleForBrowser('webcrypto-entry.ts'),
      'webcrypto provider',
      () => window.webCryptoCases,
      {
        secureContext: true,
      },
    );
    expect(errors).toEqual([]);
    // Chromium's WebCrypto has every feature the provider can use natively (Ed25519 and X25519 since Chromium 113/133).
    expect(value.native.sort()).toEqual(['AES-CBC', 'Ed25519', 'HKDF', 'HMAC', 'SHA-256', 'SHA-512', 'X25519']);
    const expected = await runProviderCases(nobleProvider);
    expect(Object.keys(value.cases).length).toBeGreaterThan(40);
    expect(value.cases).toEqual(expected);
    expect(expected['agree low order']).toBe('error PROTOCOL_ERROR');
    expect(expected['aes decrypt bad padding']).toBe('error DECRYPT_FAILED');
  });
});
