/**
 * A Playwright recipe (docs/testing-toolkit.md, "Recipes"): an end-to-end test of activation as a
 * person does it, in a real browser, against the emulator page of `serve --ui`
 * (`startBesServer({ ui: true })`). The page runs the library itself in the browser and activates
 * against the served simulator over the relay; the test types, activates and reads the screen.
 * Run by test/browser/playwright-recipe.test.ts; in a project of your own, the same with
 * `@playwright/test` (its `page` fixture) or playwright-core, as here.
 *
 *   CHROMIUM_PATH=/usr/bin/chromium npx tsx examples/testing-playwright.ts
 */
import { chromium } from 'playwright-core';
import { startBesServer } from 'enterprise-activation/node';

/** Activates `email` with `password` on the emulator page; resolves with the statuses it showed. */
export async function activateInBrowser(chromiumPath: string, email: string, password: string): Promise<string[]> {
  const server = await startBesServer({ users: [{ email, password: 'the admin set this1' }], ui: true });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox'] });
  try {
    // The administrator sets the password the user was given: the admin API with serve's token.
    const ui = server.ui!;
    const set = await fetch(new URL('/ui/api/password', ui.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${ui.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!set.ok) throw new Error(`setting the password: ${set.status} ${await set.text()}`);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(ui.url);
    await page.getByLabel('Email:', { exact: true }).fill(email);
    await page.getByLabel('Password:', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Activate' }).click();
    await page
      .locator('#status')
      .filter({ hasText: /^(Activation Complete|Activation failed.*)$/ })
      .waitFor({ timeout: 60_000 });
    return await page.locator('#status-log li').allTextContents();
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shown = await activateInBrowser(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', 'user@example.com', 'activate me 1');
  console.log(shown.join('\n'));
}
