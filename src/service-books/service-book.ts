/**
 * Service books: the records a BlackBerry Enterprise Server sends after the IT policy, each of
 * which turns on one service (email, calendar, browsing, ...). The record is modelled on Barry's
 * ServiceBook record (NetDirect/barry, src/r_servicebook.h, class ServiceBook): RecType and
 * RecordId (the record's place in the device's Service Book database), Name, HiddenName,
 * Description, DSID, BesDomain, UniqueId, ContentId and Config.
 *
 * Two of Barry's fields keep the names the device shows them under: `cid` is Barry's ContentId
 * (Barry's ChangeLog, 2006/06/16: "content ID (CID)") and `uid` is Barry's UniqueId, a string
 * ("unique ID (UID)"; barry doc/servicebook-notes.txt: the UID of a desktop book is "the SRP of the
 * BES server"). The 32-bit integer is the RecordId, not the UniqueId.
 *
 * Config is Barry's ServiceBookConfig (r_servicebook.h), "a packed field": one Format byte, then
 * variable-length fields, each a type byte, a size byte and that many bytes
 * (src/protostructs.h: ServiceBookConfigField, PackedField_02, PackedField_10). Barry parses
 * formats 0x01, 0x02 and 0x10 (r_servicebook.cc, ServiceBookConfig::ParseField) and names none of
 * the fields (its field table is empty: every field goes to Unknowns); so do we.
 *
 * The `service-books` message carries at most {@link MAX_SERVICE_BOOKS} books, each checked by the
 * strict {@link serviceBookSchema}; its codec is src/wire/messages/service-books.ts.
 */
import * as v from 'valibot';
import { bytes, list, text, uint, type SchemaOf } from '../codec/schema.js';
import { checkArgument } from '../codec/check-argument.js';

/** CIDs this library knows by name (any other upper-case CID is still accepted and stored). */
export const KNOWN_CIDS = ['CMIME', 'CICAL', 'SYNC', 'IPPP', 'ALP', 'BBIM', 'WAP'] as const;
/** One of {@link KNOWN_CIDS}. */
export type KnownCid = (typeof KNOWN_CIDS)[number];

/** The config formats Barry parses (r_servicebook.cc, ServiceBookConfig::ParseField: 0x01 and 0x02 as PackedField_02, 0x10 as PackedField_10). */
export const SERVICE_BOOK_CONFIG_FORMATS = [0x01, 0x02, 0x10] as const;
/** One of {@link SERVICE_BOOK_CONFIG_FORMATS}. */
export type ServiceBookConfigFormat = (typeof SERVICE_BOOK_CONFIG_FORMATS)[number];

/** Config field type of our default [CMIME] book's account address, UTF-8 (ours: Barry names no config field). */
export const CMIME_CONFIG_EMAIL = 0x01;

/** Largest packed config: the format byte plus every field's type byte, size byte and data (4 KiB). */
export const MAX_CONFIG_BYTES = 4096;
/** Largest data of one config field: its size is one byte (protostructs.h, PackedField_10.size). */
export const MAX_CONFIG_FIELD_BYTES = 255;
/** Most books in one service-book message. */
export const MAX_SERVICE_BOOKS = 64;

/** One packed field of a {@link ServiceBookConfig}: Barry's UnknownField (record.h), a type byte and its data. */
export interface ServiceBookConfigField {
  /** The field's type code, 0-255. */
  readonly type: number;
  /** Its data, at most {@link MAX_CONFIG_FIELD_BYTES} bytes. */
  readonly data: Uint8Array;
}

/** Barry's ServiceBookConfig: a format byte and the packed fields, in order. */
export interface ServiceBookConfig {
  /** Barry's `Format`: how the fields are packed. */
  readonly format: ServiceBookConfigFormat;
  /** The packed fields (Barry keeps them all as Unknowns). */
  readonly fields: readonly ServiceBookConfigField[];
}

