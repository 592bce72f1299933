/** The examples are part of the documentation: each one runs, as a user would run it. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function run(file: string, args: string[] = []) {
  const r = spawnSync(tsx, [file, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** No output of the demo may hold a stack trace or a raw Node error code. */
function expectNoStack(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toMatch(/ERR_[A-Z_]+|node:internal/);
  }
}

/** A wrong command line: one line saying what is wrong, then the usage, on stderr; exit 2. */
function expectUsageError(r: ReturnType<typeof run>, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  const [first, blank, usage] = r.err.split('\n');
  expect(first).toMatch(/^demo: /);
  expect(first).toMatch(message);
  expect(blank).toBe('');
  expect(usage).toMatch(/^usage: npm start -- \[options\]$/);
  expectNoStack(r.out, r.err);
}

const PASSWORD = 'bb8800pw';

describe('examples/demo.ts (npm start)', () => {
  it('prints the statuses in order, the IT policy step, and ends with Activation Complete', () => {
    const { code, out, err } = run('examples/demo.ts');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    const order = [
      'Activating',
      'Verifying Encryption',
      'Encryption Verified. Waiting for Services',
      /^IT policy \S+ applied, [1-9]\d* rules$/,
      'Services Received',
      'Your email address "alice@example.com" is now enabled',
      'Activation Complete',
    ];
    let at = -1;
    for (const line of order) {
      const i = typeof line === 'string' ? lines.indexOf(line) : lines.findIndex((l) => line.test(l));
      expect(i, String(line)).toBeGreaterThan(at);
      at = i;
    }
    expect(out).toMatch(/Transport key: AES-256-CBC/);
  });

  it('uses Triple DES and the P-521 suite when asked', () => {
    const { code, out } = run('examples/demo.ts', ['--suite', 'p521', '--cipher', '3des']);
    expect(code).toBe(0);
    expect(out).toMatch(/Transport key: TDES-EDE2-CBC/);
  });

  it('a wrong password prints the failure once, with its code, and exits 1', () => {
    const { code, out, err } = run('examples/demo.ts', ['--password', 'wrong']);
    expect(code).toBe(1);
    expect(err).toBe('Activation failed: the activation password is incorrect [WRONG_PASSWORD]\n');
    expect(`${out}${err}`.match(/Activation failed/g)).toHaveLength(1);
    expect(`${out}${err}`.match(/the activation password is incorrect/g)).toHaveLength(1);
    expect(out).toMatch(/^Activating$/m);
    expect(out).not.toMatch(/Activation Complete/);
    expectNoStack(out, err);
  });

  it('--help prints the usage on stdout and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = run('examples/demo.ts', [flag]);
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(/^usage: npm start -- \[options\]/);
      expect(out).toMatch(/--json/);
    }
  });

  it('an unknown option, an extra argument or a bad value: one line, the usage, exit 2, no stack', () => {
    expectUsageError(run('examples/demo.ts', ['--bogus']), /unknown option '--bogus'/);
    expectUsageError(run('examples/demo.ts', ['extra']), /unexpected argument 'extra'/);
    expectUsageError(run('examples/demo.ts', ['--suite', 'x448']), /unknown suite 'x448'/);
  });

  it('--json prints a transcript of statuses, the IT policy and frames, and no secret', () => {
    const { code, out, err } = run('examples/demo.ts', ['--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      ok: boolean;
      email: string;
      result: { keyAlgorithm: string; server: { name: string } };
      transcript: { kind: string; time: number; [k: string]: unknown }[];
    };
    expect(doc).toMatchObject({ ok: true, email: 'alice@example.com', result: { keyAlgorithm: 'AES-256-CBC', server: { name: 'BES01' } } });
    const { transcript } = doc;
    // Times are milliseconds, never going back.
    for (const [i, e] of transcript.entries()) {
      expect(Number.isInteger(e.time) && e.time >= 0).toBe(true);
      if (i > 0) expect(e.time).toBeGreaterThanOrEqual(transcript[i - 1]!.time);
    }
    const statuses = transcript.filter((e) => e.kind === 'status').map((e) => e.id);
    expect(statuses[0]).toBe('activating');
    expect(statuses.at(-1)).toBe('activation-complete');
    expect(statuses).toContain('services-received');
    const frames = transcript.filter((e) => e.kind === 'frame');
    for (const f of frames) {
      expect(Object.keys(f).sort()).toEqual(['direction', 'kind', 'seq', 'size', 'time', 'type']);
      expect(['to-server', 'to-handset']).toContain(f.direction);
      expect(f.size).toBeGreaterThan(0);
    }
    expect(frames[0]).toMatchObject({ direction: 'to-server', type: 'etp-dat', seq: 0 });
    expect(frames[1]).toMatchObject({ direction: 'to-handset', type: 'server-share', seq: 0 });
    expect(frames.filter((f) => f.direction === 'to-server').map((f) => f.seq)).toEqual(
      frames.filter((f) => f.direction === 'to-server').map((_, i) => i),
    );
    const policy = transcript.find((e) => e.kind === 'policy');
    expect(policy).toMatchObject({ status: 'applied', rejected: 0 });
    expect(policy!.rules).toBeGreaterThan(0);
    // The IT policy step sits between key verification and the service books.
    const index = (id: string) => transcript.findIndex((e) => e.id === id);
    expect(transcript.indexOf(policy!)).toBeGreaterThan(index('encryption-verified'));
    expect(transcript.indexOf(policy!)).toBeLessThan(index('services-received'));
    // Never a password or key material: no password, no key id, no long hex string at all.
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toMatch(/keyId|publicKey|[0-9a-f]{16,}/i);
  });

  it('--json with a wrong password: the failure in the JSON, exit 1, nothing on stderr', () => {
    const { code, out, err } = run('examples/demo.ts', ['--json', '--password', 'wrong']);
    expect(code).toBe(1);
    expect(err).toBe('');
    const doc = JSON.parse(out) as { ok: boolean; error: { code: string }; transcript: { kind: string; id?: string }[] };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('WRONG_PASSWORD');
    expect(doc.transcript.filter((e) => e.kind === 'status').at(-1)).toMatchObject({ id: 'activation-failed' });
    expect(out).not.toMatch(/"wrong"/); // the password typed
  });
});

