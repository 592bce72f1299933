import { expect } from 'vitest';
import { ActivationError, type ActivationErrorCode } from '../../src/errors/activation-error.js';

export function expectCode(fn: () => unknown, code: ActivationErrorCode): ActivationError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ActivationError);
  expect((caught as ActivationError).code).toBe(code);
  return caught as ActivationError;
}

export const OWNER = { email: 'jane.doe@example.com', displayName: 'Jane Doe' };
/** 25 Feb 2009, 15:00 UTC: the day RIM released BES for Domino 4.1 SP6 MR4. */
export const NOW = Date.UTC(2009, 1, 25, 15, 0, 0);
