/**
 * `rekey-accept`, handset -> server, sealed under the current transport key: the handset derived
 * the new key (docs/lifecycle.md, "Key rollover"). The plaintext is the CBOR map
 * `{ keyId, ephemeral, proof }`: the key id accepted, the handset's ephemeral X25519 public key
 * `EH`, and `keyProofPayload('handset', th)` sealed under the new key (the frame header as
 * associated data).
 */
import * as v from 'valibot';
import type { SealedMessage } from '../../crypto/provider.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';
import { sealedMessageSchema, sealedMessageToWire } from './boxes.js';
import { MAX_REKEY_BYTES } from './rekey-offer.js';

/** `rekey-accept`: the handset derived the new key. */
export interface RekeyAccept {
  /** The id of the key accepted, as offered. */
  readonly keyId: Uint8Array;
  /** `EH`: the handset's ephemeral X25519 public key. */
  readonly ephemeral: Uint8Array;
  /** The handset's key proof, sealed under the new key. */
  readonly proof: SealedMessage;
}

const schema = v.strictObject({ keyId: bytes(8), ephemeral: bytes(32), proof: sealedMessageSchema }) satisfies SchemaOf<RekeyAccept>;

export function encodeRekeyAccept(m: RekeyAccept): Uint8Array {
  return encodeCbor({ keyId: m.keyId, ephemeral: m.ephemeral, proof: sealedMessageToWire(m.proof) });
}

/** Decodes a `rekey-accept` plaintext; any defect is ActivationError('MALFORMED'). */
export function decodeRekeyAccept(plaintext: Uint8Array): RekeyAccept {
  return decodeGuarded(schema, plaintext, 'rekey-accept', MAX_REKEY_BYTES);
}
