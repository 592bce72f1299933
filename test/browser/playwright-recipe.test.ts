/**
 * Runs the Playwright recipe (examples/testing-playwright.ts, docs/testing-toolkit.md "Recipes"):
 * the administrator sets a password through serve's admin API, a person types it on the emulator
 * page in headless Chromium, and the page shows RIM's statuses through to Activation Complete.
 * The example imports `enterprise-activation/node` by name: the built package (the page's script
 * is dist/ui/emulator.js).
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM, runBrowserTests } from './chromium.js';
import { ensureBuilt } from '../package/ensure-built.js';

describe.runIf(runBrowserTests)('the Playwright recipe', () => {
  it('activates in the browser with the password the administrator set', { timeout: 120_000 }, async () => {
    ensureBuilt();
    const { activateInBrowser } = await import('../../examples/testing-playwright.js');
    const shown = await activateInBrowser(CHROMIUM, 'user@example.com', 'activate me 1');
    expect(shown[0]).toBe('Activating');
    expect(shown).toContain('Verifying Encryption');
    expect(shown.at(-1)).toBe('Activation Complete');
  });
});
