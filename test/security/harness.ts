/**
 * A deterministic, in-process harness for security tests and fuzzing. It drives the two pure
 * cores directly, with no transport, no timers and no promises:
 *
 * - the handset: `handsetStep(state, input, { provider: allAlgorithms, random: seededRandom(seed) })`
 *   starting from `initialHandsetState(resolveHandsetConfig(config))`;
 * - the server: `new BesSimulator({ random: seededRandom(seed2), now: () => clock.now, domainKeySeed })`
 *   and its sans-I/O entry `sim.receive(bytes)`.
 *
 * The loop (see {@link SecurityHarness.run}):
 *   1. local inputs first (a `policy-applied` answer to `apply-policy`, computed with
 *      `applyPolicy(enforcer, policy)`, as the Handset driver does);
 *   2. then the frames in flight, first in first out. Each passes the adversary hook, which may
 *      drop it (return []), deliver it altered, deliver it several times, or inject other frames
 *      (in either direction, through `ctx.inject`). Handset `send` outputs go to `sim.receive`;
 *      server replies go back to the handset as `{ type: 'frame' }` inputs;
 *   3. when nothing is in flight and the handset has a timer armed, the clock jumps to the timer's
 *      time and `{ type: 'timer', now }` is fed;
 *   4. it stops when nothing is left to do, when `stopWhen` says so, or after `maxSteps` iterations
 *      (so that no adversary can make a test hang).
 *
 * Every frame is recorded (as sent by its author and as delivered), with every handset input,
 * output and state, so a test can look at the whole transcript afterwards. Each delivery gets its
 * own copy of the bytes, as over a network.
 */
import { allAlgorithms } from '../support/providers.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import type { ActivationError } from '../../src/errors/activation-error.js';
import { type HandsetConfig, resolveHandsetConfig } from '../../src/handset/config.js';
import type { ActivationResult, HandsetInput, HandsetOutput, StepResult } from '../../src/handset/io.js';
import { type HandsetEnv, handsetStep } from '../../src/handset/machine.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer, type PolicyEnforcer } from '../../src/policy/enforcer.js';
import type { NewUser } from '../../src/simulator/accounts.js';
import { BesSimulator, type BesSimulatorOptions } from '../../src/simulator/bes-simulator.js';
import { decodeFrame, encodeFrame, type Frame, type MessageType } from '../../src/wire/frame.js';
import { bytesToHex } from '../../src/util/bytes.js';

export type Direction = 'to-server' | 'to-handset';

/** A mutable clock shared by the harness and the simulator (ms since epoch). */
export interface Clock {
  now: number;
}

export interface AdversaryContext {
  /** Index of this frame within its direction (retransmissions and injections count too). */
  readonly index: number;
  /** The frame's message type, when it decodes. */
  readonly type: MessageType | undefined;
  readonly clock: Clock;
  readonly harness: SecurityHarness;
  /** Puts a frame in flight (delivered after those already in flight; it passes the adversary too). */
  inject(direction: Direction, bytes: Uint8Array): void;
}

/**
 * The man in the middle: sees each frame before delivery and returns what is delivered in that
 * direction instead: `[frame]` unchanged, `[]` dropped, `[altered]`, `[frame, frame]` replayed...
 */
export type Adversary = (frame: Uint8Array, direction: Direction, ctx: AdversaryContext) => Uint8Array[];

export interface FrameRecord {
  readonly direction: Direction;
  readonly index: number;
  /** As its author sent it (or as injected). */
  readonly sent: Uint8Array;
  /** What the adversary let through (empty: dropped). */
  readonly delivered: readonly Uint8Array[];
  readonly at: number;
  readonly injected: boolean;
}

export interface SimLogEntry {
  readonly event: string;
  readonly detail?: Record<string, unknown>;
}

export const T0 = Date.UTC(2024, 0, 1);
export const HOUR = 3_600_000;
export const EMAIL = 'alice@example.com';
export const PASSWORD = 'Act1vate-Me';
export const HANDSET_CONFIG: HandsetConfig = {
  pin: '2100000A',
  routing: { relay: 'relay.blackberry.test', uid: 'carrier-uid-0001' },
  device: { model: '8800', os: '4.5.0.110' },
};
export const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512' as const;

/** A deterministic 32-byte domain key seed for a server seed. */
export function domainKeySeedFor(serverSeed: string): Uint8Array {
  return seededRandom(`domain-key:${serverSeed}`)(32);
}

/**
 * A seeded random source that can be forked: `fork()` gives a new source that continues exactly
 * where this one is now (it replays the lengths requested so far on a fresh seededRandom).
 */
export interface ForkableRandom extends RandomSource {
  fork(): ForkableRandom;
  readonly calls: number;
}

