/**
 * ETP.DAT, the activation request: a cleartext routing header, the handset's CPace share and the
 * sealed body. `encodeEtpDat` / `decodeEtpDat` are public so that tools can build and inspect
 * ETP.DAT files; decoding checks structure only (opening the body needs the body key, which only
 * a peer that proved the activation password ever receives).
 */
import * as v from 'valibot';
import { decodeWith, encodeCbor } from '../../codec/cbor.js';
import { bytes } from '../../codec/schema.js';
import { type EtpHeader, decodeEtpHeader } from '../etp/etp-header.js';
import { type SealedBody, sealedBodySchema } from '../etp/etp-body.js';

/** Version of the ETP.DAT container format. */
export const ETP_DAT_VERSION = 1;

/** Largest ETP.DAT accepted (16 KiB; a real one is well under 1 KiB). */
export const MAX_ETP_DAT_BYTES = 16_384;

/**
 * A decoded ETP.DAT, the activation request a handset sends first. The name and what it carries
 * (routing information, the PIN, the device's public keys) are RIM's
 * (../shared/reference/blackberry-activation-facts.md, "ETP.DAT and routing"); its binary layout is ours,
 * since RIM's is not public (docs/protocol.md).
 */
export interface EtpDat {
  /** The decoded routing header. */
  readonly header: EtpHeader;
  /** The header exactly as encoded: CPace's ADa. */
  readonly headerBytes: Uint8Array;
  /** The handset's CPace share Ya. */
  readonly share: Uint8Array;
  /** The encrypted body (PIN, device, public keys, capabilities); only a peer that proved the password can open it. */
  readonly sealedBody: SealedBody;
}

const etpDatSchema = v.strictObject({
  format: v.literal('ETP.DAT'),
  v: v.literal(ETP_DAT_VERSION),
  header: bytes(1, 4096),
  share: bytes(32, 133),
  body: sealedBodySchema,
});

/**
 * Encodes an ETP.DAT from its three parts: the header as encoded ({@link encodeEtpHeader}), the
 * handset's CPace share and the sealed body ({@link sealEtpBody}). For tools and tests that build
 * requests themselves; a `Handset` builds its own. {@link decodeEtpDat} reverses it.
 *
 * @example
 * ```ts
 * import { decodeEtpDat, encodeEtpDat } from 'enterprise-activation/wire';
 *
 * const etp = decodeEtpDat(await readFile('ETP.DAT'));
 * console.log(etp.header.email, etp.header.pin); // the cleartext routing header
 * // The same request with a flipped share byte, to test a server's checks:
 * const share = etp.share.map((b, i) => (i === 0 ? b ^ 1 : b));
 * const tampered = encodeEtpDat({ headerBytes: etp.headerBytes, share, sealedBody: etp.sealedBody });
 * ```
 */
export function encodeEtpDat(etp: Pick<EtpDat, 'headerBytes' | 'share' | 'sealedBody'>): Uint8Array {
  return encodeCbor({
    format: 'ETP.DAT',
    v: ETP_DAT_VERSION,
    header: etp.headerBytes,
    share: etp.share,
    body: { nonce: etp.sealedBody.nonce, ciphertext: etp.sealedBody.ciphertext },
  });
}

/**
 * Decodes an ETP.DAT file and its cleartext header; the body stays sealed. Checks structure only.
 *
 * @throws An `ActivationError` with code `MALFORMED` for any defect (not CBOR, a missing or extra field, a
 *   field out of range, more than {@link MAX_ETP_DAT_BYTES}).
 *
 * @example
 * ```ts
 * import { decodeEtpDat } from 'enterprise-activation/wire';
 *
 * const { header } = decodeEtpDat(bytes);
 * console.log(`${header.email} from PIN ${header.pin}, suites ${header.suites.join(', ')}`);
 * ```
 */
export function decodeEtpDat(bytes: Uint8Array): EtpDat {
  const outer = decodeWith(etpDatSchema, bytes, 'ETP.DAT', MAX_ETP_DAT_BYTES);
  const header = decodeEtpHeader(outer.header);
  return { header, headerBytes: outer.header, share: outer.share, sealedBody: outer.body };
}
