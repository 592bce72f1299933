/**
 * Snapshots written before issue 12 still restore: their service books and records are read in
 * the current, Barry-shaped form, and nothing a record can still hold is lost.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { openHandsetSnapshot } from '../../src/handset/snapshot.js';
import { sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { upgradeServiceBook } from '../../src/service-books/book-upgrade.js';
import { CMIME_CONFIG_EMAIL } from '../../src/service-books/server-books.js';
import { serviceBookSchema } from '../../src/service-books/service-book.js';
import { upgradeSyncRecord } from '../../src/sync/record-upgrade.js';
import { syncRecordSchema } from '../../src/sync/records.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { allAlgorithms } from '../support/providers.js';
import { type Rig, createRig, userData } from '../phases/helpers.js';

const OLD_EVENT = {
  kind: 'calendar',
  id: 'E1',
  subject: 'Weekly status meeting',
  notes: '',
  location: 'Boardroom',
  start: Date.UTC(2009, 1, 25, 16), // Wednesday 25 Feb 2009, 10:00 in Regina
  end: Date.UTC(2009, 1, 25, 17),
  allDay: false,
  organizer: 'jane@example.com',
  invited: [],
  acceptedBy: [],
  freeBusy: 'Busy',
  class: 'Public',
  recurrence: { type: 'Weekly', interval: 1 },
  timeZone: 'America/Regina',
};

const OLD_CONTACT = {
  kind: 'contact',
  id: 'C1',
  firstName: 'Bob',
  lastName: 'Smith',
  company: 'Example',
  jobTitle: 'Engineer',
  emails: ['bob@example.com'],
  phones: { work: '+1 306 555 0100' },
  addresses: [
    { label: 'work', street: '1 Main Street', city: 'Regina', province: 'SK', postalCode: 'S4P 3Y2', country: 'Canada' },
    { label: 'other', street: '5 Lake Road', city: 'Moose Jaw', province: 'SK', postalCode: '', country: 'Canada' },
    { label: 'home', street: '9 Elm Street', city: 'Regina', province: 'SK', postalCode: 'S4P 1A1', country: 'Canada' },
  ],
  notes: 'Call after 10 AM.',
  categories: ['Business, Personal', ' VIP '],
};

const OLD_TASK = {
  kind: 'task',
  id: 'T1',
  summary: 'Submit expense report',
  notes: '',
  categories: [],
  due: Date.UTC(2009, 1, 27, 23),
  alarm: Date.UTC(2009, 1, 27, 22),
  priority: 'Normal',
  status: 'NotStarted',
};

const OLD_BOOK = {
  cid: 'CMIME',
  uid: 'S0000001',
  name: 'Desktop',
  hiddenName: 'S0000001 CMIME',
  description: 'Email for jane@example.com',
  dsid: 'S0000001',
  besDomain: 'bes.example.com',
  uniqueId: 0x0badf00d,
  contentId: 'CMIME',
  config: encodeCbor({ email: 'jane@example.com' }),
};

describe('records of the earlier shapes', () => {
  it("a calendar event: the IANA zone becomes Barry's code, the recurrence gets its day from the local start", () => {
    const event = upgradeSyncRecord(OLD_EVENT);
    expect(v.safeParse(syncRecordSchema, event).success).toBe(true);
    expect(event).toMatchObject({ timeZoneCode: 0x19, recurrence: { type: 'Weekly', interval: 1, weekDays: 0x08 } });
    expect(event).not.toHaveProperty('timeZone');
  });

  it('a calendar event in a zone without a code keeps its time and drops the zone; the day comes from that zone', () => {
    const event = upgradeSyncRecord({ ...OLD_EVENT, timeZone: 'Asia/Kathmandu', recurrence: { type: 'MonthlyByDay', interval: 1 } });
    expect(v.safeParse(syncRecordSchema, event).success).toBe(true);
    expect(event).not.toHaveProperty('timeZoneCode');
    // 16:00 UTC is 21:45 the same Wednesday in Kathmandu: the 4th Wednesday of February.
    expect(event).toMatchObject({ start: OLD_EVENT.start, recurrence: { dayOfWeek: 3, weekOfMonth: 4 } });
  });

  it('a contact: work and home addresses move to their fields, any other goes to the notes; categories are split on commas', () => {
    const contact = upgradeSyncRecord(OLD_CONTACT);
    expect(v.safeParse(syncRecordSchema, contact).success).toBe(true);
    expect(contact).toMatchObject({
      workAddress: { address1: '1 Main Street', city: 'Regina', province: 'SK', postalCode: 'S4P 3Y2', country: 'Canada' },
      homeAddress: { address1: '9 Elm Street', city: 'Regina', province: 'SK', postalCode: 'S4P 1A1', country: 'Canada' },
      notes: 'Call after 10 AM.\nother address: 5 Lake Road, Moose Jaw, SK, Canada',
      categories: ['Business', 'Personal', 'VIP'],
    });
    expect(contact).not.toHaveProperty('addresses');
  });

  it('a task: its alarm gets the type Date', () => {
    const task = upgradeSyncRecord(OLD_TASK);
    expect(v.safeParse(syncRecordSchema, task).success).toBe(true);
    expect(task).toMatchObject({ alarm: OLD_TASK.alarm, alarmType: 'Date' });
    expect(upgradeSyncRecord({ ...OLD_TASK, alarm: undefined })).not.toHaveProperty('alarmType');
  });

  it('a record already in the current shape is left as it is', () => {
    const current = upgradeSyncRecord(OLD_CONTACT);
    expect(upgradeSyncRecord(current)).toEqual(current);
  });
});

describe('service books of the earlier shape', () => {
  it("the integer uniqueId becomes the RecordId, contentId goes (the CID is Barry's ContentId), the CBOR config becomes a packed one", () => {
    const book = upgradeServiceBook(OLD_BOOK);
    expect(v.safeParse(serviceBookSchema, book).success).toBe(true);
    expect(book).toEqual({
      cid: 'CMIME',
      uid: 'S0000001',
      recType: 0,
      recordId: 0x0badf00d,
      name: 'Desktop',
      hiddenName: 'S0000001 CMIME',
      description: 'Email for jane@example.com',
      dsid: 'S0000001',
      besDomain: 'bes.example.com',
      config: { format: 0x10, fields: [{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes('jane@example.com') }] },
    });
  });

  it('an empty config has no fields; any other blob is kept in fields of type 0', () => {
    expect(upgradeServiceBook({ ...OLD_BOOK, config: new Uint8Array(0) })).toMatchObject({ config: { format: 0x10, fields: [] } });
    const blob = new Uint8Array(300).fill(7);
    const book = upgradeServiceBook({ ...OLD_BOOK, config: blob }) as { config: { fields: { type: number; data: Uint8Array }[] } };
    expect(book.config.fields.map((f) => [f.type, f.data.length])).toEqual([
      [0, 255],
      [0, 45],
    ]);
  });
});

describe('a handset snapshot holding books and records of the earlier shapes', () => {
  let rig: Rig | undefined;

  it('restores with them in the current shape', async () => {
    rig = createRig({ seed: 'upgrade/handset', data: userData({ calendar: 1, contacts: 1, tasks: 1 }) });
    await rig.activate();
    const state = rig.handset.state;
    if (state.phase !== 'complete') throw new Error(`expected a complete activation, got ${state.phase}`);
    // Layout 3 (before issue 14) held the records in the state; sealed as it was written then.
    const old = {
      ...state,
      version: 3,
      serviceBooks: [OLD_BOOK],
      sync: { ...state.sync, store: { calendar: [OLD_EVENT], contacts: [OLD_CONTACT], tasks: [OLD_TASK] } },
    };
    const key = seededRandom('upgrade key')(32);
    const sealed = sealSnapshot('handset', old, key, allAlgorithms, { random: seededRandom('seal') });
    const { state: restored, records } = openHandsetSnapshot(sealed, key, allAlgorithms);
    expect(restored.phase).toBe('complete');
    expect(restored.serviceBooks?.[0]).toMatchObject({ recordId: 0x0badf00d, config: { format: 0x10 } });
    expect(records.calendar?.[0]).toMatchObject({ timeZoneCode: 0x19 });
    expect(records.contacts?.[0]).toMatchObject({ workAddress: { address1: '1 Main Street' } });
    expect(records.tasks?.[0]).toMatchObject({ alarmType: 'Date' });
    await rig.close();
  });
});
