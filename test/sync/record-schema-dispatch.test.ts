/**
 * `syncRecordSchema` sends a record straight to its kind's schema instead of through valibot's
 * `variant` (issue 14: the variant tried every option's discriminator for each record). It must
 * answer exactly as the variant did, success or issue, for every input: records of every kind,
 * broken ones, and things that are no record at all.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMAS, syncRecordSchema, type SyncRecord } from '../../src/sync/records.js';
import { SYNC_ORDER } from '../../src/sync/databases.js';
import { DEFAULT_DATA_COUNTS, generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { NOW, OWNER } from './helpers.js';

/** valibot's own dispatch over the same schemas, in the same order. */
const variant = v.variant('kind', Object.values(RECORD_SCHEMAS));

/**
 * What a parse says, with the first issue only (as `validate` parses) and with all of them, in a
 * form `toEqual` compares: the output, or each issue's kind, type, expectation and path.
 */
function outcome(schema: v.GenericSchema, input: unknown): unknown {
  return [true, false].map((abortEarly) => {
    const r = v.safeParse(schema, input, { abortEarly });
    if (r.success) return { output: r.output };
    return r.issues.map((i) => ({ kind: i.kind, type: i.type, expected: i.expected, received: i.received, path: v.getDotPath(i) }));
  });
}

const data = generateUserData({ seed: 'dispatch', counts: DEFAULT_DATA_COUNTS, owner: OWNER, now: NOW });
const records: readonly SyncRecord[] = SYNC_ORDER.flatMap((database): readonly SyncRecord[] => data[database] ?? []);

describe('syncRecordSchema answers as valibot variant does', () => {
  it('the generated data holds every kind (so the cases below cover each schema)', () => {
    expect(new Set(records.map((r) => r.kind))).toEqual(new Set(Object.keys(RECORD_SCHEMAS)));
  });

  it('valid records of every kind: the same output', () => {
    for (const record of records) expect(outcome(syncRecordSchema, record)).toEqual(outcome(variant, record));
  });

  it('records with a field missing, of the wrong type, or unknown: the same issues', () => {
    for (const record of records) {
      const fields = Object.keys(record).filter((k) => k !== 'kind');
      for (const field of fields) {
        const { [field]: _gone, ...missing } = record as unknown as Record<string, unknown>;
        expect(outcome(syncRecordSchema, missing)).toEqual(outcome(variant, missing));
        const wrong = { ...record, [field]: 12.5 };
        expect(outcome(syncRecordSchema, wrong)).toEqual(outcome(variant, wrong));
      }
      const extra = { ...record, extra: 1 };
      expect(outcome(syncRecordSchema, extra)).toEqual(outcome(variant, extra));
    }
  });

  it('no record at all, no kind, an unknown kind, a kind that is not a string, a kind named like an Object property: the same issues', () => {
    const memo = records.find((r) => r.kind === 'memo');
    if (memo === undefined) throw new Error('the generated data has no memo');
    const inputs: unknown[] = [
      null,
      undefined,
      'memo',
      7,
      [],
      [memo],
      {},
      { ...memo, kind: 'journal' },
      { ...memo, kind: 1 },
      { ...memo, kind: 'constructor' },
      { ...memo, kind: '__proto__' },
      { ...memo, kind: 'toString' },
      { ...memo, kind: undefined },
      Object.assign(Object.create({ kind: 'memo' }) as object, { ...memo, kind: undefined }),
    ];
    for (const input of inputs) expect(outcome(syncRecordSchema, input)).toEqual(outcome(variant, input));
  });
});
