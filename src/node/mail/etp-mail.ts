/**
 * The activation request as an email (docs/transports.md, "The mail path"): what the relay sends
 * over SMTP to the address the user typed, and what a server's mailbox monitor reads back.
 *
 * Layout (RIM's own subject and MIME layout are not public; this is the project's):
 *
 * ```
 * From: "Enterprise Activation 2100000A" <2100000A@relay.invalid>
 * To: user@example.com
 * Subject: Enterprise Activation request (PIN 2100000A)
 * X-Enterprise-Activation-PIN: 2100000A
 * X-Enterprise-Activation-Session: <session id, hex>
 * X-Enterprise-Activation-Source: <relay's source label>     (only when the relay vouches)
 * X-Enterprise-Activation-Vouch: <base64url HMAC-SHA-256>    (only when the relay vouches)
 * Content-Type: multipart/mixed
 *   text/plain                      a fixed note for a human who opens the mail
 *   application/octet-stream        ETP.DAT (attachment, base64)
 * ```
 *
 * Hardening (issue 8, findings 10 and 12): the sender and the recipient are single checked
 * addresses (./mail-address.ts) given to nodemailer as address objects, so a header email like
 * `postmaster;root@evil.example` cannot become two recipients or a header; the text part is a
 * fixed sentence, so nothing from the handset's ETP.DAT header (email, relay, uid) is echoed as
 * prose a phisher could write; only the PIN (8 checked hex digits) and the session id (hex)
 * appear in headers. The optional vouch is `vouchMac(key, ETP.DAT bytes, source)` from
 * src/transport/relay-vouch.ts, which the mailbox monitor checks with the same key.
 *
 * Node only (nodemailer's MailComposer, mailparser: optional peers, loaded at first use).
 */
import type { simpleParser } from 'mailparser';
import { ActivationError, isActivationError } from '../../errors/activation-error.js';
import { bytesToHex } from '../../util/bytes.js';
import { encodeVouch, isValidVouchSource, vouchMac } from '../../transport/relay-vouch.js';
import { checkMailAddress } from './mail-address.js';
import { loadPeer } from '../optional-peers.js';
import { decodeEtpDat, type EtpDat } from '../../wire/messages/etp-dat.js';
import type { EtpHeader } from '../../wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, PROTOCOL_VERSION } from '../../wire/frame.js';

/** Name of the attachment that carries the activation request. */
export const ETP_ATTACHMENT_NAME = 'ETP.DAT';
/** Header naming the handset's PIN. */
export const PIN_HEADER = 'X-Enterprise-Activation-PIN';
/** Header carrying the session id (the ETP.DAT nonce) in hex. */
export const SESSION_HEADER = 'X-Enterprise-Activation-Session';
/** Header carrying the relay's vouch MAC (base64url), see src/transport/relay-vouch.ts. */
export const VOUCH_HEADER = 'X-Enterprise-Activation-Vouch';
/** Header carrying the relay's label of the request's network source, covered by the vouch. */
export const SOURCE_HEADER = 'X-Enterprise-Activation-Source';
/**
 * The whole text part of every activation mail. Fixed on purpose: the ETP.DAT header is written
 * by whoever sent the request, so none of it may become prose a reader could take for ours.
 */
export const ETP_MAIL_TEXT =
  'This message carries an Enterprise Activation request (ETP.DAT) for the enterprise server.\r\n' +
  'The server processes and removes it automatically. Do not reply to it or forward it.\r\n';
/** Subject of an activation mail; the PIN follows in parentheses. */
export const ETP_MAIL_SUBJECT = 'Enterprise Activation request';
/** Largest raw mail `parseEtpMail` reads (bytes). */
export const MAX_ETP_MAIL_BYTES = 4 * 1024 * 1024;
/** `cause.reason` of the MALFORMED error for a mail that is not an activation request. */
export const NOT_AN_ACTIVATION_REQUEST = 'not-an-activation-request';

/** The subject of the activation mail for this PIN: `Enterprise Activation request (PIN <pin>)`. Our wording; RIM's is not public. */
export function etpMailSubject(pin: string): string {
  return `${ETP_MAIL_SUBJECT} (PIN ${pin})`;
}

