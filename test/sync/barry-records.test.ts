/**
 * Records have Barry's field sets and value rules (docs/records.md): every field round-trips
 * through the sync-page codec, and what Barry or the device would not keep is refused, as
 * MALFORMED when it arrives and as INVALID_ARGUMENT when a caller hands it in.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { paginate, type SyncPage } from '../../src/sync/pages.js';
import type { CalendarEvent, Contact, EmailSettings, Memo, SyncRecord, Task } from '../../src/sync/records.js';
import { TIME_ZONES, TIME_ZONE_CODES, isTimeZoneCode, timeZoneByCode } from '../../src/sync/time-zones.js';
import { decodeSyncPage, encodeSyncPage } from '../../src/wire/messages/sync-page.js';
import { CONTACT, EVENT, expectCode } from './helpers.js';

const FULL_EVENT: CalendarEvent = {
  ...EVENT,
  recurrence: { type: 'YearlyByDay', interval: 2, until: Date.UTC(2012, 0, 1), dayOfWeek: 3, weekOfMonth: 4, monthOfYear: 2 },
  timeZoneCode: 0x3c,
};

const FULL_CONTACT: Contact = {
  ...CONTACT,
  prefix: 'Dr.',
  nickname: 'Bobby',
  phones: {
    work: '1',
    work2: '2',
    home: '3',
    home2: '4',
    mobile: '5',
    mobile2: '6',
    pager: '7',
    fax: '8',
    homeFax: '9',
    radio: '10',
    other: '11',
  },
  url: 'http://bob.example',
  workAddress: {
    address1: '1 Main Street',
    address2: 'Suite 200',
    address3: 'Tower B',
    city: 'Regina',
    province: 'SK',
    postalCode: 'S4P 3Y2',
    country: 'Canada',
  },
  homeAddress: { address1: '9 Elm Street', city: 'Regina', province: 'SK', postalCode: 'S4P 1A1', country: 'Canada' },
  anniversary: '1995-06-10',
  userDefined: ['one', 'two', 'three', 'four'],
};

const FULL_TASK: Task = {
  kind: 'task',
  id: 'T1',
  summary: 'Approve timesheets',
  notes: 'every Friday',
  categories: ['Business', 'Personal'],
  start: Date.UTC(2009, 1, 27, 9),
  due: Date.UTC(2009, 1, 27, 17),
  alarm: Date.UTC(2009, 1, 27, 16),
  alarmType: 'Relative',
  priority: 'High',
  status: 'InProgress',
  recurrence: { type: 'Weekly', interval: 1, weekDays: 0x20 },
  timeZoneCode: 0x19,
};

const MEMO: Memo = { kind: 'memo', id: 'M1', title: 'Parking', body: 'Level P2', categories: ['Personal'] };

const SETTINGS: EmailSettings = {
  kind: 'email-settings',
  id: 'S1',
  account: 'jane@example.com',
  sendToHandheld: true,
  saveSentMessages: false,
  autoSignature: 'Jane\nSent from my BlackBerry',
  outOfOffice: { text: 'Away', until: Date.UTC(2009, 2, 2) },
  filters: [
    { name: 'Boss', enabled: true, from: ['boss@example.com'], sentTo: [], subject: [], action: 'ForwardWithPriority' },
    { name: 'News', enabled: false, from: [], sentTo: ['list@example.com'], subject: ['newsletter'], action: 'DoNotForward' },
  ],
};

function page(database: SyncPage['database'], records: SyncRecord[]): SyncPage {
  return { database, page: 0, pageCount: 1, total: records.length, records };
}

/** A page built by hand (bypassing the encoder's checks), as a hostile server could send it. */
function rawPage(database: SyncPage['database'], record: unknown): Uint8Array {
  return encodeCbor({ database, page: 0, pageCount: 1, total: 1, records: [record] });
}

describe('Barry-shaped records round-trip through the sync-page codec', () => {
  const cases: [SyncPage['database'], SyncRecord][] = [
    ['calendar', FULL_EVENT],
    ['contacts', FULL_CONTACT],
    ['tasks', FULL_TASK],
    ['memos', MEMO],
    ['emailSettings', SETTINGS],
  ];
  for (const [database, record] of cases) {
    it(`a ${record.kind} record with every field set: encode then decode gives it back`, () => {
      expect(decodeSyncPage(encodeSyncPage(page(database, [record])))).toEqual(page(database, [record]));
    });
  }

  it('every recurrence type with exactly its own day fields round-trips', () => {
    const recurrences = [
      { type: 'Daily', interval: 1 },
      { type: 'Weekly', interval: 1, weekDays: 0x7f },
      { type: 'MonthlyByDate', interval: 3, dayOfMonth: 31 },
      { type: 'MonthlyByDay', interval: 1, dayOfWeek: 0, weekOfMonth: 5 },
      { type: 'YearlyByDate', interval: 1, dayOfMonth: 29, monthOfYear: 2 },
      { type: 'YearlyByDay', interval: 65535, dayOfWeek: 6, weekOfMonth: 1, monthOfYear: 12 },
    ] as const;
    const events = recurrences.map((recurrence, i): CalendarEvent => ({ ...EVENT, id: `E${i}`, recurrence }));
    expect(decodeSyncPage(encodeSyncPage(page('calendar', events)))).toEqual(page('calendar', events));
  });
});

