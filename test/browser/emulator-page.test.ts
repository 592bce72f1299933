/**
 * The emulator page of `enterprise-activation serve --ui` (issue 16), used as a person would use
 * it, in real Chromium: the BUILT command serves it (`dist/cli.js serve --ui`, as a user runs it),
 * the page runs the library in the browser and activates against the served simulator over the
 * relay. A person types an email address and a password and activates (with the keyboard only),
 * sees `Activation Complete` and the key's and server's details; a wrong password shows the
 * failure; the administrator's view sets a new password, which then activates, and sends a
 * lifecycle command. Each state is saved as a screenshot in test-results/emulator/ (gitignored),
 * at a phone's viewport, and checked with axe-core: no serious or critical violation.
 *
 * Needs Debian's chromium: without it these tests fail in CI (`CI=true`) and are skipped elsewhere,
 * with a warning (test/browser/chromium.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, runBrowserTests } from './chromium.js';
import { ensureBuilt, root } from '../package/ensure-built.js';

const CLI = join(root, 'dist', 'cli.js');
/** Where the screenshots go (gitignored); docs/images/emulator-page.png is a copy of one. */
const SHOTS = join(root, 'test-results', 'emulator');
/** A phone's viewport (an iPhone 12 to 15's CSS pixels). */
const PHONE = { width: 390, height: 844 };

const ALICE = { email: 'alice@example.com', password: 'alicepass1' };
const BOB = { email: 'bob@example.com', password: 'bobpass123' };

/** What the handset shows on the way to a complete activation: RIM's texts (docs/handset.md, "Statuses"). */
const RIM_TEXTS = [
  'Activating',
  'Verifying Encryption',
  'Encryption Verified. Waiting for Services',
  'Services Received',
  `Your email address "${ALICE.email}" is now enabled`,
  'Activation Complete',
];

let dir: string;
let child: ChildProcessWithoutNullStreams | undefined;
let browser: Browser | undefined;
/** The page's address as serve printed it, with the administrator's token in its fragment. */
let address: string;
let output = '';

beforeAll(async () => {
  if (!runBrowserTests) return;
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ea-emulator-'));
  writeFileSync(join(dir, 'users.json'), JSON.stringify([ALICE, BOB]));
  const served = await startServe((text) => (output += text));
  child = served.child;
  address = served.address;
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}, 300_000);