/** One service book record (Barry's field set, r_servicebook.h). */
export interface ServiceBook {
  /** Barry's ContentId, shown as the CID: the book's type, e.g. "CMIME", "CICAL", "SYNC", "IPPP". Upper-case letters, digits, `_`. */
  readonly cid: string;
  /** Barry's UniqueId, shown as the UID: whose book it is (desktop books: the server's SRP identifier). Books are keyed by (cid, uid). */
  readonly uid: string;
  /** Barry's RecType: the record type byte of the device's Service Book database (Barry's default: 0). */
  readonly recType: number;
  /** Barry's RecordId: the 32-bit id of the record in the device's Service Book database. */
  readonly recordId: number;
  /** Barry's Name: shown name, e.g. "Desktop", "Browserconfig". */
  readonly name: string;
  /** Barry's HiddenName; service-specific. */
  readonly hiddenName: string;
  /** Barry's Description; our default books put one line on what the book is for here. */
  readonly description: string;
  /** Barry's DSID: data source id. */
  readonly dsid: string;
  /** Barry's BesDomain: the BES domain that issued the book. */
  readonly besDomain: string;
  /** Barry's Config: the packed, service-specific configuration. */
  readonly config: ServiceBookConfig;
}

/**
 * Bytes the config takes packed: the format byte, then per field its header and data. The header
 * is a type and a size byte in format 0x10 (PackedField_10), and a code, a size and a type byte in
 * formats 0x01 and 0x02 (PackedField_02).
 */
export function packedConfigSize(config: ServiceBookConfig): number {
  const header = config.format === 0x10 ? 2 : 3;
  return config.fields.reduce((n, field) => n + header + field.data.length, 1);
}

/** Strict schema of a config: a known format, fields of one-byte type and at most 255 bytes, 4 KiB in all. */
export const serviceBookConfigSchema = v.pipe(
  v.strictObject({
    format: v.picklist(SERVICE_BOOK_CONFIG_FORMATS),
    fields: list(v.strictObject({ type: uint(0xff), data: bytes(0, MAX_CONFIG_FIELD_BYTES) }), MAX_CONFIG_BYTES),
  }),
  v.check((config) => packedConfigSize(config) <= MAX_CONFIG_BYTES, `at most ${MAX_CONFIG_BYTES} bytes packed`),
) satisfies SchemaOf<ServiceBookConfig>;

/** Strict schema of one book: unknown fields, wrong types and oversized values are rejected. */
export const serviceBookSchema = v.strictObject({
  cid: v.pipe(text(16, 1), v.regex(/^[A-Z][A-Z0-9_]*$/)),
  uid: text(64, 1),
  recType: uint(0xff),
  recordId: uint(0xffff_ffff),
  name: text(64),
  hiddenName: text(128),
  description: text(256),
  dsid: text(64),
  besDomain: text(253),
  config: serviceBookConfigSchema,
}) satisfies SchemaOf<ServiceBook>;

/** At most {@link MAX_SERVICE_BOOKS} books, no two with the same (cid, uid). */
export const serviceBookListSchema = v.pipe(
  list(serviceBookSchema, MAX_SERVICE_BOOKS),
  v.check((books) => new Set(books.map((b) => `${b.cid}\u0000${b.uid}`)).size === books.length, 'unique (cid, uid)'),
);

/** Checks one book; throws ActivationError('INVALID_ARGUMENT') naming the bad field. */
export function checkServiceBook(book: ServiceBook): ServiceBook {
  return checkArgument(serviceBookSchema, book, 'service book');
}

/**
 * What the handset's Service Book list shows: `${name} [${cid}]`, e.g. "Desktop [CMIME]".
 * Browser configuration books read the way devices show them: "Browserconfig for IPPP".
 * A book with no name shows as just "[CID]".
 */
export function displayName(book: Pick<ServiceBook, 'name' | 'cid'>): string {
  if (book.name === '') return `[${book.cid}]`;
  if (book.name.toLowerCase() === 'browserconfig') return `${book.name} for ${book.cid}`;
  return `${book.name} [${book.cid}]`;
}
