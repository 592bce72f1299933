/**
 * Activation time and its crypto floor, for one configuration on one provider. The floor is the
 * time the provider takes for exactly the calls one activation made (recorded once through
 * bench/recording-provider.ts, replayed by bench/replay.ts): what the activation would cost if
 * everything around the cryptography were free. Activations and replays alternate, so that both
 * see the same machine, and their ratio is taken per round; the cells alternate too.
 */
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../src/util/bytes.js';
import { decodeFrame, frameAssociatedData } from '../src/wire/index.js';
import { isAsyncProvider } from '../src/crypto/index.js';
import type { AnyCryptoProvider, CryptoProvider } from '../src/index.js';
import { activate, addUsers, createServer, noTraffic, type WireCount, type WireTraffic } from './activation.js';
import type { Configuration } from './configurations.js';
import type { BenchProvider } from './providers.js';
import { countOperations, createRecorder, type RecordedCall } from './recording-provider.js';
import { median } from './stats.js';
import { checkReplay, prepareReplay, type Replay } from './replay.js';
import { createCallTimer } from './timing-provider.js';

/** A configuration on a provider, ready to be timed. */
export interface Cell {
  readonly configuration: Configuration;
  readonly provider: BenchProvider;
  /** The handset's provider, unwrapped. */
  readonly raw: AnyCryptoProvider;
  /** The simulator's provider, unwrapped: `raw` but for an asynchronous provider (bench/providers.ts). */
  readonly serverRaw: CryptoProvider;
  /** The calls of one activation on `raw`, then those on `serverRaw` when it is another provider. */
  readonly calls: readonly RecordedCall[];
  readonly serverCalls: readonly RecordedCall[];
  readonly replay: Replay;
  /** The provider calls' replay alone, without the frame checksums (the fairness check's yardstick). */
  readonly callsReplay: Replay;
  /** Calls per activation, both sides, by `target.method`. */
  readonly operations: Record<string, number>;
  /** Frames and bytes of the recorded activation. */
  readonly wire: WireTraffic;
}

/** The name under which the floor counts the frame checksums among the provider calls. */
export const FRAME_CHECKSUM_OPERATION = 'frame.checksum (SHA-256)';

/**
 * The frame checksums of an activation, as a replay: SHA-256 over each frame's header and body,
 * twice per frame (its sender computes it, its receiver checks it; src/wire/frame.ts). They are
 * not provider calls (frame.ts says why), so the recording does not see them, but they are
 * cryptography the activation needs, and issue 14's floor counts them ("59 SHA-256").
 */
function frameChecksums(frames: readonly Uint8Array[]): () => void {
  const inputs = frames.map((bytes) => {
    const frame = decodeFrame(bytes);
    return concatBytes(frameAssociatedData(frame), frame.body);
  });
  return () => {
    for (const input of inputs) {
      sha256(input);
      sha256(input);
    }
  };
}

/** The provider calls' replay, then the frame checksums. */
function withChecksums(replay: Replay, checksums: () => void): Replay {
  return () => {
    const pending = replay();
    if (pending === undefined) {
      checksums();
      return undefined;
    }
    return Promise.resolve(pending).then(checksums);
  };
}

/**
 * One round's figures for a cell: medians over the round's iterations, so that an iteration
 * during which the machine was busy elsewhere does not move them.
 */
export interface CellSample {
  readonly activationMs: number;
  readonly floorMs: number;
}

/** A count without its captured frames (what the result reports). */
function count(c: WireCount): WireCount {
  return { frames: c.frames, bytes: c.bytes };
}

