/**
 * `runFleet` (src/fleet/run-fleet.ts) against the in-process simulator: every device activates, each
 * phase is timed once per device, failures are counted by code, and the run stops on its count,
 * its duration or an abort. Against a `serve`, see test/cli/fleet.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runFleet } from '../../src/fleet/run-fleet.js';
import { FLEET_PHASES } from '../../src/fleet/phase-clock.js';
import type { FleetProgress } from '../../src/fleet/fleet-report.js';

describe('runFleet, memory target', () => {
  it('activates every device and times every phase of each, with progress reports', async () => {
    const progress: FleetProgress[] = [];
    const report = await runFleet({
      target: 'memory',
      seed: 'rf',
      devices: 6,
      concurrency: 3,
      progressEveryMs: 50,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({ target: 'memory', started: 6, completed: 6, failed: 0, failures: {} });
    for (const phase of FLEET_PHASES) {
      const l = report.phases[phase];
      expect(l.count, phase).toBe(6);
      expect(l.p50).toBeGreaterThan(0);
      expect(l.p50).toBeLessThanOrEqual(l.p90);
      expect(l.p90).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
    }
    // The total is about the sum of the phases (each rounded to 1 ms).
    const sum = FLEET_PHASES.slice(0, 4).reduce((s, p) => s + report.phases[p].mean, 0);
    expect(Math.abs(sum - report.phases.total.mean)).toBeLessThan(5);
    expect(report.perSecond).toBeGreaterThan(0);
    expect(report.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(progress.at(-1)).toMatchObject({ done: 6, failed: 0, inFlight: 0 });
    for (const p of progress) expect(p.inFlight).toBeLessThanOrEqual(3);
  });

  it('starts devices at a rate, and stops starting them after a duration', async () => {
    const byRate = await runFleet({ target: 'memory', seed: 'rf', devices: 4, rate: 20, concurrency: 4 });
    expect(byRate.completed).toBe(4);
    const byTime = await runFleet({ target: 'memory', seed: 'rf', durationMs: 300, concurrency: 2 });
    expect(byTime.started).toBeGreaterThan(0);
    expect(byTime.completed + byTime.failed).toBe(byTime.started);
  });

  it('stops starting devices when aborted; those under way finish', async () => {
    const controller = new AbortController();
    const done = runFleet({
      target: 'memory',
      seed: 'rf',
      devices: 1000,
      concurrency: 2,
      signal: controller.signal,
      progressEveryMs: 20,
      onProgress: (p) => p.done >= 2 && controller.abort(),
    });
    const report = await done;
    expect(report.started).toBeLessThan(1000);
    expect(report.completed + report.failed).toBe(report.started);
  });

  it('refuses bad options with INVALID_ARGUMENT before it starts anything', async () => {
    for (const options of [
      { target: 'memory', seed: '' },
      { target: 'ftp://x', seed: 's' },
      { target: 'memory', seed: 's', devices: 0 },
      { target: 'memory', seed: 's', concurrency: 1.5 },
      { target: 'memory', seed: 's', rate: -1 },
      { target: 'memory', seed: 's', durationMs: Number.NaN },
      { target: 'memory', seed: 's', progressEveryMs: 1 },
    ]) {
      await expect(runFleet(options as never), JSON.stringify(options)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(runFleet(null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses a mode or crypto it does not know in the words activateFleetDevice uses (one check for both)', async () => {
    await expect(runFleet({ target: 'memory', seed: 's', mode: 'smtp' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "mode must be 'websocket' or 'poll'",
      cause: { operation: 'runFleet', field: 'mode' },
    });
    await expect(runFleet({ target: 'memory', seed: 's', crypto: 'openssl', workers: 2 } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "crypto must be 'noble' or 'node'",
      cause: { operation: 'runFleet', field: 'crypto' },
    });
  });
});
