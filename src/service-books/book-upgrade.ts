/**
 * Service books as snapshots written before issue 12 stored them, read as they are now. Those
 * books called the RecordId `uniqueId`, carried a `contentId` that repeated the CID, and kept the
 * config as one opaque byte string (our default [CMIME] book: the CBOR map `{ email }`; the other
 * default books: empty). Now: `recordId`, `recType` 0, no `contentId` (the CID is Barry's
 * ContentId), and Barry's packed config (service-book.ts).
 */
import { decodeCbor } from '../codec/cbor.js';
import { utf8ToBytes } from '../util/bytes.js';
import { CMIME_CONFIG_EMAIL, MAX_CONFIG_FIELD_BYTES, type ServiceBookConfig } from './service-book.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The old opaque config as a packed one: `{ email }` as the [CMIME] email field, anything else in fields of type 0 (ours). */
function upgradeConfig(bytes: Uint8Array): ServiceBookConfig {
  if (bytes.length === 0) return { format: 0x10, fields: [] };
  try {
    const value = decodeCbor(bytes, 'old service book config');
    if (isRecord(value) && Object.keys(value).length === 1 && typeof value.email === 'string') {
      return { format: 0x10, fields: [{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes(value.email) }] };
    }
  } catch {
    // not CBOR: kept as it is, below
  }
  const fields = [];
  for (let at = 0; at < bytes.length; at += MAX_CONFIG_FIELD_BYTES)
    fields.push({ type: 0, data: bytes.slice(at, at + MAX_CONFIG_FIELD_BYTES) });
  return { format: 0x10, fields };
}

/** A stored book in the current shape; a book already in it (or not a book at all) is returned as it is, for the schema to judge. */
export function upgradeServiceBook(raw: unknown): unknown {
  if (!isRecord(raw) || !('uniqueId' in raw) || 'recordId' in raw) return raw;
  const { uniqueId, contentId: _contentId, config, ...rest } = raw;
  return { ...rest, recType: 0, recordId: uniqueId, config: config instanceof Uint8Array ? upgradeConfig(config) : config };
}

/** {@link upgradeServiceBook} over a list (anything else is returned as it is). */
export function upgradeServiceBooks(raw: unknown): unknown {
  return Array.isArray(raw) ? raw.map(upgradeServiceBook) : raw;
}
