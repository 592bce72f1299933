/**
 * `npm run bench:fleet` runs and its JSON has the documented shape (docs/fleet.md). No speed is
 * asserted: the benchmark reports the ratio of two worker threads to one, the test only checks
 * that it can.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../package/ensure-built.js';

beforeAll(() => ensureBuilt(), 300_000);

describe('npm run bench:fleet', () => {
  it('runs with tiny settings and writes JSON with each round and the median ratio', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join('bench', 'fleet.ts'), '--devices', '4', '--rounds', '2', '--concurrency', '2', '--json'],
      { cwd: root },
    );
    const result = JSON.parse(stdout) as {
      schema: string;
      settings: { devices: number; rounds: number };
      rounds: { one: number; two: number; ratio: number }[];
      ratio: number;
      goal: { target: number };
    };
    expect(result.schema).toBe('enterprise-activation/bench-fleet/1');
    expect(result.settings).toMatchObject({ devices: 4, rounds: 2 });
    expect(result.rounds).toHaveLength(2);
    for (const r of result.rounds) {
      expect(r.one).toBeGreaterThan(0);
      expect(r.two).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.two / r.one, 10);
    }
    const ratios = result.rounds.map((r) => r.ratio).sort((a, b) => a - b);
    expect(result.ratio).toBeCloseTo((ratios[0]! + ratios[1]!) / 2, 10);
    expect(result.goal.target).toBe(1.7);
  });
});
