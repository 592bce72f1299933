/**
 * Admission of activation requests (issue 8, finding 10): what we assume RIM's own network gave a
 * BES (no source we have says how it screened requests) and an open relay or mailbox does not.
 * Anyone who knows a user's email address can send ETP.DATs with random shares; each one counts as
 * a failed attempt until the password is proven, and five lock the activation password (RIM's
 * rule, kept: ../shared/reference/blackberry-activation-facts.md, "Activation password"). The
 * simulator therefore:
 *
 * - rate-limits new activation requests per device PIN and per network source (`FrameMeta.source`,
 *   the relay's opaque label) with token buckets; a request over the limit is dropped before it
 *   reaches the account, so it is not an attempt;
 * - can refuse requests the relay did not vouch for (`requireRelayVouch`);
 * - tells the administrator of each failure and refusal ({@link AdminEvent}).
 *
 * Pure bookkeeping: the clock is passed in, nothing here does I/O. Memory is bounded: at most
 * `maxTracked` buckets per kind, the least recently used evicted first.
 */
import { ActivationError } from '../errors/activation-error.js';

/** A token bucket: `burst` requests at once, then `perMinute` more each minute. */
export interface RateLimit {
  /** Requests allowed at once (the bucket's size), at least 1. */
  readonly burst: number;
  /** Tokens added per minute (may be fractional, > 0). */
  readonly perMinute: number;
}

/** Rate limits on new activation requests (`BesSimulatorOptions.etpRateLimit`), per device PIN and per network source. */
export interface EtpAdmissionOptions {
  /**
   * New activation requests per device PIN. Default: 10 at once, then 2 a minute. An honest handset
   * sends one request per activation (its retransmissions repeat the same session and are not
   * counted), and a user who mistypes the password is locked out after 5 attempts anyway.
   * `false` disables the limit.
   */
  readonly perPin?: RateLimit | false;
  /**
   * New activation requests per network source as labelled by the relay (`FrameMeta.source`;
   * requests without a label are not limited by source). Default: 60 at once, then 30 a minute,
   * generous because a carrier's gateway may put many handsets behind one address. `false`
   * disables the limit.
   */
  readonly perSource?: RateLimit | false;
  /** Most buckets kept per kind (PIN, source); the least recently used go first. Default 10,000. */
  readonly maxTracked?: number;
}

/** New activation requests allowed per device PIN unless configured: 10 at once, then 2 a minute. Our choice. */
export const DEFAULT_PIN_RATE_LIMIT: RateLimit = Object.freeze({ burst: 10, perMinute: 2 });
/** New activation requests allowed per network source unless configured: 60 at once, then 30 a minute. Our choice. */
export const DEFAULT_SOURCE_RATE_LIMIT: RateLimit = Object.freeze({ burst: 60, perMinute: 30 });
/** Rate-limit buckets kept per kind (PIN, source) unless configured. */
export const DEFAULT_MAX_TRACKED = 10_000;

/** Why an activation request was refused before it reached the account. */
export type RefusalReason = 'unvouched' | 'rate-limited-pin' | 'rate-limited-source';

/**
 * What the administrator is told (ours: what a BES console showed of failed activations is in no source we have).
 * Secret-free: no password, no share, no key. `email` and `pin` of a refused request are what the
 * request claimed (unverified).
 */
export type AdminEvent =
  | {
      readonly type: 'attempt-failed';
      readonly at: number;
      readonly email: string;
      readonly pin: string;
      /** Consecutive failed attempts now counted against the activation password (5 lock it). */
      readonly attempts: number;
      /** True when the activation password is now locked (failed attempts reached 5). */
      readonly locked: boolean;
      /** A code (`WRONG_PASSWORD`, `handset aborted`, `unconfirmed`...). */
      readonly reason: string;
    }
  | {
      readonly type: 'etp-dat-refused';
      readonly at: number;
      readonly pin: string;
      readonly email?: string;
      readonly source?: string;
      readonly reason: RefusalReason;
    }
  /**
   * An administrator's command was carried out on the server (docs/lifecycle.md, "Administrator
   * commands"): `pin` is the device it concerns, when the account has one.
   */
  | {
      readonly type: 'admin-command';
      readonly at: number;
      readonly email: string;
      readonly command:
        'set-activation-password' | 'expire-activation-password' | 'resend-service-books' | 'resend-it-policy' | 'regenerate-key' | 'wipe';
      readonly pin?: string;
    }
  /**
   * A device was retired: another device was activated for the user (`replaced`), it was wiped
   * (`wiped`), or it left an IT policy unapplied past `disableUnappliedPolicyAfterHours`
   * (`policy-not-applied`).
   */
  | {
      readonly type: 'device-retired';
      readonly at: number;
      readonly email: string;
      readonly pin: string;
      readonly reason: 'replaced' | 'wiped' | 'policy-not-applied';
    }
  /** A device acknowledged a command (deactivate, wipe). */
  | {
      readonly type: 'device-command-acknowledged';
      readonly at: number;
      readonly email: string;
      readonly pin: string;
      readonly command: 'deactivate' | 'wipe';
    }
  | {
      /** The device's transport key was rolled over (docs/lifecycle.md, "Key rollover"). */
      readonly type: 'key-rolled-over';
      readonly at: number;
      readonly email: string;
      readonly pin: string;
      /** The new key's id, hex (never the key). */
      readonly keyId: string;
      /** What started it: the server's schedule, the administrator, or the device's request. */
      readonly reason: 'schedule' | 'admin' | 'device';
    };

