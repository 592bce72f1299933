/**
 * `rekey-offer`, server -> handset, sealed under the current transport key: the server starts a
 * key rollover (docs/lifecycle.md, "Key rollover"). The plaintext is the CBOR map
 * `{ keyId, algorithm, ephemeral }`: the new key's id, its algorithm, the server's ephemeral
 * X25519 public key `ES`.
 */
import * as v from 'valibot';
import type { TransportKeyAlgorithm } from '../../crypto/provider.js';
import { TRANSPORT_KEY_ALGORITHMS } from '../../crypto/ids.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';

/** Largest rekey plaintext accepted: a few keys and one proof. */
export const MAX_REKEY_BYTES = 4096;

/** `rekey-offer`: the server starts a rollover. */
export interface RekeyOffer {
  /** The new key's id (8 bytes). */
  readonly keyId: Uint8Array;
  /** The new key's algorithm (the current key's). */
  readonly algorithm: TransportKeyAlgorithm;
  /** `ES`: the server's ephemeral X25519 public key. */
  readonly ephemeral: Uint8Array;
}

const schema = v.strictObject({
  keyId: bytes(8),
  algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS),
  ephemeral: bytes(32),
}) satisfies SchemaOf<RekeyOffer>;

export function encodeRekeyOffer(m: RekeyOffer): Uint8Array {
  return encodeCbor({ keyId: m.keyId, algorithm: m.algorithm, ephemeral: m.ephemeral });
}

/** Decodes a `rekey-offer` plaintext; any defect is ActivationError('MALFORMED'). */
export function decodeRekeyOffer(plaintext: Uint8Array): RekeyOffer {
  return decodeGuarded(schema, plaintext, 'rekey-offer', MAX_REKEY_BYTES);
}
