/**
 * Where the browser tests find Chromium, and what happens without it. In CI (`CI=true`, as most
 * CI services set it) a missing Chromium is a failure: the tests run, and "CI has a browser" fails.
 * Locally the tests are skipped, with one visible warning per test run.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
/** How every browser test starts Chromium: headless, no sandbox (root in CI), nothing that reaches out to the network by itself. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** True in CI: a missing Chromium is a failure there, never a skip. */
export const chromiumRequired = /^(true|1)$/i.test(process.env.CI ?? '');
/** Whether the browser tests run: with Chromium, and always in CI (where they then fail without it). */
export const runBrowserTests = chromiumAvailable || chromiumRequired;

/**
 * Warns that the browser tests are skipped, once per test run: each test file runs in its own
 * worker, so the first one to get here leaves a marker named after the vitest process.
 */
function warnOnce(): void {
  const runner = isMainThread ? process.ppid : process.pid; // forks pool : threads pool
  try {
    closeSync(openSync(join(tmpdir(), `enterprise-activation-no-chromium-${runner}`), 'wx'));
  } catch {
    return; // another file of this run has warned
  }
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM}. Set CHROMIUM_PATH to run them; with CI=true a missing Chromium fails the run.`,
  );
}

if (!runBrowserTests) warnOnce();

/**
 * Runs `script` (a browser bundle) in a fresh page of headless Chromium, with the flags this
 * machine needs (no background networking: its closed network refuses those connections), and
 * returns what `read` evaluates to in the page, with the page errors seen.
 */
export async function runInChromium<T>(
  script: string,
  title: string,
  read: () => T | Promise<T>,
  options: { secureContext?: boolean } = {},
): Promise<{ value: T; errors: string[]; version: string }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const html = `<!doctype html><title>${title}</title>`;
    if (options.secureContext === true) {
      // crypto.subtle exists only in a secure context; http://localhost is one. Served by the
      // page's router, so nothing listens and nothing leaves the machine.
      await page.route('http://localhost/', (route) => route.fulfill({ contentType: 'text/html', body: html }));
      await page.goto('http://localhost/');
    } else {
      await page.setContent(html);
    }
    await page.addScriptTag({ content: script });
    const value = (await page.evaluate(read)) as T;
    return { value, errors, version: browser.version() };
  } finally {
    await browser.close();
  }
}

/** `entry` (a file of test/browser) bundled for the browser as one script, as a page would load it. */
export async function bundleForBrowser(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [join(import.meta.dirname, entry)],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}
