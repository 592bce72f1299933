/**
 * The CBOR codec around the strictness walk (src/codec/cbor.ts), pinned rule by rule (issue 9: the
 * mutants that survived the first mutation run of `wire`). docs/protocol.md, "Frames": every
 * decoding failure is ActivationError('MALFORMED'); input over the size limit, trailing bytes and
 * nesting deeper than 32 are refused; a schema failure names the first offending field, never its
 * value. Hostile inputs are written by hand in hex.
 */
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { decodeCbor, encodeCbor, encodeCborScratch, encodeCborView } from '../../src/codec/cbor.js';
import { decodeFrame, encodeFrame, frameAssociatedData, frameAssociatedDataView, type Frame } from '../../src/wire/frame.js';
import { caught } from '../support/errors.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function malformed(fn: () => unknown): ActivationError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe('MALFORMED');
  return err as ActivationError;
}

describe('encodeCbor', () => {
  it('hands out a plain Uint8Array that owns its memory, untouched by later encodings', () => {
    const first = encodeCbor({ a: 'x'.repeat(40) });
    const copy = Array.from(first);
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(first.byteLength);
    for (let i = 0; i < 50; i++) encodeCbor({ b: 'y'.repeat(40 + i), n: [i, i, i] });
    expect(Array.from(first)).toEqual(copy);
    expect(decodeCbor(first, 'test')).toEqual({ a: 'x'.repeat(40) });
  });
});

describe('encodeCbor reuses the encoder buffer (issue 14: reset mode)', () => {
  it('copies leave the write position where it was: the next encoding starts at the same place, in the same buffer', () => {
    // Views show where cbor-x writes: a view made after any number of copies starts right after
    // the view before it, in the same buffer (without reset mode each copy would move the position
    // on, and 200 encodings of 100 bytes would have filled two fresh 8 KiB buffers).
    const before = encodeCborView({ mark: 1 });
    for (let i = 0; i < 200; i++) encodeCbor({ filler: 'z'.repeat(90), i });
    const after = encodeCborView({ mark: 2 });
    expect(after.buffer).toBe(before.buffer);
    expect(after.byteOffset).toBe(before.byteOffset + before.byteLength);
  });

  it('a copy is never changed by later encodings, copies or views, even though they write where it was encoded', () => {
    const kept = Array.from({ length: 20 }, (_, i) => ({
      value: { i, s: String.fromCharCode(97 + i).repeat(30 + i) },
      bytes: new Uint8Array(0) as Uint8Array,
    }));
    for (const k of kept) k.bytes = encodeCbor(k.value);
    const snapshots = kept.map((k) => Array.from(k.bytes));
    for (let i = 0; i < 20; i++) encodeCbor({ over: new Uint8Array(64).fill(0xff), i });
    for (let i = 0; i < 5; i++) encodeCborView({ over: new Uint8Array(3000).fill(0xaa), i });
    kept.forEach((k, i) => {
      expect(Array.from(k.bytes)).toEqual(snapshots[i]);
      expect(decodeCbor(k.bytes, 'test')).toEqual(k.value);
    });
  });

  it('a view made before a copy keeps its bytes (the copy writes after it), and a large copy leaves it intact too', () => {
    const value = { head: 'h'.repeat(50), n: [1, 2, 3] };
    const view = encodeCborView(value);
    const expected = Array.from(encodeCbor(value));
    expect(Array.from(view)).toEqual(expected);
    encodeCbor({ big: new Uint8Array(50_000).fill(0x11) }); // moves cbor-x to a larger buffer
    for (let i = 0; i < 30; i++) encodeCbor({ small: i });
    expect(Array.from(view)).toEqual(expected);
    expect(decodeCbor(encodeCbor({ big: new Uint8Array(50_000).fill(0x22) }), 'test')).toEqual({ big: new Uint8Array(50_000).fill(0x22) });
  });
});

describe('encodeCborScratch (issue 14: bytes consumed before the next encoding)', () => {
  it("has encodeCbor's bytes, and the next encoding writes where they were (so it is valid only until then)", () => {
    const value = { a: 'x'.repeat(40), n: 7 };
    const expected = Array.from(encodeCbor(value));
    const scratch = encodeCborScratch(value);
    expect(Object.getPrototypeOf(scratch)).toBe(Uint8Array.prototype);
    expect(Array.from(scratch)).toEqual(expected);
    const next = encodeCborView({ b: 'y'.repeat(40), n: 8 });
    expect(next.buffer).toBe(scratch.buffer);
    expect(next.byteOffset).toBe(scratch.byteOffset);
    expect(Array.from(scratch)).not.toEqual(expected);
  });
});

