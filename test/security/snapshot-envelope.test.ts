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
import { concatBytes, utf8ToBytes } from '../../src/util/bytes.js';

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
    expect(openSnapshot('t', sealSnapshot('t', value, KEY, nobleProvider, { random: seededRandom('s') }), KEY, nobleProvider)).toEqual(
      value,
    );
  });

  it('a huge CBOR structure in the store is refused without being parsed', () => {
    // What once took seconds and gigabytes: a CBOR array header claiming ~64 Mi items, then zeros.
    const n = (64 << 20) - 16;
    const hostile = new Uint8Array(n);
    hostile.set([0x9a, 0x03, 0xff, 0xff, 0xeb]);
    expect(code(() => openHandsetState(hostile, KEY, nobleProvider))).toBe('MALFORMED');
  });

  it('every truncation, a wrong kind, a wrong key and any flipped byte are typed failures', () => {
    const sealed = sealSnapshot('handset', { phase: 'idle' }, KEY, nobleProvider, { random: seededRandom('t') });
    // Cut inside the envelope: MALFORMED; cut inside the ciphertext: it no longer authenticates.
    // "EA-SNAP2" (8) || kind length (1) || "handset" (7) || generation (8) || nonce (24) || ciphertext (>= 16).
    const header = 8 + 1 + 'handset'.length;
    const smallest = header + 8 + 24 + 16;
    for (let i = 0; i < sealed.length; i++) {
      expect(
        code(() => openSnapshot('handset', sealed.subarray(0, i), KEY, nobleProvider)),
        `cut at ${i}`,
      ).toBe(i < smallest ? 'MALFORMED' : 'DECRYPT_FAILED');
    }
    expect(code(() => openSnapshot('handset', sealed.subarray(0, 20), KEY, nobleProvider))).toBe('MALFORMED');
    expect(code(() => openSnapshot('bes-simulator', sealed, KEY, nobleProvider))).toBe('MALFORMED');
    expect(code(() => openSnapshot('handset', sealed, new Uint8Array(32), nobleProvider))).toBe('DECRYPT_FAILED');
    // A flip in the magic, the kind length or the kind is seen before decryption (MALFORMED); one
    // in the generation, the nonce or the ciphertext fails authentication (DECRYPT_FAILED).
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x40;
      expect(
        code(() => openSnapshot('handset', bad, KEY, nobleProvider)),
        `flip at ${i}`,
      ).toBe(i < header ? 'MALFORMED' : 'DECRYPT_FAILED');
    }
  });

  it('the kind is bound: a handset snapshot relabelled as a simulator snapshot under the same storage key does not open', () => {
    // Envelope (sealed-snapshot.ts): "EA-SNAP2" || kind length || kind || generation || nonce || ciphertext.
    const sealed = sealSnapshot('handset', { phase: 'idle', accounts: [] }, KEY, nobleProvider, { random: seededRandom('relabel') });
    const kindLength = sealed[8]!;
    expect(new TextDecoder().decode(sealed.subarray(9, 9 + kindLength))).toBe('handset');
    const kind = utf8ToBytes('bes-simulator');
    const relabelled = concatBytes(sealed.subarray(0, 8), Uint8Array.of(kind.length), kind, sealed.subarray(9 + kindLength));
    // The same store, the same key: only the authenticated kind can tell them apart.
    expect(code(() => openSnapshot('bes-simulator', relabelled, KEY, nobleProvider))).toBe('DECRYPT_FAILED');
    // The other way round too.
    const sim = sealSnapshot('bes-simulator', { accounts: [] }, KEY, nobleProvider, { random: seededRandom('relabel-2') });
    const simKindLength = sim[8]!;
    const handsetKind = utf8ToBytes('handset');
    const asHandset = concatBytes(sim.subarray(0, 8), Uint8Array.of(handsetKind.length), handsetKind, sim.subarray(9 + simKindLength));
    expect(code(() => openSnapshot('handset', asHandset, KEY, nobleProvider))).toBe('DECRYPT_FAILED');
  });
});
