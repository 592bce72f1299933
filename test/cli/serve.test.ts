/**
 * `enterprise-activation serve` as a user runs it: the BUILT `dist/cli.js` in a child process. A
 * handset from the built package activates against it with the password a fleet derives from the
 * same seed (`fleetPassword` of the built `/simulator`); `/metrics` counts it; SIGTERM ends it with
 * a summary and exit 0. Bad command lines exit 2 with the usage, before anything listens.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../package/ensure-built.js';

const CLI = join(root, 'dist', 'cli.js');
type Library = typeof import('../../src/index.js');
type Simulator = typeof import('../../src/simulator/index.js');
let lib: Library;
let sim: Simulator;
let dir: string;
const running: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  ensureBuilt();
  lib = (await import(pathToFileURL(join(root, 'dist', 'index.js')).href)) as Library;
  sim = (await import(pathToFileURL(join(root, 'dist', 'simulator', 'index.js')).href)) as Simulator;
  dir = mkdtempSync(join(tmpdir(), 'ea-serve-'));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly start: Record<string, unknown> & { url: string; metrics: string };
  /** Everything printed on stdout, so far. */
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

/** Starts `serve ...args --json` and resolves with its first line. */
async function serve(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', ...args], { cwd: dir });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('\n')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start: ${out} ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const start = JSON.parse(out.slice(0, out.indexOf('\n'))) as Served['start'];
  return { child, start, out: () => out, err: () => err, exited };
}

describe('enterprise-activation serve', () => {
  it('serves activations to handsets that derive their passwords from the seed, counts them in /metrics, and stops on SIGTERM with a summary', async () => {
    const s = await serve('--users', '3', '--seed', 'cli-serve-test', '--domain', 'corp.example');
    expect(s.start).toMatchObject({ event: 'listening', accounts: 3 });
    expect(s.start).not.toHaveProperty('seed'); // given, so not printed
    expect(s.start.limits).toMatchObject({ maxConnections: 1024 });

    const email = sim.fleetEmail(2, 'corp.example');
    const transport = lib.createRelayTransport({ url: s.start.url, address: 'pin:2100C002', pollWaitSeconds: 5 });
    const handset = new lib.Handset({
      config: { pin: '2100C002', routing: { relay: 'relay.test', uid: 'U2' }, device: { model: '8800', os: '4.5.0' } },
      transport,
    });
    const result = await handset.activate({ email, password: sim.fleetPassword('cli-serve-test', email) });
    expect(result.email).toBe(email);
    await handset.close();
    await transport.close();

    const metrics = await (await fetch(s.start.metrics)).text();
    expect(metrics).toContain('enterprise_activation_activations_total{outcome="complete",code=""} 1');

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const lines = s.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    const summary = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      event: 'summary',
      signal: 'SIGTERM',
      accounts: 3,
      activations: { complete: 1, failed: 0, inProgress: 0 },
    });
    expect(s.err()).toBe('');
    expect(s.out()).not.toContain(sim.fleetPassword('cli-serve-test', email));
  });

  it('prints a chosen seed when none is given, and takes accounts from a CSV file', async () => {
    const chosen = await serve('--users', '1');
    expect(chosen.start.seed).toMatch(/^[A-Za-z0-9_-]{16}$/);
    chosen.child.kill('SIGINT');
    expect(await chosen.exited).toBe(0);

    writeFileSync(join(dir, 'users.csv'), 'email,password\nalice@example.com,bb8800pw\nbob@example.com,bb8801pw\n');
    const fromFile = await serve('--users-file', 'users.csv');
    expect(fromFile.start.accounts).toBe(2);
    expect(fromFile.start).not.toHaveProperty('seed');
    fromFile.child.kill('SIGTERM');
    expect(await fromFile.exited).toBe(0);
  });

  it('prints its help, and refuses a bad command line with exit 2 and the usage', () => {
    const help = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: enterprise-activation serve \[options\]/);
    expect(spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout).toMatch(/^ {2}serve {10}/m);
    for (const args of [
      ['--port', '70000'],
      ['--users', '0'],
      ['--users', 'ten'],
      ['--limit', 'nope=1'],
      ['--limit', 'maxConnections'],
      ['--users-file', 'x.csv', '--users', '2'],
      ['extra'],
      ['--limit', 'maxQueueBytes=10'], // below what a frame needs: the relay refuses it
    ]) {
      const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^enterprise-activation: .+ \[INVALID_ARGUMENT\]\n\nusage: enterprise-activation serve/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    const missing = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--users-file', 'missing.csv'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read "?missing\.csv"?: no such file/);
  });

  it('with --ui serves the page with a strict CSP and prints its address with a fresh administrator token; without it, no page', async () => {
    const withUi = await serve('--users', '1', '--seed', 'ui-test', '--ui');
    const address = String(withUi.start.ui);
    expect(address).toMatch(new RegExp(`^${withUi.start.url}/ui#admin=[A-Za-z0-9_-]{32}$`));
    const page = await fetch(address.slice(0, address.indexOf('#')));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<label for="email">Email:</label>');
    const script = await fetch(`${withUi.start.url}/ui/emulator.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // The library bundled for browsers: nothing Node-only in it.
    expect(await script.text()).not.toMatch(/require\(["']node:|from ["']node:/);
    const token = address.slice(address.indexOf('#admin=') + '#admin='.length);
    expect((await fetch(`${withUi.start.url}/ui/api/accounts`)).status).toBe(401);
    const accounts = await fetch(`${withUi.start.url}/ui/api/accounts`, { headers: { authorization: `Bearer ${token}` } });
    expect(await accounts.json()).toMatchObject({ total: 1, accounts: [{ email: sim.fleetEmail(1, 'example.com') }] });
    withUi.child.kill('SIGTERM');
    expect(await withUi.exited).toBe(0);

    // Another start, another token; and the human-readable start says where the page is.
    const again = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--users', '1', '--ui'], { cwd: dir });
    running.push(again);
    let text = '';
    again.stdout.on('data', (d: Buffer) => (text += d.toString()));
    while (!text.includes('Ctrl-C')) {
      if (again.exitCode !== null) throw new Error(`serve --ui did not start: ${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const printed = /emulator page: (\S+)/.exec(text)?.[1] ?? '';
    expect(printed).toMatch(/\/ui#admin=[A-Za-z0-9_-]{32}$/);
    expect(printed.slice(printed.indexOf('#'))).not.toBe(address.slice(address.indexOf('#')));
    expect(text).not.toContain('WARNING');
    again.kill('SIGTERM');

    const without = await serve('--users', '1');
    expect(without.start).not.toHaveProperty('ui');
    expect((await fetch(`${without.start.url}/ui`)).status).toBe(404);
    expect((await fetch(`${without.start.url}/ui/api/accounts`)).status).toBe(404);
    without.child.kill('SIGTERM');
    expect(await without.exited).toBe(0);
  });
});
