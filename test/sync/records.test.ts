import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMAS, calendarEventSchema, contactSchema, syncRecordSchema } from '../../src/sync/records.js';
import { CONTACT, EVENT } from './helpers.js';

const ok = (schema: v.GenericSchema, value: unknown) => v.safeParse(schema, value).success;

describe('record schemas', () => {
  it('accept well-formed records', () => {
    expect(ok(calendarEventSchema, EVENT)).toBe(true);
    expect(ok(contactSchema, CONTACT)).toBe(true);
    expect(ok(syncRecordSchema, EVENT)).toBe(true);
    expect(ok(syncRecordSchema, { kind: 'memo', id: 'M1', title: 't', body: 'b', categories: [] })).toBe(true);
    expect(ok(syncRecordSchema, { kind: 'option', id: 'O1', name: 'Font Size', value: 8 })).toBe(true);
    expect(ok(syncRecordSchema, { kind: 'option', id: 'O1', name: 'Bluetooth', value: false })).toBe(true);
    expect(
      ok(syncRecordSchema, { kind: 'task', id: 'T1', summary: 's', notes: '', categories: [], priority: 'High', status: 'Waiting' }),
    ).toBe(true);
    expect(
      ok(syncRecordSchema, { kind: 'message', id: 'X', from: 'a@b', to: ['c@d'], subject: 's', body: 'b', receivedAt: 0, read: true }),
    ).toBe(true);
  });

  it('are strict: unknown fields, bad enums, oversized values and bad dates are rejected', () => {
    expect(ok(calendarEventSchema, { ...EVENT, extra: 1 })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, freeBusy: 'Away' })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, class: 'Secret' })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, end: EVENT.start - 1 })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, subject: 'x'.repeat(257) })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, invited: Array(101).fill('a@b') })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, recurrence: { type: 'Weekly', interval: 0 } })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, recurrence: { type: 'Hourly', interval: 1 } })).toBe(false);
    expect(ok(calendarEventSchema, { ...EVENT, id: '' })).toBe(false);
    expect(ok(contactSchema, { ...CONTACT, pin: '2100000a' })).toBe(false);
    expect(ok(contactSchema, { ...CONTACT, birthday: '1970-13-01' })).toBe(false);
    expect(ok(contactSchema, { ...CONTACT, phones: { car: '1' } })).toBe(false);
    expect(ok(syncRecordSchema, { ...CONTACT, kind: 'person' })).toBe(false);
    expect(ok(syncRecordSchema, { kind: 'option', id: 'O', name: 'n', value: Number.POSITIVE_INFINITY })).toBe(false);
  });

  it('have one schema per kind', () => {
    expect(Object.keys(RECORD_SCHEMAS).sort()).toEqual(['calendar', 'contact', 'email-settings', 'memo', 'message', 'option', 'task']);
  });
});
