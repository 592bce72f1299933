/**
 * Message 2, server -> handset: the server's CPace share Yb, its cleartext associated data ADb
 * (its routing, so that the handset can address its next messages) and its confirmation tag Tb.
 */
import * as v from 'valibot';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { bytes, routingToken, text, type SchemaOf } from '../../codec/schema.js';
import { CPACE_SUITE_IDS } from '../../crypto/ids.js';
import type { CPaceSuiteId } from '../../crypto/provider.js';

/** The server's routing, sent in clear as ADb. */
export interface ServerRouting {
  /** The server's SRP identifier: where the relay delivers the handset's later messages. */
  readonly srp: string;
  /** The relay the server is connected to. */
  readonly relay: string;
  /** The suite the server ran (always the one of the ETP.DAT share). */
  readonly suite: CPaceSuiteId;
}

/** The server's `server-share` message: its CPace share, its routing (ADb) and its key-confirmation tag. */
export interface ServerShare {
  /**
   * Which session this answers: `sessionDigest` of the ETP.DAT's sid, PIN, email and share
   * (src/protocol/session-digest.ts). Several ETP.DATs may carry the same session id and PIN
   * (anyone who saw them can send one); the handset ignores a server share made for another one
   * instead of failing on its Tb (docs/protocol.md, "Sessions").
   */
  readonly etp: Uint8Array;
  /** The server's CPace share Yb. */
  readonly share: Uint8Array;
  /** ADb exactly as encoded. */
  readonly adBytes: Uint8Array;
  /** ADb, decoded: the server's routing and the chosen suite. */
  readonly ad: ServerRouting;
  /** The server's key-confirmation tag Tb (64 bytes). */
  readonly tag: Uint8Array;
}

const serverRoutingSchema = v.strictObject({
  srp: routingToken,
  relay: text(253, 1),
  suite: v.picklist(CPACE_SUITE_IDS),
}) satisfies SchemaOf<ServerRouting>;

const serverShareSchema = v.strictObject({ etp: bytes(32), share: bytes(32, 133), ad: bytes(1, 1024), tag: bytes(64) });

/** Encodes the server's routing; the bytes are CPace's ADb ({@link ServerShare.adBytes}). */
export function encodeServerRouting(r: ServerRouting): Uint8Array {
  return encodeCbor({ srp: r.srp, relay: r.relay, suite: r.suite });
}

/** Encodes a `server-share` body; {@link decodeServerShare} reverses it. */
export function encodeServerShare(m: Pick<ServerShare, 'etp' | 'share' | 'adBytes' | 'tag'>): Uint8Array {
  return encodeCbor({ etp: m.etp, share: m.share, ad: m.adBytes, tag: m.tag });
}

/** Decodes a `server-share` body and its routing; any defect is ActivationError('MALFORMED'). */
export function decodeServerShare(body: Uint8Array): ServerShare {
  const outer = decodeGuarded(serverShareSchema, body, 'server-share', 4096);
  const ad = decodeGuarded(serverRoutingSchema, outer.ad, 'server-share routing', 1024);
  return { etp: outer.etp, share: outer.share, adBytes: outer.ad, ad, tag: outer.tag };
}