describe('examples/lifecycle.ts (life after activation, docs/lifecycle.md)', () => {
  it('activates, rolls the key over, resends the IT policy, retires the first device for a second, wipes the second: in that order', () => {
    const { code, out, err } = run('examples/lifecycle.ts');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    const order = [
      /^ {2}\[2100000A\] Activation Complete: AES-256-CBC, key [0-9a-f]{8}…$/,
      /^ {2}\[BES\] key rolled over for 2100000A \(reason: admin\)$/,
      /^ {2}\[2100000A\] new transport key [0-9a-f]{8}… \(AES-256-CBC\)$/,
      /^ {2}\[2100000A\] IT policy \S+ applied and acknowledged$/,
      /^ {2}\[BES\] device 2100000A retired \(replaced\)$/,
      /^ {2}\[2100000A\] deactivated \(command\): "Deactivated"$/,
      /^ {2}\[BES\] 2100000A acknowledged deactivate$/,
      /^ {2}\[2100000B\] Activation Complete$/,
      /^ {2}\[2100000B\] wiped: phase idle$/,
      /^ {2}\[BES\] 2100000B acknowledged wipe$/,
      /^ {2}\[BES\] account: No activation password, device: none$/,
    ];
    let at = -1;
    for (const line of order) {
      const i = lines.findIndex((l, index) => index > at && line.test(l));
      expect(i, String(line)).toBeGreaterThan(at);
      at = i;
    }
    // The new key is another key; no password is printed, and no key beyond an 8-digit prefix of its id.
    const ids = [...out.matchAll(/key ([0-9a-f]{8})…/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('second-device-2');
    expect(out).not.toMatch(/[0-9a-f]{9,}/i);
  });
});

describe('examples/simulator.ts (the simulator user guide, docs/simulator.md)', () => {
  it('runs every step of the guide in order, and prints neither a password nor a key', () => {
    const { code, out, err } = run('examples/simulator.ts');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    const order = [
      /^1\. BES01: BlackBerry Enterprise Server for IBM Lotus Domino 4\.1 SP6 MR4, issues AES-256-CBC$/,
      /^ {2}Initializing, has password: true$/,
      /^2\. bob: expires in 60 minutes$/,
      /^ {2}INVALID_ARGUMENT \(password\)$/,
      /^ {2}handset: WRONG_PASSWORD$/,
      /^ {2}failed attempts: 1$/,
      /^ {2}Activated on 2100000A$/,
      /^ {2}policy sent to 1, pending: no-camera$/,
      /^ {2}books sent again: true$/,
      /^ {2}\[admin\] key-rolled-over$/,
      /^ {2}Activation password expired$/,
      /^ {2}0 frames due; attempt-failed: unconfirmed$/,
      /^ {2}Activated$/,
      /^ {2}Activated, policy no-camera$/,
      /^ {2}BlackBerry Enterprise Server for Novell GroupWise 4\.1: AES-256-CBC$/,
      /^ {2}INVALID_ARGUMENT: .*cannot issue TDES-EDE2-CBC transport keys$/,
      /^ {2}policy strict, 5 books: CMIME, CICAL, SYNC, IPPP, ALP$/,
      /^ {2}erin: 3 contacts, 2 events$/,
      /^ {2}\[admin\] device-retired$/,
      /^ {2}\[admin\] wipe$/,
      /^ {2}\[admin\] device-command-acknowledged$/,
      /^ {2}No activation password$/,
    ];
    let at = -1;
    for (const line of order) {
      const i = lines.findIndex((l, index) => index > at && line.test(l));
      expect(i, String(line)).toBeGreaterThan(at);
      at = i;
    }
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toMatch(/not-the-password|wrong-password/);
    expect(out).not.toMatch(/[0-9a-f]{9,}/i);
  });
});
