import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { SYNC_ORDER } from '../../src/sync/databases.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { RECORD_SCHEMAS, syncRecordSchema } from '../../src/sync/records.js';
import { NOW, OWNER, expectCode } from '../sync/helpers.js';

const COUNTS = { calendar: 60, contacts: 50, tasks: 30, memos: 20, messages: 100, options: 30 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const OFFSETS: Record<string, number> = {
  'America/Regina': -6,
  'America/Phoenix': -7,
  'Pacific/Honolulu': -10,
  'Asia/Singapore': 8,
  'Asia/Tokyo': 9,
  'Australia/Brisbane': 10,
};

describe('generateUserData', () => {
  const data = generateUserData({ seed: 'alpha', counts: COUNTS, owner: OWNER, now: NOW });

  it('is deterministic: the same seed gives deep-equal data', () => {
    expect(generateUserData({ seed: 'alpha', counts: COUNTS, owner: OWNER, now: NOW })).toEqual(data);
  });

  it('gives different data for different seeds', () => {
    const other = generateUserData({ seed: 'beta', counts: COUNTS, owner: OWNER, now: NOW });
    for (const database of SYNC_ORDER) {
      if (database === 'options') continue; // mostly the same settings; their ids still differ
      expect(other[database]).not.toEqual(data[database]);
    }
    expect(other.options.map((o) => o.id)).not.toEqual(data.options.map((o) => o.id));
  });

  it('gives the requested counts, and none for databases not asked for', () => {
    for (const database of SYNC_ORDER) expect(data[database]).toHaveLength(COUNTS[database]);
    const some = generateUserData({ seed: 'alpha', counts: { memos: 3 }, owner: OWNER, now: NOW });
    expect(some.memos).toHaveLength(3);
    expect(some.calendar).toEqual([]);
    expect(some.messages).toEqual([]);
  });

  it('keeps each database independent of the counts of the others', () => {
    const fewer = generateUserData({ seed: 'alpha', counts: { calendar: COUNTS.calendar }, owner: OWNER, now: NOW });
    expect(fewer.calendar).toEqual(data.calendar);
  });

  it('makes records that validate against their schemas, with unique ids', () => {
    const big = generateUserData({
      seed: 'validate',
      counts: { calendar: 400, contacts: 300, tasks: 300, memos: 300, messages: 800, options: 60 },
      owner: OWNER,
      now: NOW,
    });
    for (const database of SYNC_ORDER) {
      const ids = new Set<string>();
      for (const record of big[database]) {
        const result = v.safeParse(syncRecordSchema, record);
        if (!result.success) throw new Error(`${database} ${record.id}: ${JSON.stringify(result.issues[0]?.path?.map((p) => p.key))}`);
        expect(v.safeParse(RECORD_SCHEMAS[record.kind], record).success).toBe(true);
        ids.add(record.id);
      }
      expect(ids.size).toBe(big[database].length);
    }
  });

  it('puts timed meetings in working hours on working days around now', () => {
    for (const event of data.calendar) {
      expect(event.timeZone in OFFSETS).toBe(true);
      const local = new Date(event.start + (OFFSETS[event.timeZone] ?? 0) * HOUR);
      expect([1, 2, 3, 4, 5]).toContain(local.getUTCDay());
      expect(Math.abs(event.start - NOW)).toBeLessThan(40 * DAY);
      if (!event.allDay) {
        expect(local.getUTCHours()).toBeGreaterThanOrEqual(8);
        expect(local.getUTCHours()).toBeLessThan(17);
        expect(event.end).toBeGreaterThan(event.start);
      } else {
        expect(local.getUTCHours()).toBe(0);
        expect((event.end - event.start) % DAY).toBe(0);
      }
    }
    const starts = data.calendar.map((e) => e.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(data.calendar.some((e) => e.recurrence !== undefined)).toBe(true);
    expect(data.calendar.some((e) => e.allDay)).toBe(true);
    expect(data.calendar.some((e) => e.organizer === OWNER.email)).toBe(true);
  });

  it('delivers messages to the owner, newest first, before now', () => {
    const times = data.messages.map((m) => m.receivedAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBeLessThan(NOW);
    for (const m of data.messages) expect(m.to[0]).toBe(`${OWNER.displayName} <${OWNER.email}>`);
    expect(data.messages.some((m) => m.body.startsWith('Hi Jane,'))).toBe(true);
  });

  it("fills the address book with colleagues at the owner's domain and outside contacts", () => {
    expect(data.contacts.some((c) => c.emails[0]?.endsWith('@example.com'))).toBe(true);
    expect(data.contacts.some((c) => c.emails[0]?.endsWith('.example'))).toBe(true);
    const emails = data.contacts.flatMap((c) => c.emails);
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).not.toContain(OWNER.email);
  });

  it('restores device options naming the owner', () => {
    expect(data.options[0]).toMatchObject({ name: 'Owner: Name', value: 'Jane Doe' });
    expect(new Set(data.options.map((o) => o.name)).size).toBe(data.options.length);
  });

  it('rejects bad options as INVALID_ARGUMENT', () => {
    const base = { seed: 's', counts: {}, owner: OWNER, now: NOW };
    expectCode(() => generateUserData({ ...base, counts: { journal: 1 } as never }), 'INVALID_ARGUMENT');
    expectCode(() => generateUserData({ ...base, counts: { memos: -1 } }), 'INVALID_ARGUMENT');
    expectCode(() => generateUserData({ ...base, counts: { memos: 1.5 } }), 'INVALID_ARGUMENT');
    expectCode(() => generateUserData({ ...base, owner: { email: 'nobody', displayName: 'X' } }), 'INVALID_ARGUMENT');
    expectCode(() => generateUserData({ ...base, owner: { email: 'a@b', displayName: '' } }), 'INVALID_ARGUMENT');
    expectCode(() => generateUserData({ ...base, now: -1 }), 'INVALID_ARGUMENT');
    expectCode(() => generateUserData({ ...base, seed: 1 as unknown as string }), 'INVALID_ARGUMENT');
  });
});