export function forkableRandom(seed: string, history: number[] = []): ForkableRandom {
  const inner = seededRandom(seed);
  for (const n of history) inner(n);
  const lengths = [...history];
  const fn = ((length: number) => {
    const out = inner(length);
    lengths.push(length);
    return out;
  }) as ForkableRandom;
  Object.defineProperty(fn, 'calls', { get: () => lengths.length });
  fn.fork = () => forkableRandom(seed, lengths);
  return fn;
}

export interface ServerOptions {
  readonly serverSeed?: string;
  readonly clock?: Clock;
  readonly users?: readonly NewUser[];
  readonly serverOptions?: Partial<BesSimulatorOptions>;
  /** Receives the simulator's log events (in addition to `log` in serverOptions). */
  readonly logSink?: SimLogEntry[];
}

/** A seeded simulator on a shared clock. */
export function createServer(options: ServerOptions = {}): { sim: BesSimulator; clock: Clock; log: SimLogEntry[] } {
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

export interface HarnessOptions extends ServerOptions {
  readonly handsetConfig?: HandsetConfig;
  readonly handsetSeed?: string;
  /** A random source for the handset (default: seededRandom(handsetSeed)). */
  readonly random?: RandomSource;
  readonly sim?: BesSimulator;
  /** The simulator's log when `sim` is given. */
  readonly log?: SimLogEntry[];
  readonly state?: HandsetState;
  readonly adversary?: Adversary;
  readonly enforcer?: PolicyEnforcer;
  /** Fire the handset's timers when nothing is in flight (default true). */
  readonly driveTimers?: boolean;
  readonly maxSteps?: number;
}

export type StopReason = 'quiet' | 'stop-when' | 'max-steps';

export class SecurityHarness {
  state: HandsetState;
  readonly sim: BesSimulator;
  readonly clock: Clock;
  readonly env: HandsetEnv;
  readonly enforcer: PolicyEnforcer;
  readonly simLog: SimLogEntry[];
  adversary: Adversary | undefined;
  driveTimers: boolean;
  maxSteps: number;

  /** Every frame, in delivery order. */
  readonly frames: FrameRecord[] = [];
  readonly inputs: HandsetInput[] = [];
  /** Every handset output, in order. */
  readonly outputs: HandsetOutput[] = [];
  /** Every handset state, the initial one first. */
  readonly states: HandsetState[] = [];
  /** Every step: its input, the state before and after, and its outputs. */
  readonly steps: { readonly input: HandsetInput; readonly before: HandsetState; readonly after: HandsetState; readonly outputs: readonly HandsetOutput[] }[] = [];
  /** Errors thrown by handsetStep (caller errors). */
  readonly thrown: unknown[] = [];
  timerAt: number | undefined;
  stoppedBy: StopReason | undefined;

  private readonly inFlight: { direction: Direction; bytes: Uint8Array; injected: boolean }[] = [];
  private readonly localInputs: HandsetInput[] = [];
  private readonly counters: Record<Direction, number> = { 'to-server': 0, 'to-handset': 0 };

  constructor(options: HarnessOptions = {}) {
    if (options.sim) {
      this.sim = options.sim;
      this.clock = options.clock ?? { now: T0 };
      this.simLog = options.log ?? [];
    } else {
      const created = createServer(options);
      this.sim = created.sim;
      this.clock = created.clock;
      this.simLog = created.log;
    }
    this.env = { provider: allAlgorithms, random: options.random ?? seededRandom(options.handsetSeed ?? 'handset-seed') };
    this.state = options.state ?? initialHandsetState(resolveHandsetConfig(options.handsetConfig ?? HANDSET_CONFIG, allAlgorithms));
    this.states.push(this.state);
    this.enforcer = options.enforcer ?? new InMemoryPolicyEnforcer();
    this.adversary = options.adversary;
    this.driveTimers = options.driveTimers ?? true;
    this.maxSteps = options.maxSteps ?? 2_000;
  }

  /** Feeds one input to the handset and processes its outputs (sends are put in flight). */
  step(input: HandsetInput): StepResult<HandsetState> {
    this.inputs.push(input);
    let result: StepResult<HandsetState>;
    try {
      result = handsetStep(this.state, input, this.env);
    } catch (err) {
      this.thrown.push(err);
      throw err;
    }
    this.steps.push({ input, before: this.state, after: result.state, outputs: result.outputs });
    this.state = result.state;
    this.states.push(result.state);
    for (const output of result.outputs) {
      this.outputs.push(output);
      switch (output.type) {
        case 'send':
          this.inFlight.push({ direction: 'to-server', bytes: output.bytes, injected: false });
          break;
        case 'set-timer':
          this.timerAt = output.at;
          break;
        case 'clear-timer':
          this.timerAt = undefined;
          break;
        case 'apply-policy':
          this.localInputs.push({ type: 'policy-applied', ack: applyPolicy(this.enforcer, output.policy), now: this.clock.now });
          break;
        default:
          break;
      }
    }
    return result;
  }

  activate(email = EMAIL, password = PASSWORD): StepResult<HandsetState> {
    return this.step({ type: 'activate', email, password, now: this.clock.now });
  }

  /** Puts a frame in flight (it passes the adversary like any other). */
  inject(direction: Direction, bytes: Uint8Array): void {
    this.inFlight.push({ direction, bytes, injected: true });
  }

  /** Frames still in flight. */
  get pending(): number {
    return this.inFlight.length + this.localInputs.length;
  }

  /** Runs the loop until quiet, `stopWhen`, or `maxSteps`. */
  run(stopWhen?: (h: SecurityHarness) => boolean): this {
    this.stoppedBy = undefined;
    let steps = 0;
    for (;;) {
      if (stopWhen?.(this)) {
        this.stoppedBy = 'stop-when';
        break;
      }
      if (++steps > this.maxSteps) {
        this.stoppedBy = 'max-steps';
        break;
      }
      const local = this.localInputs.shift();
      if (local) {
        this.step(local);
        continue;
      }
      const item = this.inFlight.shift();
      if (item) {
        this.deliver(item);
        continue;
      }
      if (this.driveTimers && this.timerAt !== undefined) {
        this.clock.now = Math.max(this.clock.now, this.timerAt);
        this.timerAt = undefined;
        this.step({ type: 'timer', now: this.clock.now });
        continue;
      }
      this.stoppedBy = 'quiet';
      break;
    }
    return this;
  }

  private deliver(item: { direction: Direction; bytes: Uint8Array; injected: boolean }): void {
    const index = this.counters[item.direction]++;
    const ctx: AdversaryContext = {
      index,
      type: frameType(item.bytes),
      clock: this.clock,
      harness: this,
      inject: (direction, bytes) => this.inject(direction, bytes),
    };
    const delivered = (this.adversary ? this.adversary(item.bytes.slice(), item.direction, ctx) : [item.bytes]).map((b) => b.slice());
    this.frames.push({ direction: item.direction, index, sent: item.bytes, delivered, at: this.clock.now, injected: item.injected });
    for (const bytes of delivered) {
      if (item.direction === 'to-server') {
        for (const reply of this.sim.receive(bytes)) this.inFlight.push({ direction: 'to-handset', bytes: reply.slice(), injected: false });
      } else {
        this.step({ type: 'frame', bytes, now: this.clock.now });
      }
    }
  }

  // ---- views of the transcript ----

  /** Frames of one direction (and type), as their authors sent them. */
  sent(direction: Direction, type?: MessageType): Uint8Array[] {
    return this.frames.filter((f) => f.direction === direction && !f.injected && (type === undefined || frameType(f.sent) === type)).map((f) => f.sent);
  }

  /** Outputs of one type. */
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

  /** Simulator log events with this name. */
  logged(event: string): SimLogEntry[] {
    return this.simLog.filter((e) => e.event === event);
  }
}

/** Creates a harness, activates and runs it. */
export function runActivation(
  options: HarnessOptions & { email?: string; password?: string; stopWhen?: (h: SecurityHarness) => boolean } = {},
): SecurityHarness {
  const users = options.users ?? (options.sim ? [] : [{ email: options.email ?? EMAIL, displayName: 'Alice Example', activationPassword: options.password ?? PASSWORD }]);
  const h = new SecurityHarness({ ...options, users });
  h.activate(options.email ?? EMAIL, options.password ?? PASSWORD);
  return h.run(options.stopWhen);
}

// ---- frame helpers ----

export function frameType(bytes: Uint8Array): MessageType | undefined {
  try {
    return decodeFrame(bytes).type;
  } catch {
    return undefined;
  }
}

/** Re-encodes a frame with some header fields or the body replaced. */
export function reframe(bytes: Uint8Array, patch: Partial<Frame>): Uint8Array {
  const frame = decodeFrame(bytes);
  return encodeFrame({ ...frame, ...patch });
}

/** Offset of `needle` in `haystack`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  const first = needle[0]!;
  outer: for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return indexOfBytes(haystack, needle) >= 0;
}

export function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** JSON with byte strings as hex, errors as their toJSON (or name/message), Maps and Sets as arrays. */
export function serializeObservable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return `hex:${bytesToHex(v)}`;
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v.values()];
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) {
      const withJson = v as Error & { toJSON?: () => unknown };
      return typeof withJson.toJSON === 'function' ? withJson.toJSON() : { name: v.name, message: v.message, cause: v.cause };
    }
    return v;
  });
}
