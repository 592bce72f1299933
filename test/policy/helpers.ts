import { nobleProvider } from '../../src/crypto/noble-provider.js';

export { caught, expectCode } from '../support/errors.js';

/** The server's policy-signing key pair in the policy tests, and another one that did not sign. */
export const serverKeys = nobleProvider.signingKeyPair(new Uint8Array(32).fill(7));
export const otherKeys = nobleProvider.signingKeyPair(new Uint8Array(32).fill(8));

/** The `issuedAt` of the policies the tests create (2023-11-14). */
export const ISSUED = 1_700_000_000_000;
