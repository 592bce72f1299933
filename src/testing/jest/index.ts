/**
 * `enterprise-activation/testing/jest`: registers the toolkit's matchers with Jest's global
 * `expect` and adds them to the types of Jest's global `expect` (`jest.Matchers`, @types/jest). One
 * import, in a test file or in `setupFilesAfterEnv`:
 *
 * ```ts
 * import 'enterprise-activation/testing/jest';
 * ```
 *
 * It imports nothing from Jest: Jest puts `expect` on the global object of each test file. With
 * `injectGlobals: false` there is no global one: call {@link registerMatchers} with the `expect` of
 * `@jest/globals` instead (docs/testing-toolkit.md shows the lines that add the matchers to its types).
 *
 * @packageDocumentation
 */
import { ActivationError } from '../../errors/activation-error.js';
import { activationMatchers, type ActivationMatchers } from '../matchers.js';

/** The one part of a Jest-style `expect` this entry needs. */
export interface ExtendableExpect {
  /** Adds matchers (Jest's `expect.extend`). */
  extend(matchers: Record<string, unknown>): void;
}

/**
 * Adds the toolkit's matchers to `expect` (Jest's, or any Jest-style one: the standalone `expect`
 * package, vitest's).
 *
 * @throws An {@link ActivationError} `INVALID_ARGUMENT` when `expect` has no `extend` function.
 */
export function registerMatchers(expect: ExtendableExpect): void {
  if (expect === null || (typeof expect !== 'object' && typeof expect !== 'function') || typeof expect.extend !== 'function') {
    throw new ActivationError('INVALID_ARGUMENT', 'registerMatchers needs a Jest-style expect with an extend function', {
      field: 'expect',
    });
  }
  expect.extend(activationMatchers);
}

// Jest's global expect, when this runs inside a Jest test file (or any runner that puts one there).
const globalExpect = (globalThis as { expect?: ExtendableExpect }).expect;
if (globalExpect !== undefined && typeof globalExpect.extend === 'function') registerMatchers(globalExpect);

declare global {
  // @types/jest's matcher interface (the global `expect` of Jest's own types).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // The same type parameters as @types/jest's declaration, which this one merges into.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends ActivationMatchers<R> {}
  }
}

// The types the matchers' signatures use, with the lists they are made of (the same objects as
// the root entry's).
export type { ActivationMatchers, ExpectedStatus } from '../matchers.js';
export { ACTIVATION_ERROR_CODES, type ActivationErrorCode } from '../../errors/activation-error.js';
export { STATUS_IDS, type StatusId } from '../../handset/status.js';
export { SYNC_ORDER, type SyncDatabase } from '../../sync/databases.js';
export { TRANSPORT_KEY_ALGORITHMS } from '../../crypto/ids.js';
export type { TransportKeyAlgorithm } from '../../crypto/provider.js';
