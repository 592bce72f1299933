/**
 * The matchers of the testing toolkit, for any runner with a Jest-style `expect.extend` (vitest,
 * jest, the standalone `expect` package). Each reads an {@link ActivationRun} and, when it fails,
 * prints the run: its outcome, the statuses and the frames seen ({@link describeRun}).
 *
 * The runner entries register them: `enterprise-activation/testing/vitest` and
 * `enterprise-activation/testing/jest`. This file imports no runner.
 */
import type { ActivationErrorCode } from '../errors/activation-error.js';
import type { Status, StatusId } from '../handset/status.js';
import type { TransportKeyAlgorithm } from '../crypto/provider.js';
import type { SyncDatabase } from '../sync/databases.js';
import { describeRun, type ActivationRun } from './activation-run.js';

/** A status as a matcher takes it: its id (`'activation-complete'`), its exact text, or a pattern of its text. */
export type ExpectedStatus = StatusId | (string & {}) | RegExp;

/**
 * The matchers' signatures, as the runner entries add them to `expect(...)`. `R` is what the
 * runner's matchers return.
 */
export interface ActivationMatchers<R = unknown> {
  /** The activation completed. */
  toActivate(): R;
  /** The activation failed with an ActivationError of this `code`. */
  toFailWith(code: ActivationErrorCode): R;
  /**
   * The screen showed these statuses in this order (others may come between them). Each is a
   * status id, a status's exact text, or a pattern of its text.
   */
  toShowStatuses(statuses: readonly ExpectedStatus[]): R;
  /** The handset holds `count` records of `database` after the run (without `count`: at least one). */
  toHaveSynced(database: SyncDatabase, count?: number): R;
  /** The activation completed with a transport key of this algorithm. */
  toUseTransportKey(algorithm: TransportKeyAlgorithm): R;
}

/** What a matcher returns to the runner: whether it passed, and the message for when that is wrong. */
export interface MatcherResult {
  /** Whether the expectation held (before `.not`). */
  readonly pass: boolean;
  /** What went wrong, with the run's statuses and frames; the runner calls it only when the test fails. */
  readonly message: () => string;
}

/** The part of the runner's matcher context the matchers read (vitest's and jest's `this`). */
export interface MatcherContext {
  /** True under `.not`. */
  readonly isNot?: boolean;
}

function isRun(value: unknown): value is ActivationRun {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<ActivationRun>;
  return typeof v.ok === 'boolean' && Array.isArray(v.statuses) && Array.isArray(v.frames) && typeof v.synced === 'object';
}

/** The failure of a matcher given something that is not a run: says what it wanted, never throws. */
function notARun(name: string, received: unknown): MatcherResult {
  const what = received instanceof Promise ? 'a Promise (did you forget `await`?)' : received === null ? 'null' : typeof received;
  return {
    pass: false,
    message: () => `${name}: expected an ActivationRun (what activate() resolves to), got ${what}`,
  };
}

/** True under `.not`: the runner's context says so (a matcher called as a plain function has none). */
function isNot(ctx: unknown): boolean {
  return typeof ctx === 'object' && ctx !== null && (ctx as MatcherContext).isNot === true;
}

/** A result whose message starts with `claim`, negated under `.not`, and ends with the run. */
function result(ctx: unknown, pass: boolean, run: ActivationRun, claim: string, seen?: string): MatcherResult {
  return {
    pass,
    message: () => {
      const expected = `Expected the activation ${isNot(ctx) ? 'not ' : ''}${claim}`;
      return [seen === undefined ? `${expected}.` : `${expected}, but ${seen}.`, '', describeRun(run)].join('\n');
    },
  };
}

function statusMatches(status: Status, expected: ExpectedStatus): boolean {
  if (expected instanceof RegExp) return expected.test(status.text);
  return status.id === expected || status.text === expected;
}

function showStatus(expected: ExpectedStatus): string {
  return expected instanceof RegExp ? String(expected) : JSON.stringify(expected);
}

/** The outcome in a few words, for the `but ...` part of a message. */
function outcomeOf(run: ActivationRun): string {
  return run.ok ? `it completed (${run.result?.keyAlgorithm ?? 'no key'})` : `it failed with ${run.error?.code ?? 'no error'}`;
}

/**
 * The matchers themselves, as plain functions of `(received, ...expected)` with the runner's
 * context ({@link MatcherContext}) as `this`: hand them to `expect.extend` of any Jest-style
 * runner. The runner entries do this for you.
 */
export const activationMatchers = {
  /** Passes when the run completed. */
  toActivate(this: unknown, received: unknown): MatcherResult {
    if (!isRun(received)) return notARun('toActivate', received);
    return result(this, received.ok, received, 'to complete', outcomeOf(received));
  },

  /** Passes when the run failed with an ActivationError of `code`. */
  toFailWith(this: unknown, received: unknown, code: ActivationErrorCode): MatcherResult {
    if (!isRun(received)) return notARun('toFailWith', received);
    const pass = !received.ok && received.error?.code === code;
    return result(this, pass, received, `to fail with ${code}`, outcomeOf(received));
  },

  /** Passes when the run showed `statuses` in this order (ids, exact texts or patterns; others may come between). */
  toShowStatuses(this: unknown, received: unknown, statuses: readonly ExpectedStatus[]): MatcherResult {
    if (!isRun(received)) return notARun('toShowStatuses', received);
    if (!Array.isArray(statuses)) {
      return { pass: false, message: () => 'toShowStatuses: expected a list of status ids, texts or patterns' };
    }
    // In order, others allowed between: the first status that matches each expected one, after the last match.
    let at = 0;
    let missing: ExpectedStatus | undefined;
    for (const expected of statuses) {
      const i = received.statuses.findIndex((s, index) => index >= at && statusMatches(s, expected));
      if (i < 0) {
        missing = expected;
        break;
      }
      at = i + 1;
    }
    const claim = `to show ${statuses.map(showStatus).join(', ')} in this order`;
    const seen = missing === undefined ? undefined : `${showStatus(missing)} was not shown after the statuses before it`;
    return result(this, missing === undefined, received, claim, seen);
  },

  /** Passes when the handset holds `count` records of `database` after the run (without `count`: at least one). */
  toHaveSynced(this: unknown, received: unknown, database: SyncDatabase, count?: number): MatcherResult {
    if (!isRun(received)) return notARun('toHaveSynced', received);
    const held = received.synced[database];
    if (held === undefined) {
      return {
        pass: false,
        message: () => `toHaveSynced: ${JSON.stringify(database)} is not a database (${Object.keys(received.synced).join(', ')})`,
      };
    }
    const pass = count === undefined ? held > 0 : held === count;
    const claim = count === undefined ? `to have synced ${database} records` : `to have synced ${count} ${database} records`;
    return result(this, pass, received, claim, `the handset holds ${held}`);
  },

  /** Passes when the run completed with a transport key of `algorithm`. */
  toUseTransportKey(this: unknown, received: unknown, algorithm: TransportKeyAlgorithm): MatcherResult {
    if (!isRun(received)) return notARun('toUseTransportKey', received);
    const pass = received.ok && received.result?.keyAlgorithm === algorithm;
    return result(this, pass, received, `to complete with a ${algorithm} transport key`, outcomeOf(received));
  },
} as const;
