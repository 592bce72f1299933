/**
 * Submits a built mail to an SMTP server with nodemailer's SMTP transport: how the relay hands
 * an activation request to the mail system. Plain SMTP with no TLS and no authentication, as
 * on a loopback test server; a real deployment would add TLS and credentials here.
 *
 * Exactly one sender and one recipient (issue 8, finding 12): both are checked as single plain
 * addresses (./mail-address.ts) before any connection is made, and given to nodemailer as an
 * explicit envelope of address strings it cannot split, so one call sends one MAIL FROM and one
 * RCPT TO whatever text the handset typed.
 */
import { loadPeer } from '../optional-peers.js';
import { ActivationError } from '../../errors/activation-error.js';
import { checkMailAddress } from './mail-address.js';

/** The SMTP server to submit to (plain SMTP, no TLS, no authentication: for test and demo networks). */
export interface SmtpTarget {
  /** SMTP server host. */
  readonly host: string;
  /** SMTP server port. */
  readonly port: number;
  /** Name sent in EHLO. Default `relay.invalid`. */
  readonly name?: string;
  /** Connection, greeting and socket timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
}

/** Options of {@link submitMail}: the server, the message and its envelope. */
export interface SubmitMailOptions extends SmtpTarget {
  /** The RFC 5322 message, as built (e.g. by buildEtpMail). */
  readonly raw: Uint8Array;
  /** Envelope sender (MAIL FROM): one plain addr-spec. */
  readonly from: string;
  /** Envelope recipient (RCPT TO): one plain addr-spec; lists and display names are refused. */
  readonly to: string;
}

/** What the SMTP server answered to {@link submitMail}. */
export interface SubmitResult {
  /** Recipients the server accepted. */
  readonly accepted: string[];
  /** Recipients the server refused. */
  readonly rejected: string[];
  /** The server's final response line. */
  readonly response: string;
}

/**
 * Submits one message to one recipient. A sender or recipient that is not one plain address
 * (`a;b@c`, `a@b, c@d`, `"x" <a@b>`, CR/LF, an array) is ActivationError('INVALID_ARGUMENT')
 * before anything is sent; any failure after that is ActivationError('TRANSPORT_ERROR').
 */
export async function submitMail(options: SubmitMailOptions): Promise<SubmitResult> {
  const from = checkMailAddress(options?.from, 'from');
  const to = checkMailAddress(options?.to, 'to');
  if (!(options.raw instanceof Uint8Array)) {
    throw new ActivationError('INVALID_ARGUMENT', 'raw must be the message bytes', { field: 'raw' });
  }
  const timeout = options.timeoutMs ?? 10_000;
  const { createTransport } = await loadPeer('nodemailer', 'submitMail');
  const transporter = createTransport({
    host: options.host,
    port: options.port,
    secure: false,
    ignoreTLS: true,
    name: options.name ?? 'relay.invalid',
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
  });
  try {
    const info = await transporter.sendMail({
      // An explicit envelope: nodemailer does not read the recipients from the message headers.
      envelope: { from, to: [to] },
      raw: Buffer.from(options.raw.buffer, options.raw.byteOffset, options.raw.byteLength),
    });
    const accepted = info.accepted.map(String);
    const rejected = info.rejected.map(String);
    if (accepted.length === 0) {
      throw new ActivationError('TRANSPORT_ERROR', 'the SMTP server accepted no recipient', {
        operation: 'SMTP submission',
        rejected: rejected.length,
      });
    }
    return { accepted, rejected, response: info.response };
  } catch (err) {
    if (err instanceof ActivationError) throw err;
    const e = err as { code?: unknown; responseCode?: unknown; name?: unknown };
    throw new ActivationError('TRANSPORT_ERROR', 'SMTP submission failed', {
      operation: 'SMTP submission',
      reason: typeof e?.code === 'string' ? e.code : err instanceof Error ? err.name : typeof err,
      ...(typeof e?.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    });
  } finally {
    transporter.close();
  }
}
