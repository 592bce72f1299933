/** Message 5, handset -> server: the handset's proof under the new transport key. */
import * as v from 'valibot';
import type { SealedMessage } from '../../crypto/provider.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import type { SchemaOf } from '../../codec/schema.js';
import { sealedMessageSchema, sealedMessageToWire } from './boxes.js';

export interface KeyVerified {
  readonly proof: SealedMessage;
}

const schema = v.strictObject({ proof: sealedMessageSchema }) satisfies SchemaOf<KeyVerified>;

export function encodeKeyVerified(m: KeyVerified): Uint8Array {
  return encodeCbor({ proof: sealedMessageToWire(m.proof) });
}

export function decodeKeyVerified(body: Uint8Array): KeyVerified {
  return decodeGuarded(schema, body, 'key-verified', 4096);
}
