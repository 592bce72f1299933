/**
 * The device's IT policy acknowledgement. RIM never published its format; this one is ours
 * (docs/it-policy.md): which policy (its id and the SHA-256 of its signed bytes, so that the
 * acknowledgement binds the content, not just a name), whether it was applied, which rules took
 * effect, which were rejected and why, and which rule names the device did not know. The
 * `policy-ack` message that carries it is encoded and decoded in src/wire/messages/policy-ack.ts.
 */
import * as v from 'valibot';
import { bytes, list, text, type SchemaOf } from '../codec/schema.js';
import { MAX_POLICY_ID_LENGTH, MAX_RULES, MAX_RULE_NAME_LENGTH } from './policy.js';
import { POLICY_HASH_LENGTH } from './signed-policy.js';

/** Longest rejection reason kept in an acknowledgement. */
export const MAX_REASON_LENGTH = 256;

/** What a device may answer about an IT policy as a whole: it applied it, or it rejected it. */
export const POLICY_ACK_STATUSES = ['applied', 'rejected'] as const;
/** One of {@link POLICY_ACK_STATUSES}: whether the device accepted the IT policy as a whole. */
export type PolicyAckStatus = (typeof POLICY_ACK_STATUSES)[number];

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

/**
 * The rules of an acknowledgement: field lengths and counts, and `status` is `rejected` exactly
 * when a rule was rejected. The handset checks the acknowledgement its driver hands back against
 * it; the `policy-ack` message (src/wire/messages/policy-ack.ts) is exactly this map.
 */
export const policyAckSchema = v.pipe(
  v.strictObject({
    policyId: text(MAX_POLICY_ID_LENGTH, 1),
    policyHash: bytes(POLICY_HASH_LENGTH),
    status: v.picklist(POLICY_ACK_STATUSES),
    applied: list(ruleName, MAX_RULES),
    rejected: list(v.strictObject({ rule: ruleName, reason: text(MAX_REASON_LENGTH, 1) }), MAX_RULES),
    ignored: list(ruleName, MAX_RULES),
  }),
  v.check((ack) => (ack.status === 'rejected') === ack.rejected.length > 0, 'status matches the rejected rules'),
) satisfies SchemaOf<PolicyAck>;
