/**
 * Submits a built mail to an SMTP server with nodemailer's SMTP transport: how the relay hands
 * an activation request to the mail system. Plain SMTP with no TLS and no authentication, as
 * on a loopback test server; a real deployment would add TLS and credentials here.
 */
import nodemailer from 'nodemailer';
import { ActivationError } from '../../errors/activation-error.js';

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  /** Name sent in EHLO. Default `relay.invalid`. */
  readonly name?: string;
  /** Connection, greeting and socket timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
}

export interface SubmitMailOptions extends SmtpTarget {
  /** The RFC 5322 message, as built (e.g. by buildEtpMail). */
  readonly raw: Uint8Array;
  /** Envelope sender (MAIL FROM). */
  readonly from: string;
  /** Envelope recipients (RCPT TO). */
  readonly to: string | readonly string[];
}

export interface SubmitResult {
  readonly accepted: string[];
  readonly rejected: string[];
  /** The server's final response line. */
  readonly response: string;
}

/** Submits one message; any failure is ActivationError('TRANSPORT_ERROR'). */
export async function submitMail(options: SubmitMailOptions): Promise<SubmitResult> {
  const timeout = options.timeoutMs ?? 10_000;
  const transporter = nodemailer.createTransport({
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
  const to = typeof options.to === 'string' ? [options.to] : [...options.to];
  try {
    const info = await transporter.sendMail({
      envelope: { from: options.from, to },
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
