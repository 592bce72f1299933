/**
 * Activation time and its crypto floor, for one configuration on one provider. The floor is the
 * time the provider takes for exactly the calls one activation made (recorded once through
 * bench/recording-provider.ts, replayed by bench/replay.ts): what the activation would cost if
 * everything around the cryptography were free. Activations and replays alternate, so that both
 * see the same machine, and their ratio is taken per round; the cells alternate too.
 */
import { performance } from 'node:perf_hooks';
import type { CryptoProvider } from '../src/index.js';
import { activate, addUsers, createServer, noTraffic, type WireTraffic } from './activation.js';
import type { Configuration } from './configurations.js';
import type { BenchProvider } from './providers.js';
import { countOperations, createRecorder, type RecordedCall } from './recording-provider.js';
import { median } from './stats.js';
import { checkReplay, prepareReplay, type Replay } from './replay.js';

/** A configuration on a provider, ready to be timed. */
export interface Cell {
  readonly configuration: Configuration;
  readonly provider: BenchProvider;
  readonly raw: CryptoProvider;
  readonly calls: readonly RecordedCall[];
  readonly replay: Replay;
  /** Calls per activation, both sides, by `target.method`. */
  readonly operations: Record<string, number>;
  /** Frames and bytes of the recorded activation. */
  readonly wire: WireTraffic;
}

/**
 * One round's figures for a cell: medians over the round's iterations, so that an iteration
 * during which the machine was busy elsewhere does not move them.
 */
export interface CellSample {
  readonly activationMs: number;
  readonly floorMs: number;
}

/** Records one activation of the configuration on the provider and checks that its replay is faithful. */
export async function prepareCell(configuration: Configuration, provider: BenchProvider): Promise<Cell> {
  const raw = await provider.create();
  const recorder = createRecorder(raw);
  const server = createServer(configuration, recorder.provider);
  addUsers(server, 0, 1);
  const wire = noTraffic();
  recorder.start();
  try {
    await activate(server, configuration, recorder.provider, 0, { wire });
  } finally {
    recorder.stop();
    server.close();
  }
  const calls = [...recorder.calls];
  await checkReplay(raw, calls);
  return { configuration, provider, raw, calls, replay: prepareReplay(raw, calls), operations: countOperations(calls), wire };
}

/**
 * One round: `iterations` activations of every cell (each on a fresh server of its own, accounts
 * made untimed), each followed by one replay of its floor. The cells take turns activation by
 * activation, starting with cell `first`, so that a busy stretch of the machine falls on all of
 * them alike: ratios between cells (native versus noble) come from the same moments.
 */
export async function measureRound(cells: readonly Cell[], iterations: number, first = 0): Promise<CellSample[]> {
  const servers = cells.map((cell) => {
    const server = createServer(cell.configuration, cell.raw);
    addUsers(server, 0, iterations);
    return server;
  });
  const activationMs = cells.map((): number[] => []);
  const floorMs = cells.map((): number[] => []);
  try {
    for (let i = 0; i < iterations; i++) {
      for (let k = 0; k < cells.length; k++) {
        const c = (first + k) % cells.length;
        const cell = cells[c]!;
        let start = performance.now();
        await activate(servers[c]!, cell.configuration, cell.raw, i);
        activationMs[c]!.push(performance.now() - start);
        start = performance.now();
        const pending = cell.replay();
        if (pending !== undefined) await pending;
        floorMs[c]!.push(performance.now() - start);
      }
    }
  } finally {
    for (const server of servers) server.close();
  }
  return cells.map((_, c) => ({ activationMs: median(activationMs[c]!), floorMs: median(floorMs[c]!) }));
}

/** Checks the replay again after the timed runs: a provider that changed its arguments would show here. */
export async function recheckCell(cell: Cell): Promise<void> {
  await checkReplay(cell.raw, cell.calls);
}
