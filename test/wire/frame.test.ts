/**
 * The frame checksum (docs/protocol.md, "Frames"): `check` is the first 8 bytes of SHA-256 over
 * the header and body; it catches accidental damage in transit, so a damaged frame is dropped
 * (MALFORMED) and sent again, where a damaged server share would otherwise look like a wrong
 * password. These tests damage frames WITHOUT recomputing the checksum, as a noisy link would.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { decodeFrame, encodeFrame, frameAssociatedData, frameAssociatedDataView, MESSAGE_TYPES, type Frame } from '../../src/wire/frame.js';
import { concatBytes } from '../../src/util/bytes.js';
import { decodeCbor } from '../../src/codec/cbor.js';
import { caught } from '../support/errors.js';
import { indexOfBytes } from '../support/frames.js';
import { runActivation } from '../security/harness.js';

const frame: Frame = {
  v: 1,
  type: 'server-share',
  sid: new Uint8Array(16).fill(7),
  seq: 0,
  pin: '2100000A',
  to: 'pin:2100000A',
  body: Uint8Array.from({ length: 40 }, (_, i) => i * 5 + 1),
};

/** Asserts that decoding `bytes` is MALFORMED because of the checksum. */
function expectChecksumFailure(bytes: Uint8Array): void {
  const err = caught(() => decodeFrame(bytes));
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe('MALFORMED');
  expect((err as ActivationError).cause).toMatchObject({ reason: 'checksum' });
}

describe('frame checksum', () => {
  it('is the first 8 bytes of SHA-256 over the header (associated data) and the body', () => {
    const decoded = decodeCbor(encodeFrame(frame), 'test') as { check: Uint8Array };
    const expected = sha256(concatBytes(frameAssociatedData(frame), frame.body)).subarray(0, 8);
    expect(Array.from(decoded.check)).toEqual(Array.from(expected));
  });

  it('the incremental hash (header encoding, then body) equals the hash of the two concatenated, for any frame (issue 14)', () => {
    const arbFrame = fc.record({
      v: fc.constant(1 as const),
      type: fc.constantFrom(...MESSAGE_TYPES),
      sid: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      seq: fc.integer({ min: 0, max: 999_999 }),
      pin: fc.stringMatching(/^[0-9A-F]{8}$/),
      to: fc.constantFrom('mailto:a@b.example', 'srp:S1', 'pin:2100000A', `srp:${'x'.repeat(300)}`),
      body: fc.uint8Array({ maxLength: 3000 }),
    });
    fc.assert(
      fc.property(arbFrame, (f) => {
        const bytes = encodeFrame(f);
        const decoded = decodeCbor(bytes, 'test') as { check: Uint8Array };
        const expected = sha256(concatBytes(frameAssociatedData(f), f.body)).subarray(0, 8);
        expect(Array.from(decoded.check)).toEqual(Array.from(expected));
        // Decoding recomputes it the same way, with views of the encoder made before and after.
        const view = frameAssociatedDataView(f);
        const seen = Array.from(view);
        expect(decodeFrame(bytes)).toEqual(f);
        expect(Array.from(view)).toEqual(seen);
      }),
      { numRuns: 200 },
    );
  });

  it('a frame with any body byte damaged (checksum not recomputed) is MALFORMED, reason checksum', () => {
    const bytes = encodeFrame(frame);
    const at = indexOfBytes(bytes, frame.body);
    expect(at).toBeGreaterThan(0);
    for (let i = at; i < at + frame.body.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x01;
      expectChecksumFailure(bad);
    }
  });

  it('a damaged seq or a damaged checksum is MALFORMED, reason checksum', () => {
    const bytes = encodeFrame(frame);
    // seq 0 -> 1 keeps the CBOR valid; only the checksum can tell.
    const seqAt = indexOfBytes(bytes, new Uint8Array([0x63, 0x73, 0x65, 0x71, 0x00])); // "seq": 0
    expect(seqAt).toBeGreaterThan(0);
    const seqBad = bytes.slice();
    seqBad[seqAt + 4] = 0x01;
    expectChecksumFailure(seqBad);
    const checkAt = bytes.length - 8; // `check` is the last field: its 8 bytes end the frame
    for (let i = checkAt; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x80;
      expectChecksumFailure(bad);
    }
  });

  it('a server share damaged on the way is dropped and sent again: the activation completes, never WRONG_PASSWORD', () => {
    let damaged = 0;
    const h = runActivation({
      adversary: (bytes, direction, ctx) => {
        if (direction !== 'to-handset' || ctx.type !== 'server-share' || damaged > 0) return [bytes];
        damaged++;
        const bad = bytes.slice();
        // The byte before the checksum field is the last byte of the body (the share's tag).
        const body = decodeFrame(bytes).body;
        const at = indexOfBytes(bad, body);
        bad[at + body.length - 1]! ^= 0x01;
        return [bad];
      },
    });
    expect(damaged).toBe(1);
    expect(h.ignored).toContainEqual({ reason: 'undecodable frame', code: 'MALFORMED' });
    expect(h.error).toBeUndefined();
    expect(h.result).toBeDefined();
    expect(h.state.phase).toBe('complete');
  });
});
