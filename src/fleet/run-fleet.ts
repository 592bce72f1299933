/**
 * `runFleet`: many simulated handsets activating against one server, by concurrency (so many in
 * flight) or by arrival rate (so many started per second), for a number of devices or a duration
 * (issue 15; `enterprise-activation fleet` is its command line). The target is an in-process
 * `BesSimulator` over the memory transport (`'memory'`), or the URL of a relay with a BES behind it
 * (`enterprise-activation serve`), reached as any handset reaches it. Devices come from the seed
 * ({@link fleetDevices}): the same seed gives the same PINs, accounts and passwords, and a `serve`
 * with that seed has those accounts. Everything runs on the calling thread.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { loadPeer } from '../node/optional-peers.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { Handset } from '../handset/handset.js';
import { BesSimulator } from '../simulator/bes-simulator.js';
import { MAX_FLEET_USERS } from '../simulator/fleet-users.js';
import { createRelayTransport, type WebSocketConstructorLike } from '../transport/http-relay-transport.js';
import { createMemoryTransportPair } from '../transport/memory-transport.js';
import type { Transport } from '../transport/transport.js';
import { fleetDevices, type FleetDevice } from './fleet-device.js';
import { FleetStats, type FleetProgress, type FleetReport } from './fleet-report.js';
import { PhaseClock } from './phase-clock.js';

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
  /** The handsets' cryptography (and the memory target's), e.g. `createNodeCryptoProvider()`. Default noble. */
  readonly provider?: CryptoProvider;
  /**
   * With a URL target, how each handset reaches the relay: `'websocket'` (the default: the
   * runtime's `WebSocket`, else the `ws` package's) or `'poll'` (HTTP long-polling).
   */
  readonly mode?: 'poll' | 'websocket';
  /** Called about every `progressEveryMs` while it runs, and once at the end. */
  readonly onProgress?: (progress: FleetProgress) => void;
  /** Default 1000. */
  readonly progressEveryMs?: number;
  /** Stops starting devices when aborted; those under way finish. */
  readonly signal?: AbortSignal;
}

/** How often a fleet lets timers run (ms), see runFleet. */
const PAUSE_EVERY_MS = 20;

/** Connects one device to the target: its transport and what to undo afterwards. */
type Connect = (device: FleetDevice) => { transport: Transport; release: () => Promise<void> };

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'runFleet', field });
}

function whole(value: number | undefined, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${field} must be a whole number from ${min} to ${max}`, field);
  return value;
}

/** The memory target: one simulator, each device's account added as the device arrives. */
function memoryTarget(seed: string, provider: CryptoProvider | undefined): { connect: Connect; close: () => void } {
  const simulator = new BesSimulator({
    random: seededRandom(`enterprise-activation fleet server\u0000${seed}`),
    ...(provider !== undefined ? { provider } : {}),
    // One source for every handset in this process: the per-source rate limits are the relay's concern, not a fleet's.
    etpRateLimit: { perSource: false, perPin: false },
  });
  return {
    connect(device) {
      if (simulator.account(device.email) === undefined)
        simulator.addUser({ email: device.email, displayName: `User ${device.index}`, activationPassword: device.password });
      const [handsetEnd, serverEnd] = createMemoryTransportPair();
      const detach = simulator.attach(serverEnd);
      return {
        transport: handsetEnd,
        release: async () => {
          detach();
          await serverEnd.close();
        },
      };
    },
    close: () => simulator.close(),
  };
}

function relayTarget(url: string, webSocket: WebSocketConstructorLike | undefined): { connect: Connect; close: () => void } {
  return {
    connect(device) {
      const transport = createRelayTransport({
        url,
        address: `pin:${device.pin}`,
        pollWaitSeconds: 10,
        ...(webSocket !== undefined ? { mode: 'websocket' as const, webSocket } : { mode: 'poll' as const }),
      });
      return { transport, release: () => Promise.resolve() };
    },
    close: () => undefined,
  };
}

/** The runtime's WebSocket, else the `ws` package's (ActivationError('UNSUPPORTED') without either). */
async function webSocketConstructor(): Promise<WebSocketConstructorLike> {
  const native = (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (native !== undefined) return native;
  return (await loadPeer('ws', 'runFleet')).WebSocket as unknown as WebSocketConstructorLike;
}

/** Activates one device; resolves with its phases or its error code, never rejects. */
async function activateOne(device: FleetDevice, connect: Connect, provider: CryptoProvider | undefined, stats: FleetStats): Promise<void> {
  let connection: ReturnType<Connect> | undefined;
  let handset: Handset | undefined;
  try {
    connection = connect(device);
    handset = new Handset({
      config: { pin: device.pin, routing: { relay: 'relay.fleet', uid: device.uid }, device: { model: '8800', os: '4.5.0' } },
      transport: connection.transport,
      ...(provider !== undefined ? { provider } : {}),
    });
    const clock = new PhaseClock(performance.now());
    handset.on('status', (s) => clock.status(s.id, performance.now()));
    await handset.activate({ email: device.email, password: device.password });
    stats.completed(clock.phases);
  } catch (err) {
    stats.failed(isActivationError(err) ? err.code : 'UNKNOWN');
  } finally {
    await handset?.close().catch(() => undefined);
    await connection?.transport.close().catch(() => undefined);
    await connection?.release().catch(() => undefined);
  }
}

/**
 * Runs a fleet (see the module comment) and resolves with its report. Rejects only for bad options
 * (ActivationError('INVALID_ARGUMENT')) or a missing optional peer ('UNSUPPORTED': hdr-histogram-js);
 * a device that fails is counted under its error code.
 */
export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  if (typeof options !== 'object' || options === null) throw invalid('runFleet takes an options object', 'options');
  const { target, seed } = options;
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 256) throw invalid('seed must be 1 to 256 characters', 'seed');
  if (target !== 'memory' && !(typeof target === 'string' && /^https?:\/\/[^\s/]+/.test(target)))
    throw invalid("target must be 'memory' or a server's http(s) URL", 'target');
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

  const stats = await FleetStats.create();
  const device = fleetDevices({ seed, ...(options.domain !== undefined ? { domain: options.domain } : {}) });
  if (options.mode !== undefined && options.mode !== 'poll' && options.mode !== 'websocket')
    throw invalid("mode must be 'poll' or 'websocket'", 'mode');
  const webSocket = target !== 'memory' && options.mode !== 'poll' ? await webSocketConstructor() : undefined;
  const { connect, close } = target === 'memory' ? memoryTarget(seed, options.provider) : relayTarget(target, webSocket);
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
      const p = activateOne(device(index), connect, options.provider, stats).finally(() => {
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
    close();
  }
  sample();
  report();
  return stats.report(target, next, performance.now() - started);
}
