/**
 * What the protocol knows about each transport key algorithm without its code: the ids, the
 * strengths that rank them and the key lengths. Kept apart from the cipher objects so that the
 * server's "strongest both support" choice and the message protection's key derivation do not
 * import Triple DES (and des.js) into every bundle; only a provider that is given `tdesEde2Cbc`
 * carries it.
 */
import type { TransportKeyAlgorithm } from '../provider.js';

/**
 * Nominal strength in bits, used to pick "the strongest both support". The cipher objects carry
 * the same figure (`TransportCipher.strength`); see tdes-ede2-cbc.ts for why Triple DES is 112.
 */
export const TRANSPORT_KEY_STRENGTH: Readonly<Record<TransportKeyAlgorithm, number>> = {
  'AES-256-CBC': 256,
  'TDES-EDE2-CBC': 112,
};

/** Key length in bytes as stored (Triple DES: K1||K2 with parity bits). */
export const TRANSPORT_KEY_LENGTH: Readonly<Record<TransportKeyAlgorithm, number>> = {
  'AES-256-CBC': 32,
  'TDES-EDE2-CBC': 16,
};

/** True when `x` is the id of a supported transport key algorithm (own keys only, no prototype names). */
export function isTransportKeyAlgorithm(x: unknown): x is TransportKeyAlgorithm {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(TRANSPORT_KEY_STRENGTH, x);
}

/**
 * The strongest algorithm that is both in `offered` (typically the peer's list, straight off the
 * wire) and in `allowed` (local policy), or `undefined` if there is none. Unknown strings in
 * either list are ignored; among equal strengths the one offered first wins.
 */
export function strongestCommon(
  offered: readonly TransportKeyAlgorithm[],
  allowed: readonly TransportKeyAlgorithm[],
): TransportKeyAlgorithm | undefined {
  if (!Array.isArray(offered) || !Array.isArray(allowed)) return undefined;
  let best: TransportKeyAlgorithm | undefined;
  let bestStrength = -1;
  for (const id of offered) {
    if (!isTransportKeyAlgorithm(id) || !allowed.includes(id)) continue;
    const strength = TRANSPORT_KEY_STRENGTH[id];
    if (strength > bestStrength) {
      best = id;
      bestStrength = strength;
    }
  }
  return best;
}
