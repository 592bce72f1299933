/** The device transport key algorithms and the "strongest both support" choice. */
import type { TransportCipher, TransportKeyAlgorithm } from '../provider.js';
import { aes256Cbc } from './aes256-cbc.js';
import { tdesEde2Cbc } from './tdes-ede2-cbc.js';

/** Every supported transport key algorithm, by id. */
export const TRANSPORT_CIPHERS: Readonly<Record<TransportKeyAlgorithm, TransportCipher>> = Object.freeze({
  'AES-256-CBC': aes256Cbc,
  'TDES-EDE2-CBC': tdesEde2Cbc,
});

/** True when `x` is the id of a supported transport key algorithm (own keys only, no prototype names). */
export function isTransportKeyAlgorithm(x: unknown): x is TransportKeyAlgorithm {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(TRANSPORT_CIPHERS, x);
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
    const strength = TRANSPORT_CIPHERS[id].strength;
    if (strength > bestStrength) {
      best = id;
      bestStrength = strength;
    }
  }
  return best;
}
