/**
 * The wire form of `rekey-request` (docs/lifecycle.md, "Key rollover"): the empty CBOR map, and
 * nothing else.
 *
 * The bug (found by the decoder fuzzer's hostile inputs once it covered the rekey messages, issue
 * 13): the strict decoder builds an Error from CBOR tag 27, its fields are not enumerable, and the
 * empty strict schema took it for `{}`.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { decodeRekeyRequest, encodeRekeyRequest } from '../../src/wire/messages/rekey-request.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

const text = (s: string) => {
  const b = new TextEncoder().encode(s);
  return [0x60 + b.length, ...b];
};

describe('rekey-request', () => {
  it('is the empty map, and decodes to it', () => {
    expect(encodeRekeyRequest()).toEqual(Uint8Array.from([0xa0]));
    expect(decodeRekeyRequest(encodeRekeyRequest())).toEqual({});
  });

  it('anything but the empty plain map is MALFORMED: a key, an array, a tag 27 object', () => {
    expect(code(() => decodeRekeyRequest(encodeCbor({ extra: 1 })))).toBe('MALFORMED');
    expect(code(() => decodeRekeyRequest(encodeCbor([])))).toBe('MALFORMED');
    const tag27Error = Uint8Array.from([0xd8, 0x1b, 0x83, ...text('Error'), ...text('boom'), 0xa0]);
    expect(code(() => decodeRekeyRequest(tag27Error))).toBe('MALFORMED');
  });
});
