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

describe('examples/demo.ts (npm start)', () => {
  it('prints the statuses in order and ends with Activation Complete', () => {
    const { code, out, err } = run('examples/demo.ts');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    const order = [
      'Activating',
      'Verifying Encryption',
      'Encryption Verified. Waiting for Services',
      'Services Received',
      'Your email address "alice@example.com" is now enabled',
      'Activation Complete',
    ];
    let at = -1;
    for (const text of order) {
      const i = lines.indexOf(text);
      expect(i, text).toBeGreaterThan(at);
      at = i;
    }
    expect(out).toMatch(/Transport key: AES-256-CBC/);
  });

  it('uses Triple DES and the P-521 suite when asked', () => {
    const { code, out } = run('examples/demo.ts', ['--suite', 'p521', '--cipher', '3des']);
    expect(code).toBe(0);
    expect(out).toMatch(/Transport key: TDES-EDE2-CBC/);
  });

  it('a wrong password prints the failure and exits non-zero', () => {
    const { code, out, err } = run('examples/demo.ts', ['--password', 'wrong']);
    expect(code).toBe(1);
    expect(out).toMatch(/Activation failed: the activation password is incorrect/);
    expect(err).toMatch(/WRONG_PASSWORD/);
  });
});
