/**
 * Applying a verified IT policy on the device: effective rules -> enforcer -> acknowledgement.
 * Nothing here throws because of the enforcer: whatever it does (throw, return nonsense, return a
 * Promise) becomes a rejection in the acknowledgement.
 */
import { ActivationError } from '../errors/activation-error.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { MAX_REASON_LENGTH, type PolicyAck } from './acknowledgement.js';
import { ENFORCER_ERROR_REASON, type PolicyEnforcer, type RuleRejection, type RuleSettings } from './enforcer.js';
import { effectiveRules, type EffectiveRulesOptions, type ItPolicy } from './policy.js';
import { RULES } from './rules.js';
import { policyHash } from './signed-policy.js';
import { constantTimeEqual } from '../util/bytes.js';

/** Reason for a rule the enforcer neither applied nor rejected. */
export const NOT_APPLIED_REASON = 'not applied';

/** Options of {@link applyPolicy}: the device's software version, for version-dependent defaults, and the crypto provider. */
export interface ApplyPolicyOptions extends EffectiveRulesOptions {
  /** Hashes the policy for the acknowledgement (`PolicyAck.policyHash`). Default: {@link nobleProvider}. */
  readonly provider?: Pick<CryptoProvider, 'sha256'>;
}

/**
 * Applies `policy` and builds the acknowledgement:
 * - known rules with a value the catalogue does not allow are rejected ("invalid value: ...") and
 *   the enforcer is not called at all (such a policy changes nothing);
 * - otherwise the enforcer gets the effective rules; its rejections are copied (reasons cut to 256
 *   characters); if it rejected nothing but left rules out of `applied`, those are rejected as
 *   "not applied" (when it did reject something, rules in neither list are simply not in force:
 *   an all-or-nothing enforcer names only the culprits); if it throws or
 *   returns something that is not an {@link EnforcementResult}, every effective rule is rejected
 *   with reason "enforcer error";
 * - unknown rule names are listed in `ignored` and never cause a rejection;
 * - `status` is `rejected` when any rule was rejected. Lists are in catalogue order.
 */
export function applyPolicy(enforcer: PolicyEnforcer, policy: ItPolicy, options: ApplyPolicyOptions = {}): PolicyAck {
  const { effective, unknown, invalid } = effectiveRules(policy, options);
  const names = Object.keys(effective);
  let applied: string[] = [];
  let rejected: RuleRejection[];

  if (invalid.length > 0) {
    rejected = invalid.map((r) => ({ rule: r.rule, reason: clip(`invalid value: ${r.reason}`) }));
  } else {
    const outcome = runEnforcer(enforcer, effective, { policyId: policy.id, serverVersion: policy.serverVersion }, names);
    if (outcome === undefined) {
      rejected = names.map((rule) => ({ rule, reason: ENFORCER_ERROR_REASON }));
    } else {
      const rejectedNames = new Set(outcome.rejected.map((r) => r.rule));
      applied = names.filter((n) => outcome.applied.has(n) && !rejectedNames.has(n));
      rejected = [...outcome.rejected];
      // A rule the enforcer silently left out is a rejection, unless it already rejected the policy
      // (an all-or-nothing enforcer names only the culprits and applies nothing).
      if (rejected.length === 0) {
        for (const n of names) if (!outcome.applied.has(n)) rejected.push({ rule: n, reason: NOT_APPLIED_REASON });
      }
    }
  }

  rejected.sort((a, b) => catalogueIndex(a.rule) - catalogueIndex(b.rule));
  return Object.freeze({
    policyId: policy.id,
    policyHash: policyHash(policy, options.provider),
    status: rejected.length > 0 ? 'rejected' : 'applied',
    applied: Object.freeze(applied),
    rejected: Object.freeze(rejected.map((r) => Object.freeze(r))),
    ignored: Object.freeze([...unknown]),
  });
}

/**
 * What a device does with a policy pushed after activation, given the one in force
 * (docs/it-policy.md, "Updates after activation"):
 * - `apply`: nothing is in force, or the policy is newer (`issuedAt` greater than the current one's);
 * - `duplicate`: the very same content as the policy in force (same hash of the signed bytes), sent
 *   again because the server missed the acknowledgement: acknowledge again, do not re-apply;
 * - `stale`: other content that is not newer (an older policy replayed, or a reused `issuedAt`):
 *   refused, never applied, not acknowledged.
 * The id plays no part: content is identified by its hash, order by `issuedAt` (issue 8, finding 7).
 */
export type PolicyUpdateDecision = 'apply' | 'duplicate' | 'stale';

/** The policy in force on a device and its acknowledgement (the handset state's `policy`). */
export interface PolicyInForce {
  readonly policy: ItPolicy;
  readonly ack: PolicyAck;
}

/**
 * Decides how to treat `policy` (whose signed bytes hash to `hash`, by default the hash of its
 * canonical encoding) when `current` is in force. The hashes are `provider`'s.
 */
