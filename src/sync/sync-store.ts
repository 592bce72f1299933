/**
 * The device's side of synchronization, as pure functions over plain data: a store is a map from
 * database to its records, and applying a page returns a new store plus the acknowledgement to
 * send. Records are keyed by id, so a page received twice (a retransmission after a lost ack)
 * changes nothing the second time, and a record sent again with new contents replaces the old one
 * in place.
 */
import type { SyncDatabase } from './databases.js';
import { assertConsistentPage, type SyncAck, type SyncPage } from './pages.js';
import type { SyncRecord } from './records.js';

/** The device's synchronized databases; a database not yet received may be absent. */
export type DeviceSyncStore = Readonly<Partial<Record<SyncDatabase, readonly SyncRecord[]>>>;

export interface ApplyPageResult {
  readonly store: DeviceSyncStore;
  readonly ack: SyncAck;
}

/** An empty store. */
export function emptySyncStore(): DeviceSyncStore {
  return {};
}

/**
 * Stores a page's records into their database (existing ids are replaced in place, new ones
 * appended in page order) and returns the new store and the acknowledgement listing the ids
 * stored. Neither argument is modified. Throws ActivationError('MALFORMED') for an inconsistent
 * page (a record of another kind, duplicate ids, ...), which {@link decodeSyncPage} already refuses.
 */
export function applyPage(store: DeviceSyncStore, page: SyncPage): ApplyPageResult {
  assertConsistentPage(page);
  const existing = store[page.database] ?? [];
  const position = new Map<string, number>();
  existing.forEach((record, i) => position.set(record.id, i));
  const next = [...existing];
  for (const record of page.records) {
    const at = position.get(record.id);
    if (at === undefined) {
      position.set(record.id, next.length);
      next.push(record);
    } else {
      next[at] = record;
    }
  }
  return {
    store: { ...store, [page.database]: next },
    ack: { database: page.database, page: page.page, received: page.records.map((r) => r.id) },
  };
}

/** Number of records stored for a database. */
export function recordCount(store: DeviceSyncStore, database: SyncDatabase): number {
  return store[database]?.length ?? 0;
}