describe('encodeCborView (issue 14: encodings read at once, without their copy)', () => {
  it("gives encodeCbor's bytes as a plain Uint8Array, and later encodings, small or large, never write over them", () => {
    const value = { a: 'x'.repeat(40), b: Uint8Array.of(1, 2, 3) };
    const expected = Array.from(encodeCbor(value));
    const view = encodeCborView(value);
    expect(Object.getPrototypeOf(view)).toBe(Uint8Array.prototype);
    expect(Array.from(view)).toEqual(expected);
    // Small encodings after it, then ones large enough to make cbor-x move to a new buffer.
    for (let i = 0; i < 50; i++) encodeCborView({ b: 'y'.repeat(40 + i), n: [i, i, i] });
    for (let i = 0; i < 4; i++) encodeCborView({ big: new Uint8Array(20_000 * (i + 1)).fill(0xee) });
    expect(Array.from(view)).toEqual(expected);
  });

  it("a frame's associated data: the view has the copy's bytes; the exported copy owns its memory", () => {
    const header = { v: 1, type: 'sync-ack', sid: new Uint8Array(16).fill(7), seq: 3, pin: '2100000A', to: 'srp:S1' } as const;
    const copy = frameAssociatedData(header);
    expect(Array.from(frameAssociatedDataView(header))).toEqual(Array.from(copy));
    expect(copy.buffer.byteLength).toBe(copy.byteLength);
  });
});

describe('decodeCbor: what it refuses before the walk, and how it says so', () => {
  it('something that is not bytes', () => {
    const err = malformed(() => decodeCbor('a0' as unknown as Uint8Array, 'frame'));
    expect(err.message).toBe('frame: expected bytes');
    expect(err.cause).toMatchObject({ operation: 'decode frame' });
  });

  it('empty input', () => {
    const err = malformed(() => decodeCbor(new Uint8Array(0), 'frame'));
    expect(err.message).toBe('frame: empty input');
    expect(err.cause).toEqual({ operation: 'decode frame' });
  });

  it('input over the limit, and input exactly at it', () => {
    const ten = hex('49 000102030405060708');
    expect(decodeCbor(ten, 'test', 10)).toEqual(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8));
    const err = malformed(() => decodeCbor(hex('4a 00010203040506070809'), 'frame', 10));
    expect(err.message).toBe('frame: 11 bytes exceeds the limit of 10');
    expect(err.cause).toEqual({ operation: 'decode frame', reason: 'oversized', size: 11, limit: 10 });
  });
});

describe('decodeCbor: what cbor-x refuses after the walk', () => {
  it('an indefinite-length string (well-formed, but cbor-x cannot read it) is an encoding failure', () => {
    const err = malformed(() => decodeCbor(hex('7f 61 61 ff'), 'frame'));
    expect(err.message).toBe('frame: not valid CBOR');
    expect(err.cause).toEqual({ operation: 'decode frame', reason: 'invalid encoding' });
  });

  it('a typed-array tag whose length is not a multiple of its element size is an encoding failure, not "too deeply nested"', () => {
    // Tag 69 (uint16 little-endian, RFC 8746) over 3 bytes: cbor-x throws a RangeError.
    for (const h of ['d8 45 43 000102', 'd8 46 43 000102', 'd8 55 43 000102']) {
      expect(malformed(() => decodeCbor(hex(h), 'frame')).cause).toEqual({ operation: 'decode frame', reason: 'invalid encoding' });
    }
  });
});

describe('decodeCbor: depth of the decoded value', () => {
  it('32 levels decode, to the right value', () => {
    let expected: unknown = 7;
    for (let i = 0; i < 32; i++) expected = [expected];
    expect(decodeCbor(hex('81'.repeat(32) + '07'), 'test')).toEqual(expected);
    let obj: unknown = 7;
    for (let i = 0; i < 32; i++) obj = { k: obj };
    expect(decodeCbor(hex('a1 61 6b'.repeat(32) + '07'), 'test')).toEqual(obj);
  });

  it('a value that contains itself (shared-reference tags 28/29, which cbor-x resolves) is too deeply nested, not a stack overflow', () => {
    // [<itself>] and { a: <itself> }: infinitely deep once decoded, though the bytes are shallow.
    for (const h of ['d81c 81 d81d 00', 'd81c a1 6161 d81d 00', 'd81c 82 00 a1 6162 d81d 00']) {
      const err = malformed(() => decodeCbor(hex(h), 'frame'));
      expect(err.message).toBe('CBOR nesting too deep');
      expect(err.cause).toEqual({ reason: 'too deeply nested', limit: 32 });
    }
  });
});

