/**
 * Where a handset keeps its organizer records: outside the state machine, behind this interface,
 * so that an emulator can put them on disk or in IndexedDB and a fleet of simulated handsets does
 * not carry every calendar in its heap (issue 14). The machine only says what to store
 * (`store-records`, effects as data); the driver does it here, and acknowledges a page only once
 * its `put` has finished.
 *
 * Every method may answer at once or with a promise (an IndexedDB store is asynchronous); the
 * driver waits for a promise before it performs anything else.
 */
import { ActivationError } from '../errors/activation-error.js';
import { SYNC_ORDER, type SyncDatabase } from './databases.js';
import type { SyncRecord } from './records.js';
import type { DeviceSyncStore } from './sync-store.js';
import type { MaybePromise } from '../util/maybe-promise.js';

export type { MaybePromise } from '../util/maybe-promise.js';

/** How {@link RecordStore.put} stores a page beyond replacing by id. */
export interface PutOptions {
  /**
   * Server record id → the id of the device's own record it was merged with (a duplicate found by
   * the initial slow sync): the device record goes, and the server's record takes its place.
   */
  readonly replaces?: Readonly<Record<string, string>>;
}

/**
 * The device's organizer records, by database (docs/records.md, "Record stores").
 *
 * - `put`: stores records into a database. A record replaces the one with its id (in its place),
 *   a new one is appended in the order given; storing the same records again changes nothing (a
 *   retransmitted page). `options.replaces` names device records merged into server records.
 * - `records`: a database's records, in order (a database never stored: none).
 * - `count`: how many records a database holds.
 * - `clear`: erases every database (the wipe).
 */
export interface RecordStore {
  /** Stores records into `database`: replace by id (in place), append the new ones, drop those `options.replaces` names. */
  put(database: SyncDatabase, records: readonly SyncRecord[], options?: PutOptions): MaybePromise<void>;
  /** The records of `database`, in order; none for a database never stored. */
  records(database: SyncDatabase): MaybePromise<readonly SyncRecord[]>;
  /** How many records `database` holds. */
  count(database: SyncDatabase): MaybePromise<number>;
  /** Erases every database (the wipe). */
  clear(): MaybePromise<void>;
}

/**
 * The default store: in memory, compact. Each record is kept as one JSON string (records hold
 * only text, numbers, booleans, lists and maps), not as the object tree it was decoded into,
 * which costs several times more heap; `records` builds the objects again when asked.
 */
export class MemoryRecordStore implements RecordStore {
  /**
   * Per database, record id → the record as JSON, in insertion order (a Map keeps it). Only
   * databases that hold records are here, and the map is made with the first: an empty Map costs
   * a few hundred bytes, and an idle handset whose user has no data would carry eight of them.
   */
  private databases: Map<SyncDatabase, Map<string, string>> | undefined;

  /** A store holding `initial` (e.g. the device's own records before its first activation). */
  constructor(initial: DeviceSyncStore = {}) {
    for (const database of SYNC_ORDER) {
      const records = initial[database];
      if (records && records.length > 0) this.put(database, records);
    }
  }

  /** See {@link RecordStore.put}: answers at once. */
  put(database: SyncDatabase, records: readonly SyncRecord[], options: PutOptions = {}): void {
    const held = this.databases?.get(database) ?? new Map<string, string>();
    const replaces = options.replaces ?? {};
    const merged = new Set(Object.values(replaces));
    // A Map keeps insertion order: a record merged into a server record moves to its place by
    // rebuilding the database around it (rare: only duplicates of the initial slow sync).
    const next = merged.size === 0 ? held : new Map<string, string>();
    if (merged.size > 0) {
      const byDevice = new Map(Object.entries(replaces).map(([server, device]) => [device, server]));
      const incoming = new Map(records.map((r) => [r.id, r]));
      for (const [id, json] of held) {
        const server = byDevice.get(id);
        const record = server === undefined ? undefined : incoming.get(server);
        if (record) next.set(record.id, JSON.stringify(record));
        else if (!merged.has(id)) next.set(id, json);
      }
    }
    for (const record of records) next.set(record.id, JSON.stringify(record));
    if (next.size > 0) (this.databases ??= new Map()).set(database, next);
    else this.databases?.delete(database);
  }

  /** See {@link RecordStore.records}: new objects each time (what the store keeps is its own). */
  records(database: SyncDatabase): readonly SyncRecord[] {
    const held = this.databases?.get(database);
    return held ? [...held.values()].map((json) => JSON.parse(json) as SyncRecord) : [];
  }

  /** See {@link RecordStore.count}. */
  count(database: SyncDatabase): number {
    return this.databases?.get(database)?.size ?? 0;
  }

  /** See {@link RecordStore.clear}. */
  clear(): void {
    this.databases = undefined;
  }
}

/**
 * Every database of `store` with records, read at once when the store answers at once, or as a
 * promise when one of its reads is asynchronous. What the driver gives the machine when an
 * activation starts (the slow sync reconciles the server's records with them).
 */
export function readAllRecords(store: RecordStore): MaybePromise<DeviceSyncStore> {
  const reads = SYNC_ORDER.map((database) => [database, store.records(database)] as const);
  const collect = (pairs: readonly (readonly [SyncDatabase, readonly SyncRecord[]])[]): DeviceSyncStore =>
    Object.fromEntries(pairs.filter(([, records]) => records.length > 0));
  if (reads.every(([, r]) => !(r instanceof Promise))) return collect(reads as [SyncDatabase, readonly SyncRecord[]][]);
  return Promise.all(reads.map(async ([database, r]) => [database, await r] as const)).then(collect, (err: unknown) => {
    throw storeError('read', err);
  });
}

/**
 * A record store's failure as an ActivationError (`INVALID_STATE`, `cause.operation` "record store
 * put", ...): the device cannot keep what it was sent. The store's own message stays out: it may
 * quote a record.
 */
export function storeError(operation: string, err: unknown): ActivationError {
  if (err instanceof ActivationError) return err;
  return new ActivationError('INVALID_STATE', `the record store failed to ${operation}`, { operation: `record store ${operation}` });
}
