/**
 * One email address, checked before it goes anywhere near an SMTP envelope or a header.
 *
 * The activation screen accepts anything shaped `local@domain` (src/wire/etp/etp-header.ts), and
 * the relay used to pass that text to nodemailer as a string. nodemailer parses a string as an
 * address *list*, so `postmaster;root@evil.example` became two RCPT TOs, and a display name or a
 * group could smuggle more (issue 8, finding 12). Here an address is a single RFC 5321 / 5322
 * addr-spec from a deliberately small subset, and callers hand nodemailer `{ name: '', address }`
 * objects plus an explicit envelope, so exactly one recipient can result.
 *
 * The subset:
 * - local part: dot-atom of letters, digits and ``# $ & ' * + - = ? ^ _ ` { } ~``, at most 64
 *   characters, no leading, trailing or doubled dot. Left out of RFC 5322's atext on purpose:
 *   `%` and `!` (source routes that some MTAs still relay: `user%evil.example@ours`), `/` and
 *   `|` (file and pipe deliveries in some local delivery agents). No quoted strings, comments
 *   or SMTPUTF8.
 * - domain: dot-separated LDH labels (letters, digits, hyphens, not at either end of a label),
 *   1..63 characters each, at most 253 in all. No address literals (`[127.0.0.1]`).
 * - at most 254 characters in all (RFC 5321 §4.5.3.1.3, the path limit minus the brackets).
 *
 * Anything else, including `;`, `,`, quotes, angle brackets, spaces, CR, LF and a second `@`,
 * is refused with ActivationError('INVALID_ARGUMENT'). The error never repeats the address.
 */
import { ActivationError } from '../../errors/activation-error.js';

const LOCAL_PART = /^[A-Za-z0-9#$&'*+\-=?^_`{}~]+(?:\.[A-Za-z0-9#$&'*+\-=?^_`{}~]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Longest address accepted, in characters. */
export const MAX_MAIL_ADDRESS_LENGTH = 254;

/** True when `value` is one address of the accepted subset (see the module comment). */
export function isMailAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 3 || value.length > MAX_MAIL_ADDRESS_LENGTH) return false;
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  if (domain.length === 0 || domain.length > 253) return false;
  return domain.split('.').every((label) => DOMAIN_LABEL.test(label));
}

/**
 * Returns `value` unchanged when it is one acceptable address; otherwise throws
 * ActivationError('INVALID_ARGUMENT') naming only the field.
 */
export function checkMailAddress(value: unknown, field: string): string {
  if (!isMailAddress(value)) {
    throw new ActivationError('INVALID_ARGUMENT', `${field} must be a single plain email address (local@domain)`, {
      operation: 'check mail address',
      field,
    });
  }
  return value;
}
