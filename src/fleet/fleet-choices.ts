/**
 * The two choices every way of running a fleet shares (`runFleet`, `activateFleetDevice`, the
 * fleet's worker threads): how a handset reaches a served relay, and the cryptography it runs on.
 * One list each, and one check, so that the three accept and refuse the same values with the same
 * words.
 */
import { ActivationError } from '../errors/activation-error.js';

/** How a handset reaches the relay: its WebSocket (the default) or HTTP long-polling. */
export const FLEET_MODES = ['websocket', 'poll'] as const;
/** One of {@link FLEET_MODES}. */
export type FleetMode = (typeof FLEET_MODES)[number];

/** The handset's cryptography: noble (the default, everywhere) or node:crypto. */
export const FLEET_CRYPTO = ['noble', 'node'] as const;
/** One of {@link FLEET_CRYPTO}. */
export type FleetCrypto = (typeof FLEET_CRYPTO)[number];

/** `value` when it is one of `allowed`; `fallback` when undefined. */
function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string, operation: string): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ActivationError('INVALID_ARGUMENT', `${field} must be ${allowed.map((a) => `'${a}'`).join(' or ')}`, {
    operation,
    field,
  });
}

/**
 * `options.mode` and `options.crypto`, checked, with their defaults (`'websocket'`, `'noble'`).
 *
 * @throws An {@link ActivationError} `INVALID_ARGUMENT` naming the field (and `operation`) for
 * anything else.
 */
export function fleetChoices(
  options: { readonly mode?: unknown; readonly crypto?: unknown },
  operation: string,
): { readonly mode: FleetMode; readonly crypto: FleetCrypto } {
  return {
    mode: oneOf(options.mode, FLEET_MODES, 'websocket', 'mode', operation),
    crypto: oneOf(options.crypto, FLEET_CRYPTO, 'noble', 'crypto', operation),
  };
}