/** Options of {@link buildEtpMail}: the request (as a frame or as ETP.DAT bytes), the addresses and the optional vouch. */
export interface BuildEtpMailOptions {
  /** A frame of type `etp-dat`; its body is the attachment. Give this or `etpDat`. */
  readonly frameBytes?: Uint8Array;
  /** The ETP.DAT bytes themselves. */
  readonly etpDat?: Uint8Array;
  /** Sender address, e.g. `2100000A@relay.invalid`: one plain addr-spec (./mail-address.ts). */
  readonly from: string;
  /**
   * Recipient: one plain addr-spec; default the email address in the ETP.DAT header (the one the
   * user typed). Lists, display names, `;`, `,`, quotes, brackets and CR/LF are refused.
   */
  readonly to?: string;
  /**
   * When the relay vouches for the request (issue 8, finding 10): its vouch key (see
   * `deriveVouchKey` in src/transport/relay-vouch.ts) and the source label it saw. Adds the
   * {@link SOURCE_HEADER} and {@link VOUCH_HEADER} headers over the ETP.DAT bytes.
   */
  readonly vouch?: { readonly key: Uint8Array; readonly source: string };
  /** Date header; default now. */
  readonly date?: Date;
  /** Message-ID; default `<etp.<session id hex>@<sender's domain>>`. */
  readonly messageId?: string;
}

function malformed(message: string, detail: Record<string, unknown> = {}): ActivationError {
  return new ActivationError('MALFORMED', message, { operation: 'ETP.DAT mail', ...detail });
}

/**
 * Builds the RFC 5322 activation mail. Throws ActivationError('MALFORMED') for a bad frame or
 * ETP.DAT, and ActivationError('INVALID_ARGUMENT') for a sender or recipient that is not one plain
 * address (checked whether it came from `options` or from the ETP.DAT header) or a bad vouch.
 */
export async function buildEtpMail(options: BuildEtpMailOptions): Promise<Uint8Array> {
  let etpBytes: Uint8Array;
  if (options.frameBytes !== undefined) {
    const frame = decodeFrame(options.frameBytes.slice()); // a copy: cbor-x tags the buffers it decodes
    if (frame.type !== 'etp-dat') throw malformed(`a ${frame.type} frame is not an activation request`, { type: frame.type });
    etpBytes = frame.body;
  } else if (options.etpDat !== undefined) {
    etpBytes = options.etpDat;
  } else {
    throw new ActivationError('INVALID_ARGUMENT', 'buildEtpMail needs frameBytes or etpDat', { field: 'frameBytes' });
  }
  const etp = decodeEtpDat(etpBytes.slice());
  const { pin, email, nonce } = etp.header;
  const from = checkMailAddress(options.from, 'from');
  const to = checkMailAddress(options.to ?? email, options.to === undefined ? 'header.email' : 'to');
  const headers: Record<string, string> = { [PIN_HEADER]: pin, [SESSION_HEADER]: bytesToHex(nonce) };
  if (options.vouch !== undefined) {
    const { key, source } = options.vouch;
    if (!isValidVouchSource(source)) {
      throw new ActivationError('INVALID_ARGUMENT', 'vouch.source must be 1..128 printable ASCII characters', { field: 'vouch.source' });
    }
    headers[SOURCE_HEADER] = source;
    headers[VOUCH_HEADER] = encodeVouch(vouchMac(key, etpBytes, source));
  }
  if (
    options.messageId !== undefined &&
    (typeof options.messageId !== 'string' || !/^<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>$/.test(options.messageId))
  ) {
    throw new ActivationError('INVALID_ARGUMENT', 'messageId must be <...> of printable ASCII', { field: 'messageId' });
  }
  const domain = from.slice(from.lastIndexOf('@') + 1);
  const { MailComposer } = await loadPeer('nodemailer', 'buildEtpMail');
  const composer = new MailComposer({
    // Address objects, never strings: nodemailer parses a string as an address list.
    from: { name: `Enterprise Activation ${pin}`, address: from },
    to: { name: '', address: to },
    subject: etpMailSubject(pin),
    date: options.date ?? new Date(),
    messageId: options.messageId ?? `<etp.${bytesToHex(nonce)}@${domain}>`,
    headers,
    text: ETP_MAIL_TEXT,
    attachments: [
      {
        filename: ETP_ATTACHMENT_NAME,
        content: Buffer.from(etpBytes.buffer, etpBytes.byteOffset, etpBytes.byteLength),
        contentType: 'application/octet-stream',
        contentTransferEncoding: 'base64',
        contentDisposition: 'attachment',
      },
    ],
  });
  const raw = await composer.compile().build();
  // MailComposer writes header names as `X-Enterprise-Activation-Pin`; names are case-insensitive
  // (RFC 5322), but spell it as documented. Only the top-level header block is touched.
  const end = raw.indexOf('\r\n\r\n');
  const head = raw
    .subarray(0, end)
    .toString('latin1')
    .replace(/^X-Enterprise-Activation-Pin:/im, `${PIN_HEADER}:`);
  const out = Buffer.concat([Buffer.from(head, 'latin1'), raw.subarray(end)]);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}

