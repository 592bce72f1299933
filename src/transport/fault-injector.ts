/**
 * Fault injection for any {@link Transport}: loss, duplication, reordering, delay and bit flips,
 * seeded and deterministic, so that a failing run can be replayed exactly. Runtime-agnostic (no
 * Node API); delays use an injectable scheduler.
 *
 * ```ts
 * const lossy = withFaults(createRelayTransport({ ... }), { seed: 'run-1', loss: 0.1, reorder: 0.05 });
 * ```
 */
import { ActivationError } from '../errors/activation-error.js';
import { seededRandom } from '../crypto/seeded-random.js';
import type { FrameHandler, Transport } from './transport.js';

/** Which traffic of the wrapped transport {@link withFaults} faults: what it sends, what it receives, or both. */
export type FaultDirection = 'send' | 'receive' | 'both';
/** What a {@link ScriptedFault} does to its frame: lose it, deliver it twice, flip one bit, or hold it back `ms`. */
export type FaultAction = 'drop' | 'duplicate' | 'corrupt' | 'delay';

/** Runs `fn` after `ms` milliseconds; returns a function that cancels it. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

/** One fault for one particular frame (`FaultOptions.script`), for tests that need exactly that fault. */
export interface ScriptedFault {
  /** 1-based number of the frame (counted per direction) this fault applies to. */
  readonly frame: number;
  /** What happens to that frame. */
  readonly action: FaultAction;
  /** Delay in milliseconds for `action: 'delay'`. */
  readonly ms?: number;
  /** Which direction's count `frame` refers to; default: every direction faults apply to. */
  readonly direction?: 'send' | 'receive';
}

/** Options of {@link withFaults}: a seed, the probabilities of each random fault, and scripted faults. Every probability defaults to 0. */
export interface FaultOptions {
  /** Seed of the random decisions: the same seed and the same traffic give the same faults. */
  readonly seed: string;
  /** Which traffic is faulted. Default `'send'`. */
  readonly direction?: FaultDirection;
  /** Probability (0..1) that a frame is lost. */
  readonly loss?: number;
  /** Probability that a frame is delivered twice. */
  readonly duplicate?: number;
  /** Probability that a frame is held back and released after the next one. */
  readonly reorder?: number;
  /** Delay for every frame: a fixed number of milliseconds, or a uniform range `[min, max]`. */
  readonly delayMs?: number | readonly [number, number];
  /** Probability that one random bit of a frame is flipped. */
  readonly corrupt?: number;
  /**
   * Faults for particular frames. A frame named here gets exactly this fault and no random one;
   * several entries for one frame are applied together (e.g. corrupt and delay).
   */
  readonly script?: readonly ScriptedFault[];
  /** Timer used for delays. Default `setTimeout`/`clearTimeout`. */
  readonly schedule?: Scheduler;
}

/** Live counters of a {@link FaultyTransport}: what passed and what each fault did. */
export interface FaultStats {
  /** Frames given to `send()`. */
  sent: number;
  /** Frames that arrived from the wrapped transport. */
  received: number;
  /** Frames passed on (to the wrapped transport, or to the handlers), duplicates included. */
  forwarded: number;
  /** Frames lost. */
  dropped: number;
  /** Frames delivered twice. */
  duplicated: number;
  /** Frames held back and released after the next one. */
  reordered: number;
  /** Frames with one bit flipped. */
  corrupted: number;
  /** Frames delayed. */
  delayed: number;
  /** Delayed or released sends that the wrapped transport refused (they are otherwise silent). */
  sendErrors: number;
}

/** The {@link Transport} that {@link withFaults} returns, with its live {@link FaultStats}. */
export type FaultyTransport = Transport & { readonly stats: Readonly<FaultStats> };

const defaultSchedule: Scheduler = (fn, ms) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

function checkProbability(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ActivationError('INVALID_ARGUMENT', `${name} must be a probability from 0 to 1`, { field: name });
  }
  return value;
}

function checkDelay(value: FaultOptions['delayMs']): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  const range = typeof value === 'number' ? ([value, value] as const) : value;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isFinite(n) && n >= 0) || range[0] > range[1]) {
    throw new ActivationError('INVALID_ARGUMENT', 'delayMs must be a non-negative number or a [min, max] range', { field: 'delayMs' });
  }
  return range[1] > 0 ? range : undefined;
}

