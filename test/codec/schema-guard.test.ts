/**
 * The schema guard (src/codec/schema-guard.ts, issue 14): a compiled predicate that may answer
 * `true` only when valibot would accept the value and give it back unchanged. Held here construct
 * by construct, by a property over every organizer record kind (the generator's records, then
 * each with a field replaced, dropped or added), and by a whole activation, whose every decoded
 * frame and message must pass the guard (valibot's run skipped: the point of it).
 */
import * as v from 'valibot';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { guardOf, passesGuard } from '../../src/codec/schema-guard.js';
import { text, uint, bytes, list } from '../../src/codec/schema.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { SYNC_ORDER } from '../../src/sync/databases.js';
import { RECORD_SCHEMAS, syncRecordSchema } from '../../src/sync/records.js';
import { activate } from '../../src/testing/activation-pair.js';
import { NOW, OWNER } from '../sync/helpers.js';

const verdicts = vi.hoisted(() => ({ on: false, seen: [] as boolean[] }));

// Every decoder asks passesGuard; during the activation below, record its answers.
vi.mock('../../src/codec/schema-guard.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/codec/schema-guard.js')>();
  return {
    ...real,
    passesGuard: (schema: v.GenericSchema, value: unknown) => {
      const pass = real.passesGuard(schema, value);
      if (verdicts.on) verdicts.seen.push(pass);
      return pass;
    },
  };
});

/** The guard's answer, checked against valibot: `true` only with valibot's success and an equal output. */
function sound(schema: v.GenericSchema, value: unknown): boolean {
  const pass = passesGuard(schema, value);
  const parsed = v.safeParse(schema, value);
  if (pass) {
    expect(parsed.success).toBe(true);
    expect(parsed.output).toEqual(value);
  }
  return pass;
}

/** Each value's answer, each one sound. */
function answers(schema: v.GenericSchema, values: readonly unknown[]): boolean[] {
  return values.map((x) => sound(schema, x));
}

