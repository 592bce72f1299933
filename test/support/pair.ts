/**
 * The one test harness for a handset-server pair (issue 11).
 *
 * Modelled on quinn-proto's test `Pair` (quinn-proto/src/tests/util.rs): both sides of the
 * protocol in one object, a virtual clock, `step()` that does one pending thing and says whether
 * there was one, `drive()` that steps until nothing is left (or a condition holds), and adversary
 * and fault modes layered on the link between the two sides. No transport, no real timers, no
 * promises: the same options always give the same run, byte for byte.
 *
 * - The handset is the pure core `handsetStep(state, input, env)`. The Pair performs its outputs
 *   as the `Handset` driver does: `send` puts a frame on the wire, `set-timer`/`clear-timer` arm
 *   and disarm its one timer, `apply-policy` is answered by a `policy-applied` input computed with
 *   `applyPolicy(enforcer, policy)`.
 * - The server is a `BesSimulator` whose `now` reads the Pair's clock and whose randomness is
 *   seeded, fed through its sans-I/O entry `receive(bytes)`; what it returns goes on the wire.
 *
 * One step does the first of these that applies:
 *   1. a local input waiting for the handset (the enforcer's `policy-applied`);
 *   2. the oldest frame on the wire: it passes the link (see {@link Link}), and what the link lets
 *      through reaches its side (the server's replies go on the wire behind what is there);
 *   3. the wire is idle: the clock jumps to the earliest of the frames the link held back and the
 *      handset's timer (with `driveTimers`), and that frame is delivered or `{ type: 'timer' }` fed;
 *   4. nothing to do: `step()` returns false.
 * One wire for both directions, first in first out, so that the order of events is total and
 * does not depend on how a test interleaves calls.
 *
 * Every input, output and frame is logged in order (`log`), with per-kind views (`frames`,
 * `outputs`, `states`, `steps`, ...), so that a test asserts on the whole run afterwards.
 *
 * Not driven by `step()`: the server's own timers. A `BesSimulator` cannot say when its next one is
 * due, so the clock never jumps for it; a test that needs them moves the clock (`advance`) and calls
 * {@link Pair.pollServer}. The `Handset` driver and the transports have their own tests
 * (test/phases, test/transport, test/reliability).
 */
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import type { ActivationError } from '../../src/errors/activation-error.js';
import { type HandsetConfig, resolveHandsetConfig } from '../../src/handset/config.js';
import type { ActivationResult, HandsetInput, HandsetOutput, StepResult } from '../../src/handset/io.js';
import { type HandsetEnv, handsetStep } from '../../src/handset/machine.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { withoutRecords } from '../../src/handset/handset.js';
import { MemoryRecordStore, readAllRecords } from '../../src/sync/record-store.js';
import type { DeviceSyncStore } from '../../src/sync/sync-store.js';
import { InMemoryPolicyEnforcer, type PolicyEnforcer } from '../../src/policy/enforcer.js';
import type { NewUser } from '../../src/simulator/accounts.js';
import { BesSimulator, type BesSimulatorOptions } from '../../src/simulator/bes-simulator.js';
import type { MessageType } from '../../src/wire/frame.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from './fixtures.js';
import { frameType } from './frames.js';
import { allAlgorithms } from './providers.js';

export type Direction = 'to-server' | 'to-handset';

/** The virtual clock (ms since epoch), shared by the Pair and its server; a test may move it. */
export interface Clock {
  now: number;
}

/** One line of the server's log (`BesSimulatorOptions.log`). */
export interface ServerLogEntry {
  readonly event: string;
  readonly detail?: Record<string, unknown>;
}

/** What a {@link Link} sees besides the frame. */
export interface LinkContext {
  /** Index of this frame within its direction, from 0 (retransmissions and injections count). */
  readonly index: number;
  /** The frame's message type, when it decodes. */
  readonly type: MessageType | undefined;
  readonly clock: Clock;
  readonly pair: Pair;
  /** Puts a frame on the wire, behind those already there; it passes the link like any other. */
  inject(direction: Direction, bytes: Uint8Array): void;
  /** Delivers what this call returns `ms` later on the virtual clock instead of now. */
  delay(ms: number): void;
}