/** Records one activation of the configuration on the provider and checks that its replay is faithful. */
export async function prepareCell(configuration: Configuration, provider: BenchProvider): Promise<Cell> {
  const raw = await provider.create();
  const serverRaw = provider.server?.() ?? (raw as CryptoProvider);
  const recorder = createRecorder(raw as CryptoProvider);
  const serverRecorder = serverRaw === raw ? recorder : createRecorder(serverRaw);
  const server = createServer(configuration, serverRecorder.provider);
  addUsers(server, 0, 1);
  const captured: Uint8Array[] = [];
  const traffic = noTraffic();
  const wire: WireTraffic = {
    handsetToServer: { ...traffic.handsetToServer, captured },
    serverToHandset: { ...traffic.serverToHandset, captured },
  };
  recorder.start();
  serverRecorder.start();
  try {
    await activate(server, configuration, recorder.provider as AnyCryptoProvider, 0, { wire });
  } finally {
    recorder.stop();
    serverRecorder.stop();
    server.close();
  }
  const calls = [...recorder.calls];
  const serverCalls = serverRecorder === recorder ? [] : [...serverRecorder.calls];
  await checkReplay(raw as CryptoProvider, calls);
  await checkReplay(serverRaw, serverCalls);
  const operations = { ...countOperations([...calls, ...serverCalls]), [FRAME_CHECKSUM_OPERATION]: 2 * captured.length };
  const callsReplay = inSequence(prepareReplay(raw as CryptoProvider, calls), prepareReplay(serverRaw, serverCalls));
  const replay = withChecksums(callsReplay, frameChecksums(captured));
  return {
    configuration,
    provider,
    raw,
    serverRaw,
    calls,
    serverCalls,
    replay,
    callsReplay,
    operations,
    wire: { handsetToServer: count(wire.handsetToServer), serverToHandset: count(wire.serverToHandset) },
  };
}

/** One replay after the other (the handset's calls, then the server's on its own provider). */
function inSequence(first: Replay, second: Replay): Replay {
  return () => {
    const pending = first();
    if (pending === undefined) return second();
    return Promise.resolve(pending).then(second);
  };
}

/**
 * One round: `iterations` activations of every cell (each on a fresh server of its own, accounts
 * made untimed), each followed by one replay of its floor. The cells take turns activation by
 * activation, starting with cell `first`, so that a busy stretch of the machine falls on all of
 * them alike: ratios between cells (native versus noble) come from the same moments.
 */
export async function measureRound(cells: readonly Cell[], iterations: number, first = 0): Promise<CellSample[]> {
  const servers = cells.map((cell) => {
    const server = createServer(cell.configuration, cell.serverRaw);
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
  await checkReplay(cell.raw as CryptoProvider, cell.calls);
  await checkReplay(cell.serverRaw, cell.serverCalls);
}

/** What the fairness check found for a cell: medians over its activations. */
export interface Fairness {
  /** Time spent inside the provider calls during an activation (their durations summed). */
  readonly insideMs: number;
  /** Time of the same calls replayed back to back (the floor without its frame checksums). */
  readonly replayedMs: number;
}

/**
 * Is the replay a fair floor? For each cell on a synchronous provider, `iterations` activations
 * on a provider that times its own calls (bench/timing-provider.ts), each followed by the calls'
 * replay: the calls' summed durations inside the activation against the replay's time. Inside an
 * activation the calls run between the protocol's own work (colder caches, other objects on the
 * heap); replayed, back to back. Close figures say the floor is not unfairly fast. The time inside
 * includes the random bytes the calls draw (the replay hands back recorded ones) and the timing
 * itself (two clock reads per call). Cells on an asynchronous provider are left out (undefined):
 * a promise's time is not its call's.
 */
export async function measureFairness(cells: readonly Cell[], iterations: number): Promise<(Fairness | undefined)[]> {
  const out: (Fairness | undefined)[] = [];
  for (const cell of cells) {
    if (isAsyncProvider(cell.raw) || cell.serverRaw !== cell.raw) {
      out.push(undefined);
      continue;
    }
    const timer = createCallTimer(cell.serverRaw);
    const server = createServer(cell.configuration, timer.provider);
    addUsers(server, 0, iterations);
    const insideMs: number[] = [];
    const replayedMs: number[] = [];
    try {
      for (let i = 0; i < iterations; i++) {
        timer.reset();
        await activate(server, cell.configuration, timer.provider, i);
        insideMs.push(timer.elapsedMs());
        const start = performance.now();
        const pending = cell.callsReplay();
        if (pending !== undefined) await pending;
        replayedMs.push(performance.now() - start);
      }
    } finally {
      server.close();
    }
    out.push({ insideMs: median(insideMs), replayedMs: median(replayedMs) });
  }
  return out;
}
