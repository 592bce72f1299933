/**
 * Follows activations through the simulator's log events (`BesSimulatorOptions.log`) and turns them
 * into what a load test wants to know: how many ended how, and how long each phase took on the
 * server. No I/O and no clock of its own: the time of each event is passed in, and what it learns
 * goes out through {@link ActivationObserver} (the `/metrics` of `serve` is one).
 *
 * The phases, as the server sees them (the handset's statuses of docs/handset.md, seen from the
 * other side): `activation` from the ETP.DAT accepted to the transport key issued (the password
 * exchange), `encryption-verification` to both sides' key proofs, `services` to the device's
 * acknowledgement of its service books (the activation committed), `synchronization` from the
 * first sync page to Activation Complete, and `total` from the ETP.DAT to Activation Complete.
 */

/**
 * The server-side phases `serve` times (in `/metrics` and the summary): `activation` from the
 * ETP.DAT accepted to the transport key issued, `encryption-verification` to both key proofs,
 * `services` to the service books acknowledged, `synchronization` from the first sync page to
 * Activation Complete, `total`.
 */
export const SERVER_PHASES = ['activation', 'encryption-verification', 'services', 'synchronization', 'total'] as const;
/** One of {@link SERVER_PHASES}. */
export type ServerPhase = (typeof SERVER_PHASES)[number];

/** How an activation ended: `complete`, `failed` (after its ETP.DAT was accepted), `refused` (its ETP.DAT was not), `aborted` (by the handset). */
export const ACTIVATION_OUTCOMES = ['complete', 'failed', 'refused', 'aborted'] as const;
/** One of {@link ACTIVATION_OUTCOMES}. */
export type ActivationOutcome = (typeof ACTIVATION_OUTCOMES)[number];

/** Where the tracker reports. */
export interface ActivationObserver {
  /** A phase of one activation took `ms`. */
  phase(phase: ServerPhase, ms: number): void;
  /** An activation ended; `code` is the error code for anything but `complete`. */
  outcome(outcome: ActivationOutcome, code: string | undefined): void;
}

/** Activations followed at once, at most: beyond it the oldest is forgotten (a handset that went silent). */
export const MAX_TRACKED_ACTIVATIONS = 100_000;

interface Tracked {
  readonly started: number;
  mark: number;
  syncStarted: number | undefined;
}

/** Counts of what the tracker has seen, for the final summary. */
export interface TrackerCounts {
  readonly inProgress: number;
  readonly outcomes: Readonly<Record<ActivationOutcome, number>>;
  readonly codes: Readonly<Record<string, number>>;
}

/** See the module comment. One per server. */
export class ActivationTracker {
  readonly #observer: ActivationObserver;
  readonly #limit: number;
  /** By PIN: a device has one activation in progress; a new ETP.DAT from it starts over. */
  readonly #active = new Map<string, Tracked>();
  readonly #outcomes: Record<ActivationOutcome, number> = { complete: 0, failed: 0, refused: 0, aborted: 0 };
  readonly #codes: Record<string, number> = Object.create(null) as Record<string, number>;

  constructor(observer: ActivationObserver, limit = MAX_TRACKED_ACTIVATIONS) {
    this.#observer = observer;
    this.#limit = limit;
  }

  /** Activations started and not yet ended. */
  get inProgress(): number {
    return this.#active.size;
  }

  /** What has been seen so far (copies). */
  counts(): TrackerCounts {
    return { inProgress: this.#active.size, outcomes: { ...this.#outcomes }, codes: { ...this.#codes } };
  }

  /** One simulator log event, at time `now` (ms, any monotonic origin). Unknown events are ignored. */
  event(event: string, detail: Record<string, unknown> | undefined, now: number): void {
    const pin = typeof detail?.pin === 'string' ? detail.pin : undefined;
    if (pin === undefined) return;
    switch (event) {
      case 'ETP.DAT accepted':
        this.#active.delete(pin); // a new attempt of the same device replaces its old one
        if (this.#active.size >= this.#limit) this.#active.delete(this.#active.keys().next().value as string);
        this.#active.set(pin, { started: now, mark: now, syncStarted: undefined });
        return;
      case 'transport key issued':
        return this.#lap(pin, 'activation', now);
      case 'encryption verified':
        return this.#lap(pin, 'encryption-verification', now);
      case 'activation committed':
        return this.#lap(pin, 'services', now);
      case 'synchronization started': {
        const tracked = this.#active.get(pin);
        if (tracked !== undefined) tracked.syncStarted = now;
        return;
      }
      case 'activation complete': {
        const tracked = this.#active.get(pin);
        if (tracked === undefined) return;
        this.#active.delete(pin);
        if (tracked.syncStarted !== undefined) this.#observer.phase('synchronization', now - tracked.syncStarted);
        this.#observer.phase('total', now - tracked.started);
        return this.#end('complete', undefined);
      }
      case 'activation failed':
        this.#active.delete(pin);
        return this.#end('failed', codeOf(detail));
      case 'handset aborted':
        this.#active.delete(pin);
        return this.#end('aborted', codeOf(detail));
      case 'unauthenticated error frame':
        // What a handset sends when it failed before it shared a key with the server: a wrong
        // password above all (the handset found out first; the server cannot authenticate it).
        if (!this.#active.delete(pin)) return;
        return this.#end('failed', codeOf(detail));
      case 'ETP.DAT refused':
        return this.#end('refused', codeOf(detail));
    }
  }

  /**
   * Ends, as `aborted` with the code `TIMEOUT`, every activation started more than `maxAgeMs`
   * before `now` (a handset that went silent: the server gives its claim up after its
   * `claimTimeoutMs`, without a log event). Returns how many.
   */
  expire(now: number, maxAgeMs: number): number {
    let expired = 0;
    for (const [pin, tracked] of this.#active) {
      if (now - tracked.started <= maxAgeMs) break; // in order of start: the rest are younger
      this.#active.delete(pin);
      this.#end('aborted', 'TIMEOUT');
      expired++;
    }
    return expired;
  }

  #lap(pin: string, phase: ServerPhase, now: number): void {
    const tracked = this.#active.get(pin);
    if (tracked === undefined) return;
    this.#observer.phase(phase, now - tracked.mark);
    tracked.mark = now;
  }

  #end(outcome: ActivationOutcome, code: string | undefined): void {
    this.#outcomes[outcome]++;
    if (code !== undefined) this.#codes[code] = (this.#codes[code] ?? 0) + 1;
    this.#observer.outcome(outcome, code);
  }
}

/** The error code of a failure event: `code`, else `reason` (refusals before a session), else `UNKNOWN`. */
function codeOf(detail: Record<string, unknown> | undefined): string {
  const code = detail?.code ?? detail?.reason;
  // Codes and reasons are short identifiers; anything else is not ours to put in a metric label.
  return typeof code === 'string' && /^[A-Za-z0-9_ -]{1,40}$/.test(code) ? code : 'UNKNOWN';
}
