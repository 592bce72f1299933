/**
 * Replaying recorded provider calls on an unwrapped provider: what the crypto floor times. The
 * calls are bound once (targets looked up, arguments ready), so the timed loop does the calls and
 * nothing else; the random bytes each call drew come back from the recording, so that the replay
 * takes the same paths with the same values.
 */
import type { CryptoProvider } from '../src/crypto/index.js';
import { type Outcome, type RecordedCall, type Value, isPromise, targetLabel } from './recording-provider.js';

/**
 * Runs every recorded call once on `raw`, in order; a promise when a call answered with one (an
 * asynchronous provider), awaited before the next call as the activation awaited it.
 */
export type Replay = () => void | Promise<void>;

function isRandomMarker(value: Value): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'random' in value;
}

function bind(raw: CryptoProvider, call: RecordedCall): () => unknown {
  const target: object =
    call.target.kind === 'provider'
      ? raw
      : call.target.kind === 'suite'
        ? raw.cpaceSuite(call.target.id)
        : raw.transportCipher(call.target.id);
  const fn = (target as Record<string, unknown>)[call.method];
  if (typeof fn !== 'function') throw new Error(`bench: ${targetLabel(call.target)} has no method ${call.method}`);
  let draw = 0;
  const random = (length: number): Uint8Array => {
    const bytes = call.randomDraws[draw++];
    if (bytes === undefined || bytes.length !== length)
      throw new Error(`bench: replay of ${call.method} drew other random bytes than recorded`);
    // A copy: the callee may wipe what it drew (a scalar), and the next replay needs the bytes again.
    return bytes.slice();
  };
  const args = call.args.map((a) => (isRandomMarker(a) ? random : a));
  return () => {
    draw = 0;
    return (fn as (...a: unknown[]) => unknown).apply(target, args);
  };
}

/** The recorded calls, bound to `raw`, as one function. */
export function prepareReplay(raw: CryptoProvider, calls: readonly RecordedCall[]): Replay {
  const bound = calls.map((c) => {
    const run = bind(raw, c);
    if (c.outcome === undefined || !('threw' in c.outcome)) return run;
    // A recorded call that threw throws again (checkReplay made sure); its cost is counted. Any
    // other throw is the benchmark's fault and must not pass for a cheap call.
    return () => {
      try {
        const result = run();
        return isPromise(result) ? Promise.resolve(result).catch(() => undefined) : result;
      } catch {
        return undefined;
      }
    };
  });
  // Synchronous while the calls are: a provider that never answers with a promise pays no await.
  const finish = async (pending: PromiseLike<unknown>, from: number): Promise<void> => {
    await pending;
    for (let i = from; i < bound.length; i++) {
      const result = bound[i]!();
      if (isPromise(result)) await result;
    }
  };
  return () => {
    for (let i = 0; i < bound.length; i++) {
      const result = bound[i]!();
      if (isPromise(result)) return finish(result, i + 1);
    }
    return undefined;
  };
}

function equal(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Replays once, untimed, and checks that every call gives what it gave when recorded (a throw for
 * a throw): a replay that computed something else would time something else. Run it before and
 * after the timed replays (a callee that changed its arguments would show the second time).
 */
export async function checkReplay(raw: CryptoProvider, calls: readonly RecordedCall[]): Promise<void> {
  for (const [i, call] of calls.entries()) {
    const label = `${targetLabel(call.target)}.${call.method}`;
    if (call.outcome === undefined) throw new Error(`bench: recorded call ${i} (${label}) never settled`);
    const lookup = call.method === 'cpaceSuite' || call.method === 'transportCipher';
    let outcome: Outcome;
    try {
      const result: unknown = await bind(raw, call)();
      outcome = { returned: lookup ? { handedOut: call.target } : (result as Value) };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      outcome = { threw: typeof code === 'string' ? code : 'error' };
    }
    const same =
      'threw' in call.outcome
        ? 'threw' in outcome && outcome.threw === call.outcome.threw
        : 'returned' in outcome && (lookup || equal(outcome.returned, call.outcome.returned));
    if (!same) throw new Error(`bench: replayed call ${i} (${label}) gave another result than recorded`);
  }
}
