/**
 * `runExchange`: the activation tests' way of running the Pair (test/support/pair.ts). One call
 * runs one activation on a new Pair and returns what happened as a plain result:
 *
 *   1. feeds `{ type: 'activate' }` to the handset (unless it `resume`s an earlier exchange);
 *   2. drives the Pair (frames first in first out, the handset's timer on the virtual clock when
 *      the wire is idle and `driveTimers` is on, `apply-policy` answered from `enforcer`);
 *   3. stops at a terminal output (`failed`, `complete`), at `key-established` when
 *      `until === 'key-established'` (the default), or when nothing is left to do;
 *   4. then lets the server hear what the handset sent in its last step (`Pair.flushToServer`:
 *      e.g. `key-verified` right after `key-established`, or the `error` frame after `failed`),
 *      so that the server's account state reflects it; the server's answers are returned in
 *      `undelivered`, and a `resume` delivers them first.
 *
 * The man in the middle is a {@link Tamper}: one frame in, one frame (or `null`) out, told the
 * frame's index in its direction. That is the shape the byte-by-byte tampering tests need; the
 * Pair's {@link Link} is the general form.
 */
import type { ActivationError } from '../../src/errors/activation-error.js';
import type { HandsetConfig } from '../../src/handset/config.js';
import type { ActivationResult, HandsetInput, HandsetOutput } from '../../src/handset/io.js';
import type { HandsetEnv } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import type { Status } from '../../src/handset/status.js';
import type { PolicyEnforcer } from '../../src/policy/enforcer.js';
import type { NewUser } from '../../src/simulator/accounts.js';
import type { BesSimulator, BesSimulatorOptions } from '../../src/simulator/bes-simulator.js';
import type { MessageType } from '../../src/wire/frame.js';
import { DISPLAY_NAME, EMAIL, PASSWORD } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { type Clock, type Direction, type FrameRecord as PairFrameRecord, type Link, Pair } from '../support/pair.js';

/**
 * The man in the middle: sees every frame before it is delivered. `index` counts the frames of
 * that direction, from 0 (retransmissions count too). Return the bytes to deliver (the same or
 * altered), or `null` to drop the frame.
 */
export type Tamper = (frame: Uint8Array, direction: Direction, index: number) => Uint8Array | null;

export interface ExchangeOptions {
  readonly handsetConfig?: HandsetConfig;
  /** What the user types on the handset. */
  readonly email?: string;
  readonly password?: string;
  readonly handsetSeed?: string;
  readonly serverSeed?: string;
  readonly serverOptions?: Partial<BesSimulatorOptions>;
  /** Start time of the clock (ignored when `clock` is given). Default T0. */
  readonly now?: number;
  /** A clock to share with an existing simulator (see `createServer`). */
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
  /** Safety limit on loop iterations (default 1000). */
  readonly maxSteps?: number;
  /** Applies IT policies (default: a new InMemoryPolicyEnforcer). */
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

/** Runs one activation through the pure cores. Throws whatever `handsetStep` throws (e.g. INVALID_ARGUMENT). */
export function runExchange(options: ExchangeOptions = {}): ExchangeResult {
  const email = options.email ?? EMAIL;
  const password = options.password ?? PASSWORD;
  const { resume, tamper } = options;
  const until = options.until ?? 'key-established';
  const link: Link | undefined =
    tamper &&
    ((bytes, direction, ctx) => {
      const out = tamper(bytes, direction, ctx.index);
      return out === null ? [] : [out];
    });
  // A new Pair per call, also on resume: frame indices count from 0 again, and the result of the
  // exchange being resumed is left as it was.
  const pair = new Pair({
    server: resume?.sim ?? options.sim,
    clock: resume?.clock ?? options.clock,
    now: options.now,
    serverSeed: options.serverSeed,
    serverOptions: options.serverOptions,
    users: options.users ?? [{ email, displayName: DISPLAY_NAME, activationPassword: password }],
    handsetConfig: options.handsetConfig,
    handsetSeed: options.handsetSeed,
    random: resume?.env.random,
    state: resume?.state ?? options.state,
    timerAt: resume?.timerAt,
    inFlight: resume?.undelivered.map((bytes) => ({ direction: 'to-handset' as const, bytes })),
    enforcer: options.enforcer,
    driveTimers: options.driveTimers,
    maxSteps: options.maxSteps ?? 1_000,
    link,
  });

  // The stop condition reads the outputs as they come; a terminal one wins over key-established.
  let stoppedBy: StopReason | undefined;
  let read = 0;
  const stop = (): boolean => {
    for (; read < pair.outputs.length; read++) {
      const output = pair.outputs[read]!;
      if (output.type === 'key-established' && until === 'key-established') stoppedBy ??= 'key-established';
      if (output.type === 'complete' || output.type === 'failed') stoppedBy = output.type;
    }
    return stoppedBy !== undefined;
  };
  if (!resume) pair.activate(email, password);
  const reason = pair.drive(stop);
  if (reason !== 'until') stoppedBy = reason;
  const undelivered = pair.flushToServer();

  const records = new Map<PairFrameRecord, FrameRecord>();
  for (const f of pair.frames)
    records.set(f, { direction: f.direction, index: f.index, sent: f.sent, delivered: f.delivered[0] ?? null, at: f.at });
  return {
    state: pair.handset,
    sim: pair.server,
    clock: pair.clock,
    stoppedBy: stoppedBy ?? 'quiet',
    frames: [...records.values()],
    outputs: pair.outputs,
    transcript: pair.log.map((e) => (e.kind === 'frame' ? { kind: 'frame', frame: records.get(e.frame)! } : e)),
    statuses: pair.outputsOf('status').map((o) => o.status),
    keyEstablished: pair.outputsOf('key-established').at(-1)?.result,
    error: pair.outputsOf('failed').at(-1)?.error,
    ignored: pair.ignored,
    undelivered,
    env: pair.env,
    timerAt: pair.timerAt,
  };
}

/** The frames of one direction and type, as their authors sent them. */
export function sentFrames(result: Pick<ExchangeResult, 'frames'>, direction: Direction, type: MessageType): Uint8Array[] {
  return result.frames.filter((f) => f.direction === direction && frameType(f.sent) === type).map((f) => f.sent);
}
