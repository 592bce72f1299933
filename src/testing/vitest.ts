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
import { activationMatchers, type ActivationMatchers } from './matchers.js';

expect.extend(activationMatchers);

declare module 'vitest' {
  // Merged into vitest's own interface (vitest 3.2 and later), hence the type parameter name and default.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends ActivationMatchers<T> {}
}

export { activationMatchers, type ActivationMatchers } from './matchers.js';
