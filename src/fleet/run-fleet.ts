/**
 * `runFleet`: many simulated handsets activating against one server, by concurrency (so many in
 * flight) or by arrival rate (so many started per second), for a number of devices or a duration
 * (issue 15; `enterprise-activation fleet` is its command line). The target is an in-process
 * `BesSimulator` over the memory transport (`'memory'`), or the URL of a relay with a BES behind it
 * (`enterprise-activation serve`), reached as any handset reaches it. Devices come from the seed
 * ({@link fleetDevices}): the same seed gives the same PINs, accounts and passwords, and a `serve`
 * with that seed has those accounts. Everything runs on the calling thread.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { loadPeer } from '../node/optional-peers.js';
import { MAX_FLEET_USERS } from '../simulator/fleet-users.js';
import { createNodeCryptoProvider } from '../node/crypto/node-crypto-provider.js';
import { fleetDevices } from './fleet-device.js';
import { activateDevice, memoryTarget, relayTarget, webSocketConstructor, type DeviceResult } from './fleet-target.js';
import type { FleetTask } from './fleet-worker.js';
import { FleetStats, type FleetProgress, type FleetReport } from './fleet-report.js';
import { fleetChoices, type FleetCrypto, type FleetMode } from './fleet-choices.js';
import { checkFleetTarget, isServerUrl } from './target-check.js';

/** Options of {@link runFleet}. */
export interface FleetOptions {
  /** `'memory'` (an in-process simulator), or a server's relay URL (`http://...`). */
  readonly target: string;
  /** The seed the devices (and the server's accounts) derive from. */
  readonly seed: string;
  /** How many devices to activate (1 to 1,000,000). Default 100, unless `durationMs` is given. */
  readonly devices?: number;
  /** Keep starting devices for this long instead (ms); those under way then finish. */
  readonly durationMs?: number;
  /** Activations in flight at once (1 to 10,000). Default 10; with `rate`, the most in flight. */
  readonly concurrency?: number;
  /** Start this many activations per second instead (open loop, up to `concurrency` in flight). */
  readonly rate?: number;
  /** Domain of the accounts. Default `example.com`. */
  readonly domain?: string;
  /**
   * The handsets' cryptography (and the memory target's), e.g. `createNodeCryptoProvider()`.
   * Default noble. Not with `workers` (a provider cannot cross threads): use `crypto`.
   */
  readonly provider?: CryptoProvider;
  /** The cryptography by name: `'noble'` (the default) or `'node'` (node:crypto), in every thread. */
  readonly crypto?: FleetCrypto;
  /**
   * Worker threads to spread the handsets over (tinypool, an optional peer), 1 to 64; each has its
   * own target (with `'memory'`, its own simulator). Default 0: everything on the calling thread.
   */
  readonly workers?: number;
  /**
   * With a URL target, how each handset reaches the relay: `'websocket'` (the default: the
   * runtime's `WebSocket`, else the `ws` package's) or `'poll'` (HTTP long-polling).
   */
  readonly mode?: FleetMode;
  /** Called about every `progressEveryMs` while it runs, and once at the end. */
  readonly onProgress?: (progress: FleetProgress) => void;
  /** Default 1000. */
  readonly progressEveryMs?: number;
  /** Stops starting devices when aborted; those under way finish. */
  readonly signal?: AbortSignal;
}

/** Most worker threads. */
const MAX_WORKERS = 64;

/** Activates devices by index, on this thread or in workers. */
interface Activator {
  run(index: number): Promise<DeviceResult>;
  close(): Promise<void>;
}

/**
 * The worker module of the build: `dist/fleet-worker.js` (ESM), beside the chunk this code is
 * bundled in (tsup.config.ts builds it as an entry of its own). The CommonJS build finds it too:
 * tsup gives its chunks an `import.meta.url` (their own file URL), and a worker thread may load an
 * ES module whatever its parent is; only plain data crosses the thread boundary.
 */
function workerFile(): string {
  return new URL('./fleet-worker.js', import.meta.url).href;
}

/** How often a fleet lets timers run (ms), see runFleet. */
const PAUSE_EVERY_MS = 20;

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'runFleet', field });
}

