/**
 * Message 2, server -> handset: the server's CPace share Yb, its cleartext associated data ADb
 * (its routing, so that the handset can address its next messages) and its confirmation tag Tb.
 */
import * as v from 'valibot';
import { decodeWith, encodeCbor } from '../cbor.js';
import { bytes, routingToken, text } from '../schema.js';
import { CPACE_SUITE_IDS } from '../etp/etp-header.js';
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

export interface ServerShare {
  readonly share: Uint8Array;
  /** ADb exactly as encoded. */
  readonly adBytes: Uint8Array;
  readonly ad: ServerRouting;
  readonly tag: Uint8Array;
}

const serverRoutingSchema = v.strictObject({
  srp: routingToken,
  relay: text(253, 1),
  suite: v.picklist(CPACE_SUITE_IDS),
});

const serverShareSchema = v.strictObject({ share: bytes(32, 133), ad: bytes(1, 1024), tag: bytes(64) });

export function encodeServerRouting(r: ServerRouting): Uint8Array {
  return encodeCbor({ srp: r.srp, relay: r.relay, suite: r.suite });
}

export function encodeServerShare(m: Pick<ServerShare, 'share' | 'adBytes' | 'tag'>): Uint8Array {
  return encodeCbor({ share: m.share, ad: m.adBytes, tag: m.tag });
}

export function decodeServerShare(body: Uint8Array): ServerShare {
  const outer = decodeWith(serverShareSchema, body, 'server-share', 4096);
  const ad = decodeWith(serverRoutingSchema, outer.ad, 'server-share routing', 1024) as ServerRouting;
  return { share: outer.share, adBytes: outer.ad, ad, tag: outer.tag };
}