describe('values Barry or the device would not keep are refused', () => {
  const refused: [string, SyncPage['database'], unknown][] = [
    ['a category with a comma (the device splits it in two)', 'memos', { ...MEMO, categories: ['Business, Personal'] }],
    ['a category with a space at either end (the device strips it)', 'memos', { ...MEMO, categories: [' Business'] }],
    ['an empty category', 'tasks', { ...FULL_TASK, categories: [''] }],
    ["a time-zone code not in Barry's table", 'calendar', { ...EVENT, timeZoneCode: 0x05 }],
    ["a task time-zone code not in Barry's table", 'tasks', { ...FULL_TASK, timeZoneCode: 0xffff }],
    ['an IANA zone name instead of a code', 'calendar', { ...EVENT, timeZone: 'America/Regina' }],
    ['a third address', 'contacts', { ...FULL_CONTACT, otherAddress: FULL_CONTACT.homeAddress }],
    ['a list of addresses', 'contacts', { ...CONTACT, addresses: [] }],
    ['a fifth user-defined field', 'contacts', { ...CONTACT, userDefined: ['1', '2', '3', '4', '5'] }],
    ['a contact with neither name nor company', 'contacts', { ...CONTACT, firstName: '', lastName: '', company: '' }],
    ['a weekly recurrence without its days', 'calendar', { ...EVENT, recurrence: { type: 'Weekly', interval: 1 } }],
    [
      'a monthly-by-date recurrence with a day of the week',
      'calendar',
      { ...EVENT, recurrence: { type: 'MonthlyByDate', interval: 1, dayOfMonth: 1, dayOfWeek: 1 } },
    ],
    ['a day of the month of 32', 'calendar', { ...EVENT, recurrence: { type: 'MonthlyByDate', interval: 1, dayOfMonth: 32 } }],
    ['a week of the month of 6', 'calendar', { ...EVENT, recurrence: { type: 'MonthlyByDay', interval: 1, dayOfWeek: 1, weekOfMonth: 6 } }],
    ['no week day in a weekly recurrence mask', 'calendar', { ...EVENT, recurrence: { type: 'Weekly', interval: 1, weekDays: 0 } }],
    ['a week-day mask over seven days', 'calendar', { ...EVENT, recurrence: { type: 'Weekly', interval: 1, weekDays: 0x80 } }],
    ['an interval over 65535', 'calendar', { ...EVENT, recurrence: { type: 'Daily', interval: 65536 } }],
    ['an alarm type without an alarm', 'tasks', { ...FULL_TASK, alarm: undefined }],
    ['an alarm without its type', 'tasks', { ...FULL_TASK, alarmType: undefined }],
    ['an unknown alarm type', 'tasks', { ...FULL_TASK, alarmType: 'Snooze' }],
    ['an unknown filter action', 'emailSettings', { ...SETTINGS, filters: [{ ...SETTINGS.filters[0], action: 'Delete' }] }],
  ];
  for (const [what, database, record] of refused) {
    it(`${what}: MALFORMED when decoded, INVALID_ARGUMENT when encoded or paginated`, () => {
      const defined = JSON.parse(JSON.stringify(record)) as SyncRecord;
      expectCode(() => decodeSyncPage(rawPage(database, defined)), 'MALFORMED');
      expectCode(() => encodeSyncPage(page(database, [defined])), 'INVALID_ARGUMENT');
      expectCode(() => paginate([defined], 10, database), 'INVALID_ARGUMENT');
    });
  }
});

describe("Barry's time-zone table", () => {
  it('holds the 75 codes of barry src/time.cc, with their offsets', () => {
    expect(TIME_ZONES).toHaveLength(75);
    expect(new Set(TIME_ZONES.map((z) => z.code)).size).toBe(75);
    expect(TIME_ZONES.map((z) => z.code)).toEqual([...TIME_ZONE_CODES]);
    expect(timeZoneByCode(0x19)).toEqual({ code: 0x19, offsetMinutes: -360, name: 'Saskatchewan' });
    expect(timeZoneByCode(0x3c)?.offsetMinutes).toBe(-210);
    expect(timeZoneByCode(0xc1)?.offsetMinutes).toBe(345);
    expect(timeZoneByCode(0x12c)?.offsetMinutes).toBe(780);
    expect(isTimeZoneCode(0x05)).toBe(false);
    expect(isTimeZoneCode('25')).toBe(false);
  });
});
