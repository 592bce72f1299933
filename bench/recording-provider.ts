/**
 * The crypto floor's raw material: a provider that records every call made on it, and on the
 * suites and ciphers it hands out, with copies of the arguments, the random bytes each call drew
 * and what it returned. bench/floor.ts replays the calls on the unwrapped provider and times them.
 *
 * Copies, because the protocol zeroizes keys and plaintexts after use (docs/reliability.md,
 * "Secrets"): a replay with the caller's own buffers would compute on zeros, and fail early or
 * take a cheaper path (an HMAC that does not match skips the decryption).
 */
import type {
  CPaceSuite,
  CPaceSuiteId,
  CryptoProvider,
  RandomSource,
  TransportCipher,
  TransportKeyAlgorithm,
} from '../src/crypto/index.js';

/** The object a call was made on. */
export type CallTarget =
  | { readonly kind: 'provider' }
  | { readonly kind: 'suite'; readonly id: CPaceSuiteId }
  | { readonly kind: 'cipher'; readonly id: TransportKeyAlgorithm };

/** An argument or result, copied: bytes, plain objects of them, numbers and strings; markers for the rest. */
export type Value =
  | Uint8Array
  | string
  | number
  | boolean
  | undefined
  | null
  | { readonly random: true }
  | { readonly handedOut: CallTarget }
  | { readonly [key: string]: Value }
  | readonly Value[];

/** What a call gave: a value (copied) or an error (its code). */
export type Outcome = { readonly returned: Value } | { readonly threw: string };

export interface RecordedCall {
  readonly target: CallTarget;
  readonly method: string;
  readonly args: readonly Value[];
  /** What a random-source argument returned during the call, in order. */
  readonly randomDraws: readonly Uint8Array[];
  /** Undefined while an asynchronous call has not settled (set when it does). */
  outcome?: Outcome;
}

/** True for a promise (or any thenable): what an asynchronous provider (WebCrypto) answers with. */
export function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export interface Recorder {
  /** The provider to give the handset and the simulator. */
  readonly provider: CryptoProvider;
  /** Calls recorded while recording was on, in order. */
  readonly calls: RecordedCall[];
  /** Records from now on (and forgets earlier calls). */
  start(): void;
  /** Stops recording; the provider keeps working. */
  stop(): void;
}

const RANDOM = Object.freeze({ random: true as const });

/** Own and inherited property names, up to (not including) Object.prototype: a class's methods too. */
export function propertyNames(object: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = object; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') names.add(name);
  }
  return [...names];
}

function copy(value: unknown): Value {
  if (value instanceof Uint8Array) return value.slice();
  if (value === null || value === undefined || typeof value !== 'object') {
    if (typeof value === 'function') throw new Error('bench: a function where bytes were expected');
    return value as Value;
  }
  if (Array.isArray(value)) return value.map(copy);
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copy(v);
  return out;
}

export function targetLabel(target: CallTarget): string {
  return target.kind === 'provider' ? 'provider' : target.id;
}

/** Wraps `raw` so that every call on it, or on a suite or cipher it hands out, can be recorded. */
export function createRecorder(raw: CryptoProvider): Recorder {
  const calls: RecordedCall[] = [];
  let recording = false;
  const handedOut = new Map<string, object>();

  function call(object: object, target: CallTarget, method: string, fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    if (!recording) return handOut(method, fn.apply(object, args), args);
    const randomDraws: Uint8Array[] = [];
    const recordedArgs: Value[] = [];
    const passed = args.map((arg) => {
      if (typeof arg !== 'function') {
        recordedArgs.push(copy(arg));
        return arg;
      }
      recordedArgs.push(RANDOM);
      const source = arg as RandomSource;
      return (length: number) => {
        const bytes = source(length);
        randomDraws.push(bytes.slice());
        return bytes;
      };
    });
    // Recorded in the order the calls were made, whenever they settle.
    const entry: RecordedCall = { target, method, args: recordedArgs, randomDraws };
    calls.push(entry);
    let result: unknown;
    try {
      result = fn.apply(object, passed);
    } catch (error) {
      entry.outcome = { threw: errorCode(error) };
      throw error;
    }
    if (isPromise(result)) {
      // An asynchronous provider: the outcome is what the promise settles to.
      return result.then(
        (value) => {
          entry.outcome = { returned: copy(value) };
          return value;
        },
        (error: unknown) => {
          entry.outcome = { threw: errorCode(error) };
          throw error;
        },
      );
    }
    const wrapped = handOut(method, result, args);
    entry.outcome = { returned: wrapped === result ? copy(result) : { handedOut: handedOutTarget(method, args) } };
    return wrapped;
  }

  /** A suite or cipher from the provider comes back wrapped (one wrapper per id), so its calls are seen too. */
  function handOut(method: string, result: unknown, args: unknown[]): unknown {
    if (method !== 'cpaceSuite' && method !== 'transportCipher') return result;
    const target = handedOutTarget(method, args);
    const key = `${target.kind}:${targetLabel(target)}`;
    let wrapper = handedOut.get(key);
    if (wrapper === undefined) {
      wrapper = wrap(result as CPaceSuite | TransportCipher, target);
      handedOut.set(key, wrapper);
    }
    return wrapper;
  }

  function wrap<T extends object>(object: T, target: CallTarget): T {
    const out: Record<string, unknown> = {};
    for (const name of propertyNames(object)) {
      const value = (object as Record<string, unknown>)[name];
      out[name] =
        typeof value === 'function'
          ? (...args: unknown[]) => call(object, target, name, value as (...a: unknown[]) => unknown, args)
          : value;
    }
    return Object.freeze(out) as T;
  }

  return {
    provider: wrap(raw, { kind: 'provider' }),
    calls,
    start() {
      calls.length = 0;
      recording = true;
    },
    stop() {
      recording = false;
    },
  };
}

function handedOutTarget(method: string, args: readonly unknown[]): CallTarget {
  return method === 'cpaceSuite'
    ? { kind: 'suite', id: args[0] as CPaceSuiteId }
    : { kind: 'cipher', id: args[0] as TransportKeyAlgorithm };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * Operation counts, `target.method` -> calls: `provider.sealMessage`, `CPACE-X25519-SHA512.scalarMult`,
 * `AES-256-CBC.encryptCbc`. Lookups (`cpaceSuite`, `transportCipher`) are counted too.
 */
export function countOperations(calls: readonly RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls) {
    const key = `${targetLabel(c.target)}.${c.method}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
