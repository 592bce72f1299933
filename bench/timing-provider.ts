/**
 * A provider that times its own calls: every call on it, or on a suite or cipher it hands out,
 * adds its duration to a running total. What the benchmark's fairness check (bench/floor.ts)
 * compares with the replay: if the calls cost inside an activation what they cost replayed back
 * to back, the replay is a fair floor (docs/performance.md, "Is the replay a fair floor?").
 *
 * Synchronous providers only: an asynchronous call's promise settles after work that is not its
 * own, so its duration would not be the call's.
 */
import { performance } from 'node:perf_hooks';
import type { CPaceSuite, CryptoProvider, TransportCipher } from '../src/crypto/index.js';
import { propertyNames } from './recording-provider.js';

export interface CallTimer {
  /** The provider to give the handset and the simulator. */
  readonly provider: CryptoProvider;
  /** Milliseconds spent inside calls since the last {@link CallTimer.reset}. */
  readonly elapsedMs: () => number;
  readonly reset: () => void;
}

/** Wraps `raw` so that the time spent in each of its calls (and its suites' and ciphers') is summed. */
export function createCallTimer(raw: CryptoProvider): CallTimer {
  let elapsed = 0;
  const handedOut = new Map<unknown, object>();

  function wrap<T extends object>(object: T): T {
    const out: Record<string, unknown> = {};
    for (const name of propertyNames(object)) {
      const value = (object as Record<string, unknown>)[name];
      if (typeof value !== 'function') {
        out[name] = value;
        continue;
      }
      const fn = value as (...args: unknown[]) => unknown;
      const handsOut = name === 'cpaceSuite' || name === 'transportCipher';
      out[name] = (...args: unknown[]) => {
        const start = performance.now();
        try {
          const result = fn.apply(object, args);
          return handsOut ? handOut(result) : result;
        } finally {
          elapsed += performance.now() - start;
        }
      };
    }
    return Object.freeze(out) as T;
  }

  /** One wrapper per suite or cipher object, made on its first lookup. */
  function handOut(result: unknown): unknown {
    let wrapper = handedOut.get(result);
    if (wrapper === undefined) {
      wrapper = wrap(result as CPaceSuite | TransportCipher);
      handedOut.set(result, wrapper);
    }
    return wrapper;
  }

  return {
    provider: wrap(raw),
    elapsedMs: () => elapsed,
    reset: () => {
      elapsed = 0;
    },
  };
}
