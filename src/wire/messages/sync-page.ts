/**
 * `sync-page`, server -> handset (sealed under the transport key): one page of a database's
 * records, as the CBOR map `{ database, page, pageCount, total, records: [record, ...] }` (ours;
 * RIM's is not public), `page` counted from 0. What a consistent page is, and how a database is
 * split into pages, is the domain's, in src/sync/pages.ts.
 */
import * as v from 'valibot';
import { ActivationError } from '../../errors/activation-error.js';
import { encodeCbor, encodeCborView } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { checkArgument } from '../../codec/check-argument.js';
import { list, uint, type SchemaOf } from '../../codec/schema.js';
import { SYNC_ORDER } from '../../sync/databases.js';
import {
  MAX_DATABASE_RECORDS,
  MAX_PAGE_BYTES,
  MAX_PAGE_RECORDS,
  assertConsistentPage,
  pageDefect,
  type PaginatedPage,
  type SyncPage,
} from '../../sync/pages.js';
import { stripUndefined, syncRecordSchema } from '../../sync/records.js';

const pageSchema = v.strictObject({
  database: v.picklist(SYNC_ORDER),
  page: uint(MAX_DATABASE_RECORDS),
  pageCount: v.pipe(uint(MAX_DATABASE_RECORDS), v.minValue(1)),
  total: uint(MAX_DATABASE_RECORDS),
  records: list(syncRecordSchema, MAX_PAGE_RECORDS),
}) satisfies SchemaOf<SyncPage>;

/** The page's fields in a fixed order, each record without its `undefined` fields (CBOR has no undefined here). */
function pageToWire(page: SyncPage): Record<string, unknown> {
  return {
    database: page.database,
    page: page.page,
    pageCount: page.pageCount,
    total: page.total,
    records: page.records.map((r) => stripUndefined(r)),
  };
}

/** Encodes a page. An invalid or inconsistent page is ActivationError('INVALID_ARGUMENT'). */
export function encodeSyncPage(page: SyncPage): Uint8Array {
  const wire = checkArgument(pageSchema, pageToWire(page), 'sync page');
  const defect = pageDefect(wire);
  if (defect) {
    throw new ActivationError('INVALID_ARGUMENT', `sync page: invalid field ${defect.field}`, { operation: 'encode sync page', ...defect });
  }
  const out = encodeCbor(wire);
  if (out.length > MAX_PAGE_BYTES) {
    throw new ActivationError('INVALID_ARGUMENT', `sync page: ${out.length} bytes exceeds the limit of ${MAX_PAGE_BYTES}`, {
      operation: 'encode sync page',
      size: out.length,
      limit: MAX_PAGE_BYTES,
    });
  }
  return out;
}

/**
 * Encodes a page that `paginateEncoded` built, from its records' encodings: the bytes
 * {@link encodeSyncPage} gives for it, without checking or encoding the records a second time
 * (paginate checked each against its schema, and built the page consistent and under
 * {@link MAX_PAGE_BYTES}). cbor-x writes the page's fields, as `encodeSyncPage` orders them, and
 * the head of its records array, over as many one-byte placeholders (0) as there are records; the
 * records' own bytes then take the placeholders' place.
 */
export function encodePaginatedPage({ page, encodedRecords }: PaginatedPage): Uint8Array {
  const n = encodedRecords.length;
  const { database, pageCount, total } = page;
  // A view (encodeCborView): its bytes are copied into the page's own array below.
  const head = encodeCborView({ database, page: page.page, pageCount, total, records: new Array<number>(n).fill(0) });
  let at = head.length - n;
  const out = new Uint8Array(encodedRecords.reduce((size, record) => size + record.length, at));
  out.set(head.subarray(0, at));
  for (const record of encodedRecords) {
    out.set(record, at);
    at += record.length;
  }
  return out;
}

/**
 * Decodes a page. Any defect is ActivationError('MALFORMED'): bad CBOR, unknown or missing
 * fields, a record that fails its schema, a record whose kind is not the page database's,
 * duplicate ids, page >= pageCount, or more records than `total`.
 */
export function decodeSyncPage(bytes: Uint8Array): SyncPage {
  const page = decodeGuarded(pageSchema, bytes, 'sync page', MAX_PAGE_BYTES);
  assertConsistentPage(page);
  return page;
}
