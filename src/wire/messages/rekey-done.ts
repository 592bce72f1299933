/**
 * `rekey-done`, server -> handset, sealed under the NEW transport key: the server switched to it
 * (docs/lifecycle.md, "Key rollover"). The plaintext is the CBOR map `{ keyId, proof }`: the new
 * key's id and `keyProofPayload('server', th)` (the body's seal under the new key is what proves
 * that the server holds it; the payload binds the proof to this rollover's transcript).
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';
import { MAX_REKEY_BYTES } from './rekey-offer.js';

/** `rekey-done`: the server switched to the new key. */
export interface RekeyDone {
  /** The new key's id. */
  readonly keyId: Uint8Array;
  /** `keyProofPayload('server', th)`. */
  readonly proof: Uint8Array;
}

const schema = v.strictObject({ keyId: bytes(8), proof: bytes(1, 512) }) satisfies SchemaOf<RekeyDone>;

export function encodeRekeyDone(m: RekeyDone): Uint8Array {
  return encodeCbor({ keyId: m.keyId, proof: m.proof });
}

/** Decodes a `rekey-done` plaintext; any defect is ActivationError('MALFORMED'). */
export function decodeRekeyDone(plaintext: Uint8Array): RekeyDone {
  return decodeGuarded(schema, plaintext, 'rekey-done', MAX_REKEY_BYTES);
}