/** An activation mail as {@link parseEtpMail} reads it: the ETP.DAT, the frame rebuilt from it and the headers that matter. */
export interface ParsedEtpMail {
  /** The ETP.DAT attachment's bytes. */
  readonly etpDat: Uint8Array;
  /** The frame rebuilt from it: what the handset sent to the relay. */
  readonly frame: Uint8Array;
  /** The handset's PIN (from the ETP.DAT header). */
  readonly pin: string;
  /** The email address the user typed (from the ETP.DAT header). */
  readonly to: string;
  /** The mail's Message-ID, if it has one. */
  readonly messageId: string | undefined;
  /** The mail's subject, if it has one (never used for anything). */
  readonly subject: string | undefined;
  /** The decoded ETP.DAT header. */
  readonly header: EtpHeader;
  /**
   * The {@link VOUCH_HEADER} and {@link SOURCE_HEADER} values exactly as found (unchecked: only a
   * holder of the vouch key can check them, see the mailbox monitor's `vouchKey`).
   */
  readonly vouch?: string;
  /** The {@link SOURCE_HEADER} value, unchecked (see `vouch`). */
  readonly source?: string;
}

const LOWER_ETP = Buffer.from('etp.dat', 'latin1');
const PARAM_NAMES = new Set(['name', 'filename']);
const PART_HEADERS = /^(content-type|content-disposition)\s*:/i;

function isLineBreak(byte: number | undefined): boolean {
  return byte === 0x0a || byte === 0x0d;
}

/**
 * The cheap first look the mailbox monitor takes at every mail before anything parses it: does
 * the raw message name an attachment `ETP.DAT` in a MIME part header, written the way
 * {@link buildEtpMail} writes it (`name=ETP.DAT` or `filename=ETP.DAT`, optionally quoted, in a
 * `Content-Type` or `Content-Disposition` header, possibly folded)? It walks the bytes once,
 * allocates nothing per byte and never decodes anything, so a 5 MiB ordinary mail costs a few
 * milliseconds. `false` means "not ours, leave it alone"; `true` only means "worth parsing":
 * {@link parseEtpMail} still decides. Case-insensitive, like the attachment match in parseEtpMail.
 *
 * Attachments named with RFC 2231 or RFC 2047 encodings are not recognised: such a mail is left
 * in the mailbox for a human, which is the safe side of the mistake.
 */
export function hasEtpAttachmentMarker(raw: Uint8Array): boolean {
  if (!(raw instanceof Uint8Array)) return false;
  const n = raw.length;
  for (let dot = raw.indexOf(0x2e, 3); dot !== -1 && dot + 3 < n; dot = raw.indexOf(0x2e, dot + 1)) {
    const start = dot - 3;
    let match = true;
    // `| 0x20` folds ASCII case; '.' is unchanged. In range: start = dot - 3 >= 0 and dot + 3 < n.
    for (let i = 0; i < 7 && match; i++) match = ((raw[start + i] ?? 0) | 0x20) === LOWER_ETP[i];
    if (!match) continue;
    // Value boundaries: `=ETP.DAT` or `="ETP.DAT"`, ending at a quote, `;`, white space or end.
    let before = start - 1;
    if (raw[before] === 0x22) before--;
    if (raw[before] !== 0x3d) continue;
    const after = raw[start + 7];
    if (after !== undefined && after !== 0x22 && after !== 0x3b && after !== 0x20 && after !== 0x09 && !isLineBreak(after)) continue;
    // The parameter name just before `=`.
    let nameStart = before;
    while (nameStart > 0 && /[A-Za-z]/.test(String.fromCharCode(raw[nameStart - 1] ?? 0))) nameStart--; // in range: nameStart > 0
    if (!PARAM_NAMES.has(Buffer.from(raw.subarray(nameStart, before)).toString('latin1').toLowerCase())) continue;
    // The header line it belongs to, unfolding continuation lines (RFC 5322 §2.2.3).
    let lineStart = raw.lastIndexOf(0x0a, nameStart) + 1;
    while (lineStart > 0 && (raw[lineStart] === 0x20 || raw[lineStart] === 0x09)) {
      lineStart = raw.lastIndexOf(0x0a, lineStart - 2) + 1;
    }
    const head = Buffer.from(raw.subarray(lineStart, Math.min(lineStart + 32, n))).toString('latin1');
    if (PART_HEADERS.test(head)) return true;
  }
  return false;
}

