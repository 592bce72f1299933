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
import { toBase64Url } from '../util/base64url.js';

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

/**
 * The device's own records in a store: per database, the ids of records that the device held
 * before the initial synchronization and that no record from the server has matched (yet).
 */
export type LocalRecordIds = Readonly<Partial<Record<SyncDatabase, readonly string[]>>>;

/** The result of {@link reconcilePage}: the new store, the local ids left, the acknowledgement, and what was merged. */
export interface ReconcileResult extends ApplyPageResult {
  /** The device's own records not matched by any record from the server so far. */
  readonly local: LocalRecordIds;
  /** Device records that had the same contents as a server record under another id: merged into it. */
  readonly duplicates: number;
  /** Device records with a server record's id and other contents: the server's version replaced them. */
  readonly conflicts: number;
}

/** A record's contents without its id, in a form that does not depend on the order of its fields. */
function contents(record: SyncRecord): string {
  const { id: _id, ...rest } = record;
  return JSON.stringify(rest, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/**
 * The initial synchronization as a reconciliation (a slow sync) of the server's records with what
 * the device already holds: BlackBerry's initial wireless synchronization "resolves conflicting or
 * duplicate entries to prevent data loss" (docs/synchronization.md, "Slow sync", with its source).
 * Each record of `page`:
 *
 * - with the id of a record on the device: replaces it (a conflict when the contents differ: the
 *   data on the computer takes precedence over the data on the device, RIM's documented rule);
 * - else with the same contents as one of the device's own records (`local`): a duplicate, merged
 *   into one record under the server's id, in the device record's place;
 * - else: added.
 *
 * Every device record that no server record matches stays: nothing is lost. Like
 * {@link applyPage}, a page applied twice changes nothing the second time. Neither argument is
 * modified.
 */
export function reconcilePage(store: DeviceSyncStore, local: LocalRecordIds, page: SyncPage): ReconcileResult {
  assertConsistentPage(page);
  const database = page.database;
  const next = [...(store[database] ?? [])];
  const position = new Map<string, number>();
  next.forEach((record, i) => position.set(record.id, i));
  const own = new Set(local[database] ?? []);
  let duplicates = 0;
  let conflicts = 0;
  for (const record of page.records) {
    const at = position.get(record.id);
    const held = at === undefined ? undefined : next[at];
    if (at !== undefined && held !== undefined) {
      if (own.has(record.id) && contents(held) !== contents(record)) conflicts += 1;
      own.delete(record.id);
      next[at] = record;
      continue;
    }
    const wanted = contents(record);
    const twin = next.findIndex((r) => own.has(r.id) && contents(r) === wanted);
    const merged = next[twin];
    if (merged !== undefined) {
      duplicates += 1;
      own.delete(merged.id);
      position.delete(merged.id);
      next[twin] = record;
      position.set(record.id, twin);
      continue;
    }
    position.set(record.id, next.length);
    next.push(record);
  }
  return {
    store: { ...store, [database]: next },
    local: { ...local, [database]: [...own] },
    ack: { database, page: page.page, received: page.records.map((r) => r.id) },
    duplicates,
    conflicts,
  };
}

/** The ids of every record in `store`: the device's own records, before the initial synchronization. */
export function localIds(store: DeviceSyncStore): LocalRecordIds {
  const out: Partial<Record<SyncDatabase, readonly string[]>> = {};
  for (const [database, records] of Object.entries(store) as [SyncDatabase, readonly SyncRecord[] | undefined][]) {
    if (records && records.length > 0) out[database] = records.map((r) => r.id);
  }
  return out;
}

/** Records from the server stored for a database: every record but the device's own unmatched ones. */
export function receivedCount(store: DeviceSyncStore, local: LocalRecordIds, database: SyncDatabase): number {
  return recordCount(store, database) - (local[database]?.length ?? 0);
}

/**
 * `store` merged with `more`: every record of both, one per id (`store`'s where both have one).
 * What the device holds when a new activation starts: its own records and those of the last one.
 */
export function mergeStores(store: DeviceSyncStore, more: DeviceSyncStore): DeviceSyncStore {
  const out: Partial<Record<SyncDatabase, readonly SyncRecord[]>> = { ...more };
  for (const [database, records] of Object.entries(store) as [SyncDatabase, readonly SyncRecord[] | undefined][]) {
    if (!records) continue;
    const ids = new Set(records.map((r) => r.id));
    out[database] = [...records, ...(more[database] ?? []).filter((r) => !ids.has(r.id))];
  }
  return out;
}

/**
 * The device's own records the slow sync has not matched yet, as the handset's state keeps them
 * while it synchronizes (the records themselves are in its record store): per database, id →
 * a digest of the record's contents (`contentsDigest`), enough to tell a duplicate and a
 * conflict without holding the record.
 */
export type RecordDigests = Readonly<Partial<Record<SyncDatabase, Readonly<Record<string, string>>>>>;

/**
 * 16 bytes of SHA-256 over a record's contents without its id (in a form that does not depend on
 * the order of its fields), base64url: two records with the same contents have the same digest,
 * and two that differ collide with a chance no device will meet.
 */
export function contentsDigest(record: SyncRecord, sha256: (message: Uint8Array) => Uint8Array): string {
  return toBase64Url(sha256(new TextEncoder().encode(contents(record))).subarray(0, 16));
}

/** The digests of every record in `store`: the device's own records, when an activation starts. */
export function recordDigests(store: DeviceSyncStore, digest: (record: SyncRecord) => string): RecordDigests {
  const out: Partial<Record<SyncDatabase, Record<string, string>>> = {};
  for (const [database, records] of Object.entries(store) as [SyncDatabase, readonly SyncRecord[] | undefined][]) {
    if (records && records.length > 0) out[database] = Object.fromEntries(records.map((r) => [r.id, digest(r)]));
  }
  return out;
}

/** The result of {@link reconcileDigests}: what to store, what is left of the device's own records, the acknowledgement. */
export interface DigestReconcileResult {
  /** The device's own records not matched by any record from the server so far. */
  readonly local: RecordDigests;
  /** Server record id → the device record it was merged with (a duplicate): for the record store's `put`. */
  readonly replaces: Readonly<Record<string, string>>;
  readonly ack: SyncAck;
  /** Device records that had the same contents as a server record under another id. */
  readonly duplicates: number;
  /** Device records with a server record's id and other contents: the server's version replaced them. */
  readonly conflicts: number;
}

/**
 * {@link reconcilePage}'s rule, decided on digests instead of records, so that the records can stay
 * in a record store: each record of `page` with the id of one of the device's own records replaces
 * it (a conflict when the contents differ), else one with the same contents as one of them is
 * merged into it (`replaces`), else it is added. The store's `put` (replace by id) does the rest.
 */
export function reconcileDigests(local: RecordDigests, page: SyncPage, digest: (record: SyncRecord) => string): DigestReconcileResult {
  assertConsistentPage(page);
  const database = page.database;
  const own = new Map(Object.entries(local[database] ?? {}));
  const replaces: Record<string, string> = {};
  let duplicates = 0;
  let conflicts = 0;
  for (const record of page.records) {
    // Once no device record is left to match (always, on a device that held none), a record's
    // digest decides nothing: it is not computed (issue 14: a SHA-256 and a JSON form per record).
    if (own.size === 0) continue;
    const wanted = digest(record);
    const held = own.get(record.id);
    if (held !== undefined) {
      if (held !== wanted) conflicts += 1;
      own.delete(record.id);
      continue;
    }
    // The first device record in the map's order with these contents, without copying the map.
    let twin: string | undefined;
    for (const [id, d] of own) {
      if (d === wanted) {
        twin = id;
        break;
      }
    }
    if (twin !== undefined) {
      duplicates += 1;
      own.delete(twin);
      replaces[record.id] = twin;
    }
  }
  const { [database]: _was, ...others } = local;
  return {
    local: own.size > 0 ? { ...others, [database]: Object.fromEntries(own) } : others,
    replaces,
    ack: { database, page: page.page, received: page.records.map((r) => r.id) },
    duplicates,
    conflicts,
  };
}
