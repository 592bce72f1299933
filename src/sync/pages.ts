/**
 * Sync pages and acknowledgements. The server sends a database as numbered pages; the device
 * acknowledges each page with the ids of the records it stored, and the server sends the next
 * page only after that acknowledgement: one change list in flight per user.
 *
 * Here: what a page and an acknowledgement are, what makes a page consistent, and how a database
 * is split into pages. Their messages (`sync-page`, `sync-ack`) are encoded and decoded in
 * src/wire/messages/sync-page.ts and sync-ack.ts.
 * An empty database is one page (page 0 of 1) with no records, so the device learns total = 0.
 */
import { ActivationError } from '../errors/activation-error.js';
import { checkArgument } from '../codec/check-argument.js';
import { encodeCborView, MAX_FRAME_BYTES } from '../codec/cbor.js';
import { DATABASE_RECORD_KIND, SYNC_ORDER, type SyncDatabase } from './databases.js';
import { type SyncRecord, stripUndefined, syncRecordSchema } from './records.js';

/** Most records in one page. */
export const MAX_PAGE_RECORDS = 1000;
/** Largest encoded page: half a frame, leaving room for sealing and the frame header. */
export const MAX_PAGE_BYTES = MAX_FRAME_BYTES / 2;
/** Most records in one database (so `total` and `pageCount` stay bounded). */
export const MAX_DATABASE_RECORDS = 1_000_000;

/** One page of a database's records, as the server sends it during synchronization. */
export interface SyncPage {
  /** Which database. */
  readonly database: SyncDatabase;
  /** Index of this page, from 0. */
  readonly page: number;
  /** How many pages the database takes. */
  readonly pageCount: number;
  /** Records in the whole database (over all pages). */
  readonly total: number;
  /** The records of this page. */
  readonly records: readonly SyncRecord[];
}

/** The device's acknowledgement of one {@link SyncPage}. */
export interface SyncAck {
  /** Which database. */
  readonly database: SyncDatabase;
  /** Which page. */
  readonly page: number;
  /** Ids of the records the device stored from that page. */
  readonly received: readonly string[];
}

/**
 * The checks no schema expresses: each record's kind is the database's, ids are unique, the page
 * index is below the page count, and the counts agree. Returns a description of the first defect.
 */
export function pageDefect(page: SyncPage): { field: string; reason: string } | undefined {
  const kind = DATABASE_RECORD_KIND[page.database];
  const seen = new Set<string>();
  for (const [i, record] of page.records.entries()) {
    if (record.kind !== kind) return { field: `records.${i}.kind`, reason: `a ${record.kind} record in the ${page.database} database` };
    if (seen.has(record.id)) return { field: `records.${i}.id`, reason: 'duplicate record id' };
    seen.add(record.id);
  }
  if (page.page >= page.pageCount) return { field: 'page', reason: 'page index not below pageCount' };
  if (page.records.length > page.total) return { field: 'total', reason: 'more records than total' };
  if (page.pageCount > Math.max(1, page.total)) return { field: 'pageCount', reason: 'more pages than records' };
  return undefined;
}

/** Throws ActivationError('MALFORMED') unless the page is internally consistent (see {@link pageDefect}). */
export function assertConsistentPage(page: SyncPage, what = 'sync page'): void {
  const defect = pageDefect(page);
  if (defect) {
    throw new ActivationError('MALFORMED', `${what}: invalid field ${defect.field}`, { operation: `decode ${what}`, ...defect });
  }
}

/**
 * A record as the wire carries it: checked against its schema (ActivationError('INVALID_ARGUMENT')
 * naming the field otherwise) and encoded, its `undefined` fields left out. The schema's output,
 * not the record itself, is encoded: it has the schema's field order, which is what
 * `encodeSyncPage` puts on the wire, so a page assembled from these bytes is byte for byte the
 * page `encodeSyncPage` writes.
 */
function encodeRecord(record: SyncRecord, i: number): Uint8Array {
  return encodeCborView(checkArgument(syncRecordSchema, stripUndefined(record), `record ${i}`));
}

/** Options of {@link paginateEncoded}. */
export interface PaginateOptions {
  /**
   * The records are this library's own output, in their wire form already: valid, without
   * `undefined` fields, their fields in the schema's order (the simulator's generated user data,
   * whose tests pin all three). They are encoded as they are, not checked against the schema
   * again; their kinds and ids are still checked. Never for records a caller handed in.
   */
  readonly ownRecords?: boolean;
}