/** Starts the built `serve --ui` in `dir` with its users file; `collect` gets all it prints. */
async function startServe(collect: (text: string) => void): Promise<{ child: ChildProcessWithoutNullStreams; address: string }> {
  const served = spawn(process.execPath, [CLI, 'serve', '--ui', '--port', '0', '--json', '--users-file', 'users.json'], { cwd: dir });
  let printed = '';
  const take = (d: Buffer): void => {
    printed += d.toString();
    collect(d.toString());
  };
  served.stdout.on('data', take);
  served.stderr.on('data', take);
  while (!printed.includes('\n')) {
    if (served.exitCode !== null) throw new Error(`serve --ui did not start: ${printed}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const start = JSON.parse(printed.slice(0, printed.indexOf('\n'))) as { url: string; ui?: string };
  return { child: served, address: start.ui ?? '' };
}

afterAll(async () => {
  await browser?.close();
  child?.kill('SIGTERM');
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A fresh tab at a phone's size on `url`, failing the test on any page error or console error (a CSP refusal is one). */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  if (browser === undefined) throw new Error('no browser');
  const page = await browser.newPage({ viewport: PHONE });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations of impact serious or critical on the page as it is, as `id: targets`. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's content security policy does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(): Promise<{ violations: Array<{ id: string; impact?: string; nodes: Array<{ target: unknown }> }> }> };
      }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(' ')}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

/** Types the credentials and activates with the keyboard alone: Tab between the fields, Enter to activate. */
async function activateByKeyboard(page: Page, credentials: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email:', { exact: true }).focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(credentials.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(credentials.password);
  await page.keyboard.press('Enter');
}

/** Nothing wider than the viewport: a phone scrolls down, never sideways. */
async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

describe.runIf(runBrowserTests)('the emulator page of serve --ui (headless Chromium, phone viewport)', () => {
  it('activates with the email and password a person types, showing each status, then the key and server details', async () => {
    const { page, errors } = await open(address);
    expect(await page.getByRole('heading', { name: 'Enterprise Activation', exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('status').first().textContent()).toBe('Not activated');
    expect(await scrollsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '01-start.png');

    await activateByKeyboard(page, ALICE);
    const status = page.locator('#status');
    await status.filter({ hasText: /^Activation Complete$/ }).waitFor({ timeout: 60_000 });
    const shown = await page.locator('#status-log li').allTextContents();
    // RIM's texts in order; ours (the sync service line) may stand between them.
    expect(shown.filter((t) => RIM_TEXTS.includes(t))).toEqual(RIM_TEXTS);

    const details = Object.fromEntries(
      await page
        .locator('#details-list dt')
        .evaluateAll((terms) => terms.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    ) as Record<string, string>;
    expect(details).toMatchObject({ Email: ALICE.email });
    expect(details['Key algorithm']).toMatch(/^[A-Za-z0-9-]+$/);
    expect(details['Key id']).toMatch(/^[0-9a-f]{8,}$/);
    expect(details['SRP identifier']).toMatch(/^\S+$/);
    expect(details['Server version']).not.toBe('');
    // The password is gone from the form once it has done its work.
    expect(await page.getByLabel('Password:', { exact: true }).inputValue()).toBe('');

    // The administrator's view sees the account activated, with this page's device.
    const pin = await page.locator('#pin').textContent();
    const row = page.locator('#accounts tr', { hasText: ALICE.email });
    await row.filter({ hasText: 'Activated' }).waitFor({ timeout: 10_000 });
    expect(await row.locator('td').allTextContents()).toEqual([ALICE.email, 'Activated', '0', pin]);
    await page.locator('#events li', { hasText: 'activation complete' }).first().waitFor({ timeout: 10_000 });

    expect(await scrollsSideways(page)).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '02-activation-complete.png');
    // On a desk: the screen and the administrator's view side by side (docs/images/emulator-page.png is this one).
    await page.setViewportSize({ width: 1200, height: 900 });
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, '05-desktop.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the failure for a wrong password, and the administrator sees the failed attempt', async () => {
    const { page, errors } = await open(address);
    await activateByKeyboard(page, { email: BOB.email, password: 'not-his-password' });
    const status = page.locator('#status');
    await status.filter({ hasText: /^Activation failed/ }).waitFor({ timeout: 60_000 });
    expect(await status.textContent()).toBe('Activation failed: the activation password is incorrect');
    expect(await status.getAttribute('class')).toContain('failed');
    expect(await page.locator('#details').isHidden()).toBe(true);

    const cells = page.locator('#accounts tr', { hasText: BOB.email }).locator('td');
    // One failed attempt counted against the password, and no device; the status column shows what
    // the simulator says of an account after a failed attempt (not this test's subject).
    await expect
      .poll(async () => (await cells.allTextContents()).filter((_, i) => i !== 1), { timeout: 10_000 })
      .toEqual([BOB.email, '1', '-']);
    expect(await cells.nth(1).textContent()).not.toBe('Activated');
    await page.locator('#events li', { hasText: 'activation failed WRONG_PASSWORD' }).waitFor({ timeout: 10_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '03-wrong-password.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sets a new activation password in the administrator view, activates with it, and the lifecycle commands reach the device', async () => {
    const { page, errors } = await open(address);
    const fresh = 'fresh-pass-42';
    const setPassword = page.getByRole('form', { name: 'Set an activation password' });
    await setPassword.getByLabel('Email', { exact: true }).fill(BOB.email);
    await setPassword.getByLabel('Activation password', { exact: true }).fill(fresh);
    await setPassword.getByRole('button', { name: 'Set password' }).click();
    await page.locator('#admin-message', { hasText: `Activation password set for ${BOB.email}` }).waitFor({ timeout: 10_000 });
    expect(await page.getByLabel('Activation password', { exact: true }).inputValue()).toBe('');

    // The old password no longer activates (it was replaced); the new one does.
    await activateByKeyboard(page, { email: BOB.email, password: fresh });
    await page
      .locator('#status')
      .filter({ hasText: /^Activation Complete$/ })
      .waitFor({ timeout: 60_000 });
    await page.locator('#accounts tr', { hasText: BOB.email }).filter({ hasText: 'Activated' }).waitFor({ timeout: 10_000 });

    // The activated device stays connected: the administrator's commands reach it, and both sides show it.
    const commands = page.getByRole('form', { name: 'Lifecycle commands' });
    /** Sends a command; `event`: the line the event log shows for it (a key rollover has its own, not a command's). */
    const send = async (command: string, answer: string, event = `command ${command} for ${BOB.email}`): Promise<void> => {
      await commands.getByLabel('Email', { exact: true }).fill(BOB.email);
      await commands.getByLabel('Command').selectOption(command);
      await commands.getByRole('button', { name: 'Send command' }).click();
      await page.locator('#admin-message', { hasText: `${command} for ${BOB.email}: ${answer}` }).waitFor({ timeout: 10_000 });
      await page.locator('#events li', { hasText: event }).waitFor({ timeout: 10_000 });
    };
    await send('resend-it-policy', 'sent to the device');
    await page.locator('#status-log li', { hasText: 'IT policy updated' }).waitFor({ timeout: 10_000 });

    const keyId = page.locator('#details-list dt', { hasText: 'Key id' }).locator('xpath=following-sibling::dd[1]');
    const before = await keyId.textContent();
    await send('regenerate-key', 'sent to the device', `key rolled over (admin) for ${BOB.email}`);
    await page.locator('#status-log li', { hasText: 'Encryption key changed' }).waitFor({ timeout: 10_000 });
    expect(await keyId.textContent()).not.toBe(before);
    expect(await keyId.textContent()).toMatch(/^[0-9a-f]{8,}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, '04-administrator.png');

    await send('wipe', 'sent to the device');
    await page
      .locator('#status')
      .filter({ hasText: /^Device wiped$/ })
      .waitFor({ timeout: 10_000 });
    await page.locator('#events li', { hasText: `device acknowledged wipe for ${BOB.email}` }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#details').isHidden()).toBe(true);
    await screenshot(page, '06-wiped.png');
    expect(errors).toEqual([]);
    // No password the page handled is in what serve printed.
    expect(output).not.toContain(fresh);
    expect(output).not.toContain(BOB.password);
    await page.close();
  });

  it('says in its log why it waits when the relay has gone away, each problem once, while the handset keeps trying', async () => {
    // A serve of its own, stopped once its page has loaded: the page's relay is gone.
    const served = await startServe(() => undefined);
    const { page, errors } = await open(served.address);
    await page.locator('#accounts tr', { hasText: ALICE.email }).waitFor({ timeout: 10_000 });
    const exited = new Promise((resolve) => served.child.once('exit', resolve));
    served.child.kill('SIGTERM');
    await exited;

    await activateByKeyboard(page, ALICE);
    const problems = page.locator('#status-log li', { hasText: /^Relay: / });
    await problems.first().waitFor({ timeout: 15_000 });
    // Several retries later (the transport's back-off starts at 100 ms and doubles): still trying,
    // and each problem listed once.
    await page.waitForTimeout(3_000);
    expect(await page.locator('#status').textContent()).toBe('Activating');
    const lines = await page.locator('#status-log li').allTextContents();
    const relayLines = lines.filter((t) => t.startsWith('Relay: '));
    expect(relayLines.length).toBeGreaterThan(0);
    expect(new Set(relayLines).size).toBe(relayLines.length);
    expect(relayLines).toContain('Relay: the relay WebSocket could not be opened');
    // Chromium logs each refused connection; nothing else went wrong on the page.
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection|Failed to load resource|Failed to fetch/.test(e))).toEqual(
      [],
    );
    await page.close();
  });

  it('keeps the administrator view locked without the token, shows where focus is, and refuses a wrong token', async () => {
    const { page, errors } = await open(address.slice(0, address.indexOf('#')));
    expect(await page.locator('#admin-body').isHidden()).toBe(true);
    const token = page.getByLabel('Administrator token');
    await token.fill('wrong-token-wrong-token');
    await page.keyboard.press('Enter');
    await page.locator('#token-note', { hasText: 'The token was refused' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#admin-body').isHidden()).toBe(true);

    // Keyboard focus is visible: the focused field draws an outline.
    await page.getByLabel('Email:', { exact: true }).focus();
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return { id: document.activeElement?.id, style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline).toEqual({ id: 'password', style: 'solid', width: '3px' });

    await token.fill(address.slice(address.indexOf('#admin=') + '#admin='.length));
    await page.keyboard.press('Enter');
    await page.locator('#accounts tr', { hasText: ALICE.email }).waitFor({ timeout: 10_000 });
    // The wrong token's refusals, which Chromium logs as failed loads, and nothing else.
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    await page.close();
  });
});
