/**
 * The device's IT policy acknowledgement (the `policy-ack` message). RIM never published its
 * format; this one is ours (docs/it-policy.md): which policy (its id and the SHA-256 of its signed
 * bytes, so that the acknowledgement binds the content, not just a name), whether it was applied,
 * which rules took effect, which were rejected and why, and which rule names the device did not know.
 */
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import { decodeWith, encodeCbor, validate } from '../codec/cbor.js';
import { bytes, list, text } from '../codec/schema.js';
import { MAX_POLICY_ID_LENGTH, MAX_RULES, MAX_RULE_NAME_LENGTH } from './policy.js';
import { POLICY_HASH_LENGTH } from './signed-policy.js';

/** Longest rejection reason kept in an acknowledgement. */
export const MAX_REASON_LENGTH = 256;

/** Largest encoded acknowledgement accepted. */
export const MAX_POLICY_ACK_BYTES = 256 * 1024;

/** Whether the device accepted the IT policy as a whole. */
export type PolicyAckStatus = 'applied' | 'rejected';

/**
 * The device's acknowledgement of an IT policy: which content it answers, what was applied, what
 * was rejected and why. The format is ours; RIM's is not public
 * (../shared/reference/blackberry-activation-facts.md, "IT policy").
 */
export interface PolicyAck {
  /** The id of the policy acknowledged. */
  readonly policyId: string;
  /**
   * SHA-256 of the policy's signed bytes ({@link policyHash}): which content this acknowledges.
   * The server accepts the acknowledgement only if it equals the hash of the policy it sent.
   */
  readonly policyHash: Uint8Array;
  /** `rejected` exactly when `rejected` is not empty: the device did not accept the policy. */
  readonly status: PolicyAckStatus;
  /** Rules now in force. */
  readonly applied: readonly string[];
  /** Rules the device could not apply, each with a secret-free reason. */
  readonly rejected: readonly { readonly rule: string; readonly reason: string }[];
  /** Rule names the device does not know; they were ignored and do not affect `status`. */
  readonly ignored: readonly string[];
}

const ruleName = text(MAX_RULE_NAME_LENGTH, 1);

export const policyAckSchema = v.pipe(
  v.strictObject({
    policyId: text(MAX_POLICY_ID_LENGTH, 1),
    policyHash: bytes(POLICY_HASH_LENGTH),
    status: v.picklist(['applied', 'rejected'] as const),
    applied: list(ruleName, MAX_RULES),
    rejected: list(v.strictObject({ rule: ruleName, reason: text(MAX_REASON_LENGTH, 1) }), MAX_RULES),
    ignored: list(ruleName, MAX_RULES),
  }),
  v.check((ack) => (ack.status === 'rejected') === (ack.rejected.length > 0), 'status matches the rejected rules'),
);

/**
 * Encodes an acknowledgement (fields in schema order). One that breaks the schema (extra fields
 * included) is ActivationError('INVALID_ARGUMENT') naming the field.
 */
export function encodePolicyAck(ack: PolicyAck): Uint8Array {
  let wire: v.InferOutput<typeof policyAckSchema>;
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
  return decodeWith(policyAckSchema, body, 'policy-ack', MAX_POLICY_ACK_BYTES);
}
