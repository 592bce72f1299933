/**
 * A sealed snapshot is authenticated before anything in it is parsed: hostile bytes in the
 * snapshot store are refused at once, whatever structure they claim.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { openSnapshot, sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { openHandsetState } from '../../src/handset/snapshot.js';

const KEY = new Uint8Array(32).fill(3);

function code(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (err) {
    return err instanceof ActivationError ? err.code : `not an ActivationError: ${String(err)}`;
  }
}

describe('sealed snapshot envelope', () => {
  it('round-trips plain data', () => {
    const value = { a: 1, b: [true, 'x'], c: new Uint8Array([1, 2, 3]) };
    expect(openSnapshot('t', sealSnapshot('t', value, KEY, nobleProvider, seededRandom('s')), KEY, nobleProvider)).toEqual(value);
  });

  it('a huge CBOR structure in the store is refused without being parsed', () => {
    // What once took seconds and gigabytes: a CBOR array header claiming ~64 Mi items, then zeros.
    const n = (64 << 20) - 16;
    const hostile = new Uint8Array(n);
    hostile.set([0x9a, 0x03, 0xff, 0xff, 0xeb]);
    expect(code(() => openHandsetState(hostile, KEY, nobleProvider))).toBe('MALFORMED');
  });

  it('every truncation, a wrong kind, a wrong key and any flipped byte are typed failures', () => {
    const sealed = sealSnapshot('handset', { phase: 'idle' }, KEY, nobleProvider, seededRandom('t'));
    // Cut inside the envelope: MALFORMED; cut inside the ciphertext: it no longer authenticates.
    for (let i = 0; i < sealed.length; i++) {
      expect(['MALFORMED', 'DECRYPT_FAILED']).toContain(code(() => openSnapshot('handset', sealed.subarray(0, i), KEY, nobleProvider)));
    }
    expect(code(() => openSnapshot('handset', sealed.subarray(0, 20), KEY, nobleProvider))).toBe('MALFORMED');
    expect(code(() => openSnapshot('bes-simulator', sealed, KEY, nobleProvider))).toBe('MALFORMED');
    expect(code(() => openSnapshot('handset', sealed, new Uint8Array(32), nobleProvider))).toBe('DECRYPT_FAILED');
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x40;
      expect(['MALFORMED', 'DECRYPT_FAILED']).toContain(code(() => openSnapshot('handset', bad, KEY, nobleProvider)));
    }
  });
});
