/**
 * A deterministic, in-process activation loop for tests: it drives the handset's sans-I/O core
 * (`handsetStep`) and the BES simulator's sans-I/O entry (`sim.receive`) directly, with an
 * injected clock, seeded randomness and an optional man in the middle (`tamper`). No transport,
 * no timers, no promises: the same options always give the same transcript.
 *
 * The loop:
 *   1. feeds `{ type: 'activate' }` to the handset;
 *   2. delivers every frame in flight, first in first out: handset `send` outputs go through
 *      `sim.receive(bytes)`, every server reply goes back to the handset as `{ type: 'frame' }`;
 *   3. when nothing is in flight and the handset has a timer armed (and `driveTimers` is on),
 *      advances the clock to the timer's time and feeds `{ type: 'timer' }`;
 *   4. answers an `apply-policy` output (phase 3) with a `policy-applied` input from `enforcer`;
 *   5. stops at a terminal output (`failed`, `complete`), at `key-established` when
 *      `until === 'key-established'`, or when nothing is in flight and no timer is to be driven.
 *
 * When it stops, the frames the handset sent in its last step (e.g. `key-verified` right after
 * `key-established`, or the `error` frame after `failed`) are still delivered to the server, so
 * that the server's account state reflects them; the server's replies to them are recorded and
 * returned in `undelivered` but not fed to the handset.
 */
import { decode as cborDecode } from 'cbor-x';
import { allAlgorithms } from '../support/providers.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ActivationError } from '../../src/errors/activation-error.js';
import { type HandsetConfig, resolveHandsetConfig } from '../../src/handset/config.js';
import type { ActivationResult, HandsetInput, HandsetOutput } from '../../src/handset/io.js';
import { type HandsetEnv, handsetStep } from '../../src/handset/machine.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import type { Status } from '../../src/handset/status.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer, type PolicyEnforcer } from '../../src/policy/enforcer.js';
import type { NewUser } from '../../src/simulator/accounts.js';
import { BesSimulator, type BesSimulatorOptions } from '../../src/simulator/bes-simulator.js';
import { decodeFrame, encodeFrame, type Frame, type MessageType } from '../../src/wire/frame.js';

export type Direction = 'to-server' | 'to-handset';

/**
 * The man in the middle: sees every frame before it is delivered. `index` counts the frames of
 * that direction, from 0 (retransmissions count too). Return the bytes to deliver (the same or
 * altered), or `null` to drop the frame.
 */
export type Tamper = (frame: Uint8Array, direction: Direction, index: number) => Uint8Array | null;

/** A mutable clock shared by the harness and the simulator (ms since epoch). */
export interface Clock {
  now: number;
}

export interface ExchangeOptions {
  readonly handsetConfig?: HandsetConfig;
  /** What the user types on the handset. */
  readonly email?: string;
  readonly password?: string;
  readonly handsetSeed?: string;
  readonly serverSeed?: string;
  readonly serverOptions?: Partial<BesSimulatorOptions>;
  /** Start time of the clock (ignored when `clock` is given). Default {@link T0}. */
  readonly now?: number;
  /** A clock to share with an existing simulator (see {@link createServer}). */
  readonly clock?: Clock;
  /** An existing simulator (its `now` must read `clock`); default: a new one with `users`. */
  readonly sim?: BesSimulator;
  /** Users of a new simulator. Default: `email` with activation password `password`. */
  readonly users?: readonly NewUser[];
  /** Handset state to start from (default: a fresh one from `handsetConfig`). */
  readonly state?: HandsetState;
  /**
   * Continue a stopped exchange instead of starting one: its handset state, random stream, clock,
   * simulator and undelivered server frames (delivered first). No `activate` input is fed.
   */
  readonly resume?: ExchangeResult;
  readonly tamper?: Tamper;
  /** Stop at phase 2's end (`key-established`, default) or run until terminal / quiet. */
  readonly until?: 'key-established' | 'end';
  /** Fire the handset's timers when nothing is in flight (default true). */
  readonly driveTimers?: boolean;
  /** Safety limit on loop iterations. */
  readonly maxSteps?: number;
  /**
   * Applies IT policies when the run goes past phase 2 (`until: 'end'`): each `apply-policy`
   * output is answered with a `policy-applied` input, as the Handset driver does. Default: an
   * {@link InMemoryPolicyEnforcer}.
   */
  readonly enforcer?: PolicyEnforcer;
}

