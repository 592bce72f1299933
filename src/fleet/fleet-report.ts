/**
 * What a fleet measured: per-phase latency percentiles from HDR histograms (hdr-histogram-js, an
 * optional peer: 3 significant digits from 1 ms to 1 hour), failures by error code, throughput and
 * peak memory. {@link FleetStats} collects while the fleet runs; {@link FleetStats.report} freezes it.
 */
import type { Histogram } from 'hdr-histogram-js';
import { loadPeer } from '../node/optional-peers.js';
import type { DeviceResult } from './fleet-target.js';
import { FLEET_PHASES, type FleetPhase } from './phase-clock.js';

/** Percentiles of one phase, in ms (0 when nothing was timed). */
export interface PhaseLatency {
  /** Activations that went through the phase. */
  readonly count: number;
  /** Median, ms. */
  readonly p50: number;
  /** 90th percentile, ms. */
  readonly p90: number;
  /** 99th percentile, ms. */
  readonly p99: number;
  /** Longest, ms. */
  readonly max: number;
  /** Mean, ms (one decimal). */
  readonly mean: number;
}

/** The progress of a running fleet (what a progress bar shows). */
export interface FleetProgress {
  /** Activations ended: completed plus failed. */
  readonly done: number;
  /** Activations that failed. */
  readonly failed: number;
  /** Activations under way. */
  readonly inFlight: number;
  /** Time since the fleet started, ms. */
  readonly elapsedMs: number;
  /** Completed activations per second, over the run so far. */
  readonly perSecond: number;
  /** Median of the whole activation so far, ms. */
  readonly p50: number;
  /** 99th percentile of the whole activation so far, ms. */
  readonly p99: number;
}

/** The summary of a fleet run. */
export interface FleetReport {
  /** `memory`, or the URL of the server. */
  readonly target: string;
  /** Activations started. */
  readonly started: number;
  /** Activations that reached Activation Complete. */
  readonly completed: number;
  /** Activations that failed (see {@link FleetReport.failures}). */
  readonly failed: number;
  /** Failed activations by error code. */
  readonly failures: Readonly<Record<string, number>>;
  /** From the first start to the last end, ms. */
  readonly durationMs: number;
  /** Completed activations per second. */
  readonly perSecond: number;
  /** Latency of each phase, from the handset's statuses (ms). */
  readonly phases: Readonly<Record<FleetPhase, PhaseLatency>>;
  /** The largest resident set size seen while it ran, bytes (Node's `process.memoryUsage().rss`). */
  readonly peakRssBytes: number;
}

/** Longest latency recorded (ms); anything longer counts as this. */
const MAX_TRACKED_MS = 3_600_000;

/** Collects a fleet's results. */
export class FleetStats {
  readonly #histograms: Record<FleetPhase, Histogram>;
  readonly #failures: Record<string, number> = Object.create(null) as Record<string, number>;
  #completed = 0;
  #failed = 0;
  #peakRss = 0;

  private constructor(histograms: Record<FleetPhase, Histogram>) {
    this.#histograms = histograms;
  }

  /** Empty statistics (rejects with ActivationError('UNSUPPORTED') without hdr-histogram-js). */
  static async create(): Promise<FleetStats> {
    const { build } = await loadPeer('hdr-histogram-js', 'runFleet');
    const make = (): Histogram =>
      build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKED_MS, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    return new FleetStats(Object.fromEntries(FLEET_PHASES.map((p) => [p, make()])) as Record<FleetPhase, Histogram>);
  }

  /** A completed activation and its phases (ms). */
  completed(phases: Readonly<Partial<Record<FleetPhase, number>>>): void {
    this.#completed++;
    for (const phase of FLEET_PHASES) {
      const ms = phases[phase];
      if (ms !== undefined) this.#histograms[phase].recordValue(Math.min(MAX_TRACKED_MS, Math.max(1, Math.round(ms))));
    }
  }

  /** One activation's result, whichever way it ended. */
  record(result: DeviceResult): void {
    if (result.ok) this.completed(result.phases);
    else this.failed(result.code);
  }

  /** A failed activation and its error code. */
  failed(code: string): void {
    this.#failed++;
    this.#failures[code] = (this.#failures[code] ?? 0) + 1;
  }

  /** Notes the memory now. */
  sampleMemory(rssBytes: number): void {
    if (rssBytes > this.#peakRss) this.#peakRss = rssBytes;
  }

  /** Progress so far. */
  progress(inFlight: number, elapsedMs: number): FleetProgress {
    const total = this.#histograms.total;
    return {
      done: this.#completed + this.#failed,
      failed: this.#failed,
      inFlight,
      elapsedMs,
      perSecond: elapsedMs > 0 ? (this.#completed * 1000) / elapsedMs : 0,
      p50: total.totalCount === 0 ? 0 : total.getValueAtPercentile(50),
      p99: total.totalCount === 0 ? 0 : total.getValueAtPercentile(99),
    };
  }

  /** The final report. */
  report(target: string, started: number, durationMs: number): FleetReport {
    const phases = Object.fromEntries(
      FLEET_PHASES.map((phase) => {
        const h = this.#histograms[phase];
        const empty = h.totalCount === 0;
        // A percentile is its bucket's highest equivalent value, which can pass the exact maximum by a bucket's width.
        const at = (p: number): number => (empty ? 0 : Math.min(h.getValueAtPercentile(p), h.maxValue));
        return [
          phase,
          {
            count: h.totalCount,
            p50: at(50),
            p90: at(90),
            p99: at(99),
            max: empty ? 0 : h.maxValue,
            mean: empty ? 0 : Math.round(h.mean * 10) / 10,
          },
        ];
      }),
    ) as Record<FleetPhase, PhaseLatency>;
    return {
      target,
      started,
      completed: this.#completed,
      failed: this.#failed,
      failures: { ...this.#failures },
      durationMs: Math.round(durationMs),
      perSecond: durationMs > 0 ? Math.round(((this.#completed * 1000) / durationMs) * 10) / 10 : 0,
      phases,
      peakRssBytes: this.#peakRss,
    };
  }
}
