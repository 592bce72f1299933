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
 * Content-Type: multipart/mixed
 *   text/plain                      a short note for a human who opens the mail
 *   application/octet-stream        ETP.DAT (attachment, base64)
 * ```
 *
 * Node only (nodemailer's MailComposer, mailparser).
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { ActivationError, isActivationError } from '../../errors/activation-error.js';
import { bytesToHex } from '../../util/bytes.js';
import { decodeEtpDat, type EtpDat } from '../../wire/etp/etp-dat.js';
import type { EtpHeader } from '../../wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, PROTOCOL_VERSION } from '../../wire/frame.js';

/** Name of the attachment that carries the activation request. */
export const ETP_ATTACHMENT_NAME = 'ETP.DAT';
/** Header naming the handset's PIN. */
export const PIN_HEADER = 'X-Enterprise-Activation-PIN';
/** Header carrying the session id (the ETP.DAT nonce) in hex. */
export const SESSION_HEADER = 'X-Enterprise-Activation-Session';
/** Subject of an activation mail; the PIN follows in parentheses. */
export const ETP_MAIL_SUBJECT = 'Enterprise Activation request';
/** Largest raw mail `parseEtpMail` reads (bytes). */
export const MAX_ETP_MAIL_BYTES = 4 * 1024 * 1024;
/** `cause.reason` of the MALFORMED error for a mail that is not an activation request. */
export const NOT_AN_ACTIVATION_REQUEST = 'not-an-activation-request';

export function etpMailSubject(pin: string): string {
  return `${ETP_MAIL_SUBJECT} (PIN ${pin})`;
}

export interface BuildEtpMailOptions {
  /** A frame of type `etp-dat`; its body is the attachment. Give this or `etpDat`. */
  readonly frameBytes?: Uint8Array;
  /** The ETP.DAT bytes themselves. */
  readonly etpDat?: Uint8Array;
  /** Sender address, e.g. `2100000A@relay.invalid`. */
  readonly from: string;
  /** Recipient; default: the email address in the ETP.DAT header (the one the user typed). */
  readonly to?: string;
  /** Date header; default now. */
  readonly date?: Date;
  /** Message-ID; default `<etp.<session id hex>@<sender's domain>>`. */
  readonly messageId?: string;
}

function malformed(message: string, detail: Record<string, unknown> = {}): ActivationError {
  return new ActivationError('MALFORMED', message, { operation: 'ETP.DAT mail', ...detail });
}

/** Builds the RFC 5322 activation mail. Throws ActivationError('MALFORMED') for a bad frame or ETP.DAT. */
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
  if (typeof options.from !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(options.from)) {
    throw new ActivationError('INVALID_ARGUMENT', 'from must be an email address', { field: 'from' });
  }
  const to = options.to ?? email;
  const domain = options.from.slice(options.from.lastIndexOf('@') + 1);
  const composer = new MailComposer({
    from: { name: `Enterprise Activation ${pin}`, address: options.from },
    to,
    subject: etpMailSubject(pin),
    date: options.date ?? new Date(),
    messageId: options.messageId ?? `<etp.${bytesToHex(nonce)}@${domain}>`,
    headers: { [PIN_HEADER]: pin, [SESSION_HEADER]: bytesToHex(nonce) },
    text:
      `This message carries an Enterprise Activation request (ETP.DAT) from the handset with PIN ${pin} for ${email}.\r\n` +
      'The enterprise server processes and removes it automatically. Do not reply to it or forward it.\r\n',
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
  const head = raw.subarray(0, end).toString('latin1').replace(/^X-Enterprise-Activation-Pin:/im, `${PIN_HEADER}:`);
  const out = Buffer.concat([Buffer.from(head, 'latin1'), raw.subarray(end)]);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}

export interface ParsedEtpMail {
  /** The ETP.DAT attachment's bytes. */
  readonly etpDat: Uint8Array;
  /** The frame rebuilt from it: what the handset sent to the relay. */
  readonly frame: Uint8Array;
  /** The handset's PIN (from the ETP.DAT header). */
  readonly pin: string;
  /** The email address the user typed (from the ETP.DAT header). */
  readonly to: string;
  readonly messageId: string | undefined;
  readonly subject: string | undefined;
  /** The decoded ETP.DAT header. */
  readonly header: EtpHeader;
}

/** True when `err` is parseEtpMail's answer for a mail without an ETP.DAT attachment. */
export function isNotActivationRequest(err: unknown): boolean {
  return isActivationError(err, 'MALFORMED') && err.cause?.reason === NOT_AN_ACTIVATION_REQUEST;
}

/**
 * Reads an activation mail. A mail without an ETP.DAT attachment gives ActivationError('MALFORMED')
 * with `cause.reason` {@link NOT_AN_ACTIVATION_REQUEST} (see {@link isNotActivationRequest});
 * a damaged one gives MALFORMED with another reason. Never throws anything else.
 */
export async function parseEtpMail(raw: Uint8Array | string): Promise<ParsedEtpMail> {
  let input: Buffer;
  if (typeof raw === 'string') input = Buffer.from(raw, 'utf8');
  else if (raw instanceof Uint8Array) input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  else throw malformed('a mail must be bytes or a string', { reason: 'not bytes' });
  if (input.length === 0) throw malformed('empty mail', { reason: 'empty' });
  if (input.length > MAX_ETP_MAIL_BYTES) {
    throw malformed(`mail of ${input.length} bytes exceeds the limit of ${MAX_ETP_MAIL_BYTES}`, { reason: 'oversized', size: input.length });
  }
  let mail: Awaited<ReturnType<typeof simpleParser>>;
  try {
    mail = await simpleParser(input, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
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
  return {
    etpDat,
    frame,
    pin: header.pin,
    to: header.email,
    messageId: mail.messageId,
    subject: mail.subject,
    header,
  };
}