export interface FrameRecord {
  readonly direction: Direction;
  /** Index within its direction (the index `tamper` saw). */
  readonly index: number;
  /** The bytes as sent by their author. */
  readonly sent: Uint8Array;
  /** The bytes delivered after `tamper` (`null`: dropped). */
  readonly delivered: Uint8Array | null;
  /** Clock at delivery. */
  readonly at: number;
}

export type TranscriptEntry =
  | { readonly kind: 'frame'; readonly frame: FrameRecord }
  | { readonly kind: 'input'; readonly input: HandsetInput }
  | { readonly kind: 'output'; readonly output: HandsetOutput };

export type StopReason = 'key-established' | 'complete' | 'failed' | 'quiet' | 'max-steps';

export interface ExchangeResult {
  readonly state: HandsetState;
  readonly sim: BesSimulator;
  readonly clock: Clock;
  readonly stoppedBy: StopReason;
  /** Every frame in delivery order, both directions. */
  readonly frames: readonly FrameRecord[];
  /** Every handset output in order. */
  readonly outputs: readonly HandsetOutput[];
  /** Inputs, outputs and frames interleaved in the order they happened. */
  readonly transcript: readonly TranscriptEntry[];
  readonly statuses: readonly Status[];
  /** From the `key-established` output, if any. */
  readonly keyEstablished?: ActivationResult;
  /** From the `failed` output, if any. */
  readonly error?: ActivationError;
  readonly ignored: readonly { reason: string; code?: string }[];
  /** Server replies that were in flight to the handset when the loop stopped. */
  readonly undelivered: readonly Uint8Array[];
  /** The handset env used (its `random` continues the seeded stream). */
  readonly env: HandsetEnv;
  /** The handset's armed timer when the loop stopped. */
  readonly timerAt: number | undefined;
}

/** 2024-01-01T00:00:00Z: the default start of the injected clock. */
export const T0 = Date.UTC(2024, 0, 1);
export const HOUR = 3_600_000;

export const DEFAULT_EMAIL = 'alice@example.com';
export const DEFAULT_PASSWORD = 'Bb-activation-1';
export const DEFAULT_HANDSET_CONFIG: HandsetConfig = {
  pin: '2100000A',
  routing: { relay: 'relay.blackberry.test', uid: 'carrier-uid-0001' },
  device: { model: '8800', os: '4.5.0.110' },
};

/** A deterministic 32-byte domain key seed derived from the server seed's text. */
export function domainKeySeedFor(serverSeed: string): Uint8Array {
  return seededRandom(`domain-key:${serverSeed}`)(32);
}

/** A simulator with a seeded random source and the given clock. */
export function createServer(
  options: { serverSeed?: string; serverOptions?: Partial<BesSimulatorOptions>; clock?: Clock; users?: readonly NewUser[] } = {},
): { sim: BesSimulator; clock: Clock } {
  const clock = options.clock ?? { now: T0 };
  const serverSeed = options.serverSeed ?? 'server-seed';
  const sim = new BesSimulator({
    random: seededRandom(serverSeed),
    domainKeySeed: domainKeySeedFor(serverSeed),
    now: () => clock.now,
    provider: allAlgorithms,
    ...options.serverOptions,
  });
  for (const user of options.users ?? []) sim.addUser(user);
  return { sim, clock };
}

