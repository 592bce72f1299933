/**
 * Two-key Triple DES key generation, apart from tdes-ede2-cbc.ts so that a Triple DES cipher on
 * another engine (the node:crypto provider's, on OpenSSL) makes its keys the same way without
 * importing des.js.
 */
import { ActivationError } from '../../errors/activation-error.js';
import { constantTimeEqual } from '../../util/bytes.js';
import type { RandomSource } from '../provider.js';
import { type CbcShape, randomKeyBytes } from './cbc-checks.js';
import { setOddParity } from './des-parity.js';

/**
 * A fresh K1||K2 (16 bytes) with odd parity. K1 = K2 would collapse EDE to single DES, so such a
 * draw (probability about 2^-56) is rejected and redrawn.
 */
export function generateTdesEde2Key(shape: CbcShape, random: RandomSource): Uint8Array {
  for (let attempt = 0; attempt < 8; attempt++) {
    const raw = randomKeyBytes(shape, random);
    const key = setOddParity(raw);
    raw.fill(0);
    if (!constantTimeEqual(key.subarray(0, 8), key.subarray(8))) return key;
    key.fill(0);
  }
  throw new ActivationError('INVALID_ARGUMENT', 'random source keeps returning degenerate keys', {
    operation: `${shape.name} generateKey`,
  });
}

/** K1||K2 (16 bytes) as the 24-byte three-key form K1||K2||K1 that EDE engines take (des.js, OpenSSL's `des-ede3-cbc`). The caller wipes it. */
export function tdesEde3Key(key: Uint8Array): Uint8Array {
  const k = new Uint8Array(24);
  k.set(key, 0);
  k.set(key.subarray(0, 8), 16);
  return k;
}
