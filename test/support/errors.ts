/** Assertions about thrown errors, shared by the test files. */
import { expect } from 'vitest';
import { ActivationError, type ActivationErrorCode } from '../../src/errors/activation-error.js';

/** What `fn` throws, or `undefined` when it returns. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Asserts that `fn` throws an ActivationError with `code` (or one of `code`), and returns it. */
export function expectCode(fn: () => unknown, code: ActivationErrorCode | readonly ActivationErrorCode[]): ActivationError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  const codes: readonly ActivationErrorCode[] = typeof code === 'string' ? [code] : code;
  expect(codes).toContain((err as ActivationError).code);
  return err as ActivationError;
}

/** Asserts that `promise` rejects with an ActivationError with `code` (or one of `code`), and returns it. */
export async function expectRejection(
  promise: Promise<unknown>,
  code: ActivationErrorCode | readonly ActivationErrorCode[],
): Promise<ActivationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ActivationError);
  const codes: readonly ActivationErrorCode[] = typeof code === 'string' ? [code] : code;
  expect(codes).toContain((err as ActivationError).code);
  return err as ActivationError;
}