/** Runs one activation through the pure cores. Throws whatever `handsetStep` throws (e.g. INVALID_ARGUMENT). */
export function runExchange(options: ExchangeOptions = {}): ExchangeResult {
  const email = options.email ?? DEFAULT_EMAIL;
  const password = options.password ?? DEFAULT_PASSWORD;
  const resume = options.resume;
  let clock: Clock;
  let sim: BesSimulator;
  if (resume) {
    sim = resume.sim;
    clock = resume.clock;
  } else if (options.sim) {
    sim = options.sim;
    clock = options.clock ?? { now: options.now ?? T0 };
  } else {
    const created = createServer({
      serverSeed: options.serverSeed,
      serverOptions: options.serverOptions,
      clock: options.clock ?? { now: options.now ?? T0 },
      users: options.users ?? [{ email, displayName: 'Alice Example', activationPassword: password }],
    });
    sim = created.sim;
    clock = created.clock;
  }
  const env: HandsetEnv = resume?.env ?? { provider: allAlgorithms, random: seededRandom(options.handsetSeed ?? 'handset-seed') };
  let state =
    resume?.state ?? options.state ?? initialHandsetState(resolveHandsetConfig(options.handsetConfig ?? DEFAULT_HANDSET_CONFIG, allAlgorithms));
  const until = options.until ?? 'key-established';
  const driveTimers = options.driveTimers ?? true;
  const maxSteps = options.maxSteps ?? 1_000;
  const tamper = options.tamper;

  const frames: FrameRecord[] = [];
  const outputs: HandsetOutput[] = [];
  const transcript: TranscriptEntry[] = [];
  const statuses: Status[] = [];
  const ignored: { reason: string; code?: string }[] = [];
  const inFlight: { direction: Direction; bytes: Uint8Array }[] = (resume?.undelivered ?? []).map((bytes) => ({
    direction: 'to-handset' as const,
    bytes,
  }));
  const counters: Record<Direction, number> = { 'to-server': 0, 'to-handset': 0 };
  const enforcer = options.enforcer ?? new InMemoryPolicyEnforcer();
  const pendingInputs: HandsetInput[] = [];
  let timerAt: number | undefined = resume?.timerAt;
  let keyEstablished: ActivationResult | undefined;
  let error: ActivationError | undefined;
  let stoppedBy: StopReason | undefined;

  const step = (input: HandsetInput): void => {
    transcript.push({ kind: 'input', input });
    const result = handsetStep(state, input, env);
    state = result.state;
    for (const output of result.outputs) {
      outputs.push(output);
      transcript.push({ kind: 'output', output });
      switch (output.type) {
        case 'send':
          inFlight.push({ direction: 'to-server', bytes: output.bytes });
          break;
        case 'status':
          statuses.push(output.status);
          break;
        case 'set-timer':
          timerAt = output.at;
          break;
        case 'clear-timer':
          timerAt = undefined;
          break;
        case 'key-established':
          keyEstablished = output.result;
          if (until === 'key-established') stoppedBy ??= 'key-established';
          break;
        case 'complete':
          stoppedBy = 'complete';
          break;
        case 'failed':
          error = output.error;
          stoppedBy = 'failed';
          break;
        case 'apply-policy':
          pendingInputs.push({ type: 'policy-applied', ack: applyPolicy(enforcer, output.policy), now: clock.now });
          break;
        case 'ignored':
          ignored.push(output.code === undefined ? { reason: output.reason } : { reason: output.reason, code: output.code });
          break;
      }
    }
  };

  /** Delivers one frame in flight; returns the server's replies when it went to the server. */
  const deliver = (item: { direction: Direction; bytes: Uint8Array }, toHandset: boolean): Uint8Array[] => {
    const index = counters[item.direction]++;
    // Each side gets its own copy, as over a network: nothing the receiver does to its bytes can
    // reach the sender's state (e.g. the handset keeps its last frame for retransmission).
    const delivered = tamper ? tamper(item.bytes.slice(), item.direction, index) : item.bytes.slice();
    const record: FrameRecord = { direction: item.direction, index, sent: item.bytes, delivered, at: clock.now };
    frames.push(record);
    transcript.push({ kind: 'frame', frame: record });
    if (delivered === null) return [];
    if (item.direction === 'to-server') return sim.receive(delivered);
    if (toHandset) step({ type: 'frame', bytes: delivered, now: clock.now });
    return [];
  };

  if (!resume) step({ type: 'activate', email, password, now: clock.now });
  let steps = 0;
  while (stoppedBy === undefined) {
    if (++steps > maxSteps) {
      stoppedBy = 'max-steps';
      break;
    }
    const local = pendingInputs.shift();
    if (local) {
      step(local);
      continue;
    }
    const item = inFlight.shift();
    if (item) {
      for (const reply of deliver(item, true)) inFlight.push({ direction: 'to-handset', bytes: reply });
      continue;
    }
    if (driveTimers && timerAt !== undefined) {
      clock.now = Math.max(clock.now, timerAt);
      timerAt = undefined;
      step({ type: 'timer', now: clock.now });
      continue;
    }
    stoppedBy = 'quiet';
  }

  // Let the server see what the handset sent in its last step; keep its answers undelivered.
  const undelivered: Uint8Array[] = [];
  for (const item of inFlight.splice(0)) {
    if (item.direction === 'to-handset') {
      undelivered.push(item.bytes);
      continue;
    }
    undelivered.push(...deliver(item, false));
  }

  return {
    state,
    sim,
    clock,
    stoppedBy,
    frames,
    outputs,
    transcript,
    statuses,
    keyEstablished,
    error,
    ignored,
    undelivered,
    env,
    timerAt,
  };
}

