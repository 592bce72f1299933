/**
 * `books-ack`, handset -> server: the device registers the service books it stored and, in the
 * same message, asks for synchronization to begin (calendar first). One message rather than two
 * keeps the exchange strictly request/reply, so retransmission stays simple.
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { list, text, uint, type SchemaOf } from '../../codec/schema.js';
import { SYNC_ORDER, type SyncDatabase } from '../../sync/databases.js';

export interface BooksAck {
  /** The books stored, as `CID:UID`. */
  readonly stored: readonly string[];
  /** Whether a [CMIME] book is present, so email is enabled. */
  readonly emailEnabled: boolean;
  /** The synchronization the device asks for: its databases and its page size. */
  readonly sync: { readonly databases: readonly SyncDatabase[]; readonly maxPageRecords: number };
}

const schema = v.strictObject({
  stored: list(text(160, 1), 64),
  emailEnabled: v.boolean(),
  sync: v.strictObject({
    databases: list(v.picklist(SYNC_ORDER), SYNC_ORDER.length),
    maxPageRecords: v.pipe(uint(10_000), v.minValue(1)),
  }),
}) satisfies SchemaOf<BooksAck>;

export function encodeBooksAck(m: BooksAck): Uint8Array {
  return encodeCbor({
    stored: [...m.stored],
    emailEnabled: m.emailEnabled,
    sync: { databases: [...m.sync.databases], maxPageRecords: m.sync.maxPageRecords },
  });
}

export function decodeBooksAck(bytes: Uint8Array): BooksAck {
  return decodeGuarded(schema, bytes, 'books-ack', 16_384);
}
