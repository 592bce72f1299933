/**
 * `sync-ack`, handset -> server (sealed under the transport key): the device acknowledges one
 * sync page with the ids of the records it stored, as the CBOR map
 * `{ database, page, received: [id, ...] }` (ours; RIM's is not public). The server sends the next
 * page only after it (src/sync/pages.ts).
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { checkArgument } from '../../codec/check-argument.js';
import { list, text, uint, type SchemaOf } from '../../codec/schema.js';
import { SYNC_ORDER } from '../../sync/databases.js';
import { MAX_DATABASE_RECORDS, MAX_PAGE_RECORDS, type SyncAck } from '../../sync/pages.js';
import { MAX_RECORD_ID } from '../../sync/records.js';

/** Largest encoded acknowledgement accepted: {@link MAX_PAGE_RECORDS} ids of at most {@link MAX_RECORD_ID} characters fit. */
const MAX_SYNC_ACK_BYTES = 256 * 1024;

const ackSchema = v.strictObject({
  database: v.picklist(SYNC_ORDER),
  page: uint(MAX_DATABASE_RECORDS),
  received: list(text(MAX_RECORD_ID, 1), MAX_PAGE_RECORDS),
}) satisfies SchemaOf<SyncAck>;

/** Encodes an acknowledgement; an invalid one is ActivationError('INVALID_ARGUMENT'). */
export function encodeSyncAck(ack: SyncAck): Uint8Array {
  const wire = checkArgument(ackSchema, { database: ack.database, page: ack.page, received: [...ack.received] }, 'sync ack');
  return encodeCbor(wire);
}

/** Decodes an acknowledgement; any defect is ActivationError('MALFORMED'). */
export function decodeSyncAck(bytes: Uint8Array): SyncAck {
  return decodeGuarded(ackSchema, bytes, 'sync ack', MAX_SYNC_ACK_BYTES);
}
