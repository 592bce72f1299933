/**
 * Service books: the records a BlackBerry Enterprise Server sends after the IT policy, each of
 * which turns on one service (email, calendar, browsing, ...). The record is modelled on the
 * fields the open-source Barry project documents for the ServiceBook database: a CID (the book's
 * type), a UID (whose book it is: for the desktop books, the server's SRP identifier), Name,
 * HiddenName, Description, DSID, BesDomain, UniqueId, ContentId and an opaque Config blob.
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

/** Largest opaque `config` blob (4 KiB). */
export const MAX_CONFIG_BYTES = 4096;
/** Most books in one service-book message. */
export const MAX_SERVICE_BOOKS = 64;

/** One service book record (Barry's field set). */
export interface ServiceBook {
  /** Content id: the book's type, e.g. "CMIME", "CICAL", "SYNC", "IPPP". Upper-case letters, digits, `_`. */
  readonly cid: string;
  /** Whose book it is. For desktop books: the server's SRP identifier. Books are keyed by (cid, uid). */
  readonly uid: string;
  /** Shown name, e.g. "Desktop", "Browserconfig". */
  readonly name: string;
  /** Barry's HiddenName field (see the module comment); service-specific. */
  readonly hiddenName: string;
  /** Barry's Description field; our default books put one line on what the book is for here. */
  readonly description: string;
  /** Data source id. */
  readonly dsid: string;
  /** The BES domain that issued the book. */
  readonly besDomain: string;
  /** A 32-bit record id. */
  readonly uniqueId: number;
  /** Barry's ContentId field; service-specific. */
  readonly contentId: string;
  /** Opaque, service-specific configuration (at most {@link MAX_CONFIG_BYTES}). */
  readonly config: Uint8Array;
}

/** Strict schema of one book: unknown fields, wrong types and oversized values are rejected. */
export const serviceBookSchema = v.strictObject({
  cid: v.pipe(text(16, 1), v.regex(/^[A-Z][A-Z0-9_]*$/)),
  uid: text(64, 1),
  name: text(64),
  hiddenName: text(128),
  description: text(256),
  dsid: text(64),
  besDomain: text(253),
  uniqueId: uint(0xffff_ffff),
  contentId: text(128),
  config: bytes(0, MAX_CONFIG_BYTES),
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
