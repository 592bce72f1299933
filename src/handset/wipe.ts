/**
 * The wipe, on the handset's side: everything the device learned from its BES goes, and it is
 * `idle`, ready for a new activation. RIM: a wipe deletes the user and application data and the
 * keys, and "deletes the IT policy public key ... so that it can receive a new IT policy" (the
 * Security Technical Overview, cited in docs/lifecycle.md, "Wipe").
 *
 * Here for the device's own rule (Set Maximum Password Attempts, password-attempts.ts); the
 * administrator's wipe command reaches the same function.
 */
import type { StepResult } from './io.js';
import type { HandsetState, IdleState } from './state.js';

/**
 * `state` wiped: transport keys, service books, the IT policy and its key binding, organizer data,
 * long-term keys, the password failure count and any running session are erased; only the
 * device's configuration (its PIN, routing, model) stays. Outputs: the timer cleared, then `wiped`,
 * on which the driver clears the record store (the organizer data).
 */
export function wipeHandset(state: HandsetState): StepResult<HandsetState> {
  const idle: IdleState = { version: state.version, phase: 'idle', config: state.config };
  return { state: idle, outputs: [{ type: 'clear-timer' }, { type: 'wiped' }] };
}
