/**
 * The library in a real browser: the public entry points are bundled for the browser (no Node
 * built-ins) and a full activation runs in headless Chromium. CI installs Debian's chromium
 * (.ci/run); without it (and outside CI) this file is skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true' || process.env.CI === '1';

describe('in a browser (headless Chromium)', () => {
  it('CI has a browser to run these tests in', () => {
    if (required) expect(available, `${CHROMIUM} must exist in CI (.ci/run installs it)`).toBe(true);
  });

  it.runIf(available)('bundles for the browser and runs a whole activation', async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, 'entry.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.text;
    // Nothing Node-only made it into the bundle.
    expect(script).not.toMatch(/require\(["']node:/);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setContent('<!doctype html><title>enterprise-activation</title>');
      await page.addScriptTag({ content: script });
      const outcome = await page.evaluate(() => window.activation);
      expect(errors).toEqual([]);
      expect(outcome.error).toBe('WRONG_PASSWORD');
      expect(outcome.keyAlgorithm).toBe('AES-256-CBC');
      expect(outcome.webCrypto).toBe(true);
      expect(outcome.statuses[0]).toBe('Activating');
      expect(outcome.statuses).toContain('Your email address "alice@example.com" is now enabled');
      expect(outcome.statuses.at(-1)).toBe('Activation Complete');
    } finally {
      await browser.close();
    }
  });
});
