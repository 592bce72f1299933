/**
 * The IT policy as data: its id, the server version, when it was issued and its rule values;
 * `createPolicy` (the server side) checks every value, `effectiveRules` (the device side) works
 * out what is in force: defaults merged with the policy, minus rules whose dependency is unmet.
 */
import { ActivationError } from '../errors/activation-error.js';
import {
  RESERVED_RULE_NAMES,
  RULES,
  checkRuleValue,
  defaultFor,
  getRule,
  sameRuleValue,
  type RuleDefinition,
  type RuleValue,
} from './rules.js';

/** Longest policy id, in characters. */
export const MAX_POLICY_ID_LENGTH = 64;
/** Longest server version text. */
export const MAX_SERVER_VERSION_LENGTH = 256;
/** Longest rule name, known or not. */
export const MAX_RULE_NAME_LENGTH = 128;
/** Most rules one policy may carry, known or not. */
export const MAX_RULES = 256;
/** Longest string value (or list entry) of any rule, known or not. */
export const MAX_RULE_TEXT_LENGTH = 256;
/** Most entries of a list value of any rule, known or not. */
export const MAX_RULE_LIST_ITEMS = 100;

/**
 * An IT policy as data: id, issuing server version, time of issue, rule values. The id and the
 * server version are what RIM documented a policy to carry
 * (../shared/reference/blackberry-activation-facts.md, "IT policy"); build one with {@link createPolicy}.
 */
export interface ItPolicy {
  /** Unique id of this policy (RIM: each policy carries one), 1..64 characters. */
  readonly id: string;
  /** Version of the server software that issued it. */
  readonly serverVersion: string;
  /** When it was issued, milliseconds since the Unix epoch. */
  readonly issuedAt: number;
  /** Rule name -> value. May name rules this device does not know. */
  readonly rules: Readonly<Record<string, RuleValue>>;
}

/** A known rule whose value is not allowed by the catalogue. */
export interface InvalidRule {
  /** The rule name. */
  readonly rule: string;
  /** What is wrong with its value, e.g. `"must be 4..14"`. */
  readonly reason: string;
}

/** What a policy means on this device (see {@link effectiveRules}). */
export interface EffectiveRules {
  /** Every catalogue rule that applies, with its value (the policy's, else the default), in catalogue order. */
  readonly effective: Readonly<Record<string, RuleValue>>;
  /** Catalogue rules that do not apply because their dependency is not met, in catalogue order. */
  readonly inactive: readonly string[];
  /** Rule names in the policy that this device does not know, sorted. They are ignored. */
  readonly unknown: readonly string[];
  /**
   * Known rules whose value the catalogue does not allow, in catalogue order. Only a policy that did
   * not come from {@link createPolicy} (e.g. one decoded from the wire) can have any; such a policy
   * cannot be applied.
   */
  readonly invalid: readonly InvalidRule[];
}

/** Options of {@link effectiveRules}. */
export interface EffectiveRulesOptions {
  /** Device software version, e.g. "4.6.1.114": picks version-dependent defaults (Set Password Timeout). */
  readonly deviceOsVersion?: string;
}

/**
 * Builds a policy, checking everything: the id (1..64 characters), the server version (1..256),
 * `issuedAt` (a non-negative integer), every known rule's value against the catalogue, and every
 * unknown rule's value against the generic wire limits (boolean, safe integer, string of at most
 * 256 characters, or a list of at most 100 such strings). Anything wrong is
 * ActivationError('INVALID_ARGUMENT') naming the field or rule. The result is frozen, its rules
 * sorted by name.
 */
export function createPolicy(id: string, serverVersion: string, issuedAt: number, rules: Readonly<Record<string, RuleValue>>): ItPolicy {
  checkText('id', id, MAX_POLICY_ID_LENGTH);
  checkText('serverVersion', serverVersion, MAX_SERVER_VERSION_LENGTH);
  if (typeof issuedAt !== 'number' || !Number.isSafeInteger(issuedAt) || issuedAt < 0) {
    throw invalid('issuedAt must be a non-negative integer (milliseconds)', { field: 'issuedAt' });
  }
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) {
    throw invalid('rules must be an object of rule name -> value', { field: 'rules' });
  }
  const names = Object.keys(rules);
  if (names.length > MAX_RULES) {
    throw invalid(`a policy carries at most ${MAX_RULES} rules`, { field: 'rules', count: names.length, limit: MAX_RULES });
  }
  const out: Record<string, RuleValue> = {};
  for (const name of names.sort()) {
    const reason = ruleNameProblem(name) ?? valueProblem(name, rules[name]);
    if (reason !== undefined) {
      throw invalid(`IT policy rule "${name}" ${reason}`, { field: `rules.${name}`, rule: name });
    }
    out[name] = freezeValue(rules[name] as RuleValue);
  }
  return Object.freeze({ id, serverVersion, issuedAt, rules: Object.freeze(out) });
}

