/**
 * Each scenario preset leads to the outcome its entry in PRESETS documents. The table below is
 * typed by preset name, so a preset added without a test here does not compile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS, PRESET_NAMES, type PresetName } from '../../src/testing/presets.js';
import type { ActivationRun } from '../../src/testing/activation-run.js';
import { MAX_FAILED_ATTEMPTS } from '../../src/simulator/accounts.js';
import { DEFAULT_TEST_DEVICE, DEFAULT_TEST_USER, createActivationPair, type ActivationPair } from '../../src/testing/activation-pair.js';
import { unfrozenPaths } from '../support/frozen.js';

const statusIds = (run: ActivationRun) => run.statuses.map((s) => s.id);
const completed = (run: ActivationRun) => {
  expect(run.ok, run.error?.message).toBe(true);
  expect(statusIds(run).at(-1)).toBe('activation-complete');
};
const failedWith = (run: ActivationRun, code: string, text: string) => {
  expect(run.ok).toBe(false);
  expect(run.error?.code).toBe(code);
  expect(run.statuses.at(-1)).toEqual({ id: 'activation-failed', text });
};

/** What each preset's documented outcome means, checked on its run (and its pair, for the server's view). */
const outcomes: Record<PresetName, (run: ActivationRun, pair: ActivationPair) => void> = {
  'password-expired': (run) => failedWith(run, 'PASSWORD_EXPIRED', 'Activation failed: the activation password has expired'),
  'locked-out': (run, pair) => {
    failedWith(run, 'WRONG_PASSWORD', 'Activation failed: the activation password is incorrect');
    const account = pair.server.account(pair.user.email);
    expect(account).toMatchObject({ locked: true, failedAttempts: MAX_FAILED_ATTEMPTS, lastFailure: { code: 'LOCKED_OUT' } });
  },
  'wrong-password': (run, pair) => {
    failedWith(run, 'WRONG_PASSWORD', 'Activation failed: the activation password is incorrect');
    expect(pair.server.account(pair.user.email)).toMatchObject({ failedAttempts: 1, locked: false });
  },
  'tdes-only': (run) => {
    completed(run);
    expect(run.result?.keyAlgorithm).toBe('TDES-EDE2-CBC');
  },
  'old-bes': (run) => {
    completed(run);
    expect(run.result?.keyAlgorithm).toBe('TDES-EDE2-CBC');
    expect(run.result?.serverVersion).toMatchObject({ flavour: 'Exchange', major: 3, minor: 6 });
  },
  'no-cmime': (run) => {
    completed(run);
    expect(statusIds(run)).toContain('email-not-enabled');
    expect(statusIds(run)).not.toContain('email-enabled');
    expect(run.synced.messages).toBe(0);
    expect(run.synced.calendar).toBeGreaterThan(0);
  },
  'policy-rejected': (run) => failedWith(run, 'POLICY_REJECTED', 'Activation failed: the IT policy could not be applied'),
  'server-silent': (run) => {
    failedWith(run, 'TIMEOUT', 'Activation failed: the server did not respond');
    // The ETP.DAT sent 5 times (the first and 4 retries), 15 s apart, and given up 15 s after the last.
    expect(run.frames.map((f) => [f.direction, f.type, f.at])).toEqual(
      [0, 15_000, 30_000, 45_000, 60_000].map((at) => ['to-server', 'etp-dat', at]),
    );
    expect(run.elapsedMs).toBe(75_000);
  },
  'slow-link': (run) => {
    completed(run);
    // 3 s each way: every reply reaches the handset 6 s after the frame it answers.
    const first = run.frames.find((f) => f.type === 'server-share');
    expect(first?.at).toBe(6_000);
    expect(run.elapsedMs).toBe(6_000 * (run.frames.length / 2));
  },
  'lossy-link': (run) => {
    completed(run);
    const sent = run.frames.filter((f) => f.direction === 'to-server').map((f) => `${f.type}#${f.seq}`);
    expect(new Set(sent).size, 'some frame was sent again').toBeLessThan(sent.length);
  },
  'restart-mid-activation': (run, pair) => {
    completed(run);
    expect(run.synced).toMatchObject({ calendar: 12, contacts: 30, messages: 40 });
    // The restored handset sent its last sync-ack again when its reply timeout fired.
    const acks = run.frames.filter((f) => f.type === 'sync-ack').map((f) => `${f.seq}@${f.at}`);
    expect(acks.slice(0, 2)).toEqual(['5@0', '5@15000']);
    expect(pair.handset.status?.id).toBe('activation-complete');
  },
  'second-device': (run, pair) => {
    completed(run);
    expect(pair.otherHandsets[0]?.status).toEqual({ id: 'deactivated', text: 'Deactivated' });
    expect(pair.server.account(pair.user.email)?.devicePin).toBe('2100000A');
  },
};

