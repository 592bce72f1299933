/**
 * A signed IT policy's rules are encoded in the order docs/it-policy.md gives: sorted by rule
 * name in JavaScript string order (UTF-16 code units), so that a policy another server encodes
 * as documented verifies, and the library encodes exactly those bytes.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { createPolicy } from '../../src/policy/policy.js';
import { encodePolicy, policySignatureInput, verifySignedPolicy } from '../../src/policy/signed-policy.js';

describe('policy rules are sorted as documented', () => {
  // docs/it-policy.md: "rules is a map sorted by rule name (JavaScript string order: UTF-16 code
  // units)". canonicalBytes (src/policy/signed-policy.ts) sorts the names, but inserts them into a
  // plain object, and JavaScript enumerates integer-like keys first in numeric order: rules "9" and
  // "10" are encoded 9, 10, while string order is "10" < "9". A policy encoded as documented is
  // refused as "not in canonical form" (an interoperability bug for any other server).
  it('a policy encoded as documented (rule "10" before rule "9") verifies', () => {
    const key = nobleProvider.signingKeyPair(seededRandom('policy-key')(32));
    // Built by hand from the documented form: { id: "p", serverVersion: "5.0", issuedAt: 1,
    // rules: { "10": true, "9": false } } with the rules in string order ("10" < "9").
    const documented = Uint8Array.from(
      Buffer.from(
        'a4' +
          '626964' +
          '6170' +
          '6d73657276657256657273696f6e' +
          '63352e30' +
          '686973737565644174' +
          '01' +
          '6572756c6573' +
          'a2' +
          '623130' +
          'f5' +
          '6139' +
          'f4',
        'hex',
      ),
    );
    const signature = nobleProvider.sign(key.secretKey, policySignatureInput(documented));
    expect(() => verifySignedPolicy(nobleProvider, key.publicKey, { policy: documented, signature })).not.toThrow(); // was: MALFORMED
    // And the library itself encodes exactly that.
    expect(Buffer.from(encodePolicy(createPolicy('p', '5.0', 1, { '10': true, '9': false }))).toString('hex')).toBe(
      Buffer.from(documented).toString('hex'),
    );
  });
});