describe('decodeCbor: the value handed out', () => {
  it('byte strings are plain Uint8Arrays of their own, at any depth', () => {
    const input = hex('a2 61 61 42 0102 61 6c 81 41 03');
    const value = decodeCbor(input, 'test') as { a: Uint8Array; l: Uint8Array[] };
    expect(value).toEqual({ a: Uint8Array.of(1, 2), l: [Uint8Array.of(3)] });
    expect(Object.getPrototypeOf(value.a)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(value.l[0])).toBe(Uint8Array.prototype);
    input.fill(0);
    expect(value).toEqual({ a: Uint8Array.of(1, 2), l: [Uint8Array.of(3)] });
  });

  it('only plain maps and arrays are rebuilt: a value cbor-x makes from a tag keeps its class', () => {
    // Tag 1 (epoch time) is a Date; copied as a plain map it would become {}.
    const value = decodeCbor(hex('a1 61 74 c1 00'), 'test') as { t: unknown };
    expect(value.t).toBeInstanceOf(Date);
    expect((value.t as Date).getTime()).toBe(0);
  });
});

describe('decodeCbor: a value with a tag is walked once more (normalize), and comes out as the bytes spell it', () => {
  // A tag anywhere (here tag 1, a Date, in its own branch) sends the decoded value through a second
  // walk that bounds its depth; it must not change what an untagged value of the same shape gives.
  it('32 levels still decode: the limit is the same as without a tag', () => {
    let expected: unknown = 7;
    for (let i = 0; i < 31; i++) expected = [expected];
    const value = decodeCbor(hex('82 c1 00' + '81'.repeat(31) + '07'), 'test') as unknown[];
    expect(value[0]).toBeInstanceOf(Date);
    expect(value[1]).toEqual(expected);
  });

  it('arrays keep their length, and null and undefined stay what they are, in arrays and maps', () => {
    const list = decodeCbor(hex('85 c1 00 01 f6 f7 02'), 'test') as unknown[];
    expect(list).toHaveLength(5);
    expect(list.slice(1)).toStrictEqual([1, null, undefined, 2]);
    const map = decodeCbor(hex('a2 61 61 c1 00 61 62 f6'), 'test') as Record<string, unknown>;
    expect(Object.keys(map)).toEqual(['a', 'b']);
    expect(map.b).toBeNull();
  });
});

describe('schema failures name the first offending field, and why (decodeWith/validate)', () => {
  const frame: Frame = {
    v: 1,
    type: 'key-verified',
    sid: new Uint8Array(16).fill(1),
    seq: 2,
    pin: '2100000A',
    to: 'srp:x',
    body: Uint8Array.of(1),
  };
  const fields = () => decodeCbor(encodeFrame(frame), 'test') as Record<string, unknown>;

  it('the wrong type at the root', () => {
    const err = malformed(() => decodeFrame(encodeCbor(5)));
    expect(err.message).toBe('frame: invalid field (root)');
    expect(err.cause).toEqual({ operation: 'decode frame', field: '(root)', reason: 'expected Object' });
  });

  it('the wrong type in a field', () => {
    const err = malformed(() => decodeFrame(encodeCbor({ ...fields(), seq: 'x' })));
    expect(err.message).toBe('frame: invalid field seq');
    expect(err.cause).toEqual({ operation: 'decode frame', field: 'seq', reason: 'expected number' });
  });

  it('a value of the right type that fails a check', () => {
    expect(malformed(() => decodeFrame(encodeCbor({ ...fields(), seq: -1 }))).cause).toEqual({
      operation: 'decode frame',
      field: 'seq',
      reason: 'min_value',
    });
    expect(malformed(() => decodeFrame(encodeCbor({ ...fields(), seq: 1.5 }))).cause).toEqual({
      operation: 'decode frame',
      field: 'seq',
      reason: 'integer',
    });
  });

  it('an unknown field', () => {
    expect(malformed(() => decodeFrame(encodeCbor({ ...fields(), extra: 1 }))).cause).toMatchObject({ field: 'extra' });
  });
});
