/**
 * `policy-ack`, handset -> server (sealed under the transport key): the device's {@link PolicyAck},
 * as the CBOR map of its fields in schema order. The acknowledgement's rules (lengths, counts,
 * `status` agreeing with the rejected rules) are the domain's, in src/policy/acknowledgement.ts.
 */
import { ActivationError } from '../../errors/activation-error.js';
import { encodeCbor, validate } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { policyAckSchema, type PolicyAck } from '../../policy/acknowledgement.js';

/** Largest encoded acknowledgement accepted. */
export const MAX_POLICY_ACK_BYTES = 256 * 1024;

/**
 * Encodes an acknowledgement (fields in schema order). One that breaks the schema (extra fields
 * included) is ActivationError('INVALID_ARGUMENT') naming the field.
 */
export function encodePolicyAck(ack: PolicyAck): Uint8Array {
  let wire: PolicyAck;
  try {
    wire = validate(policyAckSchema, ack, 'policy-ack');
  } catch (err) {
    if (!(err instanceof ActivationError)) throw err;
    throw new ActivationError('INVALID_ARGUMENT', err.message, { ...err.cause, operation: 'encode policy-ack' });
  }
  return encodeCbor(wire);
}

/** Decodes an acknowledgement body; any defect (extra fields included) is ActivationError('MALFORMED'). */
export function decodePolicyAck(body: Uint8Array): PolicyAck {
  return decodeGuarded(policyAckSchema, body, 'policy-ack', MAX_POLICY_ACK_BYTES);
}