/**
 * The link between the two sides, where adversary and fault modes live: it sees each frame (a
 * copy) as it leaves the wire and returns what reaches the other side instead: `[frame]`
 * unchanged, `[]` dropped, `[altered]`, `[frame, frame]` duplicated. See {@link faults}.
 */
export type Link = (bytes: Uint8Array, direction: Direction, ctx: LinkContext) => Uint8Array[];

export interface FrameRecord {
  readonly direction: Direction;
  readonly index: number;
  /** As its author sent it (or as injected). */
  readonly sent: Uint8Array;
  /** What the link let through (empty: dropped). */
  readonly delivered: readonly Uint8Array[];
  /** Clock when the frame passed the link. */
  readonly at: number;
  readonly injected: boolean;
  /** When the link delayed it: the time `delivered` reached the other side. */
  readonly arrivedAt?: number;
}

export type PairEvent =
  | { readonly kind: 'input'; readonly input: HandsetInput }
  | { readonly kind: 'output'; readonly output: HandsetOutput }
  | { readonly kind: 'frame'; readonly frame: FrameRecord };

/** Why {@link Pair.drive} stopped: nothing left to do, the condition held, or the step limit. */
export type StopReason = 'quiet' | 'until' | 'max-steps';

/** A frame on the wire. */
export interface InFlight {
  readonly direction: Direction;
  readonly bytes: Uint8Array;
  readonly injected?: boolean;
}

export interface ServerOptions {
  readonly serverSeed?: string;
  readonly clock?: Clock;
  /** Users of the new simulator. */
  readonly users?: readonly NewUser[];
  readonly serverOptions?: Partial<BesSimulatorOptions>;
  /** Receives the simulator's log (default: a new array). `serverOptions.log` replaces it. */
  readonly logSink?: ServerLogEntry[];
}

/** A deterministic 32-byte domain key seed for a server seed. */
export function domainKeySeedFor(serverSeed: string): Uint8Array {
  return seededRandom(`domain-key:${serverSeed}`)(32);
}

/**
 * A simulator on a clock (default: a new one at {@link T0}), with seeded randomness and domain
 * key, every suite and cipher, and its log collected. Several Pairs may share it (and its clock):
 * two devices activating against one server.
 */
export function createServer(options: ServerOptions = {}): { sim: BesSimulator; clock: Clock; log: ServerLogEntry[] } {
  const clock = options.clock ?? { now: T0 };
  const serverSeed = options.serverSeed ?? 'server-seed';
  const log = options.logSink ?? [];
  const sim = new BesSimulator({
    random: seededRandom(serverSeed),
    domainKeySeed: domainKeySeedFor(serverSeed),
    now: () => clock.now,
    provider: allAlgorithms,
    log: (event, detail) => log.push(detail === undefined ? { event } : { event, detail }),
    ...options.serverOptions,
  });
  for (const user of options.users ?? []) sim.addUser(user);
  return { sim, clock, log };
}

export interface PairOptions {
  /** A server to talk to (its `now` must read `clock`); default: a new one from `serverSeed`, `serverOptions`, `users`. */
  readonly server?: BesSimulator;
  /** Where the server's log goes: a new server writes to it; a given server's log is only read through it. */
  readonly serverLog?: ServerLogEntry[];
  readonly serverSeed?: string;
  readonly serverOptions?: Partial<BesSimulatorOptions>;
  /** Users of a new server (default: none; see {@link activatePair}). */
  readonly users?: readonly NewUser[];
  /** The clock to share (default: a new one at `now`, or {@link T0}). */
  readonly clock?: Clock;
  readonly now?: number;

  readonly handsetConfig?: HandsetConfig;
  readonly handsetSeed?: string;
  /** The handset's random source (default: `seededRandom(handsetSeed ?? 'handset-seed')`). */
  readonly random?: RandomSource;
  /**
   * Handset state to start from (default: a fresh one from `handsetConfig`). Records it shows
   * (`organizer`, `sync.store`) go into the Pair's record store, as the driver does.
   */
  readonly state?: HandsetState;
  /** Answers `apply-policy` (default: a new {@link InMemoryPolicyEnforcer}). */
  readonly enforcer?: PolicyEnforcer;
  /** The handset's armed timer, when `state` comes from an earlier run. */
  readonly timerAt?: number;
  /** Frames already on the wire, when continuing an earlier run. */
  readonly inFlight?: readonly InFlight[];