/** Most admin events kept for {@link BesSimulator.adminLog}. */
export const MAX_ADMIN_LOG = 1000;

interface Bucket {
  tokens: number;
  at: number;
}

function checkLimit(limit: RateLimit | false | undefined, fallback: RateLimit, field: string): RateLimit | undefined {
  if (limit === false) return undefined;
  // `??` takes the default for null as for undefined; `Number.isSafeInteger` and `Number.isFinite`
  // are false for anything but a number (they do not convert), so no typeof checks are needed.
  const l = limit ?? fallback;
  if (typeof l !== 'object' || !Number.isSafeInteger(l.burst) || l.burst < 1 || !Number.isFinite(l.perMinute) || l.perMinute <= 0) {
    throw new ActivationError('INVALID_ARGUMENT', `${field} needs an integer burst >= 1 and perMinute > 0`, { field });
  }
  return { burst: l.burst, perMinute: l.perMinute };
}

/** Token buckets keyed by a string, bounded in number (LRU). */
class Buckets {
  private readonly map = new Map<string, Bucket>();
  constructor(
    private readonly limit: RateLimit,
    private readonly max: number,
  ) {}

  /** Takes a token for `key` at `now`; false when there is none left. */
  take(key: string, now: number): boolean {
    const { burst, perMinute } = this.limit;
    const found = this.map.get(key);
    let bucket: Bucket;
    if (found === undefined) {
      bucket = { tokens: burst, at: now };
    } else {
      this.map.delete(key);
      // A clock that goes backwards refills nothing (and takes nothing away).
      const elapsed = Math.max(0, now - found.at);
      bucket = { tokens: Math.min(burst, found.tokens + (elapsed * perMinute) / 60_000), at: Math.max(found.at, now) };
    }
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.map.set(key, bucket);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return allowed;
  }

  get size(): number {
    return this.map.size;
  }
}

/** The admission check the simulator runs on each ETP.DAT that would start a new session. */
export class EtpAdmission {
  private readonly pins: Buckets | undefined;
  private readonly sources: Buckets | undefined;

  /** An admission check with these limits; ActivationError('INVALID_ARGUMENT') for a bad one. */
  constructor(options: EtpAdmissionOptions = {}) {
    const max = options.maxTracked ?? DEFAULT_MAX_TRACKED;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new ActivationError('INVALID_ARGUMENT', 'maxTracked must be a positive integer', { field: 'etpRateLimit.maxTracked' });
    }
    const pin = checkLimit(options.perPin, DEFAULT_PIN_RATE_LIMIT, 'etpRateLimit.perPin');
    const source = checkLimit(options.perSource, DEFAULT_SOURCE_RATE_LIMIT, 'etpRateLimit.perSource');
    this.pins = pin && new Buckets(pin, max);
    this.sources = source && new Buckets(source, max);
  }

  /**
   * Takes a token from the PIN's bucket and the source's; the refusal reason when either is empty.
   * The source is checked first: a flood from one source must not drain the buckets of the PINs
   * it names (which would lock the genuine devices out of activating).
   */
  admit(pin: string, source: string | undefined, now: number): RefusalReason | undefined {
    if (source !== undefined && this.sources && !this.sources.take(source, now)) return 'rate-limited-source';
    if (this.pins && !this.pins.take(pin, now)) return 'rate-limited-pin';
    return undefined;
  }

  /** Buckets currently kept (for tests and the memory bound). */
  get tracked(): { pins: number; sources: number } {
    return { pins: this.pins?.size ?? 0, sources: this.sources?.size ?? 0 };
  }
}
