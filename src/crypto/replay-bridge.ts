/**
 * Runs a synchronous, pure computation (a state machine's step) against an asynchronous crypto
 * provider, by replay. Ours; the technique is the one deterministic-replay systems use (a pure
 * function re-run over a journal of the answers it has already had).
 *
 * Each pass runs the computation with a synchronous stand-in provider backed by a journal:
 * - an operation the journal already answered returns that answer (a fresh copy: the step may
 *   zeroize what it is given);
 * - a new operation the real provider answers synchronously is journaled and returned at once;
 * - the first new operation that answers with a promise ends the pass: the stand-in throws, the
 *   pass's result (whatever the computation did with that throw) is discarded, the promise is
 *   awaited and journaled, and the next pass runs.
 * A pass that needed nothing new is the result. Whatever the computation catches, a pass with a
 * pending operation is never used, so the step's own `try`/`catch` blocks need no care for this.
 *
 * Randomness: the step's own draws are journaled by position and replayed, so every pass sees the
 * same bytes; operations that take a `RandomSource` (sealing, key generation) are given the real
 * source, since their answers are journaled and their draws must not shift the step's.
 *
 * Cost: with k asynchronous operations, a step runs k + 1 times. The steps are small (a decode, a
 * few operations, an encode), so this is cheap next to the operations; a provider that answers
 * everything synchronously costs exactly one pass.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { AnyCryptoProvider, AsyncCPaceSuite, AsyncTransportCipher } from './async-provider.js';
import type { CPaceSuite, CPaceSuiteId, CryptoProvider, RandomSource, TransportCipher, TransportKeyAlgorithm } from './provider.js';

/** Thrown inside a pass to end it when an operation is pending; never escapes {@link runWithAsyncProvider}. */
class PendingOperation extends Error {
  constructor() {
    super('a crypto operation is pending');
    this.name = 'PendingOperation';
  }
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

interface Entry {
  readonly op: string;
  readonly args: readonly unknown[];
  outcome: Outcome | undefined;
}

/** The answers gathered so far, shared by the passes of one run. */
interface Journal {
  readonly entries: Entry[];
  readonly draws: Uint8Array[];
  /** The operation the current pass is waiting for. */
  pending: Promise<unknown> | undefined;
}

/** A copy that the step may keep, change or zeroize without touching the journal. */
function copyValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.slice();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyValue(v);
    return out;
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

/** One pass's view of the journal: the position it has reached. */
class Pass {
  private next = 0;
  private drawn = 0;

  constructor(
    private readonly journal: Journal,
    private readonly random: RandomSource,
  ) {}

  /** The step's own randomness: replayed by position, fresh beyond what earlier passes drew. */
  readonly draw: RandomSource = (length: number) => {
    // A pass already waiting for an operation will be discarded: its draws need no entropy.
    if (this.journal.pending !== undefined) return new Uint8Array(length);
    const at = this.drawn++;
    const known = this.journal.draws[at];
    if (known !== undefined) {
      if (known.length !== length) throw nondeterministic('random');
      return known.slice();
    }
    const bytes = this.random(length);
    this.journal.draws.push(bytes.slice());
    return bytes;
  };