  readonly link?: Link;
  /** Fire the handset's timer when the wire is idle (default true). */
  readonly driveTimers?: boolean;
  /** `drive()` stops after this many steps, so that no adversary can make a test hang (default 2000). */
  readonly maxSteps?: number;
}

export class Pair {
  /** The handset's current state. */
  handset: HandsetState;
  /** The handset's record store: the Pair performs `store-records` and the wipe on it, as the driver does. */
  readonly recordStore = new MemoryRecordStore();
  readonly server: BesSimulator;
  readonly serverLog: ServerLogEntry[];
  readonly clock: Clock;
  readonly env: HandsetEnv;
  readonly enforcer: PolicyEnforcer;
  link: Link | undefined;
  driveTimers: boolean;
  maxSteps: number;
  /** When the handset wants a `timer` input (undefined: no timer armed). */
  timerAt: number | undefined;
  stoppedBy: StopReason | undefined;

  /** Inputs, outputs and frames, in the order they happened. */
  readonly log: PairEvent[] = [];
  /** Every frame, in the order it passed the link. */
  readonly frames: FrameRecord[] = [];
  readonly inputs: HandsetInput[] = [];
  /** Every handset output, in order. */
  readonly outputs: HandsetOutput[] = [];
  /** Every handset state, the initial one first. */
  readonly states: HandsetState[] = [];
  /** Every handset step: its input, the state before and after, and its outputs. */
  readonly steps: {
    readonly input: HandsetInput;
    readonly before: HandsetState;
    readonly after: HandsetState;
    readonly outputs: readonly HandsetOutput[];
  }[] = [];
  /** What `handsetStep` threw (caller errors); it is thrown on too. */
  readonly thrown: unknown[] = [];

  private readonly wire: InFlight[];
  /** Frames the link delayed, by arrival time (stable for equal times). */
  private readonly held: { readonly due: number; readonly direction: Direction; readonly bytes: Uint8Array }[] = [];
  private readonly localInputs: HandsetInput[] = [];
  private readonly counters: Record<Direction, number> = { 'to-server': 0, 'to-handset': 0 };

  constructor(options: PairOptions = {}) {
    if (options.server) {
      this.server = options.server;
      this.clock = options.clock ?? { now: options.now ?? T0 };
      this.serverLog = options.serverLog ?? [];
    } else {
      const created = createServer({
        serverSeed: options.serverSeed,
        serverOptions: options.serverOptions,
        users: options.users,
        clock: options.clock ?? { now: options.now ?? T0 },
        logSink: options.serverLog,
      });
      this.server = created.sim;
      this.clock = created.clock;
      this.serverLog = created.log;
    }
    this.env = { provider: allAlgorithms, random: options.random ?? seededRandom(options.handsetSeed ?? 'handset-seed') };
    const given = options.state ?? initialHandsetState(resolveHandsetConfig(options.handsetConfig ?? HANDSET_CONFIG, allAlgorithms));
    const { state, records } = withoutRecords(given);
    for (const [database, held] of Object.entries(records) as [
      keyof DeviceSyncStore,
      NonNullable<DeviceSyncStore[keyof DeviceSyncStore]>,
    ][]) {
      this.recordStore.put(database, held);
    }
    this.handset = state;
    this.states.push(this.handset);
    this.enforcer = options.enforcer ?? new InMemoryPolicyEnforcer();
    this.link = options.link;
    this.driveTimers = options.driveTimers ?? true;
    this.maxSteps = options.maxSteps ?? 2_000;
    this.timerAt = options.timerAt;
    this.wire = [...(options.inFlight ?? [])];
  }

  // ---- feeding the sides ----

