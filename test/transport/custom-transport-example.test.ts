/** examples/custom-transport.ts runs as a user would run it, and exits 0 on its own. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('examples/custom-transport.ts', () => {
  it('activates over a BroadcastChannel transport and exits 0', () => {
    const r = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/custom-transport.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('Activating');
    expect(lines).toContain('Activation Complete');
    expect(lines.at(-1)).toMatch(/^Activated on BES01 with /);
  });
});
