/**
 * A virtual clock for tests: the `now` and `timers` of a {@link Handset} and of a `BesSimulator`,
 * and the `schedule` of `withFaults`, all on one time line that moves only when
 * the test says so. A reply timeout of 15 seconds passes in no real time at all.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { TimerApi } from '../util/timers.js';
import type { Scheduler } from '../transport/fault-injector.js';

/** 2024-01-01T00:00:00Z: where a {@link VirtualClock} starts unless told otherwise (ours, any fixed date would do). */
export const VIRTUAL_CLOCK_START = Date.UTC(2024, 0, 1);

/**
 * How many microtask turns in a row must pass with nothing happening before the clock takes the
 * pair as idle. Each hop of the in-memory transport is one turn, and no step of the handset or the
 * simulator awaits more than a few; 50 leaves a wide margin at no real cost (ours).
 */
const IDLE_TURNS = 50;

/** The longest a {@link VirtualClock.runUntil} moves the clock by default: one virtual day. */
const DEFAULT_LIMIT_MS = 24 * 3_600_000;

interface VirtualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * One time line for everything in a test pair. Timers fire only when the clock is moved
 * ({@link VirtualClock.advance}, {@link VirtualClock.runUntil}), in the order of their times (and
 * of their setting, for equal times), each with the clock showing its time.
 *
 * Idleness is found with microtasks only (no real timer), so the clock works the same when a test
 * runner's fake timers replace `setTimeout`, and in a browser.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const handset = new Handset({ config, transport, now: clock.now, timers: clock.timers });
 * await clock.advance(15_000); // the reply timeout fires now, in no real time
 * ```
 */
export class VirtualClock {
  #now: number;
  #nextId = 1;
  #timers: VirtualTimer[] = [];
  #activity = 0;

  /** A clock showing `start` (ms since the epoch; default {@link VIRTUAL_CLOCK_START}). */
  constructor(start: number = VIRTUAL_CLOCK_START) {
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new ActivationError('INVALID_ARGUMENT', 'the clock starts at a whole number of ms from 0', { field: 'start' });
    }
    this.#now = start;
  }

  /** The time on this clock (ms since the epoch). A bound function: pass it as a `now` option. */
  readonly now = (): number => this.#now;

  /** Timer functions on this clock, for `HandsetOptions.timers`. */
  readonly timers: TimerApi = {
    setTimeout: (fn, ms) => this.#add(fn, ms),
    clearTimeout: (handle) => {
      this.#timers = this.#timers.filter((t) => t.id !== handle);
    },
  };

  /** A scheduler on this clock, for `FaultOptions.schedule` (delayed frames of a faulty link). */
  readonly schedule: Scheduler = (fn, ms) => {
    const id = this.#add(fn, ms);
    return () => this.timers.clearTimeout(id);
  };

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** When the next timer fires, or undefined when none is set. */
  get nextTimerAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  /**
   * Tells the clock that something happened (a frame, an event), so that {@link VirtualClock.settle}
   * waits on. The pair calls it; a test that wires its own parts may too.
   */
  noteActivity(): void {
    this.#activity++;
  }

  /**
   * Lets everything that is ready run: waits until 50 microtask turns in a row pass with no
   * activity noted. The clock does not move.
   */
  async settle(): Promise<void> {
    let seen = this.#activity;
    for (let idle = 0; idle < IDLE_TURNS; idle++) {
      await Promise.resolve();
      if (this.#activity !== seen) {
        seen = this.#activity;
        idle = -1;
      }
    }
  }

  /**
   * Moves the clock `ms` on: every timer due by then fires in order, with the clock at its time,
   * and what it set off runs ({@link VirtualClock.settle}) before the next.
   *
   * @throws An {@link ActivationError} `INVALID_ARGUMENT` for a negative or non-finite `ms`.
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new ActivationError('INVALID_ARGUMENT', 'the clock moves on by a finite number of ms from 0', { field: 'ms' });
    }
    const until = this.#now + ms;
    await this.settle();
    for (let next = this.#timers[0]; next !== undefined && next.at <= until; next = this.#timers[0]) {
      await this.#fire(next);
    }
    this.#now = until;
    await this.settle();
  }

  /**
   * Runs until `done()` holds: lets what is ready run, and when nothing is, jumps to the next
   * timer and fires it. Returns when `done()` holds.
   *
   * @throws An {@link ActivationError} `TIMEOUT` when no timer is left and `done()` still does not
   * hold (nothing more can happen), or when the clock would pass `limitMs` (default one virtual
   * day) from where it started: the message says which.
   */
  async runUntil(done: () => boolean, limitMs: number = DEFAULT_LIMIT_MS): Promise<void> {
    const limit = this.#now + limitMs;
    await this.settle();
    while (!done()) {
      const next = this.#timers[0];
      if (next === undefined) {
        throw new ActivationError('TIMEOUT', 'nothing is left to happen: no timer is set and the run has not ended');
      }
      if (next.at > limit) {
        throw new ActivationError('TIMEOUT', `the run did not end within ${limitMs} ms of virtual time`);
      }
      await this.#fire(next);
    }
  }

  #add(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    const at = this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0);
    // Sorted by time, then by setting order: a new timer goes after those due at the same time.
    const later = this.#timers.findIndex((t) => t.at > at);
    this.#timers.splice(later < 0 ? this.#timers.length : later, 0, { id, at, fn });
    return id;
  }

  async #fire(timer: VirtualTimer): Promise<void> {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = Math.max(this.#now, timer.at);
    this.#activity++;
    timer.fn();
    await this.settle();
  }
}
