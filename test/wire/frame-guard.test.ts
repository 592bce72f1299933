/**
 * decodeFrame's guard (the frame schema compiled by src/codec/schema-guard.ts, issue 14) against
 * the valibot schema it stands in front of: for objects near the schema (valid frames, each field
 * replaced by a hostile or boundary value, keys added or removed, other prototypes, anything at
 * all) the guard passes only what the schema accepts, the value then being the schema's output
 * (the same fields, the same byte arrays); it passes every valid plain frame; and decodeFrame's
 * validation (guard, else the schema) succeeds or fails exactly as the schema alone would, with
 * the same ActivationError code, message and field.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { ActivationError } from '../../src/errors/activation-error.js';
import { decodeCbor, encodeCbor, validate } from '../../src/codec/cbor.js';
import { passesGuard } from '../../src/codec/schema-guard.js';
import { expectCode } from '../support/errors.js';
import { decodeFrame, encodeFrame, frameSchema, MESSAGE_TYPES, type Frame } from '../../src/wire/frame.js';

const KEYS = ['v', 'type', 'sid', 'seq', 'pin', 'to', 'body', 'check'] as const;

const nonSpace = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => /^\S+$/.test(s));
const arbTo = fc.oneof(
  fc.tuple(fc.constantFrom('mailto:', 'srp:', 'pin:'), nonSpace).map(([p, t]) => p + t),
  fc.constantFrom(
    'srp:x',
    'pin:',
    'srp:' + 'x'.repeat(316),
    'srp:' + 'x'.repeat(317),
    'mailto:a b',
    'http:x',
    'srp:\uD800x',
    'srp:\uDC00',
    'srp:\u{1F600}',
  ),
);
const arbValid = fc.record({
  v: fc.constant(1),
  type: fc.constantFrom(...MESSAGE_TYPES),
  sid: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  seq: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(0, -0, 999_999, 1_000_000)),
  pin: fc.oneof(fc.stringMatching(/^[0-9A-F]{8}$/), fc.constant('2100000A')),
  to: arbTo,
  body: fc.uint8Array({ maxLength: 64 }),
  check: fc.uint8Array({ minLength: 8, maxLength: 8 }),
});

/** Values that are wrong for some field and right for another, boundaries first. */
const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    0,
    -0,
    1,
    2,
    -1,
    0.5,
    1_000_000,
    1_000_001,
    999_999.5,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53,
    '1',
    '',
    'sync-ack',
    'SYNC-ACK',
    'toString',
    '__proto__',
    '2100000A',
    '2100000a',
    '2100000A ',
    '2100000',
    'srp:ok',
    'srp: x',
    'srp:' + 'y'.repeat(400),
    'pin:\uD800',
    true,
    [],
    [1, 2],
    {},
    new Uint8Array(0),
    new Uint8Array(7),
    new Uint8Array(8),
    new Uint8Array(9),
    new Uint8Array(15),
    new Uint8Array(16),
    new Uint8Array(17),
    Buffer.alloc(8),
    Buffer.alloc(16),
    new Uint16Array(8),
    new Int8Array(16),
    new ArrayBuffer(16),
    new DataView(new ArrayBuffer(8)),
  ),
  fc.anything(),
  fc.string({ maxLength: 400 }),
  fc.double(),
  fc.integer(),
  fc.uint8Array({ maxLength: 20 }),
);

const mutated = fc.oneof(
  // One field replaced.
  fc.tuple(arbValid, fc.constantFrom(...KEYS), hostile).map(([f, k, x]) => ({ ...f, [k]: x })),
  // Two fields replaced.
  fc
    .tuple(arbValid, fc.constantFrom(...KEYS), hostile, fc.constantFrom(...KEYS), hostile)
    .map(([f, k1, x1, k2, x2]) => ({ ...f, [k1]: x1, [k2]: x2 })),
  // A key missing, or one key too many (possibly with one missing: still eight keys).
  fc.tuple(arbValid, fc.constantFrom(...KEYS)).map(([f, k]) => {
    const copy: Record<string, unknown> = { ...f };
    delete copy[k];
    return copy;
  }),
  fc.tuple(arbValid, fc.string({ maxLength: 10 }), hostile).map(([f, k, x]) => ({ ...f, [k]: x })),
  fc.tuple(arbValid, fc.constantFrom(...KEYS), fc.string({ maxLength: 10 }), hostile).map(([f, gone, k, x]) => {
    const copy: Record<string, unknown> = { ...f };
    delete copy[gone];
    copy[k] = x;
    return copy;
  }),
  // Other shapes of the same fields.
  arbValid.map((f) => Object.assign(Object.create(null) as object, f)),
  arbValid.map((f) => Object.assign(Object.create({ extra: 1 }) as object, f)),
  arbValid.map((f) => Object.assign([], f)),
  arbValid.map((f) => new Map(Object.entries(f))),
  fc.anything(),
);

