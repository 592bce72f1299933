/** `sync-done`, server -> handset: synchronization is over; what was sent and what was skipped, and why. */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { list, text, uint, type SchemaOf } from '../../codec/schema.js';
import { SYNC_ORDER, type SyncDatabase } from '../../sync/databases.js';

/** What `sync-done` carries: how many records of each database were sent, and which databases were skipped, and why. */
export interface SyncDone {
  /** The databases sent, with their record counts. */
  readonly synchronized: readonly { readonly database: SyncDatabase; readonly records: number }[];
  /** The databases not sent, with the reason (a skip reason of the sync plan). */
  readonly skipped: readonly { readonly database: SyncDatabase; readonly reason: string }[];
}

const database = v.picklist(SYNC_ORDER);
const schema = v.strictObject({
  synchronized: list(v.strictObject({ database, records: uint(1_000_000) }), SYNC_ORDER.length),
  skipped: list(v.strictObject({ database, reason: text(128) }), SYNC_ORDER.length),
}) satisfies SchemaOf<SyncDone>;

export function encodeSyncDone(m: SyncDone): Uint8Array {
  return encodeCbor({
    synchronized: m.synchronized.map((s) => ({ database: s.database, records: s.records })),
    skipped: m.skipped.map((s) => ({ database: s.database, reason: s.reason })),
  });
}

export function decodeSyncDone(bytes: Uint8Array): SyncDone {
  return decodeGuarded(schema, bytes, 'sync-done', 4096);
}
