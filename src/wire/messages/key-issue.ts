/**
 * Message 4, server -> handset: the device transport key and the server's identity, under the
 * server-to-handset session key, plus a proof made under the new transport key.
 */
import * as v from 'valibot';
import type { SealedMessage, TransportKeyAlgorithm } from '../../crypto/provider.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, routingToken, text, type SchemaOf } from '../../codec/schema.js';
import { TRANSPORT_KEY_ALGORITHMS } from '../../crypto/ids.js';
import { type AeadBox, aeadBoxSchema, aeadBoxToWire, sealedMessageSchema, sealedMessageToWire } from './boxes.js';

/** What the server tells the handset about itself. */
export interface ServerInfo {
  /** SRP identifier (the UID of the Desktop [CMIME] service book). */
  readonly srp: string;
  /** The relay host the server is connected to. */
  readonly relay: string;
  /** Display name of the server, e.g. "BES01". */
  readonly name: string;
  /** Server software version as text, e.g. "BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4". */
  readonly version: string;
  /** The server domain's long-term Ed25519 public key: it signs IT policies. */
  readonly publicKey: Uint8Array;
  /**
   * `B`: the server's long-term X25519 public key, for key rollovers (docs/lifecycle.md, "Key
   * rollover"). Absent from servers before it: a handset activated by one cannot roll its key over.
   */
  readonly agreementKey?: Uint8Array;
}

/** The device transport key as the server issues it, inside {@link KeyIssue.grant}. Secret. */
export interface KeyGrant {
  /** The key's algorithm: the strongest both sides support. */
  readonly algorithm: TransportKeyAlgorithm;
  /** Key id, 8 bytes: names the key in later messages and on the server. */
  readonly keyId: Uint8Array;
  /** The device transport key itself: 32 bytes for AES-256, 16 for two-key Triple DES. */
  readonly key: Uint8Array;
  /** Who the server is. */
  readonly server: ServerInfo;
}

export const keyGrantSchema = v.strictObject({
  algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS),
  keyId: bytes(8),
  key: bytes(16, 32),
  server: v.strictObject({
    srp: routingToken,
    relay: text(253, 1),
    name: text(128, 1),
    version: text(256, 1),
    publicKey: bytes(32),
    agreementKey: v.optional(bytes(32)),
  }),
}) satisfies SchemaOf<KeyGrant>;

export function encodeKeyGrant(g: KeyGrant): Uint8Array {
  return encodeCbor({
    algorithm: g.algorithm,
    keyId: g.keyId,
    key: g.key,
    server: {
      srp: g.server.srp,
      relay: g.server.relay,
      name: g.server.name,
      version: g.server.version,
      publicKey: g.server.publicKey,
      ...(g.server.agreementKey === undefined ? {} : { agreementKey: g.server.agreementKey }),
    },
  });
}

/** Decodes an opened key grant; any defect is ActivationError('MALFORMED'). */
export function decodeKeyGrant(plaintext: Uint8Array): KeyGrant {
  return decodeGuarded(keyGrantSchema, plaintext, 'key grant', 4096);
}

/** The server's `key-issue` message: the sealed {@link KeyGrant} and the proof that the server holds the key. */
export interface KeyIssue {
  /** The {@link KeyGrant}, sealed under the server-to-handset session key. */
  readonly grant: AeadBox;
  /** Proof of the new key: the transcript hash sealed under it. */
  readonly proof: SealedMessage;
}

const schema = v.strictObject({ grant: aeadBoxSchema, proof: sealedMessageSchema }) satisfies SchemaOf<KeyIssue>;

export function encodeKeyIssue(m: KeyIssue): Uint8Array {
  return encodeCbor({ grant: aeadBoxToWire(m.grant), proof: sealedMessageToWire(m.proof) });
}

/** Decodes a `key-issue` body (shape only; opening the grant needs the session key); any defect is ActivationError('MALFORMED'). */
export function decodeKeyIssue(body: Uint8Array): KeyIssue {
  return decodeGuarded(schema, body, 'key-issue', 8192);
}
