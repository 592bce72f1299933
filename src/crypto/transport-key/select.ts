/**
 * Every transport cipher, by id. Only `enterprise-activation/crypto` reaches this module: the
 * handset and the simulator look ciphers up in their provider (see noble-provider.ts) and rank
 * ids with algorithms.ts, so Triple DES costs bytes only where it is imported.
 */
import type { TransportCipher, TransportKeyAlgorithm } from '../provider.js';
import { aes256Cbc } from './aes256-cbc.js';
import { tdesEde2Cbc } from './tdes-ede2-cbc.js';

/** Every supported transport key algorithm, by id. */
export const TRANSPORT_CIPHERS: Readonly<Record<TransportKeyAlgorithm, TransportCipher>> = /* @__PURE__ */ Object.freeze({
  'AES-256-CBC': aes256Cbc,
  'TDES-EDE2-CBC': tdesEde2Cbc,
});

export { isTransportKeyAlgorithm, strongestCommon } from './algorithms.js';
