/**
 * Regression test (fixed): src/codec/cbor.ts decodeCbor once hands the caller's Uint8Array straight to cbor-x, whose decoder
 * cached `source.dataView = new DataView(...)` on it (node_modules/cbor-x/decode.js, line 143).
 * So every decode added an own property to the caller's bytes (frames given to handsetStep or
 * BesSimulator.receive, and byte strings kept in HandsetState such as session.serverAd), and a
 * valid frame in a non-extensible Uint8Array was refused as MALFORMED ("not valid CBOR"), because
 * the property write throws a TypeError. It now passes a fresh view.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, type Frame } from '../../src/wire/frame.js';

const frame: Frame = {
  v: 1,
  type: 'error',
  sid: new Uint8Array(16).fill(7),
  seq: 0,
  pin: '2100000A',
  to: 'pin:2100000A',
  body: new Uint8Array([0xa0]),
};

describe('wire codec regressions', () => {
  it('decoding does not add properties to the caller’s bytes', () => {
    const bytes = encodeFrame(frame);
    decodeFrame(bytes);
    expect(Object.keys(bytes).filter((k) => !/^\d+$/.test(k))).toEqual([]);
  });

  it('a valid frame in a non-extensible Uint8Array decodes', () => {
    const bytes = Object.preventExtensions(encodeFrame(frame));
    expect(decodeFrame(bytes).type).toBe('error');
  });
});
