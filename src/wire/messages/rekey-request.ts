/**
 * `rekey-request`, handset -> server, sealed under the current transport key: the user chose
 * "Regenerate Encryption Key" (docs/lifecycle.md, "Key rollover"). The plaintext is the empty
 * CBOR map `{}`; the server answers with a `rekey-offer`.
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import type { SchemaOf } from '../../codec/schema.js';
import { MAX_REKEY_BYTES } from './rekey-offer.js';

/** `rekey-request`: nothing but the request itself. */
export type RekeyRequest = Record<string, never>;

// A plain map only: the strict decoder still builds objects from some tags (tag 27 makes an
// Error, whose fields are not enumerable), and an empty strictObject would take one for `{}`.
const plainMap = v.custom<Record<string, unknown>>(
  (x) => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype,
  'a plain map',
);
const schema = v.pipe(plainMap, v.strictObject({})) satisfies SchemaOf<RekeyRequest>;

export function encodeRekeyRequest(): Uint8Array {
  return encodeCbor({});
}

/** Decodes a `rekey-request` plaintext; any defect is ActivationError('MALFORMED'). */
export function decodeRekeyRequest(plaintext: Uint8Array): RekeyRequest {
  return decodeGuarded(schema, plaintext, 'rekey-request', MAX_REKEY_BYTES);
}
