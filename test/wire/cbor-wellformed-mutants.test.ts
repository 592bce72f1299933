/**
 * The strictness walk over raw CBOR (src/codec/cbor-wellformed.ts), rule by rule (issue 9: the
 * mutants that survived the first mutation run of `wire`). docs/protocol.md, "Frames": decoding is
 * strict, checked on the raw bytes before any value is built; invalid UTF-8, duplicate or non-text
 * map keys, nesting deeper than 32 levels, truncation and trailing bytes are all MALFORMED.
 * docs/security.md, finding 20.
 *
 * Every input is written by hand, in hex, so that each test hits exactly one rule, and each refusal
 * is checked for its code and its `cause.reason` (the rule that fired): several inputs below are
 * refused by two rules, and the test pins which one the walk reports first (a truncated item is
 * truncated, not "too deep"; a key cut short is truncated, not a duplicate of a shorter key).
 * `checkCborStrict` is called directly where cbor-x, which runs after it in `decodeCbor`, would
 * refuse the same bytes anyway: the walk must refuse them on its own, before cbor-x sees them.
 */
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { decodeCbor } from '../../src/codec/cbor.js';
import { checkCborStrict } from '../../src/codec/cbor-wellformed.js';
import { caught } from '../support/errors.js';

/** Bytes from hex; spaces are ignored. */
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
/** `n` copies of a one-byte head. */
const times = (byte: string, n: number): string => byte.repeat(n);

/** The documented depth limit (docs/protocol.md: "nesting deeper than 32"). */
const LIMIT = 32;

const walk =
  (h: string, what = 'test') =>
  () =>
    checkCborStrict(hex(h), what, LIMIT);
const decode =
  (h: string, what = 'test') =>
  () =>
    decodeCbor(hex(h), what);

function refused(fn: () => unknown, reason: string): ActivationError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe('MALFORMED');
  expect((err as ActivationError).cause).toMatchObject({ reason });
  return err as ActivationError;
}

describe('what a refusal says', () => {
  it('names what was decoded, the operation and the rule', () => {
    const err = refused(walk('01 02', 'frame'), 'invalid encoding');
    expect(err.message).toBe('frame: not valid CBOR');
    expect(err.cause).toEqual({ operation: 'decode frame', reason: 'invalid encoding' });
  });

  it('each rule has its own message', () => {
    expect(refused(walk('a1 61 ff 00'), 'invalid utf-8').message).toBe('test: invalid UTF-8 in a text string');
    expect(refused(walk('a2 61 61 00 61 61 01'), 'duplicate map key').message).toBe('test: duplicate map key');
    expect(refused(walk('a1 01 00'), 'non-text map key').message).toBe('test: map keys must be text strings');
    expect(refused(walk(times('81', 33) + '00'), 'too deeply nested').message).toBe('test: CBOR nesting too deep');
    expect(refused(walk(times('81', 33) + '00'), 'too deeply nested').cause).toMatchObject({ operation: 'decode test' });
  });
});

describe('item heads: argument sizes and reserved values (RFC 8949 section 3)', () => {
  it('1-, 2-, 4- and 8-byte arguments are read, for numbers and lengths', () => {
    expect(decodeCbor(hex('18 18'), 'test')).toBe(24);
    expect(decodeCbor(hex('19 0100'), 'test')).toBe(256);
    expect(decodeCbor(hex('1a 00010000'), 'test')).toBe(65536);
    expect(walk('1b 0000000100000000')).not.toThrow();
    expect(decodeCbor(hex('38 63'), 'test')).toBe(-100);
    // A length in 8 bytes (not the shortest form, still well-formed).
    expect(decodeCbor(hex('5b 0000000000000003 aabbcc'), 'test')).toEqual(Uint8Array.of(0xaa, 0xbb, 0xcc));
    expect(decodeCbor(hex('7b 0000000000000002 6869'), 'test')).toBe('hi');
    expect(decodeCbor(hex('9b 0000000000000002 01 02'), 'test')).toEqual([1, 2]);
  });

  it.each([
    [23, '77'],
    [24, '78 18'],
    [255, '78 ff'],
    [256, '79 0100'],
    [65535, '79 ffff'],
    [65536, '7a 00010000'],
  ])('a text string of %i bytes at its length boundary decodes', (length, head) => {
    expect(decodeCbor(hex(head + '61'.repeat(length)), 'test')).toBe('a'.repeat(length));
    // One byte short is truncated.
    refused(decode(head + '61'.repeat(length - 1)), 'invalid encoding');
  });

  it.each(['1c', '3d', '5e', '7c', '9d', 'be', 'dc 00', 'fc', 'fd', 'fe'])(
    'reserved additional information 28..30 (%s) is refused',
    (h) => {
      refused(walk(h + '0000000000000000'), 'invalid encoding');
    },
  );

  it.each(['19 01', '1a 000100', '1b 00', '39 00', '59 00', '7a 0000', '99 00', 'ba 000000', 'd9 01'])(
    'an argument cut short (%s) is refused',
    (h) => {
      refused(walk(h), 'invalid encoding');
    },
  );

  it('a key whose length is cut short is truncated, not read as an empty key (a duplicate of "")', () => {
    refused(walk('a2 60 00 79 00'), 'invalid encoding');
    refused(walk('a2 60 00 7a 0000'), 'invalid encoding');
  });

  it.each(['1f', '3f', 'df 00'])('indefinite length (31) on an integer or a tag (%s) is refused', (h) => {
    refused(walk(h), 'invalid encoding');
  });

  it('a break byte outside an indefinite-length item is refused', () => {
    refused(walk('ff'), 'invalid encoding');
    refused(walk('81 ff'), 'invalid encoding');
    refused(walk('a1 61 61 ff'), 'invalid encoding');
  });
});

