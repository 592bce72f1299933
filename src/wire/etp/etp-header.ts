/**
 * The ETP.DAT routing header: the cleartext part of the activation request. It holds only what the
 * relay and the server need before any key exists. Its exact encoded bytes are CPace's ADa, so the
 * offered suites and ciphers are bound into the session key: nobody in the middle can trim the offer.
 */
import * as v from 'valibot';
import { decodeWith, encodeCbor } from '../cbor.js';
import { list, pin, sessionId, text, uint } from '../schema.js';
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../../crypto/provider.js';

export const CPACE_SUITE_IDS = ['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'] as const satisfies readonly CPaceSuiteId[];
export const TRANSPORT_KEY_ALGORITHMS = ['AES-256-CBC', 'TDES-EDE2-CBC'] as const satisfies readonly TransportKeyAlgorithm[];

/** The handset's place in the network: what a reply needs to find it. */
export interface HandsetRouting {
  /** The relay (BlackBerry Infrastructure) host the handset is registered with. */
  readonly relay: string;
  /** The network UID of the handset's carrier account. */
  readonly uid: string;
  /** SRP identifier of a server the handset was activated on before, if any. */
  readonly srp?: string;
}

export interface EtpHeader {
  /** Protocol version the handset speaks. */
  readonly protocol: number;
  /** Device PIN, 8 upper-case hex digits. */
  readonly pin: string;
  readonly routing: HandsetRouting;
  /** The email address the user typed, as typed (trimmed). */
  readonly email: string;
  /** 16 random bytes: the session id of this activation. */
  readonly nonce: Uint8Array;
  /** The CPace suite of the share in this ETP.DAT. */
  readonly suite: CPaceSuiteId;
  /** Every suite the handset supports, most preferred first. */
  readonly suites: readonly CPaceSuiteId[];
  /** Transport key algorithms the handset supports. */
  readonly ciphers: readonly TransportKeyAlgorithm[];
}

/** An email address as the activation screen accepts it: local@domain, no spaces, at most 254 characters. */
export const emailAddress = v.pipe(text(254, 3), v.regex(/^[^\s@]+@[^\s@]+$/));

const suiteId = v.picklist(CPACE_SUITE_IDS);
const cipherId = v.picklist(TRANSPORT_KEY_ALGORITHMS);

const routingSchema = v.strictObject({
  relay: text(253, 1),
  uid: text(64, 1),
  srp: v.optional(text(64, 1)),
});

export const etpHeaderSchema = v.strictObject({
  protocol: uint(255),
  pin,
  routing: routingSchema,
  email: emailAddress,
  nonce: sessionId,
  suite: suiteId,
  suites: v.pipe(list(suiteId, 8), v.minLength(1)),
  ciphers: v.pipe(list(cipherId, 8), v.minLength(1)),
});

export function encodeEtpHeader(header: EtpHeader): Uint8Array {
  const routing: Record<string, string> = { relay: header.routing.relay, uid: header.routing.uid };
  if (header.routing.srp !== undefined) routing.srp = header.routing.srp;
  return encodeCbor({
    protocol: header.protocol,
    pin: header.pin,
    routing,
    email: header.email,
    nonce: header.nonce,
    suite: header.suite,
    suites: [...header.suites],
    ciphers: [...header.ciphers],
  });
}

export function decodeEtpHeader(bytes: Uint8Array): EtpHeader {
  return decodeWith(etpHeaderSchema, bytes, 'ETP.DAT header', 4096) as EtpHeader;
}