/** The frame's message type, or `undefined` if the bytes do not decode as a frame. */
export function frameType(bytes: Uint8Array): MessageType | undefined {
  try {
    return decodeFrame(bytes).type;
  } catch {
    return undefined;
  }
}

/** Decodes a frame (throws on bad bytes). */
export function frameOf(bytes: Uint8Array): Frame {
  return decodeFrame(bytes);
}

/** The frames of one direction and type, as their authors sent them. */
export function sentFrames(result: Pick<ExchangeResult, 'frames'>, direction: Direction, type: MessageType): Uint8Array[] {
  return result.frames.filter((f) => f.direction === direction && frameType(f.sent) === type).map((f) => f.sent);
}

/** A copy of `bytes` with byte `at` XOR `mask`. */
export function flipByte(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  if (at < 0 || at >= bytes.length) throw new RangeError(`flip at ${at} outside 0..${bytes.length - 1}`);
  const out = bytes.slice();
  out[at] = out[at]! ^ mask;
  return reseal(out);
}

/**
 * What an attacker does after altering a frame: recomputes the frame checksum (it only guards
 * against accidental damage). Bytes that no longer decode to a frame-shaped map stay as they are.
 */
export function reseal(bytes: Uint8Array): Uint8Array {
  let raw: unknown;
  try {
    raw = cborDecode(bytes);
  } catch {
    return bytes;
  }
  if (raw === null || typeof raw !== 'object') return bytes;
  const f = raw as Record<string, unknown>;
  const keys = Object.keys(f).join(',');
  if (keys !== 'v,type,sid,seq,pin,to,body,check' || !(f.body instanceof Uint8Array) || !(f.sid instanceof Uint8Array)) return bytes;
  try {
    return encodeFrame({ v: f.v, type: f.type, sid: new Uint8Array(f.sid), seq: f.seq, pin: f.pin, to: f.to, body: new Uint8Array(f.body) } as Frame);
  } catch {
    return bytes;
  }
}

/** Offset of `needle` inside `haystack` (first occurrence), or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** [start, end) of `needle` inside `haystack`; throws if it is absent or occurs twice. */
export function regionOf(haystack: Uint8Array, needle: Uint8Array): { start: number; end: number } {
  const start = indexOfBytes(haystack, needle);
  if (start < 0) throw new Error('region not found');
  if (indexOfBytes(haystack, needle, start + 1) >= 0) throw new Error('region occurs twice');
  return { start, end: start + needle.length };
}

/** cbor-x's plain, default-options decoder (independent of the library's strict wrapper). */
export function plainCborDecode(bytes: Uint8Array): unknown {
  return cborDecode(bytes);
}

/** True when every byte has an odd number of one bits (DES key parity). */
export function oddParity(key: Uint8Array): boolean {
  return [...key].every((byte) => {
    let ones = 0;
    for (let b = byte; b !== 0; b >>= 1) ones += b & 1;
    return ones % 2 === 1;
  });
}
