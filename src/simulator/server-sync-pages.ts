/**
 * The sync pages a server session sends, and their bytes. The records are checked and encoded
 * once, when the synchronization is planned (paginating needs each record's size, and measuring
 * it is encoding it); each page's bytes are then put together from those encodings when it is
 * sent, instead of checking and encoding the page's records a second time (issue 14).
 *
 * The encodings are remembered beside the page objects, not in the session state: the state
 * stays plain data (snapshots store the pages, never their bytes), and a page restored from a
 * snapshot, which has none remembered, goes through the checked encoder and gives the same bytes.
 * A step stays a pure function: the memo only saves work.
 */
import type { SyncDatabase } from '../sync/databases.js';
import { type PaginateOptions, paginateEncoded, type SyncPage } from '../sync/pages.js';
import type { SyncRecord } from '../sync/records.js';
import { encodePaginatedPage, encodeSyncPage } from '../wire/messages/sync-page.js';

/** Each planned page's record encodings, while the page is alive. */
const encodings = new WeakMap<SyncPage, readonly Uint8Array[]>();

/** Paginates one database's records (`paginate`, with `options`), remembering each page's record encodings. */
export function planPages(
  records: readonly SyncRecord[],
  pageSize: number,
  database: SyncDatabase,
  options: PaginateOptions = {},
): SyncPage[] {
  return paginateEncoded(records, pageSize, database, options).map(({ page, encodedRecords }) => {
    encodings.set(page, encodedRecords);
    return page;
  });
}

/** The bytes of a page: from its records' encodings if it was planned here, else checked and encoded. */
export function syncPageBytes(page: SyncPage): Uint8Array {
  const encodedRecords = encodings.get(page);
  return encodedRecords === undefined ? encodeSyncPage(page) : encodePaginatedPage({ page, encodedRecords });
}
