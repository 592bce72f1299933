/**
 * P-521's G.sample_scalar draws at most 64 times (p521-suite.ts, MAX_SAMPLING_ROUNDS: "Upper bound
 * on rejection-sampling rounds; each round is rejected with probability < 2^-260"): a usable draw
 * at the 64th attempt is taken, and after 64 unusable ones it stops with INVALID_ARGUMENT, reason
 * `random-source`, without asking for a 65th. The literal 64 is the documented bound, not the
 * constant read back.
 */
import { describe, expect, it } from 'vitest';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

const BOUND = 64;

/** 66 zero bytes: the scalar 0, outside [1, n - 1], so always rejected. */
const UNUSABLE = new Uint8Array(66);
/** The scalar 1, the smallest usable one. */
const ONE = Uint8Array.from({ length: 66 }, (_, i) => (i === 65 ? 1 : 0));

/** A source that yields `unusable` rejected draws, then the scalar 1 for ever; counts its calls. */
function rejectingFirst(unusable: number): { random: RandomSource; calls: () => number } {
  let calls = 0;
  const random: RandomSource = (n) => {
    expect(n).toBe(66);
    calls++;
    return (calls <= unusable ? UNUSABLE : ONE).slice();
  };
  return { random, calls: () => calls };
}

describe('P-521 sample_scalar gives up after 64 rejected draws', () => {
  it('63 rejected draws, then a usable one: the 64th draw is the scalar', () => {
    const { random, calls } = rejectingFirst(BOUND - 1);
    expect(bytesToHex(p521Suite.sampleScalar(random))).toBe(bytesToHex(ONE));
    expect(calls()).toBe(BOUND);
  });

  it('64 rejected draws: INVALID_ARGUMENT with reason random-source, and no 65th draw', () => {
    const { random, calls } = rejectingFirst(BOUND);
    const err = expectCode(() => p521Suite.sampleScalar(random), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ operation: 'cpace sample scalar', reason: 'random-source' });
    expect(calls()).toBe(BOUND);
  });
});