  /** Feeds one input to the handset now and performs its outputs (sends go on the wire). */
  input(input: HandsetInput): StepResult<HandsetState> {
    this.inputs.push(input);
    this.log.push({ kind: 'input', input });
    let result: StepResult<HandsetState>;
    try {
      result = handsetStep(this.handset, input, this.env);
    } catch (err) {
      this.thrown.push(err);
      throw err;
    }
    this.steps.push({ input, before: this.handset, after: result.state, outputs: result.outputs });
    this.handset = result.state;
    this.states.push(result.state);
    for (const output of result.outputs) {
      this.outputs.push(output);
      this.log.push({ kind: 'output', output });
      switch (output.type) {
        case 'send':
          this.wire.push({ direction: 'to-server', bytes: output.bytes });
          break;
        case 'set-timer':
          this.timerAt = output.at;
          break;
        case 'clear-timer':
          this.timerAt = undefined;
          break;
        case 'store-records':
          this.recordStore.put(output.database, output.records, { replaces: output.replaces });
          break;
        case 'wiped':
          this.recordStore.clear();
          break;
        case 'apply-policy':
          // Answered at the next step, as the driver answers once the enforcer is done.
          this.localInputs.push({ type: 'policy-applied', ack: applyPolicy(this.enforcer, output.policy), now: this.clock.now });
          break;
        default:
          break;
      }
    }
    return result;
  }

  /** The user types an email address and activation password and chooses Activate. */
  activate(email = EMAIL, password = PASSWORD): StepResult<HandsetState> {
    return this.input({ type: 'activate', email, password, now: this.clock.now, held: this.records });
  }

  /** What the handset's record store holds, by database (the driver's `state.sync.store` before issue 14). */
  get records(): DeviceSyncStore {
    return readAllRecords(this.recordStore) as DeviceSyncStore;
  }

  /** Puts a frame on the wire (it passes the link like any other). */
  inject(direction: Direction, bytes: Uint8Array): void {
    this.wire.push({ direction, bytes, injected: true });
  }

  /** Moves the clock on (timers that fall due fire at the next idle step, at the new time). */
  advance(ms: number): void {
    this.clock.now += ms;
  }

  /** The server's clock tick (`BesSimulator.poll`): what is due now goes on the wire. */
  pollServer(): number {
    const due = this.server.poll();
    for (const bytes of due) this.wire.push({ direction: 'to-handset', bytes });
    return due.length;
  }

  // ---- running ----

  /** Things waiting: local inputs and frames on the wire (held frames and the timer not counted). */
  get pending(): number {
    return this.wire.length + this.localInputs.length;
  }

  /** Does the next pending thing (see the file comment). Returns false when there was none. */
  step(): boolean {
    const local = this.localInputs.shift();
    if (local) {
      this.input(local);
      return true;
    }
    const item = this.wire.shift();
    if (item) {
      for (const reply of this.transmit(item)) this.wire.push({ direction: 'to-handset', bytes: reply });
      return true;
    }
    const held = this.held[0];
    const timer = this.driveTimers ? this.timerAt : undefined;
    if (held && (timer === undefined || held.due <= timer)) {
      // A held frame due no later than the timer arrives first: a reply just in time beats the timeout.
      this.held.shift();
      this.clock.now = Math.max(this.clock.now, held.due);
      for (const reply of this.arrive(held.direction, held.bytes)) this.wire.push({ direction: 'to-handset', bytes: reply });
      return true;
    }
    if (timer !== undefined) {
      this.clock.now = Math.max(this.clock.now, timer);
      this.timerAt = undefined;
      this.input({ type: 'timer', now: this.clock.now });
      return true;
    }
    return false;
  }

  /** Steps until nothing is left to do, `until(pair)` holds (checked before each step), or `maxSteps`. */
  drive(until?: (pair: this) => boolean): StopReason {
    this.stoppedBy = undefined;
    for (let steps = 0; ;) {
      if (until?.(this)) return (this.stoppedBy = 'until');
      if (++steps > this.maxSteps) return (this.stoppedBy = 'max-steps');
      if (!this.step()) return (this.stoppedBy = 'quiet');
    }
  }