function whole(value: number | undefined, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${field} must be a whole number from ${min} to ${max}`, field);
  return value;
}

/**
 * Runs a fleet (see the module comment) and resolves with its report. Rejects only for bad options
 * (ActivationError('INVALID_ARGUMENT')), a missing optional peer ('UNSUPPORTED': hdr-histogram-js),
 * or a URL target where no relay answers ('TRANSPORT_ERROR', before any device starts: see
 * target-check.ts); a device that fails is counted under its error code.
 */
export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  if (typeof options !== 'object' || options === null) throw invalid('runFleet takes an options object', 'options');
  const { target, seed } = options;
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 256) throw invalid('seed must be 1 to 256 characters', 'seed');
  if (target !== 'memory' && !isServerUrl(target)) throw invalid("target must be 'memory' or a server's http(s) URL", 'target');
  const durationMs = options.durationMs;
  if (durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs > 0))
    throw invalid('durationMs must be a positive number', 'durationMs');
  const devices = whole(options.devices, 'devices', 1, MAX_FLEET_USERS, durationMs === undefined ? 100 : MAX_FLEET_USERS);
  const concurrency = whole(options.concurrency, 'concurrency', 1, 10_000, 10);
  const rate = options.rate;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0 && rate <= 100_000))
    throw invalid('rate must be a positive number up to 100000', 'rate');
  const progressEveryMs = options.progressEveryMs ?? 1000;
  if (!(Number.isFinite(progressEveryMs) && progressEveryMs >= 10)) throw invalid('progressEveryMs must be at least 10', 'progressEveryMs');

  const workers = whole(options.workers, 'workers', 0, MAX_WORKERS, 0);
  const { mode, crypto } = fleetChoices(options, 'runFleet');
  if (workers > 0 && options.provider !== undefined)
    throw invalid('a provider cannot cross threads: with workers, name it with crypto', 'provider');

  // Before any thread or device: a wrong URL is one error now, not a TIMEOUT per device later.
  if (target !== 'memory') await checkFleetTarget(target);
  const stats = await FleetStats.create();
  const device = fleetDevices({ seed, ...(options.domain !== undefined ? { domain: options.domain } : {}) });
  const activate = workers > 0 ? await workerPool(workers, Math.ceil(concurrency / workers)) : await inThread();
  async function inThread(): Promise<Activator> {
    const provider = options.provider ?? (crypto === 'node' ? createNodeCryptoProvider() : undefined);
    const webSocket = target !== 'memory' && mode === 'websocket' ? await webSocketConstructor() : undefined;
    const fleetTarget = target === 'memory' ? memoryTarget(seed, provider) : relayTarget(target, webSocket);
    return { run: (index) => activateDevice(device(index), fleetTarget, provider), close: async () => fleetTarget.close() };
  }
  async function workerPool(threads: number, perThread: number): Promise<Activator> {
    const { Tinypool } = await loadPeer('tinypool', 'runFleet');
    const pool = new Tinypool({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: perThread,
      idleTimeout: 0,
    });
    const base = { target, seed, domain: options.domain, crypto, mode } as const;
    return {
      run: (index) =>
        (pool.run({ ...base, index } satisfies FleetTask) as Promise<DeviceResult>).catch((): DeviceResult => ({
          ok: false,
          code: 'WORKER_FAILED',
        })),
      close: () => pool.destroy(),
    };
  }
  const started = performance.now();
  const deadline = durationMs === undefined ? Infinity : started + durationMs;
  let next = 0;
  let inFlight = 0;
  const sample = (): void => stats.sampleMemory(process.memoryUsage.rss());
  const report = (): void => options.onProgress?.(stats.progress(inFlight, performance.now() - started));
  const ticker = setInterval(() => {
    sample();
    report();
  }, progressEveryMs);
  const more = (): boolean => next < devices && performance.now() < deadline && options.signal?.aborted !== true;

  try {
    const running = new Set<Promise<void>>();
    const launch = (): void => {
      const index = next++;
      inFlight++;
      const p = activate
        .run(index)
        .then((result) => stats.record(result))
        .finally(() => {
          inFlight--;
          running.delete(p);
        });
      running.add(p);
    };
    // Over the memory transport, activations run on microtasks alone: without a pause now and
    // then, no timer (the progress ticker, a handset's retransmission) and no signal handler would
    // run until the whole fleet is done.
    let lastPause = performance.now();
    const pauseNowAndThen = async (): Promise<void> => {
      if (performance.now() - lastPause < PAUSE_EVERY_MS) return;
      await new Promise((r) => setTimeout(r, 0));
      lastPause = performance.now();
    };
    if (rate === undefined) {
      // Closed loop: a new device as soon as one ends.
      while (more()) {
        while (inFlight < concurrency && more()) launch();
        if (running.size > 0) await Promise.race(running);
        await pauseNowAndThen();
      }
    } else {
      // Open loop: starts on a schedule, each at started + k / rate; when `concurrency` are in
      // flight, the next waits for one to end (and the schedule catches up afterwards).
      const interval = 1000 / rate;
      while (more()) {
        const due = started + next * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
        else if (inFlight >= concurrency) await Promise.race(running);
        else launch();
        await pauseNowAndThen();
      }
    }
    await Promise.all(running);
  } finally {
    clearInterval(ticker);
    await activate.close();
  }
  sample();
  report();
  return stats.report(target, next, performance.now() - started);
}
