/**
 * `enterprise-activation/testing/vitest`: registers the toolkit's matchers with vitest's `expect`
 * and adds them to its types. One import, in a test file or a setup file:
 *
 * ```ts
 * import 'enterprise-activation/testing/vitest';
 * ```
 *
 * vitest is an optional peer dependency: only this entry imports it.
 *
 * @packageDocumentation
 */
import { expect } from 'vitest';
import { activationMatchers, type ActivationMatchers } from '../matchers.js';

expect.extend(activationMatchers);

declare module 'vitest' {
  // Merged into vitest's own interface (vitest 3.2 and later), hence the type parameter name and default.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends ActivationMatchers<T> {}
}

// The types the matchers' signatures use, with the lists they are made of (the same objects as
// the root entry's).
export type { ActivationMatchers, ExpectedStatus } from '../matchers.js';
export { ACTIVATION_ERROR_CODES, type ActivationErrorCode } from '../../errors/activation-error.js';
export { STATUS_IDS, type StatusId } from '../../handset/status.js';
export { SYNC_ORDER, type SyncDatabase } from '../../sync/databases.js';
export { TRANSPORT_KEY_ALGORITHMS } from '../../crypto/ids.js';
export type { TransportKeyAlgorithm } from '../../crypto/provider.js';