/** True when `err` is parseEtpMail's answer for a mail without an ETP.DAT attachment. */
export function isNotActivationRequest(err: unknown): boolean {
  return isActivationError(err, 'MALFORMED') && err.cause?.reason === NOT_AN_ACTIVATION_REQUEST;
}

/**
 * Reads an activation mail. A mail without an ETP.DAT attachment gives ActivationError('MALFORMED')
 * with `cause.reason` {@link NOT_AN_ACTIVATION_REQUEST} (see {@link isNotActivationRequest});
 * a damaged one gives MALFORMED with another reason. Never throws anything else, except
 * ActivationError('UNSUPPORTED') when the optional peer mailparser is not installed.
 */
export async function parseEtpMail(raw: Uint8Array | string): Promise<ParsedEtpMail> {
  let input: Buffer;
  if (typeof raw === 'string') input = Buffer.from(raw, 'utf8');
  else if (raw instanceof Uint8Array) input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  else throw malformed('a mail must be bytes or a string', { reason: 'not bytes' });
  if (input.length === 0) throw malformed('empty mail', { reason: 'empty' });
  if (input.length > MAX_ETP_MAIL_BYTES) {
    throw malformed(`mail of ${input.length} bytes exceeds the limit of ${MAX_ETP_MAIL_BYTES}`, {
      reason: 'oversized',
      size: input.length,
    });
  }
  const { simpleParser: parse } = await loadPeer('mailparser', 'parseEtpMail');
  let mail: Awaited<ReturnType<typeof simpleParser>>;
  try {
    mail = await parse(input, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  } catch (err) {
    throw malformed('the mail could not be parsed', { reason: err instanceof Error ? err.name : typeof err });
  }
  const attachment = (mail.attachments ?? []).find((a) => (a.filename ?? '').toUpperCase() === ETP_ATTACHMENT_NAME);
  if (!attachment) {
    throw malformed('not an activation request: the mail has no ETP.DAT attachment', { reason: NOT_AN_ACTIVATION_REQUEST });
  }
  const content = attachment.content as unknown;
  if (!(content instanceof Uint8Array)) throw malformed('the ETP.DAT attachment has no content', { reason: 'empty attachment' });
  const etpDat = new Uint8Array(content.buffer, content.byteOffset, content.byteLength).slice();
  let etp: EtpDat;
  try {
    etp = decodeEtpDat(etpDat.slice());
  } catch (err) {
    if (isActivationError(err)) {
      throw malformed(`the ETP.DAT attachment is damaged: ${err.message}`, { reason: 'damaged ETP.DAT', field: err.cause?.field });
    }
    throw malformed('the ETP.DAT attachment is damaged', { reason: 'damaged ETP.DAT' });
  }
  const header = etp.header;
  const pinHeader = mail.headers.get(PIN_HEADER.toLowerCase());
  if (typeof pinHeader === 'string' && pinHeader.trim().toUpperCase() !== header.pin) {
    throw malformed('the PIN header does not match the ETP.DAT', { reason: 'PIN mismatch', field: PIN_HEADER });
  }
  let frame: Uint8Array;
  try {
    frame = encodeFrame({
      v: PROTOCOL_VERSION,
      type: 'etp-dat',
      sid: header.nonce,
      seq: 0,
      pin: header.pin,
      to: `mailto:${header.email}`,
      body: etpDat,
    });
    decodeFrame(frame.slice()); // the rebuilt frame must itself be valid (a copy: cbor-x tags what it decodes)
  } catch {
    throw malformed('the ETP.DAT does not make a valid frame', { reason: 'invalid frame' });
  }
  const vouch = mail.headers.get(VOUCH_HEADER.toLowerCase());
  const source = mail.headers.get(SOURCE_HEADER.toLowerCase());
  return {
    etpDat,
    frame,
    pin: header.pin,
    to: header.email,
    messageId: mail.messageId,
    subject: mail.subject,
    header,
    ...(typeof vouch === 'string' ? { vouch: vouch.trim() } : {}),
    ...(typeof source === 'string' ? { source: source.trim() } : {}),
  };
}