  /**
   * Answers operation `op` with `args`, from the journal or from `compute`. `compute` gets copies
   * of the arguments: an operation that answers later may read them after the step has moved on
   * and wiped or reused its buffers (cpaceStart zeroizes the generator right after using it).
   */
  call<A extends unknown[], T>(op: string, args: [...A], compute: (...args: A) => T | Promise<T>): T {
    const at = this.next++;
    const known = this.journal.entries[at];
    if (known !== undefined) {
      if (known.op !== op || !sameArgs(known.args, args)) throw nondeterministic(op);
      // Answered: only the pending entry has no outcome, and a pass never replays past it.
      return answer(known.outcome ?? { ok: false, error: new PendingOperation() }) as T;
    }
    if (this.journal.pending !== undefined) throw new PendingOperation();
    const entry: Entry = { op, args: args.map(copyValue), outcome: undefined };
    this.journal.entries.push(entry);
    let result: T | Promise<T>;
    try {
      result = compute(...(args.map(copyValue) as A));
    } catch (error) {
      entry.outcome = { ok: false, error };
      throw error;
    }
    if (result instanceof Promise) {
      this.journal.pending = result.then(
        (value) => void (entry.outcome = { ok: true, value }),
        (error: unknown) => void (entry.outcome = { ok: false, error }),
      );
      // Draws this pass made after the operation belong to a path that will not be used.
      this.journal.draws.length = this.drawn;
      throw new PendingOperation();
    }
    entry.outcome = { ok: true, value: result };
    return copyValue(result) as T;
  }
}

function sameArgs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
}

function answer(outcome: Outcome): unknown {
  if (!outcome.ok) throw outcome.error;
  return copyValue(outcome.value);
}

function nondeterministic(op: string): ActivationError {
  return new ActivationError('INVALID_STATE', 'a step asked for different crypto operations when replayed (it is not deterministic)', {
    operation: 'replay crypto',
    field: op,
  });
}

/** The synchronous stand-in for `provider` that one pass runs with. */
function standIn(provider: AnyCryptoProvider, pass: Pass, random: RandomSource): CryptoProvider {
  const suites = new Map<CPaceSuiteId, CPaceSuite>();
  const ciphers = new Map<TransportKeyAlgorithm, TransportCipher>();
  const suiteFor = (id: CPaceSuiteId): CPaceSuite => {
    let suite = suites.get(id);
    if (suite === undefined) suites.set(id, (suite = suiteStandIn(provider.cpaceSuite(id), pass)));
    return suite;
  };
  const cipherFor = (id: TransportKeyAlgorithm): TransportCipher => {
    let cipher = ciphers.get(id);
    if (cipher === undefined) ciphers.set(id, (cipher = cipherStandIn(provider.transportCipher(id), pass)));
    return cipher;
  };
  return {
    name: provider.name,
    cpaceSuite: suiteFor,
    transportCipher: cipherFor,
    sha512: (m) => pass.call('sha512', [m], (m) => provider.sha512(m)),
    sha256: (m) => pass.call('sha256', [m], (m) => provider.sha256(m)),
    hmac: (h, k, m) => pass.call('hmac', [h, k, m], (h, k, m) => provider.hmac(h, k, m)),
    hkdf: (ikm, salt, info, length) =>
      pass.call('hkdf', [ikm, salt, info, length], (ikm, salt, info, length) => provider.hkdf(ikm, salt, info, length)),
    aeadSeal: (k, n, p, ad) => pass.call('aeadSeal', [k, n, p, ad], (k, n, p, ad) => provider.aeadSeal(k, n, p, ad)),
    aeadOpen: (k, n, c, ad) => pass.call('aeadOpen', [k, n, c, ad], (k, n, c, ad) => provider.aeadOpen(k, n, c, ad)),
    signingKeyPair: (seed) => pass.call('signingKeyPair', [seed], (seed) => provider.signingKeyPair(seed)),
    sign: (sk, m) => pass.call('sign', [sk, m], (sk, m) => provider.sign(sk, m)),
    verify: (pk, m, sig) => pass.call('verify', [pk, m, sig], (pk, m, sig) => provider.verify(pk, m, sig)),
    agreementKeyPair: (seed) => pass.call('agreementKeyPair', [seed], (seed) => provider.agreementKeyPair(seed)),
    agree: (sk, pk) => pass.call('agree', [sk, pk], (sk, pk) => provider.agree(sk, pk)),
    // The operations that draw randomness get the real source: their answers are journaled.
    sealMessage: (alg, key, pt, ad) =>
      pass.call('sealMessage', [alg, key, pt, ad], (alg, key, pt, ad) => provider.sealMessage(alg, key, pt, ad, random)),
    openMessage: (key, sealed, ad) =>
      pass.call('openMessage', [key, sealed, ad], (key, sealed, ad) => provider.openMessage(key, sealed, ad)),
  };
}

