/**
 * The one error class of the library. Every failure that reaches a caller is an
 * `ActivationError` whose `code` is one of {@link ActivationErrorCode}; structured,
 * secret-free detail sits in `cause`.
 */

/**
 * Every error code, in a stable order: the list the {@link ActivationErrorCode} union derives from,
 * for exhaustive checks and documentation. New codes may be added in minor releases; existing ones
 * never change meaning.
 */
export const ACTIVATION_ERROR_CODES = [
  /** The activation password did not match (the server's confirmation tag was wrong, or the server said so). */
  'WRONG_PASSWORD',
  /** The activation password has expired on the server (48 hours by default). */
  'PASSWORD_EXPIRED',
  /** Too many failed attempts: the activation password is no longer valid. */
  'LOCKED_OUT',
  /** No activation password is set for the account (never set, or already used). */
  'NO_ACTIVATION_PASSWORD',
  /** The email address is not known to the server. */
  'UNKNOWN_USER',
  /** A step did not complete before its deadline. */
  'TIMEOUT',
  /** The peer sent a well-formed message that is not allowed in this state, or a proof that did not verify. */
  'PROTOCOL_ERROR',
  /**
   * No cipher suite, key algorithm or protocol version in common; or an `enterprise-activation/node`
   * feature whose optional peer dependency (ws, nodemailer, smtp-server, mailparser) is not
   * installed (`cause.package`, `cause.install`).
   */
  'UNSUPPORTED',
  /** Input that could not be decoded: truncated, oversized, wrong types, unknown fields, bad encoding. */
  'MALFORMED',
  /** Authenticated decryption failed: the message was altered or not made with the expected key. */
  'DECRYPT_FAILED',
  /** A signature (the IT policy's) did not verify. */
  'BAD_SIGNATURE',
  /** The device could not apply the IT policy. */
  'POLICY_REJECTED',
  /** A peer aborted the activation. */
  'ABORTED',
  /** The transport failed or was closed. */
  'TRANSPORT_ERROR',
  /** A caller passed an invalid argument (bad PIN, empty password, ...). */
  'INVALID_ARGUMENT',
  /** An operation was called in a state that does not allow it. */
  'INVALID_STATE',
  /** A sealed snapshot is older than the generation the host says it last wrote (a rollback). */
  'STALE_SNAPSHOT',
  /**
   * The server retired this device: another device was activated for the user, or the
   * administrator wiped it (docs/lifecycle.md). Its keys are gone; it can be activated again.
   */
  'DEACTIVATED',
  /**
   * The IT policy is signed by a key other than the one the device is bound to (the key of the BES
   * it first activated with); only a wipe unbinds it (docs/lifecycle.md, "The IT policy lifecycle").
   */
  'POLICY_KEY_MISMATCH',
] as const;

/**
 * Stable error codes: one of {@link ACTIVATION_ERROR_CODES}.
 *
 * - `WRONG_PASSWORD`: The activation password did not match (the server's confirmation tag was wrong, or the server said so).
 * - `PASSWORD_EXPIRED`: The activation password has expired on the server (48 hours by default).
 * - `LOCKED_OUT`: Too many failed attempts: the activation password is no longer valid.
 * - `NO_ACTIVATION_PASSWORD`: No activation password is set for the account (never set, or already used).
 * - `UNKNOWN_USER`: The email address is not known to the server.
 * - `TIMEOUT`: A step did not complete before its deadline.
 * - `PROTOCOL_ERROR`: The peer sent a well-formed message that is not allowed in this state, or a proof that did not verify.
 * - `UNSUPPORTED`: No cipher suite, key algorithm or protocol version in common; or an `enterprise-activation/node` feature whose optional peer dependency (ws, nodemailer, smtp-server, mailparser) is not installed (`cause.package`, `cause.install`).
 * - `MALFORMED`: Input that could not be decoded: truncated, oversized, wrong types, unknown fields, bad encoding.
 * - `DECRYPT_FAILED`: Authenticated decryption failed: the message was altered or not made with the expected key.
 * - `BAD_SIGNATURE`: A signature (the IT policy's) did not verify.
 * - `POLICY_REJECTED`: The device could not apply the IT policy.
 * - `ABORTED`: A peer aborted the activation.
 * - `TRANSPORT_ERROR`: The transport failed or was closed.
 * - `INVALID_ARGUMENT`: A caller passed an invalid argument (bad PIN, empty password, ...).
 * - `INVALID_STATE`: An operation was called in a state that does not allow it.
 * - `STALE_SNAPSHOT`: A sealed snapshot is older than the generation the host says it last wrote (a rollback).
 * - `DEACTIVATED`: The server retired this device: another device was activated for the user, or the administrator wiped it (docs/lifecycle.md). Its keys are gone; it can be activated again.
 * - `POLICY_KEY_MISMATCH`: The IT policy is signed by a key other than the one the device is bound to (the key of the BES it first activated with); only a wipe unbinds it.
 */
export type ActivationErrorCode = (typeof ACTIVATION_ERROR_CODES)[number];

/** Structured detail carried in `cause`. It never holds a password, key or plaintext record. */
export interface ActivationErrorDetail {
  /** What was being done, e.g. `"decode ETP.DAT"`, `"verify server confirmation"`. */
  readonly operation?: string;
  /** Field or path that was wrong, e.g. `"header.pin"`. */
  readonly field?: string;
  /** Any further secret-free facts (sizes, limits, state names, message types). */
  readonly [key: string]: unknown;
}

/**
 * The one error class of the package: every failure from every entry point (and the CLI) is an
 * `ActivationError`. Branch on {@link ActivationError.code}, which is stable; the message is for
 * people and may change. Detail for logs is in `cause`, and never holds a secret.
 *
 * @example
 * ```ts
 * import { isActivationError } from 'enterprise-activation';
 *
 * try {
 *   await handset.activate({ email, password });
 * } catch (err) {
 *   if (isActivationError(err, 'WRONG_PASSWORD')) screen.show('Wrong activation password');
 *   else if (isActivationError(err)) log.warn(err.code, err.toJSON());
 *   else throw err;
 * }
 * ```
 */
export class ActivationError extends Error {
  /** Always `'ActivationError'`. */
  override readonly name = 'ActivationError';
  /** What went wrong, as a stable code; see {@link ActivationErrorCode}. */
  readonly code: ActivationErrorCode;
  /** Structured, secret-free detail (what was being done, which field), when there is any. */
  declare readonly cause: ActivationErrorDetail | undefined;

  /** Makes an error with a stable `code`, a message for people and optional secret-free detail. */
  constructor(code: ActivationErrorCode, message: string, cause?: ActivationErrorDetail) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }

  /** A plain, secret-free object for logs and events. */
  toJSON(): { name: string; code: ActivationErrorCode; message: string; cause?: ActivationErrorDetail } {
    return this.cause === undefined
      ? { name: this.name, code: this.code, message: this.message }
      : { name: this.name, code: this.code, message: this.message, cause: this.cause };
  }
}

/** True when `value` is an {@link ActivationError}, optionally with the given code. */
export function isActivationError(value: unknown, code?: ActivationErrorCode): value is ActivationError {
  return value instanceof ActivationError && (code === undefined || value.code === code);
}

/**
 * Runs `fn`; anything it throws that is not already an ActivationError becomes one with `code`.
 * The original error's message is kept only as its constructor name, so no secret can leak through it.
 */
export function wrapErrors<T>(code: ActivationErrorCode, operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ActivationError) throw err;
    const kind = err instanceof Error ? err.name : typeof err;
    throw new ActivationError(code, `${operation} failed`, { operation, reason: kind });
  }
}
