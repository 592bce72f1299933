import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { SYNC_ORDER } from '../../src/sync/databases.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { RECORD_SCHEMAS, WEEK_DAY_BITS, syncRecordSchema } from '../../src/sync/records.js';
import { timeZoneByCode } from '../../src/sync/time-zones.js';
import { NOW, OWNER, expectCode } from '../sync/helpers.js';

const COUNTS = { calendar: 60, contacts: 50, tasks: 30, memos: 20, emailSettings: 3, messages: 100, options: 30 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** UTC offsets in hours of the zones the generator uses, by their code in Barry's time-zone table. */
const OFFSETS: Record<number, number> = {
  0x19: -6, // Saskatchewan (America/Regina)
  0x0f: -7, // Arizona (America/Phoenix)
  0x02: -10, // Hawaii (Pacific/Honolulu)
  0xd7: 8, // Kuala Lumpur, Singapore
  0xeb: 9, // Osaka, Sapporo, Tokyo
  0x104: 10, // Brisbane
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
      counts: { calendar: 400, contacts: 300, tasks: 300, memos: 300, emailSettings: 40, messages: 800, options: 60 },
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
      expect(event.timeZoneCode !== undefined && event.timeZoneCode in OFFSETS).toBe(true);
      expect(timeZoneByCode(event.timeZoneCode ?? -1)?.offsetMinutes).toBe((OFFSETS[event.timeZoneCode ?? -1] ?? NaN) * 60);
      const local = new Date(event.start + (OFFSETS[event.timeZoneCode ?? -1] ?? 0) * HOUR);
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

  it("anchors each recurrence on its event's local start, with the day fields Barry's RecurBase sets for its type", () => {
    const recurring = data.calendar.filter((e) => e.recurrence !== undefined);
    expect(new Set(recurring.map((e) => e.recurrence?.type)).size).toBeGreaterThan(2);
    for (const event of recurring) {
      const local = new Date(event.start + (OFFSETS[event.timeZoneCode ?? -1] ?? 0) * HOUR);
      const r = event.recurrence!;
      if (r.type === 'Weekly') expect(r.weekDays).toBe(Object.values(WEEK_DAY_BITS)[local.getUTCDay()]);
      if (r.type === 'MonthlyByDate' || r.type === 'YearlyByDate') expect(r.dayOfMonth).toBe(local.getUTCDate());
      if (r.type === 'YearlyByDate') expect(r.monthOfYear).toBe(local.getUTCMonth() + 1);
      if (r.type === 'MonthlyByDay') expect([r.dayOfWeek, r.weekOfMonth]).toEqual([local.getUTCDay(), Math.ceil(local.getUTCDate() / 7)]);
    }
  });

  it('gives contacts a work address and some a home address, tasks alarms with a type and routine tasks a recurrence', () => {
    expect(data.contacts.every((c) => c.workAddress !== undefined)).toBe(true);
    expect(data.contacts.some((c) => c.homeAddress !== undefined)).toBe(true);
    for (const task of data.tasks) expect(task.alarmType === undefined).toBe(task.alarm === undefined);
    expect(data.tasks.some((t) => t.alarmType === 'Date')).toBe(true);
    expect(data.tasks.every((t) => t.timeZoneCode !== undefined && t.timeZoneCode in OFFSETS)).toBe(true);
    const big = generateUserData({ seed: 'routine', counts: { tasks: 200 }, owner: OWNER, now: NOW });
    expect(big.tasks.filter((t) => t.recurrence !== undefined).map((t) => t.summary)).toContain('Submit expense report');
  });

  it("gives one email settings record per account: the owner's address, then aliases", () => {
    expect(data.emailSettings.map((s) => s.account)).toEqual([OWNER.email, 'jane.doe+2@example.com', 'jane.doe+3@example.com']);
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
