/**
 * A handset's phases, timed from its statuses (docs/handset.md): what a fleet reports per phase.
 * The names are the server's (`SERVER_PHASES` of `serve`), seen from the handset: `activation`
 * from activate() to *Verifying Encryption*, `encryption-verification` to *Encryption Verified*,
 * `services` to *Services Received*, `synchronization` to *Activation Complete*, and `total`.
 */
import type { StatusId } from '../handset/status.js';

/** The phases a fleet times, in order. */
export const FLEET_PHASES = ['activation', 'encryption-verification', 'services', 'synchronization', 'total'] as const;
/** One of {@link FLEET_PHASES}. */
export type FleetPhase = (typeof FLEET_PHASES)[number];

/** The status that ends each phase but `total` (which ends with the last). */
const ENDS: Partial<Record<StatusId, FleetPhase>> = {
  'verifying-encryption': 'activation',
  'encryption-verified': 'encryption-verification',
  'services-received': 'services',
  'email-not-enabled': 'services', // services received, without a [CMIME] book
  'activation-complete': 'synchronization',
};

/** Times one activation: start it with the time activate() was called, feed it each status. */
export class PhaseClock {
  readonly #started: number;
  #mark: number;
  readonly #phases: Partial<Record<FleetPhase, number>> = {};

  constructor(now: number) {
    this.#started = now;
    this.#mark = now;
  }

  /** A status at time `now`; a status that ends a phase records it (once). */
  status(id: StatusId, now: number): void {
    const phase = ENDS[id];
    if (phase === undefined || this.#phases[phase] !== undefined) return;
    this.#phases[phase] = now - this.#mark;
    this.#mark = now;
    if (phase === 'synchronization') this.#phases.total = now - this.#started;
  }

  /** The phases timed so far (ms). */
  get phases(): Readonly<Partial<Record<FleetPhase, number>>> {
    return this.#phases;
  }
}
