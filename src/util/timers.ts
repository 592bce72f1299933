/**
 * The platform's one-shot timers as an injectable interface: what the handset's and the
 * simulator's drivers arm their deadlines with. A test or an emulator with its own clock passes its
 * own (`VirtualClock.timers` of `enterprise-activation/testing`); the default is the global pair.
 */

/** Timer functions, injectable for tests and emulators with their own clock. */
export interface TimerApi {
  /** Calls `fn` once after `ms` milliseconds; returns a handle for {@link TimerApi.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer set with {@link TimerApi.setTimeout}; a handle already fired or cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** The global `setTimeout`/`clearTimeout`, as a {@link TimerApi}. */
export const systemTimers: TimerApi = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