/** Room the page's own fields and array headers take. */
const PAGE_OVERHEAD = 128;

/**
 * A page as {@link paginateEncoded} builds it, with the CBOR of each of its records (in page
 * order): what measured the page also makes its bytes (src/wire/messages/sync-page.ts,
 * `encodePaginatedPage`), so nothing is checked or encoded twice. The bytes are the records as
 * they were when paginated.
 */
export interface PaginatedPage {
  /** The page. */
  readonly page: SyncPage;
  /**
   * Each record's CBOR, as the page carries it: views of the encoder's buffer (`encodeCborView`),
   * to be copied into the page's bytes at once, not kept.
   */
  readonly encodedRecords: readonly Uint8Array[];
}

/**
 * Splits one database's records into pages of at most `pageSize` records, and never more than
 * {@link MAX_PAGE_BYTES} encoded, so every page encodes. The database is the records' (pass
 * `database` for an empty list, which gives one empty page). Throws
 * ActivationError('INVALID_ARGUMENT') for a bad page size, an invalid record, records of another
 * database, or duplicate ids.
 */
export function paginate(records: readonly SyncRecord[], pageSize: number, database?: SyncDatabase): SyncPage[] {
  return paginateEncoded(records, pageSize, database).map((p) => p.page);
}

/** {@link paginate}, each page with its records' encodings ({@link PaginatedPage}). */
export function paginateEncoded(
  records: readonly SyncRecord[],
  pageSize: number,
  database?: SyncDatabase,
  options: PaginateOptions = {},
): PaginatedPage[] {
  const own = options.ownRecords === true;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_RECORDS) {
    throw new ActivationError('INVALID_ARGUMENT', `pageSize must be an integer from 1 to ${MAX_PAGE_RECORDS}`, {
      operation: 'paginate',
      field: 'pageSize',
    });
  }
  if (!Array.isArray(records) || records.length > MAX_DATABASE_RECORDS) {
    throw new ActivationError('INVALID_ARGUMENT', `records must be an array of at most ${MAX_DATABASE_RECORDS}`, {
      operation: 'paginate',
      field: 'records',
    });
  }
  const first = records[0];
  const db = database ?? SYNC_ORDER.find((d) => first !== undefined && DATABASE_RECORD_KIND[d] === first.kind);
  if (db === undefined || !(SYNC_ORDER as readonly string[]).includes(db)) {
    throw new ActivationError('INVALID_ARGUMENT', 'paginate needs the database for an empty list', {
      operation: 'paginate',
      field: 'database',
    });
  }
  const kind = DATABASE_RECORD_KIND[db];
  const ids = new Set<string>();
  const chunks: { records: SyncRecord[]; encoded: Uint8Array[] }[] = [];
  let current: { records: SyncRecord[]; encoded: Uint8Array[] } = { records: [], encoded: [] };
  let bytes = PAGE_OVERHEAD;
  for (const [i, record] of records.entries()) {
    const encoded = own ? encodeCborView(record) : encodeRecord(record, i);
    if (record.kind !== kind) {
      throw new ActivationError('INVALID_ARGUMENT', `record ${i}: a ${record.kind} record is not in the ${db} database`, {
        operation: 'paginate',
        field: `records.${i}.kind`,
      });
    }
    if (ids.has(record.id)) {
      throw new ActivationError('INVALID_ARGUMENT', `record ${i}: duplicate id`, { operation: 'paginate', field: `records.${i}.id` });
    }
    ids.add(record.id);
    // The bytes a record adds to a page, with a little slack for the array header.
    const size = encoded.length + 1;
    const n = current.records.length;
    if (n > 0 && (n === pageSize || bytes + size > MAX_PAGE_BYTES)) {
      chunks.push(current);
      current = { records: [], encoded: [] };
      bytes = PAGE_OVERHEAD;
    }
    current.records.push(record);
    current.encoded.push(encoded);
    bytes += size;
  }
  chunks.push(current);
  return chunks.map((chunk, page) => ({
    page: { database: db, page, pageCount: chunks.length, total: records.length, records: chunk.records },
    encodedRecords: chunk.encoded,
  }));
}
