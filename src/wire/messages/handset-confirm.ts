/** Message 3, handset -> server: the handset's confirmation tag Ta and the ETP.DAT body key under the session key. */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';
import { type AeadBox, aeadBoxSchema, aeadBoxToWire } from './boxes.js';

export interface HandsetConfirm {
  readonly tag: Uint8Array;
  /** The 32-byte ETP.DAT body key, sealed under the handset-to-server session key. */
  readonly bodyKey: AeadBox;
}

const schema = v.strictObject({ tag: bytes(64), bodyKey: aeadBoxSchema }) satisfies SchemaOf<HandsetConfirm>;

export function encodeHandsetConfirm(m: HandsetConfirm): Uint8Array {
  return encodeCbor({ tag: m.tag, bodyKey: aeadBoxToWire(m.bodyKey) });
}

export function decodeHandsetConfirm(body: Uint8Array): HandsetConfirm {
  return decodeGuarded(schema, body, 'handset-confirm', 1024);
}