/** Checks a policy built by hand (or received) the way {@link createPolicy} does; returns a frozen, normalized copy. */
export function validatePolicy(policy: ItPolicy): ItPolicy {
  if (policy === null || typeof policy !== 'object') throw invalid('policy must be an object', { field: 'policy' });
  return createPolicy(policy.id, policy.serverVersion, policy.issuedAt, policy.rules);
}

/**
 * What is in force when `policy` is applied: every catalogue rule gets the policy's value, or its
 * default (for the device software version, if given); a rule whose dependency (`dependsOn`) is not
 * met is dropped and listed in `inactive` (so with Password Required false, the whole password group
 * is); names the catalogue does not know are left out and listed in `unknown`.
 */
export function effectiveRules(policy: ItPolicy, options: EffectiveRulesOptions = {}): EffectiveRules {
  const rules = policy.rules;
  const invalidRules: InvalidRule[] = [];
  const values = new Map<string, RuleValue>();
  for (const rule of RULES) {
    let value = defaultFor(rule, options.deviceOsVersion);
    if (Object.hasOwn(rules, rule.name)) {
      const given = rules[rule.name];
      const reason = checkRuleValue(rule, given);
      if (reason === undefined) value = given as RuleValue;
      else invalidRules.push({ rule: rule.name, reason });
    }
    values.set(rule.name, value);
  }

  const activity = new Map<string, boolean>();
  const isActive = (rule: RuleDefinition, seen: Set<string>): boolean => {
    const known = activity.get(rule.name);
    if (known !== undefined) return known;
    let active = true;
    const dep = rule.dependsOn;
    if (dep !== undefined) {
      const target = getRule(dep.rule);
      const value = values.get(dep.rule);
      active =
        target !== undefined &&
        value !== undefined &&
        !seen.has(dep.rule) &&
        isActive(target, new Set(seen).add(rule.name)) &&
        sameRuleValue(value, dep.equals);
    }
    activity.set(rule.name, active);
    return active;
  };

  const invalidNames = new Set(invalidRules.map((r) => r.rule));
  const effective: Record<string, RuleValue> = {};
  const inactive: string[] = [];
  for (const rule of RULES) {
    if (!isActive(rule, new Set([rule.name]))) inactive.push(rule.name);
    else if (!invalidNames.has(rule.name)) effective[rule.name] = values.get(rule.name) as RuleValue;
  }
  const unknown = Object.keys(rules)
    .filter((name) => getRule(name) === undefined)
    .sort();
  return Object.freeze({
    effective: Object.freeze(effective),
    inactive: Object.freeze(inactive),
    unknown: Object.freeze(unknown),
    invalid: Object.freeze(invalidRules),
  });
}

/** Why `name` cannot be a rule name, or `undefined`. */
export function ruleNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > MAX_RULE_NAME_LENGTH) return `name must have 1..${MAX_RULE_NAME_LENGTH} characters`;
  if (RESERVED_RULE_NAMES.includes(name)) return 'name is reserved';
  if (hasLoneSurrogate(name)) return 'name is not valid Unicode';
  return undefined;
}

/**
 * The generic wire limits every rule value obeys, known rule or not: a boolean, a safe integer, a
 * string of at most 256 characters, or a list of at most 100 such strings. The reason, or `undefined`.
 */
export function wireValueProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? undefined : 'must be a safe integer';
  if (typeof value === 'string') return stringProblem(value);
  if (Array.isArray(value)) {
    if (value.length > MAX_RULE_LIST_ITEMS) return `must have at most ${MAX_RULE_LIST_ITEMS} entries`;
    for (const item of value as unknown[]) {
      if (typeof item !== 'string') return 'must be a list of strings';
      const problem = stringProblem(item);
      if (problem !== undefined) return `entries ${problem.replace(/^must/, 'must each')}`;
    }
    return undefined;
  }
  return 'must be a boolean, an integer, a string or a list of strings';
}

function valueProblem(name: string, value: unknown): string | undefined {
  const rule = getRule(name);
  return rule === undefined ? wireValueProblem(value) : (checkRuleValue(rule, value) ?? wireValueProblem(value));
}

function stringProblem(value: string): string | undefined {
  if (value.length > MAX_RULE_TEXT_LENGTH) return `must have at most ${MAX_RULE_TEXT_LENGTH} characters`;
  if (hasLoneSurrogate(value)) return 'must be valid Unicode';
  return undefined;
}

function checkText(field: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || value.length < 1 || value.length > max || hasLoneSurrogate(value)) {
    throw invalid(`${field} must be a string of 1..${max} characters`, { field });
  }
}

/** Lone UTF-16 surrogates cannot be encoded as UTF-8: they would change on the way through CBOR. */
function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}

function freezeValue(value: RuleValue): RuleValue {
  if (Array.isArray(value)) return Object.freeze([...(value as readonly string[])]);
  // -0 and 0 are the same setting and encode the same way.
  return typeof value === 'number' && value === 0 ? 0 : value;
}

function invalid(message: string, cause: Record<string, unknown>): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'create IT policy', ...cause });
}