export function policyUpdateDecision(
  current: Pick<PolicyInForce, 'policy'> | undefined,
  policy: ItPolicy,
  hash?: Uint8Array,
  provider: Pick<CryptoProvider, 'sha256'> = nobleProvider,
): PolicyUpdateDecision {
  const incoming = hash ?? policyHash(policy, provider);
  if (current === undefined) return 'apply';
  if (constantTimeEqual(policyHash(current.policy, provider), incoming)) return 'duplicate';
  return policy.issuedAt > current.policy.issuedAt ? 'apply' : 'stale';
}

/** The outcome of applying a policy that may already be in force. */
export interface PolicyUpdateOutcome {
  readonly decision: PolicyUpdateDecision;
  /** The acknowledgement to send; `undefined` for a `stale` policy, which is not acknowledged. */
  readonly ack: PolicyAck | undefined;
  /** True when the enforcer was called (decision `apply`). */
  readonly reapplied: boolean;
}

/**
 * Update semantics after activation ({@link policyUpdateDecision}): a newer policy is applied and
 * acknowledged like the first one ({@link applyPolicy}); the exact policy in force is acknowledged
 * again with its acknowledgement and not re-applied; anything else is refused.
 */
export function applyPolicyUpdate(
  enforcer: PolicyEnforcer,
  policy: ItPolicy,
  current: PolicyInForce | undefined,
  options: ApplyPolicyOptions = {},
): PolicyUpdateOutcome {
  const hash = policyHash(policy, options.provider);
  const decision = policyUpdateDecision(current, policy, hash, options.provider);
  if (decision === 'stale') return Object.freeze({ decision, ack: undefined, reapplied: false });
  // 'duplicate' means that `current` is in force (policyUpdateDecision), so its ack is there.
  if (decision === 'duplicate') return Object.freeze({ decision, ack: current?.ack, reapplied: false });
  return Object.freeze({ decision, ack: applyPolicy(enforcer, policy, options), reapplied: true });
}

/**
 * The error that ends an activation whose policy was rejected: ActivationError('POLICY_REJECTED')
 * with the policy id and the rejected rule names in `cause`. `undefined` for an applied policy.
 */
export function policyRejectedError(ack: PolicyAck): ActivationError | undefined {
  if (ack.status !== 'rejected') return undefined;
  const rules = ack.rejected.map((r) => r.rule);
  return new ActivationError('POLICY_REJECTED', `the IT policy could not be applied: ${rules.join(', ')}`, {
    operation: 'apply IT policy',
    policyId: ack.policyId,
    rules,
  });
}

interface CheckedOutcome {
  readonly applied: ReadonlySet<string>;
  readonly rejected: readonly RuleRejection[];
}

/** Calls the enforcer; `undefined` if it threw or answered with anything but a well-formed result about these rules. */
function runEnforcer(
  enforcer: PolicyEnforcer,
  effective: RuleSettings,
  context: { policyId: string; serverVersion: string },
  names: readonly string[],
): CheckedOutcome | undefined {
  let result: unknown;
  try {
    result = enforcer.apply(effective, Object.freeze({ ...context }));
  } catch {
    return undefined;
  }
  try {
    if (result === null || typeof result !== 'object') return undefined;
    const { applied, rejected } = result as { applied?: unknown; rejected?: unknown };
    if (!Array.isArray(applied) || !Array.isArray(rejected)) return undefined;
    const known = new Set(names);
    const appliedSet = new Set<string>();
    for (const name of applied as unknown[]) {
      if (typeof name !== 'string' || !known.has(name)) return undefined;
      appliedSet.add(name);
    }
    const out: RuleRejection[] = [];
    const seen = new Set<string>();
    for (const entry of rejected as unknown[]) {
      if (entry === null || typeof entry !== 'object') return undefined;
      const { rule, reason } = entry as { rule?: unknown; reason?: unknown };
      if (typeof rule !== 'string' || !known.has(rule)) return undefined;
      if (seen.has(rule)) continue;
      seen.add(rule);
      out.push({ rule, reason: typeof reason === 'string' && reason.length > 0 ? clip(reason) : NOT_APPLIED_REASON });
    }
    return { applied: appliedSet, rejected: out };
  } catch {
    // A hostile result (throwing getters, proxies) is an enforcer error too.
    return undefined;
  }
}

/** Rule name to catalogue position, built on first use rather than at module load. */
let catalogueOrder: ReadonlyMap<string, number> | undefined;

function catalogueIndex(name: string): number {
  catalogueOrder ??= new Map(RULES.map((r, i) => [r.name, i]));
  return catalogueOrder.get(name) ?? RULES.length;
}

/**
 * Cuts a reason to the acknowledgement's limit without splitting a surrogate pair, and replaces
 * any lone surrogate the enforcer wrote with U+FFFD: the reason travels as CBOR text (UTF-8),
 * which cannot carry one, and the server would refuse the whole acknowledgement.
 */
function clip(reason: string): string {
  let cut = reason;
  if (cut.length > MAX_REASON_LENGTH) {
    cut = cut.slice(0, MAX_REASON_LENGTH);
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  }
  return cut.replace(/\p{Cs}/gu, '\uFFFD');
}