describe('truncation: every length must fit in the input', () => {
  it('a string payload cut short is refused', () => {
    refused(walk('42 aa'), 'invalid encoding');
    refused(walk('63 6162'), 'invalid encoding');
  });

  it('a length is checked against what is left of the input, not against the input', () => {
    // The second key declares 2 bytes at the very end: past the end, a walk that read on would see
    // the key "\0\0" again and call it a duplicate; it is truncated.
    refused(walk('a2 62 0000 01 62'), 'invalid encoding');
    // 2^40 bytes declared, one present: refused at the head, never read byte by byte (a hang).
    refused(walk('7b 0000010000000000 61'), 'invalid encoding');
  });

  it('a key cut short is truncated, not read as the shorter key it starts with', () => {
    // "a" then a 2-byte key of which only "a" is present: not a duplicate "a".
    refused(walk('a2 61 61 00 62 61'), 'invalid encoding');
  });

  it('a map whose next key is missing is truncated, not a non-text key', () => {
    // Two entries announced, one present ("ab": 0).
    refused(walk('a2 62 6162 00'), 'invalid encoding');
  });

  it('a map value or array item that is missing is refused', () => {
    refused(walk('a1 61 61'), 'invalid encoding');
    refused(walk('82 00'), 'invalid encoding');
  });

  it('at the deepest level, a truncated array or map is reported as truncated, before its items would be too deep', () => {
    // The 33rd array (depth 32) announces an item that is not there.
    refused(walk(times('81', 33)), 'invalid encoding');
    // A map at depth 32 announcing one or two entries, with nothing or one byte after it.
    refused(walk(times('81', 32) + 'a1'), 'invalid encoding');
    refused(walk(times('81', 32) + 'a2 00'), 'invalid encoding');
    // An indefinite-length array at depth 32 without its break.
    refused(walk(times('81', 32) + '9f'), 'invalid encoding');
    // A tag at depth 32 whose number is cut short (its content would be at depth 33).
    refused(walk(times('81', 32) + 'd9 01'), 'invalid encoding');
    refused(walk(times('81', 32) + 'da 0000'), 'invalid encoding');
  });

  it('trailing bytes after the one item are refused by the walk itself', () => {
    refused(walk('01 02'), 'invalid encoding');
    refused(walk('a0 00'), 'invalid encoding');
    refused(walk('80 ff'), 'invalid encoding');
    refused(decode('a0 a0'), 'invalid encoding');
  });
});

describe('indefinite-length items (RFC 8949 section 3.2)', () => {
  it('indefinite arrays and maps are well-formed and decode', () => {
    expect(walk('9f 01 02 ff')).not.toThrow();
    expect(decodeCbor(hex('9f 01 02 ff'), 'test')).toEqual([1, 2]);
    expect(decodeCbor(hex('9f ff'), 'test')).toEqual([]);
    expect(decodeCbor(hex('9f 9f ff 01 ff'), 'test')).toEqual([[], 1]);
    expect(decodeCbor(hex('bf 61 61 01 61 62 9f ff ff'), 'test')).toEqual({ a: 1, b: [] });
    expect(decodeCbor(hex('bf ff'), 'test')).toEqual({});
  });

  it('an indefinite array or map without its break is truncated', () => {
    refused(walk('9f 01'), 'invalid encoding');
    refused(walk('9f'), 'invalid encoding');
    refused(walk('bf 61 61 01'), 'invalid encoding');
  });

  it('duplicate keys in an indefinite map are found', () => {
    refused(walk('bf 61 61 01 61 61 02 ff'), 'duplicate map key');
  });

  it('an indefinite string without its break is truncated', () => {
    refused(walk('7f 61 61'), 'invalid encoding');
    refused(walk('5f 41 aa'), 'invalid encoding');
  });

  it('a chunk of another major type is refused (RFC 8949 section 3.2.3)', () => {
    refused(walk('5f 61 61 ff'), 'invalid encoding');
    refused(walk('7f 41 61 ff'), 'invalid encoding');
    refused(walk('7f 01 ff'), 'invalid encoding');
  });

  it('a chunk that is itself indefinite is refused', () => {
    refused(walk('5f 5f ff ff'), 'invalid encoding');
    refused(walk('7f 7f ff ff'), 'invalid encoding');
  });

  it('byte-string chunks are bytes, not text: the walk does not check them as UTF-8', () => {
    expect(walk('5f 41 ff 42 c3 28 ff')).not.toThrow();
    // cbor-x cannot read indefinite-length strings: still MALFORMED, as an encoding failure.
    refused(decode('5f 41 ff ff'), 'invalid encoding');
    refused(decode('7f 61 61 ff'), 'invalid encoding');
  });
});

