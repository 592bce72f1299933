/**
 * What every command shares: the program's name, usage errors (exit 2, with the command's usage on
 * stderr), option parsing that turns every parseArgs failure into one, and printable file names.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ActivationError } from '../errors/activation-error.js';

/** The command's name, as users type it. */
export const NAME = 'enterprise-activation';

/** The error for a wrong command line: exit 2, with `usage` on stderr. */
export function usageError(message: string, usage: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'command line', usage });
}

export function isUsageError(err: ActivationError): boolean {
  return err.cause?.operation === 'command line';
}

/** A file name as one printable line, whatever it contains. */
export function shown(file: string): string {
  return JSON.stringify(file).slice(1, -1);
}

/** Parses a command's options; every parseArgs failure becomes a usage error with one line. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs' messages are one sentence plus advice; keep the sentence (cut at the first full stop that ends one).
    const text = err instanceof Error ? err.message.replace(/\.(?:\s|$)[\s\S]*/, '').replace(/\s+/g, ' ') : 'bad arguments';
    throw usageError(text.charAt(0).toLowerCase() + text.slice(1), usage);
  }
}

/**
 * A whole number from `min` to `max` (at most 9 digits: no exponent, sign, fraction or
 * whitespace), from the option `--name`; undefined when the option is not given. Anything else
 * is a usage error naming the range.
 */
export function wholeOption(value: string | undefined, name: string, min: number, max: number, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw usageError(`--${name} must be a whole number from ${min} to ${max}`, usage);
  return n;
}

/** A decimal number above 0 and at most `max` (digits, an optional fraction), from `--name`; undefined when not given. */
export function positiveOption(value: string | undefined, name: string, max: number, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0 && n <= max)) throw usageError(`--${name} must be a number above 0, at most ${max}`, usage);
  return n;
}
