/**
 * `npm run bench` runs and its JSON has the documented shape (docs/performance.md). No speed is
 * asserted: the benchmark reports, the test only checks that it can (issue 14, "Done when").
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../bench/args.js';
import { formatReport } from '../../bench/report.js';
import type { BenchResult } from '../../bench/result.js';

const root = join(import.meta.dirname, '..', '..');
const CONFIGURATIONS = ['x25519-aes256', 'x25519-tdes', 'p521-aes256'];
const TINY = ['--iterations', '1', '--rounds', '1', '--warmup', '0', '--memory-count', '2'];

function expectSummary(summary: unknown): void {
  expect(summary).toMatchObject({
    median: expect.any(Number),
    min: expect.any(Number),
    max: expect.any(Number),
    spread: expect.any(Number),
    samples: expect.any(Array),
  });
  const s = summary as BenchResult['configurations'][number]['providers'][number]['ratio'];
  expect(Number.isFinite(s.median) && s.median > 0).toBe(true);
  expect(s.min).toBeLessThanOrEqual(s.median);
  expect(s.max).toBeGreaterThanOrEqual(s.median);
}

describe('npm run bench', () => {
  let result: BenchResult;

  // About 10 s of CPU, two processes (the heap part has its own); up to half a minute on a loaded machine.
  it('runs with the tiniest settings and writes JSON with every configuration, figure and goal', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--json', ...TINY], {
      cwd: root,
      maxBuffer: 1 << 22,
    });
    result = JSON.parse(stdout) as BenchResult;

    expect(result.schema).toBe(1);
    expect(result.machine).toMatchObject({ cpus: expect.any(Number), node: process.version, cpuModel: expect.any(String) });
    expect(Number.isNaN(Date.parse(result.machine.date))).toBe(false);
    expect(result.settings).toEqual({ iterations: 1, rounds: 1, warmup: 0, memoryCount: 2 });

    expect(result.configurations.map((c) => c.id)).toEqual(CONFIGURATIONS);
    for (const c of result.configurations) {
      expect(c.wire.handsetToServer.frames).toBeGreaterThan(0);
      expect(c.wire.serverToHandset.bytes).toBeGreaterThan(0);
      expect(c.wire.totalBytes).toBe(c.wire.handsetToServer.bytes + c.wire.serverToHandset.bytes);
      expect(c.providers.map((p) => p.provider)).toContain('noble');
      for (const p of c.providers) {
        expectSummary(p.activationMs);
        expectSummary(p.floorMs);
        expectSummary(p.ratio);
        expect(p.ratio.samples).toHaveLength(1);
        // Both sides seal and open every message after the key: one open for each seal.
        expect(p.operations['provider.sealMessage']).toBeGreaterThan(0);
        expect(p.operations['provider.openMessage']).toBe(p.operations['provider.sealMessage']);
        expect(p.operations[`${c.suite}.scalarMultVfy`]).toBe(2);
        // The floor hashes every frame twice (its checksum at the sender and at the receiver).
        expect(p.operations['frame.checksum (SHA-256)']).toBe(2 * (c.wire.handsetToServer.frames + c.wire.serverToHandset.frames));
        // The fair-floor check times the calls of a synchronous provider only (WebCrypto's are promises).
        if (p.provider === 'webcrypto') {
          expect(p.fairness).toBeNull();
        } else {
          const fair = p.fairness!;
          expectSummary(fair.insideMs);
          expectSummary(fair.replayedMs);
          expectSummary(fair.ratio);
          expect(fair.ratio.samples).toHaveLength(1);
          expect(fair.ratio.median).toBeCloseTo(fair.insideMs.median / fair.replayedMs.median, 10);
        }
      }
      for (const s of c.nativeSpeedup) expectSummary(s.ratio);
    }

    expect(result.memory.count).toBe(2);
    expect(result.memory.recordsPerHandset).toBeGreaterThan(0);
    for (const field of [
      'handsetBytes',
      'handsetWithRecordsBytes',
      'recordBytes',
      'simulatorAccountBytes',
      'simulatorAccountNoRecordsBytes',
    ] as const) {
      expect(Number.isFinite(result.memory[field]), field).toBe(true);
    }

    const ids = result.goals.map((g) => g.id);
    // Issue 14's goals: the floor ratio on noble, the speed-up of the node provider; the others are reported only.
    expect(ids.filter((id) => id.startsWith('floor-ratio.'))).toEqual(CONFIGURATIONS.map((c) => `floor-ratio.${c}.noble`));
    expect(ids.filter((id) => id.startsWith('native-speedup.'))).toEqual([
      'native-speedup.x25519-aes256.node',
      'native-speedup.x25519-tdes.node',
    ]);
    for (const c of result.configurations) expect(c.nativeSpeedup.map((s) => s.provider)).toEqual(['node', 'webcrypto']);
    expect(ids).toEqual(expect.arrayContaining(['heap.handset', 'heap.simulator-account']));
    for (const g of result.goals) {
      expect(['x', 'bytes']).toContain(g.unit);
      expect(g.target).toEqual(expect.any(Number));
      // A goal is a number; only a goal nothing could measure (no native provider) says why instead.
      if (g.measured === null) expect(g.note).toEqual(expect.any(String));
      else expect(Number.isFinite(g.measured)).toBe(true);
      expect(g.met).toBe(g.measured !== null && (g.comparison === '<=' ? g.measured <= g.target : g.measured >= g.target));
    }
  });

  it('prints the same result as a table with each goal and whether it is met', () => {
    const text = formatReport(result);
    for (const g of result.goals) expect(text).toContain(g.description);
    for (const c of result.configurations) expect(text).toContain(c.label);
    expect(text).toContain('Is the replay a fair floor?');
    const lines = text.split('\n');
    for (const g of result.goals) {
      const status = g.met ? /\smet$/ : g.measured === null ? /not met \(not measured\)$/ : /NOT MET$/;
      expect(lines.find((l) => l.startsWith(g.description))).toMatch(status);
    }
  });

  it('takes --json, --iterations, --rounds, --warmup and --memory-count, and refuses anything else', () => {
    expect(parseArgs(['--json', '--iterations', '4', '--rounds', '2'])).toMatchObject({ json: true, iterations: 4, rounds: 2 });
    expect(parseArgs([])).toMatchObject({ json: false, rounds: 3 });
    expect(() => parseArgs(['--rounds', '0'])).toThrow(/--rounds/);
    expect(() => parseArgs(['--iterations', 'many'])).toThrow(/--iterations/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option/);
  });
});
