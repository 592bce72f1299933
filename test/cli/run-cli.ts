/**
 * Runs the BUILT command-line tool (`node dist/cli.js ...args`, what `npm install` links as the
 * `enterprise-activation` bin) in a folder, and checks every run for what a user must never see: a
 * stack trace or a JavaScript error name (issue 10, "CLI and demo fit for people").
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { root } from '../package/ensure-built.js';

export const CLI = join(root, 'dist', 'cli.js');

/** One run: its exit code and what went to each stream. */
export interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI with `args` in the folder `dir()` gives (read at each call: tests make it in beforeAll). */
export function cliIn(dir: () => string): (...args: string[]) => Run {
  return (...args) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir(), encoding: 'utf8', timeout: 60_000 });
    const run = { code: r.status, out: r.stdout, err: r.stderr };
    for (const text of [run.out, run.err]) {
      expect(text, 'a stack trace').not.toMatch(/^\s+at /m);
      expect(text).not.toMatch(/node:internal|ERR_[A-Z_]+|TypeError|RangeError/);
    }
    return run;
  };
}

/** A wrong command line: exit 2, one line saying what is wrong, then the usage (of `command`), all on stderr. */
export function expectUsageError(run: Run, message: RegExp | string, command = ''): void {
  expect(run.code).toBe(2);
  expect(run.out).toBe('');
  const [first, blank, usage] = run.err.split('\n');
  expect(first).toMatch(/^enterprise-activation: .+ \[INVALID_ARGUMENT\]$/);
  expect(first).toMatch(message);
  expect(blank).toBe('');
  expect(usage?.startsWith(`usage: enterprise-activation ${command}`), usage).toBe(true);
}
