/**
 * The ETP.DAT routing header: the cleartext part of the activation request. It holds only what the
 * relay and the server need before any key exists: where the request goes (PIN, email), which
 * session it opens (nonce) and what the handset offers (suites, ciphers). The handset's own network
 * routing (relay host, carrier UID, previous SRP id) is not needed before the body is opened, so it
 * travels in the sealed body (issue 8, finding 21; docs/protocol.md). The header's exact encoded
 * bytes are CPace's ADa, so the offered suites and ciphers are bound into the session key: nobody
 * in the middle can trim the offer.
 */
import * as v from 'valibot';
import { ActivationError } from '../../errors/activation-error.js';
import { decodeWith, encodeCbor } from '../../codec/cbor.js';
import { list, pin, sessionId, text, uint, type SchemaOf } from '../../codec/schema.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS, type CPaceSuiteId, type TransportKeyAlgorithm } from '../../crypto/ids.js';

/** Re-exported from the body, where it now travels (kept here for existing imports). */
export type { HandsetRouting } from './etp-body.js';

/** The cleartext routing header of an ETP.DAT (`EtpDat.header`): who the request is from and for, and what the handset offers. */
export interface EtpHeader {
  /** Protocol version the handset speaks. */
  readonly protocol: number;
  /** Device PIN, 8 upper-case hex digits. */
  readonly pin: string;
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

export const etpHeaderSchema = v.strictObject({
  protocol: uint(255),
  pin,
  email: emailAddress,
  nonce: sessionId,
  suite: suiteId,
  suites: v.pipe(list(suiteId, 8), v.minLength(1)),
  ciphers: v.pipe(list(cipherId, 8), v.minLength(1)),
}) satisfies SchemaOf<EtpHeader>;

/** Encodes a routing header; the bytes are what {@link EtpDat.headerBytes} holds and what CPace binds as ADa. */
export function encodeEtpHeader(header: EtpHeader): Uint8Array {
  return encodeCbor({
    protocol: header.protocol,
    pin: header.pin,
    email: header.email,
    nonce: header.nonce,
    suite: header.suite,
    suites: [...header.suites],
    ciphers: [...header.ciphers],
  });
}

/**
 * Decodes a routing header; any defect gives ActivationError('MALFORMED'). Besides the schema, the
 * offer must be consistent: the share's `suite` is one of the `suites` the header offers. A handset
 * never writes anything else, and a server that answered such a header would be choosing among
 * an offer that the header itself contradicts (issue 10, "Strict decoding").
 */
export function decodeEtpHeader(bytes: Uint8Array): EtpHeader {
  const header = decodeWith(etpHeaderSchema, bytes, 'ETP.DAT header', 4096);
  if (!header.suites.includes(header.suite)) {
    throw new ActivationError('MALFORMED', 'ETP.DAT header: its suite is not one of the suites it offers', {
      operation: 'decode ETP.DAT header',
      field: 'suite',
      reason: 'suite not offered',
    });
  }
  return header;
}
