/**
 * `it-policy`, server -> handset (sealed under the transport key): a {@link SignedPolicy}, the
 * policy's canonical bytes and the server's signature over them, as the CBOR map
 * `{ policy, signature }`. Decoding checks the shape only; the signature and the policy inside
 * are checked by `verifySignedPolicy` (src/policy/signed-policy.ts).
 */
import * as v from 'valibot';
import { ActivationError } from '../../errors/activation-error.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { MAX_POLICY_BYTES, signedPolicySchema, type SignedPolicy } from '../../policy/signed-policy.js';

/** Room for the map around the policy bytes and the signature. */
const ENVELOPE_BYTES = 128;

/**
 * Encodes the `it-policy` body. A `signed` that is not 1..{@link MAX_POLICY_BYTES} policy bytes and
 * a 64-byte signature is ActivationError('INVALID_ARGUMENT'); {@link decodeSignedPolicy} reverses it.
 */
export function encodeSignedPolicy(signed: SignedPolicy): Uint8Array {
  const ok =
    signed !== null && typeof signed === 'object' && v.is(signedPolicySchema, { policy: signed.policy, signature: signed.signature });
  if (!ok) {
    throw new ActivationError('INVALID_ARGUMENT', `a signed IT policy is 1..${MAX_POLICY_BYTES} policy bytes and a 64-byte signature`, {
      operation: 'encode it-policy',
    });
  }
  return encodeCbor({ policy: signed.policy, signature: signed.signature });
}

/** Decodes the `it-policy` body (shape only: verify it with `verifySignedPolicy`); any defect is ActivationError('MALFORMED'). */
export function decodeSignedPolicy(body: Uint8Array): SignedPolicy {
  return decodeGuarded(signedPolicySchema, body, 'it-policy', MAX_POLICY_BYTES + ENVELOPE_BYTES);
}
