/**
 * The argument checks and refusals every `CryptoProvider` makes the same way, written once so
 * that the noble and the node:crypto provider report a bad argument with the same code, message
 * and `cause` (test/support/provider-conformance.ts checks that they do).
 * @internal
 */
import { ActivationError } from '../errors/activation-error.js';

/** The largest HKDF-SHA-512 output: 255 blocks of 64 bytes (RFC 5869). */
export const HKDF_SHA512_MAX_LENGTH = 255 * 64;

/** Byte arguments are Uint8Arrays (a Node Buffer is one); nothing else is converted. */
export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/** INVALID_ARGUMENT naming the operation and the field unless `value` is bytes (of `length`, when given). */
export function requireBytes(operation: string, field: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!isBytes(value) || (length !== undefined && value.length !== length)) {
    throw new ActivationError(
      'INVALID_ARGUMENT',
      length === undefined ? `${field} must be a Uint8Array` : `${field} must be ${length} bytes`,
      { operation, field },
    );
  }
}

/** INVALID_ARGUMENT unless `length` is a whole number of bytes HKDF-SHA-512 can produce. */
export function requireHkdfLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 1 || length > HKDF_SHA512_MAX_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', 'HKDF-SHA-512 output length must be 1..16320', {
      operation: 'hkdf',
      field: 'length',
    });
  }
}

/** What `CryptoProvider.hmac` throws for a hash other than SHA-256 or SHA-512. */
export function unsupportedHmacHash(): ActivationError {
  return new ActivationError('UNSUPPORTED', 'unsupported HMAC hash', { operation: 'hmac', field: 'hash' });
}

/** What `CryptoProvider.cpaceSuite` throws for a suite the provider lacks. */
export function unsupportedSuite(): ActivationError {
  return new ActivationError('UNSUPPORTED', 'unsupported CPace cipher suite', { operation: 'select CPace suite', field: 'suite' });
}

/** What `CryptoProvider.transportCipher` throws for a cipher the provider lacks. */
export function unsupportedCipher(): ActivationError {
  return new ActivationError('UNSUPPORTED', 'unsupported transport key algorithm', {
    operation: 'select transport cipher',
    field: 'algorithm',
  });
}

/** True when every byte is zero, without a data-dependent early exit. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * What `CryptoProvider.agree` throws when X25519 gives all zeros (RFC 7748 section 6.1: the
 * peer sent a low-order point, and the "shared" secret would be known to anyone).
 */
export function lowOrderAgreement(): ActivationError {
  return new ActivationError('PROTOCOL_ERROR', 'X25519 gave an all-zero shared secret (a low-order point)', {
    operation: 'agree',
    field: 'publicKey',
  });
}