  /**
   * Ends a run as a handset that stops listening would: every frame on the wire to the server is
   * delivered (through the link), so that the server's state reflects what the handset said last;
   * nothing more reaches the handset. Returns, in wire order, the frames left for the handset, the
   * server's replies in place of the frames they answer; the wire is empty afterwards.
   */
  flushToServer(): Uint8Array[] {
    const left: Uint8Array[] = [];
    for (const item of this.wire.splice(0)) {
      if (item.direction === 'to-handset') left.push(item.bytes);
      else left.push(...this.transmit(item));
    }
    return left;
  }

  /**
   * Ends a run as both sides stopping at once would (a restart of both): the frames on the wire, in
   * wire order, taken off it undelivered, for a Pair that continues the run (`inFlight`). Frames
   * the link delayed are not included.
   */
  takeInFlight(): InFlight[] {
    return this.wire.splice(0);
  }

  /** Passes one frame through the link and delivers what comes out; returns the server's replies. */
  private transmit(item: InFlight): Uint8Array[] {
    const index = this.counters[item.direction]++;
    let delayMs = 0;
    const ctx: LinkContext = {
      index,
      type: frameType(item.bytes),
      clock: this.clock,
      pair: this,
      inject: (direction, bytes) => this.inject(direction, bytes),
      delay: (ms) => {
        delayMs = ms;
      },
    };
    // Each side gets its own copy, as over a network: nothing the receiver (or the link) does to
    // its bytes reaches the sender's state (the handset keeps its last frame for retransmission).
    const delivered = (this.link ? this.link(item.bytes.slice(), item.direction, ctx) : [item.bytes]).map((b) => b.slice());
    const at = this.clock.now;
    const frame: FrameRecord = {
      direction: item.direction,
      index,
      sent: item.bytes,
      delivered,
      at,
      injected: item.injected === true,
      ...(delayMs > 0 ? { arrivedAt: at + delayMs } : {}),
    };
    this.frames.push(frame);
    this.log.push({ kind: 'frame', frame });
    if (delayMs > 0) {
      for (const bytes of delivered) this.hold(at + delayMs, item.direction, bytes);
      return [];
    }
    return delivered.flatMap((bytes) => this.arrive(item.direction, bytes));
  }

  private hold(due: number, direction: Direction, bytes: Uint8Array): void {
    let i = this.held.length;
    while (i > 0 && this.held[i - 1]!.due > due) i--;
    this.held.splice(i, 0, { due, direction, bytes: bytes.slice() });
  }

  /** A frame reaches its side; returns the server's replies (the handset's go on the wire itself). */
  private arrive(direction: Direction, bytes: Uint8Array): Uint8Array[] {
    if (direction === 'to-server') return this.server.receive(bytes).map((reply) => reply.slice());
    this.input({ type: 'frame', bytes, now: this.clock.now });
    return [];
  }

  // ---- views of the log ----

  /** Frames of one direction (and type) as their authors sent them, injected ones left out. */
  sent(direction: Direction, type?: MessageType): Uint8Array[] {
    return this.frames
      .filter((f) => f.direction === direction && !f.injected && (type === undefined || frameType(f.sent) === type))
      .map((f) => f.sent);
  }

  /** Handset outputs of one type. */
  outputsOf<T extends HandsetOutput['type']>(type: T): Extract<HandsetOutput, { type: T }>[] {
    return this.outputs.filter((o): o is Extract<HandsetOutput, { type: T }> => o.type === type);
  }

  get error(): ActivationError | undefined {
    return this.outputsOf('failed')[0]?.error;
  }

  get result(): ActivationResult | undefined {
    return this.outputsOf('complete')[0]?.result;
  }

  get keyEstablished(): ActivationResult | undefined {
    return this.outputsOf('key-established')[0]?.result;
  }

  get ignored(): { reason: string; code?: string }[] {
    return this.outputsOf('ignored').map((o) => (o.code === undefined ? { reason: o.reason } : { reason: o.reason, code: o.code }));
  }

  /** Server log lines with this event name. */
  serverEvents(event: string): ServerLogEntry[] {
    return this.serverLog.filter((e) => e.event === event);
  }
}

