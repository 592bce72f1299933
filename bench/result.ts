/**
 * The benchmark's result: what `npm run bench -- --json` prints and the table is drawn from.
 * docs/performance.md documents it field by field; test/bench/bench.test.ts checks its shape.
 */
import type { WireCount } from './activation.js';
import type { BenchArgs } from './args.js';
import type { Goal } from './goals.js';
import type { MachineFacts } from './machine.js';
import type { Summary } from './stats.js';

/** Bumped when a field changes meaning or goes away. */
export const RESULT_SCHEMA = 1;

export interface ProviderResult {
  readonly provider: string;
  readonly native: boolean;
  /** Time of one activation, the median of each round's iterations (ms). */
  readonly activationMs: Summary;
  /** Time of one replay of the activation's provider calls, the median of each round's iterations (ms). */
  readonly floorMs: Summary;
  /** activationMs / floorMs, per round. */
  readonly ratio: Summary;
  /** Provider calls of one activation, both sides, by `target.method`. */
  readonly operations: Readonly<Record<string, number>>;
  /**
   * Is the replay a fair floor? In each round, after its timed activations, `iterations` more on a
   * provider that times its calls: the time spent inside the provider calls during an activation
   * (ms), the same calls replayed (the floor without its frame checksums, ms), and inside /
   * replayed within the round. Null for an asynchronous provider.
   */
  readonly fairness: { readonly insideMs: Summary; readonly replayedMs: Summary; readonly ratio: Summary } | null;
}

export interface ConfigurationResult {
  readonly id: string;
  readonly label: string;
  readonly suite: string;
  readonly cipher: string;
  /** One activation's frames, counted at the memory transport. */
  readonly wire: { readonly handsetToServer: WireCount; readonly serverToHandset: WireCount; readonly totalBytes: number };
  readonly providers: readonly ProviderResult[];
  /** noble's activation time / the native provider's, per round. */
  readonly nativeSpeedup: readonly { readonly provider: string; readonly ratio: Summary }[];
}

/** Heap figures in bytes (see bench/memory-child.ts). */
export interface MemoryResult {
  readonly configuration: string;
  readonly provider: string;
  /** Handsets and accounts per sample. */
  readonly count: number;
  /** Per idle activated handset with no organizer records: its protocol state. */
  readonly handsetBytes: number;
  /** Per idle activated handset with the simulator's default organizer data. */
  readonly handsetWithRecordsBytes: number;
  readonly recordsPerHandset: number;
  /** (handsetWithRecordsBytes - handsetBytes) / recordsPerHandset. */
  readonly recordBytes: number;
  /** Per activated simulator account, default organizer data. */
  readonly simulatorAccountBytes: number;
  /** Per activated simulator account whose user has no organizer data. */
  readonly simulatorAccountNoRecordsBytes: number;
}

export interface BenchResult {
  readonly schema: typeof RESULT_SCHEMA;
  readonly machine: MachineFacts;
  readonly settings: Omit<BenchArgs, 'json'>;
  readonly configurations: readonly ConfigurationResult[];
  readonly memory: MemoryResult;
  readonly goals: readonly Goal[];
}
