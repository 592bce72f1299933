import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { SYNC_ORDER, type SyncDatabase } from '../../src/sync/databases.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { MAX_PAGE_BYTES, paginate, type SyncPage } from '../../src/sync/pages.js';
import { decodeSyncAck, encodeSyncAck } from '../../src/wire/messages/sync-ack.js';
import { decodeSyncPage, encodeSyncPage } from '../../src/wire/messages/sync-page.js';
import type { EmailMessage, Memo, SyncRecord } from '../../src/sync/records.js';
import { applyPage, emptySyncStore, recordCount, type DeviceSyncStore } from '../../src/sync/sync-store.js';
import { CONTACT, EVENT, NOW, OWNER, expectCode } from './helpers.js';

const DATA = generateUserData({
  seed: 'pages.test',
  counts: { calendar: 23, contacts: 17, tasks: 9, memos: 5, messages: 31, options: 12 },
  owner: OWNER,
  now: NOW,
});

function memo(id: string): Memo {
  return { kind: 'memo', id, title: `Memo ${id}`, body: '', categories: [] };
}

/** Re-encodes a page's decoded map with one change, bypassing the encoder's checks. */
function tampered(page: SyncPage, change: (wire: Record<string, unknown>) => void): Uint8Array {
  const wire = decodeCbor(encodeSyncPage(page), 'test') as Record<string, unknown>;
  change(wire);
  return encodeCbor(wire);
}

describe('paginate', () => {
  it('splits a database into numbered pages that carry the total', () => {
    const pages = paginate(DATA.calendar, 10);
    expect(pages.map((p) => p.records.length)).toEqual([10, 10, 3]);
    expect(pages.map((p) => p.page)).toEqual([0, 1, 2]);
    for (const p of pages) {
      expect(p.database).toBe('calendar');
      expect(p.pageCount).toBe(3);
      expect(p.total).toBe(23);
    }
    expect(pages.flatMap((p) => p.records)).toEqual(DATA.calendar);
  });

  it('gives one empty page for an empty database', () => {
    expect(paginate([], 50, 'memos')).toEqual([{ database: 'memos', page: 0, pageCount: 1, total: 0, records: [] }]);
    expectCode(() => paginate([], 50), 'INVALID_ARGUMENT');
  });

  it('keeps every page under the byte limit', () => {
    const big: EmailMessage[] = Array.from({ length: 60 }, (_, i) => ({
      kind: 'message',
      id: `M${i}`,
      from: 'a@example.com',
      to: ['jane@example.com'],
      subject: 'big',
      body: '\u20ac'.repeat(16_384),
      receivedAt: NOW - i,
      read: false,
    }));
    const pages = paginate(big, 1000);
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) expect(encodeSyncPage(p).length).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    expect(pages.flatMap((p) => p.records)).toEqual(big);
  });

  it('rejects bad page sizes, mixed databases, duplicate ids and invalid records', () => {
    for (const size of [0, -1, 1.5, 1001]) expectCode(() => paginate(DATA.memos, size), 'INVALID_ARGUMENT');
    expectCode(() => paginate([memo('a'), CONTACT], 10), 'INVALID_ARGUMENT');
    expectCode(() => paginate([memo('a'), memo('a')], 10), 'INVALID_ARGUMENT');
    expectCode(() => paginate([memo('a')], 10, 'contacts'), 'INVALID_ARGUMENT');
    expectCode(() => paginate([{ ...memo('a'), title: 'x'.repeat(300) }], 10), 'INVALID_ARGUMENT');
  });
});