describe('the guard of each construct says yes exactly when valibot accepts the value unchanged', () => {
  it('scalars: string, number (not NaN), boolean, literal, picklist, instance', () => {
    expect(answers(v.string(), ['', 'a', 1, null, undefined])).toEqual([true, true, false, false, false]);
    expect(answers(v.number(), [0, -1.5, Infinity, NaN, '1'])).toEqual([true, true, true, false, false]);
    expect(answers(v.boolean(), [true, false, 0, 'true'])).toEqual([true, true, false, false]);
    expect(answers(v.literal(1), [1, '1', 2])).toEqual([true, false, false]);
    expect(answers(v.picklist(['a', 'b']), ['a', 'b', 'c', 0])).toEqual([true, true, false, false]);
    expect(answers(v.instance(Uint8Array), [new Uint8Array(1), Buffer.alloc(1), [1], new Uint16Array(1)])).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('pipes: lengths, values, integers, finiteness, patterns, ISO dates, checks, in order', () => {
    expect(answers(text(3, 1), ['', 'a', 'abc', 'abcd', '\uD800', 'a\u{1F600}', 5])).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect(answers(uint(10), [0, 10, 11, -1, 1.5, NaN, '3'])).toEqual([true, true, false, false, false, false, false]);
    expect(answers(bytes(2), [new Uint8Array(2), new Uint8Array(3), [0, 0]])).toEqual([true, false, false]);
    expect(answers(v.pipe(v.number(), v.finite()), [1, Infinity, -Infinity])).toEqual([true, false, false]);
    expect(answers(v.pipe(v.number(), v.safeInteger()), [2 ** 53 - 1, 2 ** 53, 0.5])).toEqual([true, false, false]);
    expect(answers(v.pipe(v.string(), v.length(2)), ['ab', 'a', 'abc'])).toEqual([true, false, false]);
    expect(answers(v.pipe(v.string(), v.regex(/^x+$/)), ['xx', 'xy', ''])).toEqual([true, false, false]);
    expect(answers(v.pipe(v.string(), v.isoDate()), ['2026-12-03', '2026-13-01', '3 Dec'])).toEqual([true, false, false]);
    expect(
      answers(
        v.pipe(
          v.string(),
          v.check((s) => s.startsWith('a')),
        ),
        ['ab', 'ba'],
      ),
    ).toEqual([true, false]);
    expect(answers(list(v.number(), 2), [[], [1, 2], [1, 2, 3], [1, 'x']])).toEqual([true, true, false, false]);
  });

  it('a pipe over a pipe: the inner bounds and checks hold too', () => {
    const name = v.pipe(
      text(3, 1),
      v.check((x) => x !== 'ab'),
    );
    expect(answers(name, ['a', 'ab', 'abc', 'abcd', ''])).toEqual([true, false, true, false, false]);
    const small = v.pipe(uint(10), v.maxValue(5));
    expect(answers(small, [5, 6, 11, -1])).toEqual([true, false, false, false]);
    const described = v.pipe(v.string(), v.description('metadata only'), v.maxLength(2));
    expect(answers(described, ['ab', 'abc'])).toEqual([true, false]);
    expect(answers(v.pipe(v.string(), v.title('only metadata')), ['x', 1])).toEqual([true, false]);
  });

  it('rawCheck and forward: the action itself decides', () => {
    const pair = v.pipe(
      v.strictObject({ a: v.number(), b: v.number() }),
      v.forward(
        v.check((o) => o.a < o.b),
        ['b'],
      ),
      v.rawCheck(({ dataset, addIssue }) => {
        if (dataset.typed && dataset.value.a === 0) addIssue({ message: 'no zero' });
      }),
    );
    expect(
      answers(pair, [
        { a: 1, b: 2 },
        { a: 2, b: 1 },
        { a: 0, b: 1 },
      ]),
    ).toEqual([true, false, false]);
  });

  it('optional', () => {
    expect(answers(v.optional(v.string()), [undefined, 'a', null])).toEqual([true, true, false]);
  });

  it('objects: plain ones, exactly their entries, optional entries absent or undefined', () => {
    const strict = v.strictObject({ a: v.number(), b: v.optional(v.string()) });
    const loose = v.object({ a: v.number() });
    expect(answers(strict, [{ a: 1 }, { a: 1, b: 'x' }, { a: 1, b: undefined }, { b: 'x' }, { a: 1, c: 2 }, [1], null])).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    // A loose object drops an unknown key from its output: not the value unchanged, so no.
    expect(answers(loose, [{ a: 1 }, { a: 1, extra: 2 }])).toEqual([true, false]);
    expect(v.safeParse(loose, { a: 1, extra: 2 }).success).toBe(true);
  });

  it('an object whose fields come from elsewhere is left to valibot', () => {
    const strict = v.strictObject({ a: v.number() });
    const inherited = Object.create({ a: 1 }) as object;
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const own = Object.assign(Object.create({ b: 2 }) as object, { a: 1 });
    expect(answers(strict, [inherited, bare, own])).toEqual([false, false, false]);
    // valibot reads `a` through the prototype and builds a plain output; the guard never vouches for such input.
    expect(v.safeParse(strict, inherited).success).toBe(true);
    expect(v.safeParse(strict, bare).success).toBe(true);
  });

  it('a field inherited from a polluted Object.prototype is not taken for an own field', () => {
    const strict = v.strictObject({ a: v.number(), b: v.optional(v.string()) });
    expect(answers(strict, [{ a: 1 }])).toEqual([true]); // compiled before the pollution
    const proto = Object.prototype as { b?: unknown };
    Object.defineProperty(proto, 'b', { value: 'polluted', configurable: true, enumerable: false, writable: true });
    try {
      // valibot reads `b` through `in` and copies it into its output; the value itself does not have it.
      expect(answers(strict, [{ a: 1 }])).toEqual([false]);
      expect(v.safeParse(strict, { a: 1 }).output).toEqual({ a: 1, b: 'polluted' });
      // A schema compiled while an entry's name is on every object gets no guard at all.
      expect(guardOf(v.strictObject({ b: v.optional(v.string()) }))).toBeUndefined();
    } finally {
      delete proto.b;
    }
    expect(answers(strict, [{ a: 1 }])).toEqual([true]);
  });

  it('arrays: plain arrays, every item', () => {
    const numbers = v.array(v.number());
    expect(answers(numbers, [[], [1, 2], [1, '2'], { 0: 1, length: 1 }])).toEqual([true, true, false, false]);
    class Numbers extends Array<number> {}
    expect(answers(numbers, [Numbers.from([1])])).toEqual([false]);
  });

  it('record: every own key and value; a key valibot skips is a no', () => {
    const counts = v.record(v.pipe(v.string(), v.regex(/^[a-z]+$/)), v.number());
    const sneaky = JSON.parse('{"__proto__": 1}') as object;
    const anyName = v.record(v.string(), v.number());
    expect(answers(counts, [{}, { a: 1, b: 2 }, { a: '1' }, { A: 1 }, sneaky, [1]])).toEqual([true, true, false, false, false, false]);
    // Names valibot's record skips: passed by the key's schema, but not in valibot's output.
    expect(answers(anyName, [{ constructor: 1 }, { prototype: 1 }, sneaky, { a: 1 }])).toEqual([false, false, false, true]);
    expect(v.safeParse(anyName, { prototype: 1 }).output).toEqual({});
    expect(v.safeParse(counts, sneaky).success).toBe(true); // accepted, the key dropped
  });

  it('union and variant: the first option that holds', () => {
    const either = v.union([v.string(), v.pipe(v.number(), v.integer())]);
    expect(answers(either, ['a', 1, 1.5, null])).toEqual([true, true, false, false]);
    const shapes = v.variant('kind', [
      v.strictObject({ kind: v.literal('dot'), x: v.number() }),
      v.strictObject({ kind: v.literal('box'), w: v.number() }),
    ]);
    expect(answers(shapes, [{ kind: 'dot', x: 1 }, { kind: 'box', w: 1 }, { kind: 'dot', w: 1 }, { kind: 'cube' }, { x: 1 }])).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('union and variant: no guard when an option has none; a variant needs its key', () => {
    expect(guardOf(v.union([v.string(), v.pipe(v.string(), v.trim())]))).toBeUndefined();
    const nested = v.variant('kind', [
      v.strictObject({ kind: v.literal('a') }),
      v.variant('sub', [v.strictObject({ kind: v.literal('b'), sub: v.literal(1) })]),
    ]);
    expect(guardOf(nested)).toBeUndefined();
    const optionalKind = v.variant('kind', [v.strictObject({ kind: v.optional(v.literal('a')), x: v.number() })]);
    // valibot accepts the key's absence here (an optional discriminator); the guard leaves it to valibot.
    expect(answers(optionalKind, [{ kind: 'a', x: 1 }, { x: 1 }])).toEqual([true, false]);
    expect(v.safeParse(optionalKind, { x: 1 }).success).toBe(true);
    const later = v.variant('kind', [
      v.strictObject({ kind: v.literal('a'), x: v.number() }),
      v.strictObject({ kind: v.literal('a'), y: v.number() }),
    ]);
    // The first option whose discriminator holds decides; a later one is left to valibot.
    expect(
      answers(later, [
        { kind: 'a', x: 1 },
        { kind: 'a', y: 1 },
      ]),
    ).toEqual([true, false]);
  });

  it('lazy: the schema its getter gives for the value', () => {
    const byType = v.lazy((x) => (typeof x === 'string' ? v.pipe(v.string(), v.minLength(2)) : v.number()));
    expect(answers(byType, ['ab', 'a', 3, true])).toEqual([true, false, true, false]);
    const unsupported = v.lazy(() => v.pipe(v.string(), v.trim()));
    expect(answers(unsupported, ['x'])).toEqual([false]);
    expect(v.safeParse(unsupported, 'x').success).toBe(true);
  });

  it('no guard for what changes the output or is not a plain check', () => {
    expect(
      guardOf(
        v.pipe(
          v.string(),
          v.transform((s) => s.length),
        ),
      ),
    ).toBeUndefined();
    expect(guardOf(v.pipe(v.string(), v.trim()))).toBeUndefined();
    expect(guardOf(v.optional(v.string(), 'x'))).toBeUndefined();
    expect(guardOf(v.strictObject({ a: v.optional(v.number(), 0) }))).toBeUndefined();
    expect(guardOf(v.fallback(v.string(), 'x'))).toBeUndefined();
    expect(guardOf(v.strictObject({ toString: v.string() }))).toBeUndefined();
    expect(guardOf(v.array(v.map(v.string(), v.number())))).toBeUndefined();
    // Constructs no wire message uses: left to valibot, to keep the guard small in a bundle.
    for (const unused of [v.tuple([v.number()]), v.nullable(v.string()), v.nullish(v.string()), v.null(), v.unknown()]) {
      expect(guardOf(unused)).toBeUndefined();
    }
    expect(
      guardOf(
        v.pipeAsync(
          v.string(),
          v.checkAsync(async () => true),
        ) as unknown as v.GenericSchema,
      ),
    ).toBeUndefined();
    // ... and then a decoder runs the schema: the guard only ever answers no.
    expect(passesGuard(v.array(v.map(v.string(), v.number())), [new Map()])).toBe(false);
  });
});

describe('organizer records: the guard passes every record the generator makes and vouches only for what valibot accepts', () => {
  const data = generateUserData({
    seed: 'schema guard',
    counts: { calendar: 60, contacts: 80, tasks: 40, memos: 20, emailSettings: 6, messages: 40, options: 30 },
    owner: OWNER,
    now: NOW,
  });
  // The wire form: what cbor-x gives back has no undefined fields.
  const records = SYNC_ORDER.flatMap((d): readonly unknown[] => data[d]).map(
    (r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>,
  );

  it('every generated record, of every kind, passes', () => {
    const kinds = new Set<string>();
    for (const record of records) {
      kinds.add(record.kind as string);
      expect(sound(syncRecordSchema, record), `${String(record.kind)} ${String(record.id)}`).toBe(true);
    }
    expect([...kinds].sort()).toEqual(Object.keys(RECORD_SCHEMAS).sort());
  });

  it('a record with a field replaced, dropped or added: yes only where valibot accepts it unchanged', () => {
    const hostile = fc.oneof(
      fc.constantFrom<unknown>(undefined, null, '', 'x'.repeat(5000), '\uD800', -1, 1.5, NaN, 2 ** 60, [], {}, ['\uDC00'], true, 'Busy'),
      fc.anything(),
    );
    const record = fc.constantFrom(...records);
    const field = (r: Record<string, unknown>) => fc.constantFrom(...Object.keys(r), 'extra');
    const mutated = fc.oneof(
      record.chain((r) => fc.tuple(fc.constant(r), field(r), hostile)).map(([r, k, x]) => ({ ...r, [k]: x })),
      record
        .chain((r) => fc.tuple(fc.constant(r), field(r)))
        .map(([r, k]) => {
          const copy = { ...r };
          delete copy[k];
          return copy;
        }),
    );
    let passed = 0;
    fc.assert(
      fc.property(mutated, (x) => {
        if (sound(syncRecordSchema, x)) passed++;
      }),
      { numRuns: 2000 },
    );
    expect(passed).toBeGreaterThan(0); // some mutations are harmless (an optional field dropped)
  });
});

describe('a whole activation decodes without running valibot', () => {
  it('every frame and message both sides decoded passed its guard (all but the ETP.DAT, decoded once with plain valibot)', async () => {
    verdicts.on = true;
    try {
      const run = await activate();
      expect(run.ok).toBe(true);
    } finally {
      verdicts.on = false;
    }
    // 28 frames, their bodies, and the messages inside the sealed ones.
    expect(verdicts.seen.length).toBeGreaterThan(50);
    expect(verdicts.seen.filter((pass) => !pass)).toEqual([]);
  });
});
