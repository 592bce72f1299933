/**
 * ETP.DAT, the activation request: a cleartext routing header, the handset's CPace share and the
 * sealed body. `encodeEtpDat` / `decodeEtpDat` are public so that tools can build and inspect
 * ETP.DAT files; decoding checks structure only (opening the body needs the body key, which only
 * a peer that proved the activation password ever receives).
 */
import * as v from 'valibot';
import { decodeWith, encodeCbor } from '../cbor.js';
import { bytes } from '../schema.js';
import { type EtpHeader, decodeEtpHeader } from './etp-header.js';
import { type SealedBody, sealedBodySchema } from './etp-body.js';

/** Version of the ETP.DAT container format. */
export const ETP_DAT_VERSION = 1;

/** Largest ETP.DAT accepted (16 KiB; a real one is well under 1 KiB). */
export const MAX_ETP_DAT_BYTES = 16_384;

export interface EtpDat {
  /** The decoded routing header. */
  readonly header: EtpHeader;
  /** The header exactly as encoded: CPace's ADa. */
  readonly headerBytes: Uint8Array;
  /** The handset's CPace share Ya. */
  readonly share: Uint8Array;
  readonly sealedBody: SealedBody;
}

const etpDatSchema = v.strictObject({
  format: v.literal('ETP.DAT'),
  v: v.literal(ETP_DAT_VERSION),
  header: bytes(1, 4096),
  share: bytes(32, 133),
  body: sealedBodySchema,
});

export function encodeEtpDat(etp: Pick<EtpDat, 'headerBytes' | 'share' | 'sealedBody'>): Uint8Array {
  return encodeCbor({
    format: 'ETP.DAT',
    v: ETP_DAT_VERSION,
    header: etp.headerBytes,
    share: etp.share,
    body: { nonce: etp.sealedBody.nonce, ciphertext: etp.sealedBody.ciphertext },
  });
}

/** Decodes an ETP.DAT file; any defect gives ActivationError('MALFORMED'). */
export function decodeEtpDat(bytes: Uint8Array): EtpDat {
  const outer = decodeWith(etpDatSchema, bytes, 'ETP.DAT', MAX_ETP_DAT_BYTES);
  const header = decodeEtpHeader(outer.header);
  return { header, headerBytes: outer.header, share: outer.share, sealedBody: outer.body };
}