describe('scenario presets', () => {
  it('every preset is documented with its setup and outcome', () => {
    expect(PRESET_NAMES).toEqual(Object.keys(outcomes));
    for (const name of PRESET_NAMES) {
      expect(PRESETS[name].setup.length, name).toBeGreaterThan(20);
      expect(PRESETS[name].outcome.length, name).toBeGreaterThan(10);
    }
  });

  it('the exported tables are frozen: no test can change them for the next', () => {
    for (const table of [PRESETS, PRESET_NAMES, DEFAULT_TEST_USER, DEFAULT_TEST_DEVICE]) expect(unfrozenPaths(table)).toEqual([]);
  });

  it('docs/testing-toolkit.md shows the same table, word for word', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'testing-toolkit.md'), 'utf8');
    const rows = doc
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '')))
      .filter(([name]) => PRESET_NAMES.includes(name!.replace(/`/g, '') as PresetName));
    expect(rows).toEqual(PRESET_NAMES.map((name) => [`\`${name}\``, PRESETS[name].setup, PRESETS[name].outcome]));
  });

  for (const name of Object.keys(outcomes) as PresetName[]) {
    it(`${name}: ${PRESETS[name].outcome}`, async () => {
      const pair = createActivationPair({ preset: name });
      try {
        outcomes[name](await pair.activate(), pair);
      } finally {
        await pair.close();
      }
    });
  }

  it('the default pair activates with AES-256 and synchronizes every database but the empty ones', async () => {
    const pair = createActivationPair();
    const run = await pair.activate();
    await pair.close();
    completed(run);
    expect(run.result?.keyAlgorithm).toBe('AES-256-CBC');
    expect(run.synced).toEqual({ calendar: 12, contacts: 30, tasks: 8, memos: 5, emailSettings: 1, messages: 40, options: 6 });
    expect(run.elapsedMs).toBe(0);
  });

  it('combines presets: Triple DES over a lossy link', async () => {
    const pair = createActivationPair({ preset: ['tdes-only', 'lossy-link'] });
    const run = await pair.activate();
    await pair.close();
    completed(run);
    expect(run.result?.keyAlgorithm).toBe('TDES-EDE2-CBC');
    expect(run.elapsedMs).toBeGreaterThan(0);
  });

  it('wrong-password with times: after 5 failures the right password fails too (the server counts LOCKED_OUT)', async () => {
    const pair = createActivationPair({ preset: 'wrong-password' });
    const fifth = await pair.activate({ times: MAX_FAILED_ATTEMPTS });
    expect(fifth.error?.code).toBe('WRONG_PASSWORD');
    expect(pair.server.account(pair.user.email)).toMatchObject({ failedAttempts: 5, locked: true });
    const right = await pair.activate({ password: pair.user.password });
    await pair.close();
    expect(right.error?.code).toBe('WRONG_PASSWORD');
    expect(pair.server.account(pair.user.email)?.lastFailure?.code).toBe('LOCKED_OUT');
  });
});
