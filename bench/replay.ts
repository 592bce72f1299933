/**
 * Replaying recorded provider calls on an unwrapped provider: what the crypto floor times. The
 * calls are bound once (targets looked up, arguments ready), so the timed loop does the calls and
 * nothing else; the random bytes each call drew come back from the recording, so that the replay
 * takes the same paths with the same values.
 */
import type { CryptoProvider } from '../src/crypto/index.js';
import { type RecordedCall, type Value, targetLabel } from './recording-provider.js';

/** Runs every recorded call once on `raw`, in order. */
export type Replay = () => void;

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
    if (!('threw' in c.outcome)) return run;
    // A recorded call that threw throws again (checkReplay made sure); its cost is counted. Any
    // other throw is the benchmark's fault and must not pass for a cheap call.
    return () => {
      try {
        run();
      } catch {
        // expected
      }
    };
  });
  return () => {
    for (const run of bound) run();
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
export function checkReplay(raw: CryptoProvider, calls: readonly RecordedCall[]): void {
  calls.forEach((call, i) => {
    let outcome: RecordedCall['outcome'];
    try {
      const result = bind(raw, call)();
      outcome = {
        returned: call.method === 'cpaceSuite' || call.method === 'transportCipher' ? { handedOut: call.target } : (result as Value),
      };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      outcome = { threw: typeof code === 'string' ? code : 'error' };
    }
    const same =
      'threw' in call.outcome
        ? 'threw' in outcome && outcome.threw === call.outcome.threw
        : 'returned' in outcome &&
          (call.method === 'cpaceSuite' || call.method === 'transportCipher' || equal(outcome.returned, call.outcome.returned));
    if (!same) throw new Error(`bench: replayed call ${i} (${targetLabel(call.target)}.${call.method}) gave another result than recorded`);
  });
}
