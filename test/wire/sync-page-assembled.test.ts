import { describe, expect, it } from 'vitest';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { SYNC_ORDER } from '../../src/sync/databases.js';
import { paginateEncoded } from '../../src/sync/pages.js';
import type { Memo, SyncRecord } from '../../src/sync/records.js';
import { encodePaginatedPage, encodeSyncPage } from '../../src/wire/messages/sync-page.js';
import { CONTACT, EVENT, NOW, OWNER } from '../sync/helpers.js';

// The simulator sends pages assembled from the encodings paginate made (issue 14): they must be
// the bytes the checked encoder writes, whatever the page's length, field order or undefined fields.
function expectSameBytes(records: readonly SyncRecord[], pageSize: number, database: (typeof SYNC_ORDER)[number]): void {
  for (const paginated of paginateEncoded(records, pageSize, database)) {
    expect(encodePaginatedPage(paginated)).toEqual(encodeSyncPage(paginated.page));
  }
}

/** A memo whose fields are in the reverse of the schema's order. */
function reversedMemo(id: string): Memo {
  return { categories: [], body: `body ${id}`, title: `Memo ${id}`, id, kind: 'memo' };
}

describe('a page assembled from its records encodings', () => {
  it('is byte for byte the checked encoding, for every database of a generated data set', () => {
    const data = generateUserData({
      seed: 'assembled',
      counts: { calendar: 30, contacts: 30, tasks: 12, memos: 6, emailSettings: 2, messages: 30, options: 10 },
      owner: OWNER,
      now: NOW,
    });
    for (const database of SYNC_ORDER) for (const size of [1, 7, 1000]) expectSameBytes(data[database], size, database);
  });

  it('is the checked encoding at every width of the records array head (0, 23, 24, 255, 256, 1000 records)', () => {
    for (const n of [0, 23, 24, 255, 256, 1000]) {
      const memos = Array.from({ length: n }, (_, i) => reversedMemo(`M${i}`));
      const [page] = paginateEncoded(memos, 1000, 'memos');
      expect(page!.page.records).toHaveLength(n);
      expect(encodePaginatedPage(page!)).toEqual(encodeSyncPage(page!.page));
    }
  });

  it('puts record fields in the schema order and leaves undefined fields out, as the checked encoder does', () => {
    expectSameBytes([reversedMemo('a'), reversedMemo('b')], 10, 'memos');
    expectSameBytes([{ ...EVENT, notificationTime: undefined, recurrence: undefined }], 10, 'calendar');
    expectSameBytes([{ ...CONTACT, homeAddress: undefined }], 10, 'contacts');
  });
});
