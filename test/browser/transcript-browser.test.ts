/**
 * Transcripts in a real browser (headless Chromium): `enterprise-activation/testing` bundles with
 * no Node built-in, records the same golden activation as Node does (byte for byte: the golden
 * file matches), and replays against a fresh handset and simulator. Needs Debian's chromium; without
 * it the test fails in CI (`CI=true`) and is skipped elsewhere (test/browser/chromium.ts).
 */
import { describe, expect, it } from 'vitest';
import { bundleForBrowser, runBrowserTests, runInChromium } from './chromium.js';

describe('transcripts in a browser (headless Chromium)', () => {
  it.runIf(runBrowserTests)('record the golden activation and replay it, as in Node', async () => {
    const script = await bundleForBrowser('transcript-entry.ts');
    expect(script).not.toMatch(/require\(["']node:/);
    const { value, errors } = await runInChromium(script, 'transcripts', () => window.transcripts);
    expect(errors).toEqual([]);
    expect(value).toEqual({ golden: null, frames: 28, handset: null, server: null, roundTrip: true });
  });
});
