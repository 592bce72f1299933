/** IT policy: rule catalogue, policies, signatures, enforcement and acknowledgement (docs/it-policy.md). */
export {
  RULES,
  RESERVED_RULE_NAMES,
  MAX_DEVICE_PASSWORD_LENGTH,
  PASSWORD_TIMEOUT_DEFAULT_CHANGED_IN,
  getRule,
  isKnownRule,
  checkRuleValue,
  defaultFor,
  sameRuleValue,
} from './rules.js';
export type {
  RuleValue,
  RuleGroup,
  RuleType,
  RuleUnit,
  RuleDependency,
  VersionDefault,
  BooleanRule,
  IntegerRule,
  EnumRule,
  StringListRule,
  RuleDefinition,
} from './rules.js';
export {
  MAX_POLICY_ID_LENGTH,
  MAX_SERVER_VERSION_LENGTH,
  MAX_RULE_NAME_LENGTH,
  MAX_RULES,
  MAX_RULE_TEXT_LENGTH,
  MAX_RULE_LIST_ITEMS,
  createPolicy,
  validatePolicy,
  effectiveRules,
  ruleNameProblem,
  wireValueProblem,
} from './policy.js';
export type { ItPolicy, InvalidRule, EffectiveRules, EffectiveRulesOptions } from './policy.js';
export {
  IT_POLICY_SIGNATURE_LABEL,
  MAX_POLICY_BYTES,
  POLICY_HASH_LENGTH,
  policyHash,
  policyBytesHash,
  signedPolicySchema,
  itPolicySchema,
  encodePolicy,
  policySignatureInput,
  signPolicy,
  verifySignedPolicy,
  encodeSignedPolicy,
  decodeSignedPolicy,
} from './signed-policy.js';
export type { SignedPolicy } from './signed-policy.js';
export {
  UNSUPPORTED_REASON,
  ENFORCER_ERROR_REASON,
  InMemoryPolicyEnforcer,
  createMappedEnforcer,
} from './enforcer.js';
export type {
  RuleSettings,
  EnforcementContext,
  RuleRejection,
  EnforcementResult,
  PolicyEnforcer,
  InMemoryPolicyEnforcerOptions,
  RuleMapper,
  MappedEnforcerOptions,
} from './enforcer.js';
export { MAX_REASON_LENGTH, MAX_POLICY_ACK_BYTES, policyAckSchema, encodePolicyAck, decodePolicyAck } from './acknowledgement.js';
export type { PolicyAck, PolicyAckStatus } from './acknowledgement.js';
export { NOT_APPLIED_REASON, applyPolicy, applyPolicyUpdate, policyUpdateDecision, policyRejectedError } from './apply-policy.js';
export type { ApplyPolicyOptions, PolicyUpdateOutcome, PolicyUpdateDecision, PolicyInForce } from './apply-policy.js';