describe('nesting: at most 32 levels (docs/protocol.md)', () => {
  it('32 levels of arrays, maps or tags pass; 33 are too deep', () => {
    expect(decodeCbor(hex(times('81', LIMIT) + '00'), 'test')).toEqual(
      Array(LIMIT)
        .fill(0)
        .reduce((inner: unknown) => [inner], 0),
    );
    refused(decode(times('81', LIMIT + 1) + '00'), 'too deeply nested');
    expect(walk(times('a1 61 61', LIMIT) + '00')).not.toThrow();
    refused(walk(times('a1 61 61', LIMIT + 1) + '00'), 'too deeply nested');
    expect(walk(times('c6', LIMIT) + '00')).not.toThrow();
    refused(walk(times('c6', LIMIT + 1) + '00'), 'too deeply nested');
  });

  it('indefinite-length arrays count as levels too', () => {
    expect(decodeCbor(hex(times('9f', LIMIT) + '00' + times('ff', LIMIT)), 'test')).toEqual(
      decodeCbor(hex(times('81', LIMIT) + '00'), 'test'),
    );
    refused(walk(times('9f', LIMIT + 1) + '00' + times('ff', LIMIT + 1)), 'too deeply nested');
  });

  it('a map value is one level below its map', () => {
    // 31 arrays, a map at depth 31, its value an array at 32 holding 0 at depth 33.
    refused(walk(times('81', 31) + 'a1 61 61 81 00'), 'too deeply nested');
    expect(walk(times('81', 30) + 'a1 61 61 81 00')).not.toThrow();
  });

  it('a map key is one level below its map: a map at depth 32 has no room for a key, valid or not', () => {
    refused(walk(times('81', LIMIT) + 'a1 61 ff 00'), 'too deeply nested');
    refused(walk(times('81', LIMIT) + 'a1 61 61 00'), 'too deeply nested');
  });
});

describe('simple values and floats (major type 7)', () => {
  it('false, true, null and the three float sizes decode', () => {
    expect(decodeCbor(hex('f4'), 'test')).toBe(false);
    expect(decodeCbor(hex('f5'), 'test')).toBe(true);
    expect(decodeCbor(hex('f6'), 'test')).toBeNull();
    expect(decodeCbor(hex('f9 3c00'), 'test')).toBe(1);
    expect(decodeCbor(hex('fa 3fc00000'), 'test')).toBe(1.5);
    expect(decodeCbor(hex('fb 3ff8000000000000'), 'test')).toBe(1.5);
  });

  it('a one-byte simple value is well-formed', () => {
    expect(walk('f8 20')).not.toThrow();
    expect(walk('82 f8 ff f5')).not.toThrow();
  });

  it('a float or simple value cut short is refused', () => {
    refused(walk('f8'), 'invalid encoding');
    refused(walk('f9 3c'), 'invalid encoding');
    refused(walk('fa 3fc000'), 'invalid encoding');
    refused(walk('fb 3ff80000000000'), 'invalid encoding');
  });
});

describe('tags: the walk says whether the item holds one (decodeCbor walks the value again only then)', () => {
  it('no tag anywhere: false', () => {
    // {"a": [1, h'0102', {"b": "x"}], "c": true}
    expect(walk('a2 6161 83 01 420102 a1 6162 6178 6163 f5')()).toBe(false);
    expect(walk('00')()).toBe(false);
  });

  it('a tag at the root, or nested in an array or a map value, however deep: true', () => {
    expect(walk('c1 1a00000000')()).toBe(true);
    expect(walk('82 01 c1 00')()).toBe(true);
    expect(walk('a1 6161 81 81 d8 1c 80')()).toBe(true);
    // Indefinite-length array with a tag inside.
    expect(walk('9f 01 c2 41 01 ff')()).toBe(true);
  });
});
