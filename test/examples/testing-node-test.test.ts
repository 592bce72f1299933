/**
 * Runs examples/testing-node-test.ts under node:test, as its comment says to (docs/testing-toolkit.md,
 * "Recipes"), and checks that node:test ran both of its tests and that they passed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the node:test recipe', () => {
  it('runs under node --test: two tests, both pass', { timeout: 60_000 }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', join('examples', 'testing-node-test.ts')],
      { cwd: root },
    );
    expect(stdout).toMatch(/^# tests 2$/m);
    expect(stdout).toMatch(/^# pass 2$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  });

  it('fails, with the matcher message, when an expectation does not hold', { timeout: 60_000 }, async () => {
    // The same recipe with a wrong expectation: node --test exits 1 and prints what the run showed.
    const dir = mkdtempSync(join(tmpdir(), 'ea-node-test-'));
    const file = join(dir, 'wrong.test.ts');
    const toolkit = pathToFileURL(join(root, 'src', 'testing', 'index.ts')).href;
    writeFileSync(
      file,
      `import assert from 'node:assert/strict'; import { test } from 'node:test';
      import { activate, activationMatchers as m } from '${toolkit}';
      test('wrong', async () => { const r = m.toFailWith(await activate(), 'WRONG_PASSWORD'); assert.ok(r.pass, r.message()); });`,
    );
    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: root }).then(
      () => undefined,
      (e: { code?: number; stdout?: string }) => e,
    );
    rmSync(dir, { recursive: true, force: true });
    expect(err?.code).toBe(1);
    expect(err?.stdout).toMatch(/Activation Complete/);
  });
});