describe('page and ack encoding', () => {
  it('round-trips every page of every database', () => {
    for (const database of SYNC_ORDER) {
      for (const page of paginate(DATA[database], 7, database)) {
        expect(decodeSyncPage(encodeSyncPage(page))).toEqual(page);
      }
    }
  });

  it('round-trips acks', () => {
    const ack = { database: 'contacts' as const, page: 3, received: ['A', 'B', 'C'] };
    expect(decodeSyncAck(encodeSyncAck(ack))).toEqual(ack);
    expect(decodeSyncAck(encodeSyncAck({ database: 'memos', page: 0, received: [] }))).toEqual({
      database: 'memos',
      page: 0,
      received: [],
    });
  });

  it('omits absent optional fields on the wire', () => {
    const [page] = paginate([{ ...EVENT, notificationTime: undefined, recurrence: undefined }], 1);
    const wire = decodeCbor(encodeSyncPage(page as SyncPage), 'test') as { records: Record<string, unknown>[] };
    expect(Object.keys(wire.records[0] ?? {})).not.toContain('recurrence');
    expect(Object.keys(wire.records[0] ?? {})).not.toContain('notificationTime');
  });

  it('treats a record whose kind does not match the page database as MALFORMED', () => {
    const page: SyncPage = { database: 'calendar', page: 0, pageCount: 1, total: 1, records: [EVENT] };
    const bytes = tampered(page, (wire) => {
      wire.database = 'contacts';
    });
    const err = expectCode(() => decodeSyncPage(bytes), 'MALFORMED');
    expect(err.cause?.field).toBe('records.0.kind');
    expectCode(() => encodeSyncPage({ ...page, database: 'contacts' }), 'INVALID_ARGUMENT');
  });

  it('rejects other defects as MALFORMED', () => {
    const page: SyncPage = { database: 'memos', page: 0, pageCount: 2, total: 3, records: [memo('a'), memo('b')] };
    const defects: ((wire: Record<string, unknown>) => void)[] = [
      (w) => (w.extra = 1),
      (w) => delete w.total,
      (w) => (w.database = 'journal'),
      (w) => (w.page = 2),
      (w) => (w.page = -1),
      (w) => (w.pageCount = 0),
      (w) => (w.total = 1),
      (w) => (w.pageCount = 4),
      (w) => (w.records = [memo('a'), memo('a')]),
      (w) => (w.records = [{ ...memo('a'), colour: 'red' }]),
      (w) => (w.records = [{ ...memo('a'), kind: undefined }]),
      (w) => (w.records = 'none'),
    ];
    for (const defect of defects) expectCode(() => decodeSyncPage(tampered(page, defect)), 'MALFORMED');
    expectCode(() => decodeSyncPage(new Uint8Array()), 'MALFORMED');
    expectCode(() => decodeSyncPage(encodeSyncPage(page).slice(0, 20)), 'MALFORMED');
    expectCode(() => decodeSyncAck(encodeCbor({ database: 'memos', page: 0, received: [''] })), 'MALFORMED');
    expectCode(() => decodeSyncAck(encodeCbor({ database: 'memos', page: 0, received: [], extra: true })), 'MALFORMED');
  });
});

describe('applyPage', () => {
  it('stores records and acknowledges their ids', () => {
    const [page] = paginate(DATA.tasks, 100);
    const { store, ack } = applyPage(emptySyncStore(), page as SyncPage);
    expect(store.tasks).toEqual(DATA.tasks);
    expect(ack).toEqual({ database: 'tasks', page: 0, received: DATA.tasks.map((t) => t.id) });
  });

  it('is idempotent: the same page twice does not duplicate records', () => {
    const pages = paginate(DATA.contacts, 5);
    let store: DeviceSyncStore = emptySyncStore();
    for (const page of pages) store = applyPage(store, page).store;
    const again = applyPage(store, pages[1] as SyncPage);
    expect(again.store).toEqual(store);
    expect(recordCount(again.store, 'contacts')).toBe(17);
    expect(again.ack.received).toEqual(pages[1]?.records.map((r) => r.id));
  });

  it('replaces a record sent again with new contents, in place', () => {
    const first = applyPage(emptySyncStore(), { database: 'memos', page: 0, pageCount: 1, total: 2, records: [memo('a'), memo('b')] });
    const edited = { ...memo('a'), title: 'Edited' };
    const second = applyPage(first.store, { database: 'memos', page: 0, pageCount: 1, total: 2, records: [edited] });
    expect(second.store.memos).toEqual([edited, memo('b')]);
  });

  it('never modifies the store it is given', () => {
    const before = applyPage(emptySyncStore(), { database: 'memos', page: 0, pageCount: 1, total: 1, records: [memo('a')] }).store;
    const snapshot = structuredClone(before);
    applyPage(before, { database: 'memos', page: 0, pageCount: 1, total: 1, records: [memo('b')] });
    applyPage(before, paginate(DATA.calendar, 50)[0] as SyncPage);
    expect(before).toEqual(snapshot);
  });

  it('refuses an inconsistent page as MALFORMED', () => {
    expectCode(
      () => applyPage(emptySyncStore(), { database: 'calendar', page: 0, pageCount: 1, total: 1, records: [CONTACT] }),
      'MALFORMED',
    );
  });

  it('property: any delivery order with repeats ends with every record exactly once', () => {
    const all: [SyncDatabase, SyncRecord[]][] = SYNC_ORDER.map((d) => [d, DATA[d]]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.nat(), { minLength: 0, maxLength: 40 }), (pageSize, repeats) => {
        const pages = all.flatMap(([database, records]) => paginate(records, pageSize, database));
        const deliveries = [...pages, ...repeats.map((i) => pages[i % pages.length] as SyncPage)];
        let store: DeviceSyncStore = emptySyncStore();
        for (const page of deliveries) {
          const decoded = decodeSyncPage(encodeSyncPage(page));
          const result = applyPage(store, decoded);
          expect(decodeSyncAck(encodeSyncAck(result.ack)).received).toEqual(page.records.map((r) => r.id));
          store = result.store;
        }
        for (const [database, records] of all) expect(store[database]).toEqual(records);
      }),
      { numRuns: 40 },
    );
  });
});