/** The schema alone: its output, or the ActivationError it throws. */
function bySchema(value: unknown): { ok: true; out: unknown } | { ok: false; err: ActivationError } {
  try {
    return { ok: true, out: validate(frameSchema, value, 'frame') };
  } catch (err) {
    expect(err).toBeInstanceOf(ActivationError);
    return { ok: false, err: err as ActivationError };
  }
}

/** The guard's verdict as decodeFrame uses it: the value itself, or nothing. */
function checkFrameFast(value: unknown): (Frame & { check: Uint8Array }) | undefined {
  return passesGuard(frameSchema, value) ? (value as Frame & { check: Uint8Array }) : undefined;
}

/** decodeFrame's validation: the guard, else the schema. */
function byDecodeFrame(value: unknown): { ok: true; out: unknown } | { ok: false; err: ActivationError } {
  try {
    return { ok: true, out: checkFrameFast(value) ?? validate(frameSchema, value, 'frame') };
  } catch (err) {
    expect(err).toBeInstanceOf(ActivationError);
    return { ok: false, err: err as ActivationError };
  }
}

function agree(value: unknown): void {
  const fast = checkFrameFast(value);
  const schema = v.safeParse(frameSchema, value, { abortEarly: true });
  // Never less strict than the schema; and exact but for shapes cbor-x does not decode to (an
  // object without a prototype, an array carrying the frame's keys as properties), which it
  // leaves to the schema.
  if (fast !== undefined) expect(schema.success).toBe(true);
  if (schema.success && fast === undefined) expect(Array.isArray(value) || Object.getPrototypeOf(value) === null).toBe(true);
  if (fast !== undefined && schema.success) {
    expect(fast).toEqual(schema.output);
    expect(new Set(Object.keys(fast))).toEqual(new Set(Object.keys(schema.output)));
    expect(Object.is(fast.seq, schema.output.seq)).toBe(true);
    for (const k of ['sid', 'body', 'check'] as const) expect(fast[k]).toBe(schema.output[k]);
  }
  const a = bySchema(value);
  const b = byDecodeFrame(value);
  expect(b.ok).toBe(a.ok);
  if (!a.ok && !b.ok) {
    expect(b.err.code).toBe(a.err.code);
    expect(b.err.message).toBe(a.err.message);
    expect(b.err.cause).toEqual(a.err.cause);
  }
}

describe("the frame schema's guard agrees with the schema (issue 14)", () => {
  it('valid frames: accepted by both, the same output', () => {
    fc.assert(
      fc.property(arbValid, (generated) => {
        const frame = { ...generated }; // a plain object, as cbor-x decodes (fast-check may give none)
        // The schema's run skipped for every frame it accepts (arbValid's `to` includes a few it does not).
        if (v.is(frameSchema, frame)) expect(checkFrameFast(frame)).toBe(frame);
        agree(frame);
      }),
      { numRuns: 500 },
    );
  });

  it('frames with fields mutated, keys missing or extra, other prototypes, anything: both refuse or both accept', () => {
    fc.assert(fc.property(mutated, agree), { numRuns: 3000 });
  });

  it('the same after a trip through CBOR (what decodeFrame actually checks)', () => {
    const encodable = mutated.filter((x) => {
      try {
        encodeCbor(x);
        return true;
      } catch {
        return false;
      }
    });
    fc.assert(
      fc.property(encodable, (x) => {
        let decoded: unknown;
        try {
          decoded = decodeCbor(encodeCbor(x), 'frame');
        } catch {
          return; // not a frame our decoder reads back: never reaches the check
        }
        agree(decoded);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodeFrame on hostile bytes fails with the schema error (field named), and round-trips a valid frame', () => {
    const frame: Frame = {
      v: 1,
      type: 'sync-ack',
      sid: new Uint8Array(16).fill(3),
      seq: 5,
      pin: '2100000A',
      to: 'srp:S1',
      body: Uint8Array.of(1, 2),
    };
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
    const raw = decodeCbor(encodeFrame(frame), 'test') as Record<string, unknown>;
    const bad = encodeCbor({ ...raw, seq: 1_000_001 });
    const refused = expectCode(() => decodeFrame(bad), 'MALFORMED');
    expect(refused.message).toBe('frame: invalid field seq');
    expect(refused.cause).toMatchObject({ field: 'seq' });
  });
});
