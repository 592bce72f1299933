/**
 * The sync pages a server session sends, and their bytes. The records are checked and encoded
 * once, when the synchronization is planned (paginating needs each record's size, and measuring
 * it is encoding it), and each page's bytes are put together from those encodings there and then,
 * instead of checking and encoding the page's records a second time when it is sent (issue 14).
 * One array per page, not one per record: a record's own array would cost more than many records.
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

/** Each planned page's bytes, while the page is alive (a session lets a page go when it is acknowledged). */
const encodings = new WeakMap<SyncPage, Uint8Array>();

/** Paginates one database's records (`paginate`, with `options`), remembering each page's record encodings. */
export function planPages(
  records: readonly SyncRecord[],
  pageSize: number,
  database: SyncDatabase,
  options: PaginateOptions = {},
): SyncPage[] {
  return paginateEncoded(records, pageSize, database, options).map((paginated) => {
    encodings.set(paginated.page, encodePaginatedPage(paginated));
    return paginated.page;
  });
}

/**
 * The bytes of a page: those made when it was planned here, else (a page restored from a
 * snapshot) checked and encoded. Not a copy: they go only to be sealed, which reads them.
 */
export function syncPageBytes(page: SyncPage): Uint8Array {
  return encodings.get(page) ?? encodeSyncPage(page);
}