function suiteStandIn(suite: AsyncCPaceSuite, pass: Pass): CPaceSuite {
  const op = (name: string): string => `${suite.id}.${name}`;
  return {
    id: suite.id,
    dsi: suite.dsi,
    shareLength: suite.shareLength,
    hash: (m) => pass.call(op('hash'), [m], (m) => suite.hash(m)),
    calculateGenerator: (prs, ci, sid) =>
      pass.call(op('calculateGenerator'), [prs, ci, sid], (prs, ci, sid) => suite.calculateGenerator(prs, ci, sid)),
    // The step's own randomness, so replayed like every other draw of the step.
    sampleScalar: (random) => suite.sampleScalar(random),
    scalarMult: (y, g) => pass.call(op('scalarMult'), [y, g], (y, g) => suite.scalarMult(y, g)),
    scalarMultVfy: (y, x) => pass.call(op('scalarMultVfy'), [y, x], (y, x) => suite.scalarMultVfy(y, x)),
  };
}

function cipherStandIn(cipher: AsyncTransportCipher, pass: Pass): TransportCipher {
  const op = (name: string): string => `${cipher.id}.${name}`;
  return {
    id: cipher.id,
    keyLength: cipher.keyLength,
    blockLength: cipher.blockLength,
    strength: cipher.strength,
    generateKey: (random) => cipher.generateKey(random),
    encryptCbc: (k, iv, p) => pass.call(op('encryptCbc'), [k, iv, p], (k, iv, p) => cipher.encryptCbc(k, iv, p)),
    decryptCbc: (k, iv, c) => pass.call(op('decryptCbc'), [k, iv, c], (k, iv, c) => cipher.decryptCbc(k, iv, c)),
  };
}

/** What {@link runWithAsyncProvider} reports besides the result. */
export interface ReplayStats {
  /** How many times the computation ran (1 when every operation answered synchronously). */
  readonly passes: number;
  /** How many crypto operations the final pass made. */
  readonly operations: number;
}

/**
 * Runs `compute` (synchronous and deterministic given its provider's answers and its randomness)
 * against an asynchronous `provider`, and resolves to what the one pass that needed nothing new
 * returned; it rejects with what that pass threw. `compute` must take all its crypto from the
 * provider and all its randomness from the source it is given.
 *
 * @example
 * ```ts
 * const { state, outputs } = await runWithAsyncProvider(webCrypto, systemRandom, (provider, random) =>
 *   handsetStep(state, input, { provider, random }),
 * );
 * ```
 */
export async function runWithAsyncProvider<R>(
  provider: AnyCryptoProvider,
  random: RandomSource,
  compute: (provider: CryptoProvider, random: RandomSource) => R,
  stats?: (stats: ReplayStats) => void,
): Promise<R> {
  const journal: Journal = { entries: [], draws: [], pending: undefined };
  try {
    for (let passes = 1; ; passes++) {
      const pass = new Pass(journal, random);
      let outcome: Outcome;
      try {
        outcome = { ok: true, value: compute(standIn(provider, pass, random), pass.draw) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const pending = journal.pending;
      if (pending === undefined) {
        stats?.({ passes, operations: journal.entries.length });
        if (!outcome.ok) throw outcome.error;
        return outcome.value as R;
      }
      journal.pending = undefined;
      await pending;
    }
  } finally {
    // The journal held secrets (keys as arguments, shared secrets as answers): wipe its bytes.
    for (const entry of journal.entries) {
      wipe(entry.args);
      wipe(entry.outcome);
    }
    for (const bytes of journal.draws) bytes.fill(0);
  }
}

function wipe(value: unknown): void {
  if (value instanceof Uint8Array) value.fill(0);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) wipe(v);
}