/** Floats in [0, 1) from a byte source: 53 random bits each. */
function floatSource(seed: string): () => number {
  const random = seededRandom(seed);
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return () => {
    if (offset + 7 > pool.length) {
      pool = random(7 * 64);
      offset = 0;
    }
    let x = 0;
    for (const byte of pool.subarray(offset, offset + 7)) x = x * 256 + byte;
    offset += 7;
    return Math.floor(x / 8) / 2 ** 53; // 56 bits -> 53 bits
  };
}

/** The per-frame plan: which faults hit it. */
interface Plan {
  drop: boolean;
  copies: number;
  reorder: boolean;
  corruptAt: number | undefined; // bit index
  delay: number; // ms, 0 = none
}

/** The faults {@link withFaults} checked, the same for both lanes. */
interface LaneFaults {
  readonly seed: string;
  readonly probabilities: { readonly loss: number; readonly duplicate: number; readonly reorder: number; readonly corrupt: number };
  readonly delay: readonly [number, number] | undefined;
  readonly script: readonly ScriptedFault[];
}

/** Where a lane passes frames on: now (resolving once passed on), or after `ms`. */
interface LaneOutput {
  readonly now: (frame: Uint8Array) => Promise<void>;
  readonly later: (frame: Uint8Array, ms: number) => void;
}

/** One faulted direction: decides per frame, keeps the held frame, passes frames to `output`. */
class FaultLane {
  private count = 0;
  private held: Uint8Array | undefined;
  private readonly rand: () => number;

  constructor(
    readonly name: 'send' | 'receive',
    private readonly faults: LaneFaults,
    private readonly stats: FaultStats,
    private readonly output: LaneOutput,
  ) {
    this.rand = floatSource(`${faults.seed}/${name}`);
  }

  private plan(frame: Uint8Array): Plan {
    const n = ++this.count;
    // Always draw the same number of values per frame, so one decision never shifts the others.
    const r = [this.rand(), this.rand(), this.rand(), this.rand(), this.rand(), this.rand()] as const;
    const bit = Math.floor(r[4] * frame.length * 8);
    const scripted = this.faults.script.filter((s) => s.frame === n && (s.direction === undefined || s.direction === this.name));
    if (scripted.length > 0) {
      const plan: Plan = { drop: false, copies: 1, reorder: false, corruptAt: undefined, delay: 0 };
      for (const s of scripted) {
        if (s.action === 'drop') plan.drop = true;
        else if (s.action === 'duplicate') plan.copies = 2;
        else if (s.action === 'corrupt') plan.corruptAt = frame.length > 0 ? bit : undefined;
        else plan.delay = Math.max(0, s.ms ?? 0);
      }
      return plan;
    }
    const p = this.faults.probabilities;
    const range = this.faults.delay;
    let delay = 0;
    if (range) delay = range[0] + Math.floor(r[5] * (range[1] - range[0] + 1));
    return {
      drop: r[0] < p.loss,
      corruptAt: r[1] < p.corrupt && frame.length > 0 ? bit : undefined,
      copies: r[2] < p.duplicate ? 2 : 1,
      reorder: r[3] < p.reorder,
      delay,
    };
  }

  /** Applies the faults to one frame; resolves when the frame (or what became of it) was passed on. */
  async process(input: Uint8Array): Promise<void> {
    const plan = this.plan(input);
    if (plan.drop) {
      this.stats.dropped++;
      return;
    }
    const frame = input.slice();
    if (plan.corruptAt !== undefined) {
      const at = plan.corruptAt >> 3;
      frame[at] = (frame[at] ?? 0) ^ (1 << (plan.corruptAt & 7));
      this.stats.corrupted++;
    }
    const out: Uint8Array[] = [frame];
    if (plan.copies > 1) {
      this.stats.duplicated++;
      out.push(frame.slice());
    }
    if (plan.reorder && this.held === undefined) {
      // Hold it; it goes out right after the next frame.
      this.stats.reordered++;
      this.held = frame;
      out.shift();
      if (out.length === 0) return;
    } else if (this.held !== undefined) {
      out.push(this.held);
      this.held = undefined;
    }
    if (plan.delay > 0) {
      this.stats.delayed++;
      for (const f of out) this.output.later(f, plan.delay);
      return;
    }
    for (const f of out) await this.output.now(f);
  }

  reset(): void {
    this.held = undefined;
  }
}

