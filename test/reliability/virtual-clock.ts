/**
 * Virtual time for reliability tests: timers fire in order of their due time as soon as nothing
 * else is pending, so a run with long timeouts and many retransmissions takes milliseconds, and
 * the same seed always gives the same run.
 */
import type { TimerApi } from '../../src/handset/handset.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class VirtualClock {
  private time: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  readonly timerApi: TimerApi = {
    setTimeout: (fn, ms) => this.schedule(fn, ms),
    clearTimeout: (handle) => {
      this.timers = this.timers.filter((t) => t.id !== handle);
    },
  };

  /** The fault injector's scheduler. */
  readonly scheduler = (fn: () => void, ms: number): (() => void) => {
    const id = this.schedule(fn, ms);
    return () => this.timerApi.clearTimeout(id);
  };

  private schedule(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + Math.max(0, ms), fn });
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    return id;
  }

  /** Lets every pending promise and microtask run (frames in flight are delivered this way). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Runs until `done()` is true: settles, then fires the earliest timer, and so on. Gives up
   * (returns false) after `maxVirtualMs` of virtual time or `maxSteps` timers.
   */
  async runUntil(done: () => boolean, maxVirtualMs = 3_600_000, maxSteps = 100_000): Promise<boolean> {
    const deadline = this.time + maxVirtualMs;
    for (let step = 0; step < maxSteps; step++) {
      await this.settle();
      if (done()) return true;
      const next = this.timers.shift();
      if (!next || next.at > deadline) return done();
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    return done();
  }
}