/**
 * The usual start: a Pair whose server knows the user (default {@link EMAIL} with {@link PASSWORD},
 * unless `users` or `server` is given), the handset activated with `email`/`password`, then driven.
 */
export function activatePair(options: PairOptions & { email?: string; password?: string; until?: (pair: Pair) => boolean } = {}): Pair {
  const email = options.email ?? EMAIL;
  const password = options.password ?? PASSWORD;
  const users = options.users ?? (options.server ? [] : [{ email, displayName: DISPLAY_NAME, activationPassword: password }]);
  const pair = new Pair({ ...options, users });
  pair.activate(email, password);
  pair.drive(options.until);
  return pair;
}

// ---- fault modes ----

/** Which frames a fault applies to: all by default; `nth` picks one matching frame (0: the first). */
export interface FrameFilter {
  readonly direction?: Direction;
  readonly type?: MessageType;
  readonly nth?: number;
}

/** A predicate with its own match counter (so every fault instance counts for itself). */
function matcher(filter: FrameFilter): (direction: Direction, ctx: LinkContext) => boolean {
  let seen = 0;
  return (direction, ctx) => {
    if (filter.direction !== undefined && filter.direction !== direction) return false;
    if (filter.type !== undefined && filter.type !== ctx.type) return false;
    const n = seen++;
    return filter.nth === undefined || filter.nth === n;
  };
}

/**
 * Fault and adversary modes, each a {@link Link}; combine them with `faults.chain`. They keep
 * counters: make new ones for each Pair.
 */
export const faults = {
  /** Lost on the air. */
  drop(filter: FrameFilter = {}): Link {
    const hit = matcher(filter);
    return (bytes, direction, ctx) => (hit(direction, ctx) ? [] : [bytes]);
  },
  /** Delivered `copies` times (a retransmission that crossed the reply, a replaying relay). */
  duplicate(filter: FrameFilter = {}, copies = 2): Link {
    const hit = matcher(filter);
    return (bytes, direction, ctx) => (hit(direction, ctx) ? Array.from({ length: copies }, () => bytes) : [bytes]);
  },
  /** Delivered `ms` later on the virtual clock. */
  delay(filter: FrameFilter, ms: number): Link {
    const hit = matcher(filter);
    return (bytes, direction, ctx) => {
      if (hit(direction, ctx)) ctx.delay(ms);
      return [bytes];
    };
  },
  /**
   * Overtaken: the matching frame is held until the next frame in the same direction and
   * delivered right after it. A frame nothing follows is never delivered (as late as lost).
   */
  reorder(filter: FrameFilter): Link {
    const hit = matcher(filter);
    const held: Partial<Record<Direction, Uint8Array>> = {};
    return (bytes, direction, ctx) => {
      const late = held[direction];
      if (late) {
        delete held[direction];
        return [bytes, late];
      }
      if (hit(direction, ctx)) {
        held[direction] = bytes;
        return [];
      }
      return [bytes];
    };
  },
  /** Accidental damage: one byte flipped (default: the middle one), checksum not recomputed. */
  corrupt(filter: FrameFilter = {}, at?: number): Link {
    const hit = matcher(filter);
    return (bytes, direction, ctx) => {
      if (!hit(direction, ctx)) return [bytes];
      const out = bytes.slice();
      const i = at ?? out.length >> 1;
      out[i] = out[i]! ^ 0xff;
      return [out];
    };
  },
  /** An adversary's rewrite: `fn` returns the bytes to deliver, or `null` to drop them. */
  tamper(filter: FrameFilter, fn: (bytes: Uint8Array, ctx: LinkContext) => Uint8Array | null): Link {
    const hit = matcher(filter);
    return (bytes, direction, ctx) => {
      if (!hit(direction, ctx)) return [bytes];
      const out = fn(bytes, ctx);
      return out === null ? [] : [out];
    };
  },
  /** Each link in turn, on what the previous one let through. */
  chain(...links: Link[]): Link {
    return (bytes, direction, ctx) => links.reduce<Uint8Array[]>((frames, link) => frames.flatMap((f) => link(f, direction, ctx)), [bytes]);
  },
};
