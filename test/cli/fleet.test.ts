/**
 * `enterprise-activation fleet` as a user runs it: the BUILT `dist/cli.js`, against a built `serve`
 * in another process, over WebSocket; its JSON summary; exit 1 when activations fail (a fleet with
 * the wrong seed: every password wrong); usage errors.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../package/ensure-built.js';

const CLI = join(root, 'dist', 'cli.js');
const children: ReturnType<typeof spawn>[] = [];
beforeAll(() => ensureBuilt(), 300_000);
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Runs the CLI to its end, without blocking the event loop (a serve child may be running). */
function run(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Starts a built serve and resolves with its URL. */
async function serve(...args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--json', ...args]);
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!out.includes('\n')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return (JSON.parse(out.slice(0, out.indexOf('\n'))) as { url: string }).url;
}

describe('enterprise-activation fleet', () => {
  it('activates a fleet against a serve with the same seed: every device, every phase, JSON summary', async () => {
    const url = await serve('--users', '8', '--seed', 'cli-fleet', '--limit', 'etpDatPerSourcePerMinute=100000');
    const r = await run('fleet', '--target', url, '--seed', 'cli-fleet', '--devices', '8', '--concurrency', '4', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as Record<string, unknown> & { phases: Record<string, { count: number; p50: number; p99: number }> };
    expect(report).toMatchObject({ target: url, started: 8, completed: 8, failed: 0, failures: {} });
    for (const phase of ['activation', 'encryption-verification', 'services', 'synchronization', 'total']) {
      expect(report.phases[phase]!.count, phase).toBe(8);
      expect(report.phases[phase]!.p99).toBeGreaterThanOrEqual(report.phases[phase]!.p50);
    }
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it('exits 1 and counts the failures by code when the seeds differ (every password wrong)', async () => {
    const url = await serve('--users', '3', '--seed', 'right-seed', '--limit', 'etpDatPerSourcePerMinute=100000');
    const r = await run('fleet', '--target', url, '--seed', 'wrong-seed', '--devices', '3', '--poll');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/0 completed, 3 failed/);
    expect(r.out).toMatch(/failures by code: WRONG_PASSWORD 3/);
  });

  it('runs in process with --target memory and prints the phase table', async () => {
    const r = await run('fleet', '--devices', '3', '--concurrency', '3', '--workers', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^enterprise-activation fleet against memory: 3 completed, 0 failed/);
    expect(r.out).toMatch(/^ {2}total +\d+ +\d+ +\d+ +\d+$/m);
  });

  it('spreads the handsets over worker threads (one per core by default, or --workers N)', async () => {
    const r = await run('fleet', '--devices', '6', '--concurrency', '4', '--workers', '2', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ target: 'memory', started: 6, completed: 6, failed: 0 });
  });

  it('exits 1 at once, with one line naming the URL, when no serve answers at the target', async () => {
    const url = await serve('--users', '1', '--seed', 'gone');
    const child = children.pop()!;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = await run('fleet', '--target', url, '--seed', 'gone', '--devices', '1000', '--concurrency', '100');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`nothing answers at ${url}/v1/health`);
    expect(r.err).toMatch(/\[TRANSPORT_ERROR\]/);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.out).toBe('');
  });

  it('prints its help, and refuses a bad command line with exit 2', async () => {
    const help = spawnSync(process.execPath, [CLI, 'fleet', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: enterprise-activation fleet \[options\]/);
    for (const args of [
      ['--devices', '0'],
      ['--devices', '5', '--duration', '3'],
      ['--concurrency', 'x'],
      ['--target', 'ftp://h'],
      ['x'],
    ]) {
      const r = spawnSync(process.execPath, [CLI, 'fleet', ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/\[INVALID_ARGUMENT\]\n\nusage: enterprise-activation fleet/);
    }
  });
});
