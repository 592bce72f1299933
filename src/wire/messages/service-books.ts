/**
 * `service-books`, server -> handset (sealed under the transport key): the books that turn the
 * device's services on, as the CBOR map `{ books: [ { cid, uid, recType, recordId, ..., config: { format, fields } }, ... ] }` (our design; RIM's
 * is not public). What a book is and which books are valid is the domain's, in
 * src/service-books/service-book.ts.
 */
import * as v from 'valibot';
import { ActivationError } from '../../errors/activation-error.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { checkArgument } from '../../codec/check-argument.js';
import type { SchemaOf } from '../../codec/schema.js';
import { MAX_SERVICE_BOOKS, serviceBookListSchema, type ServiceBook } from '../../service-books/service-book.js';

/** Largest encoded service-book message: {@link MAX_SERVICE_BOOKS} books of at most ~6 KiB each. */
export const MAX_SERVICE_BOOKS_BYTES = MAX_SERVICE_BOOKS * 6 * 1024;

const messageSchema = v.strictObject({ books: serviceBookListSchema }) satisfies SchemaOf<{ readonly books: ServiceBook[] }>;

/** The config's known fields only (a non-object is passed on for the schema to refuse). */
function configToWire(config: ServiceBook['config']): unknown {
  if (config === null || typeof config !== 'object' || !Array.isArray(config.fields)) return config;
  return {
    format: config.format,
    fields: config.fields.map((f) => (f === null || typeof f !== 'object' ? f : { type: f.type, data: f.data })),
  };
}

/** Only the known fields, in a fixed order (extra properties of the caller's object are not sent). */
function toWire(b: ServiceBook): Record<string, unknown> {
  return {
    cid: b.cid,
    uid: b.uid,
    recType: b.recType,
    recordId: b.recordId,
    name: b.name,
    hiddenName: b.hiddenName,
    description: b.description,
    dsid: b.dsid,
    besDomain: b.besDomain,
    config: configToWire(b.config),
  };
}

/**
 * Encodes a list of books as one service-book message. Throws ActivationError('INVALID_ARGUMENT')
 * for an invalid book, more than {@link MAX_SERVICE_BOOKS}, or two books with the same (cid, uid).
 */
export function encodeServiceBooks(books: readonly ServiceBook[]): Uint8Array {
  if (!Array.isArray(books)) {
    throw new ActivationError('INVALID_ARGUMENT', 'service books must be an array', { operation: 'encode service books' });
  }
  const wire = { books: books.map(toWire) };
  checkArgument(messageSchema, wire, 'service books');
  return encodeCbor(wire);
}

/** Decodes a service-book message; any defect (including duplicate (cid, uid)) is ActivationError('MALFORMED'). */
export function decodeServiceBooks(bytes: Uint8Array): ServiceBook[] {
  return decodeGuarded(messageSchema, bytes, 'service books', MAX_SERVICE_BOOKS_BYTES).books;
}