/**
 * Wraps `transport` so that frames suffer the configured faults. The returned transport has a
 * live `stats` object. `close()` cancels delayed frames, forgets a held (reordered) frame and
 * closes the wrapped transport.
 *
 * For tests and demos of a flaky network: the same seed and the same traffic give the same faults,
 * so a failing run can be replayed.
 *
 * @throws An {@link ActivationError} `INVALID_ARGUMENT` for a missing seed, a probability outside 0..1, a bad delay or script entry.
 *
 * @example
 * ```ts
 * import { Handset, createMemoryTransportPair, withFaults } from 'enterprise-activation';
 *
 * const [handsetSide, serverSide] = createMemoryTransportPair();
 * // Lose 20% of what the handset sends and corrupt its third frame; the handset retransmits.
 * const lossy = withFaults(handsetSide, { seed: 'run-1', loss: 0.2, script: [{ frame: 3, action: 'corrupt' }] });
 * const handset = new Handset({ config, transport: lossy });
 * await handset.activate({ email, password });
 * console.log(lossy.stats.dropped, lossy.stats.corrupted);
 * ```
 */
export function withFaults(transport: Transport, options: FaultOptions): FaultyTransport {
  if (!options || typeof options.seed !== 'string') {
    throw new ActivationError('INVALID_ARGUMENT', 'withFaults needs options with a string seed', { field: 'seed' });
  }
  const direction = options.direction ?? 'send';
  if (direction !== 'send' && direction !== 'receive' && direction !== 'both') {
    throw new ActivationError('INVALID_ARGUMENT', "direction must be 'send', 'receive' or 'both'", { field: 'direction' });
  }
  const probabilities = {
    loss: checkProbability('loss', options.loss),
    duplicate: checkProbability('duplicate', options.duplicate),
    reorder: checkProbability('reorder', options.reorder),
    corrupt: checkProbability('corrupt', options.corrupt),
  };
  const delay = checkDelay(options.delayMs);
  const script = options.script ?? [];
  for (const s of script) {
    if (!Number.isInteger(s.frame) || s.frame < 1 || !['drop', 'duplicate', 'corrupt', 'delay'].includes(s.action)) {
      throw new ActivationError('INVALID_ARGUMENT', 'script entries need a frame number from 1 and a known action', { field: 'script' });
    }
  }
  const schedule = options.schedule ?? defaultSchedule;
  const stats: FaultStats = {
    sent: 0,
    received: 0,
    forwarded: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    delayed: 0,
    sendErrors: 0,
  };
  const handlers = new Set<FrameHandler>();
  /** What is scheduled and has not run: a key of its own for each, with its cancel function. */
  const pending = new Map<object, () => void>();
  let closed = false;
  let innerUnsubscribe: (() => void) | undefined;

  const later = (fn: () => void, ms: number): void => {
    const key = {};
    // A scheduler may run `fn` before it returns (a synchronous one): then nothing is pending.
    let done = false;
    const cancel = schedule(() => {
      done = true;
      pending.delete(key);
      if (!closed) fn();
    }, ms);
    if (!done) pending.set(key, cancel);
  };

  const forwardSend = async (frame: Uint8Array): Promise<void> => {
    if (closed) return;
    stats.forwarded++;
    await transport.send(frame);
  };
  const forwardSendQuietly = (frame: Uint8Array): void => {
    forwardSend(frame).catch(() => {
      stats.sendErrors++;
    });
  };
  const deliver = (frame: Uint8Array): void => {
    if (closed) return;
    stats.forwarded++;
    for (const handler of [...handlers]) handler(frame);
  };

  const faults: LaneFaults = { seed: options.seed, probabilities, delay, script };
  const sendLane =
    direction === 'receive'
      ? undefined
      : new FaultLane('send', faults, stats, { now: forwardSend, later: (f, ms) => later(() => forwardSendQuietly(f), ms) });
  const receiveLane =
    direction === 'send'
      ? undefined
      : new FaultLane('receive', faults, stats, { now: async (f) => deliver(f), later: (f, ms) => later(() => deliver(f), ms) });

  const onInnerFrame = (frame: Uint8Array): void => {
    if (closed) return;
    stats.received++;
    if (receiveLane) void receiveLane.process(frame);
    else deliver(frame);
  };

  return {
    stats,
    async send(frame: Uint8Array): Promise<void> {
      if (closed) throw new ActivationError('TRANSPORT_ERROR', 'transport is closed', { operation: 'send' });
      stats.sent++;
      if (!sendLane) return forwardSend(frame);
      return sendLane.process(frame);
    },
    onFrame(handler: FrameHandler): () => void {
      handlers.add(handler);
      if (!innerUnsubscribe && !closed) innerUnsubscribe = transport.onFrame(onInnerFrame);
      return () => {
        handlers.delete(handler);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const cancel of pending.values()) cancel();
      pending.clear();
      sendLane?.reset();
      receiveLane?.reset();
      handlers.clear();
      innerUnsubscribe?.();
      await transport.close();
    },
  };
}
