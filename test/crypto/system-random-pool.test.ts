/**
 * `systemRandom`'s pool (src/crypto/seeded-random.ts): draws of up to 256 bytes come from a 4 KiB
 * pool that one platform call fills, a draw that fits exactly in what is left takes it without a
 * refill, and a larger draw is one platform call of its own size. Seen through the calls to
 * `crypto.getRandomValues` (what @noble/hashes' `randomBytes` calls). Written for issue 9: the
 * crypto module's mutation run found both bounds free to move.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemRandom } from '../../src/crypto/seeded-random.js';

const POOL_SIZE = 4096;
const POOLED_MAX = 256;

/** The byte lengths `crypto.getRandomValues` is asked for while `fn` runs. */
function platformCalls(fn: () => void): number[] {
  const lengths: number[] = [];
  const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    lengths.push(array?.byteLength ?? -1);
    return real(array as never) as T;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lengths;
}

afterEach(() => vi.restoreAllMocks());

describe('systemRandom', () => {
  it('a draw of 256 bytes comes from the pool (a refill of 4 KiB at most), one of 257 from a platform call of its own', () => {
    for (let i = 0; i < 20; i++) {
      const pooled = platformCalls(() => expect(systemRandom(POOLED_MAX)).toHaveLength(POOLED_MAX));
      expect(
        pooled.every((n) => n === POOL_SIZE),
        `draw ${i}: ${pooled.join(', ')}`,
      ).toBe(true);
    }
    expect(platformCalls(() => expect(systemRandom(POOLED_MAX + 1)).toHaveLength(POOLED_MAX + 1))).toEqual([POOLED_MAX + 1]);
  });

  it('a draw that fits exactly in what is left of the pool takes it; the next draw refills', () => {
    // Draw until a refill: the pool then holds 4096 - 256 bytes not yet served.
    let refilled = false;
    for (let i = 0; i < 20 && !refilled; i++) refilled = platformCalls(() => systemRandom(POOLED_MAX)).length > 0;
    expect(refilled).toBe(true);
    const left = POOL_SIZE - POOLED_MAX;
    expect(left % POOLED_MAX).toBe(0);
    const calls = platformCalls(() => {
      for (let served = 0; served < left; served += POOLED_MAX) systemRandom(POOLED_MAX);
    });
    expect(calls).toEqual([]);
    expect(platformCalls(() => systemRandom(1))).toEqual([POOL_SIZE]);
  });

  it('no two draws share bytes, and a draw is the caller’s to change', () => {
    const a = systemRandom(64);
    const b = systemRandom(64);
    expect(a).not.toEqual(b);
    a.fill(0);
    expect(b.some((x) => x !== 0)).toBe(true);
  });
});
