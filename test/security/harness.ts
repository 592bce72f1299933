/**
 * `SecurityHarness`: the security tests' and the fuzzers' name for the Pair (test/support/pair.ts),
 * with the vocabulary they were written in: the man in the middle is an `adversary` that also
 * sees the harness, `step(input)` feeds the handset (the Pair's `input`), `run()` drives it,
 * `state`/`sim`/`simLog` are the Pair's `handset`/`server`/`serverLog`. Everything else (the
 * wire, the clock, the log and its views) is the Pair's own.
 */
import type { HandsetConfig } from '../../src/handset/config.js';
import type { HandsetInput, StepResult } from '../../src/handset/io.js';
import type { HandsetState } from '../../src/handset/state.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import type { PolicyEnforcer } from '../../src/policy/enforcer.js';
import type { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { DISPLAY_NAME, EMAIL, PASSWORD } from '../support/fixtures.js';
import { type Direction, type LinkContext, Pair, type ServerLogEntry, type ServerOptions } from '../support/pair.js';

export interface AdversaryContext extends LinkContext {
  readonly harness: SecurityHarness;
}

/**
 * The man in the middle: sees each frame before delivery and returns what is delivered in that
 * direction instead: `[frame]` unchanged, `[]` dropped, `[altered]`, `[frame, frame]` replayed...
 */
export type Adversary = (frame: Uint8Array, direction: Direction, ctx: AdversaryContext) => Uint8Array[];

export interface HarnessOptions extends ServerOptions {
  readonly handsetConfig?: HandsetConfig;
  readonly handsetSeed?: string;
  /** A random source for the handset (default: seededRandom(handsetSeed)). */
  readonly random?: RandomSource;
  readonly sim?: BesSimulator;
  /** The simulator's log when `sim` is given. */
  readonly log?: ServerLogEntry[];
  readonly state?: HandsetState;
  readonly adversary?: Adversary;
  readonly enforcer?: PolicyEnforcer;
  /** Fire the handset's timers when nothing is in flight (default true). */
  readonly driveTimers?: boolean;
  readonly maxSteps?: number;
}

export class SecurityHarness extends Pair {
  private adversaryFn: Adversary | undefined;

  constructor(options: HarnessOptions = {}) {
    super({ ...options, server: options.sim, serverLog: options.sim ? options.log : options.logSink });
    this.adversary = options.adversary;
  }

  get adversary(): Adversary | undefined {
    return this.adversaryFn;
  }

  set adversary(adversary: Adversary | undefined) {
    this.adversaryFn = adversary;
    this.link = adversary && ((bytes, direction, ctx) => adversary(bytes, direction, { ...ctx, harness: this }));
  }

  get state(): HandsetState {
    return this.handset;
  }

  get sim(): BesSimulator {
    return this.server;
  }

  get simLog(): ServerLogEntry[] {
    return this.serverLog;
  }

  /** With an input: feeds it to the handset (`Pair.input`). Without: one step of the Pair. */
  override step(): boolean;
  override step(input: HandsetInput): StepResult<HandsetState>;
  override step(input?: HandsetInput): boolean | StepResult<HandsetState> {
    return input === undefined ? super.step() : this.input(input);
  }

  /** Drives the Pair until quiet, `stopWhen`, or `maxSteps`. */
  run(stopWhen?: (h: this) => boolean): this {
    this.drive(stopWhen);
    return this;
  }

  /** Simulator log events with this name. */
  logged(event: string): ServerLogEntry[] {
    return this.serverEvents(event);
  }
}

/** Creates a harness, activates and runs it. */
export function runActivation(
  options: HarnessOptions & { email?: string; password?: string; stopWhen?: (h: SecurityHarness) => boolean } = {},
): SecurityHarness {
  const users =
    options.users ??
    (options.sim ? [] : [{ email: options.email ?? EMAIL, displayName: DISPLAY_NAME, activationPassword: options.password ?? PASSWORD }]);
  const h = new SecurityHarness({ ...options, users });
  h.activate(options.email ?? EMAIL, options.password ?? PASSWORD);
  return h.run(options.stopWhen);
}
