/**
 * The pluggable policy enforcer: the part of the device that actually turns rules into settings.
 * It is synchronous because the handset state machine that calls it is pure and synchronous; an
 * enforcer that needs I/O should record the settings and act on them afterwards.
 */
import { defaultFor, getRule, sameRuleValue, type RuleValue } from './rules.js';

/** Rule name -> value, as computed by {@link effectiveRules}. */
export type RuleSettings = Readonly<Record<string, RuleValue>>;

/** Which policy is being applied. */
export interface EnforcementContext {
  /** The policy's id. */
  readonly policyId: string;
  /** The version of the server that issued it. */
  readonly serverVersion: string;
}

/** A rule the device could not apply, and why (secret-free text, at most 256 characters is kept). */
export interface RuleRejection {
  /** The rule name. */
  readonly rule: string;
  /** Why it was not applied. */
  readonly reason: string;
}

/**
 * What the enforcer did. A rule in both lists counts as rejected. If nothing is rejected, every
 * rule of `effective` must be in `applied` (one left out is rejected as "not applied"); if something
 * is rejected, rules in neither list are taken as not in force (all-or-nothing enforcers).
 */
export interface EnforcementResult {
  /** Rules now in force. */
  readonly applied: readonly string[];
  /** Rules not applied, each with its reason. */
  readonly rejected: readonly RuleRejection[];
}

/**
 * What applies IT policy rules to a device: the hook where an emulator maps rules to its own
 * settings. {@link Handset} calls it (through {@link applyPolicy}) with the rules in force and
 * sends the device's acknowledgement. Ready-made ones: {@link InMemoryPolicyEnforcer} (the
 * default) and {@link createMappedEnforcer}.
 *
 * @example
 * ```ts
 * const enforcer: PolicyEnforcer = {
 *   apply(effective) {
 *     emulator.setBluetooth(!effective['Disable Bluetooth']);
 *     return { applied: Object.keys(effective), rejected: [] };
 *   },
 * };
 * const handset = new Handset({ config, transport, enforcer });
 * ```
 */
export interface PolicyEnforcer {
  /**
   * Applies the effective rules (known, active rules only: unknown and inactive ones never reach
   * it). Must be synchronous; if it throws, the policy is rejected with reason "enforcer error".
   */
  apply(effective: RuleSettings, context: EnforcementContext): EnforcementResult;
  /**
   * Optional: told when a rule in force acts on the device later (docs/lifecycle.md, "Rules that
   * act later"): "Set Maximum Password Attempts" reached is `{ rule, action: 'wipe' }`, right before
   * the handset wipes itself. Synchronous; what it throws is ignored (the wipe happens anyway).
   */
  onAction?(event: PolicyActionEvent): void;
}

/** What a rule in force did on the device (`PolicyEnforcer.onAction`, the handset's `policyAction` event). */
export interface PolicyActionEvent {
  /** The rule, by RIM's name (e.g. "Set Maximum Password Attempts"). */
  readonly rule: string;
  /** What it did: `wipe` erases the device. */
  readonly action: 'wipe';
}

/** Reason given for a rule the device has no way to apply. */
export const UNSUPPORTED_REASON = 'not supported on this device';

/** Reason given when an enforcer (or one of its rule mappers) throws. */
export const ENFORCER_ERROR_REASON = 'enforcer error';

/** Options of {@link InMemoryPolicyEnforcer}. */
export interface InMemoryPolicyEnforcerOptions {
  /**
   * Rules this device cannot apply (e.g. Disable Bluetooth on hardware without Bluetooth control).
   * Such a rule is rejected when its value differs from its default, and accepted at its default.
   */
  readonly unsupported?: readonly string[];
  /** Device software version, for version-dependent defaults (see {@link defaultFor}). */
  readonly deviceOsVersion?: string;
}

/** The unsupported rules of an enforcer given none: one empty set for all (an empty `Set` is 152 bytes per handset). */
const NONE_UNSUPPORTED: ReadonlySet<string> = new Set<string>();

/**
 * The default enforcer: keeps the settings in memory. Applying is all-or-nothing: if any rule is
 * rejected, the previous settings stay in force and `applied` is empty.
 */
export class InMemoryPolicyEnforcer implements PolicyEnforcer {
  readonly #unsupported: ReadonlySet<string>;
  readonly #deviceOsVersion: string | undefined;
  #settings: RuleSettings = Object.freeze({});
  #policyId: string | undefined;

  /** An enforcer with no settings yet. */
  constructor(options: InMemoryPolicyEnforcerOptions = {}) {
    this.#unsupported =
      options.unsupported === undefined || options.unsupported.length === 0 ? NONE_UNSUPPORTED : new Set(options.unsupported);
    this.#deviceOsVersion = options.deviceOsVersion;
  }

  /** The settings in force (a frozen copy). Empty until a policy has been applied. */
  get settings(): RuleSettings {
    return copySettings(this.#settings);
  }

  /** Id of the policy whose settings are in force, if any. */
  get policyId(): string | undefined {
    return this.#policyId;
  }

  apply(effective: RuleSettings, context: EnforcementContext): EnforcementResult {
    const rejected: RuleRejection[] = [];
    for (const [name, value] of Object.entries(effective)) {
      if (this.#unsupported.has(name) && !isDefault(name, value, this.#deviceOsVersion)) {
        rejected.push({ rule: name, reason: UNSUPPORTED_REASON });
      }
    }
    if (rejected.length > 0) return { applied: [], rejected };
    this.#settings = copySettings(effective);
    this.#policyId = context.policyId;
    return { applied: Object.keys(effective), rejected: [] };
  }
}

/**
 * Maps one rule to a device setting: returns `true` when applied, or a rejection reason (a string;
 * `false` means "not applied"). Throwing rejects the rule with reason "enforcer error".
 */
export type RuleMapper = (value: RuleValue, context: EnforcementContext) => boolean | string;

/** Options of {@link createMappedEnforcer}. */
export interface MappedEnforcerOptions {
  /** Device software version, for version-dependent defaults. */
  readonly deviceOsVersion?: string;
}

/**
 * An enforcer built from one mapper per rule, for emulators that map rules onto their own
 * settings. A rule without a mapper is accepted at its default value (nothing to change) and
 * rejected as unsupported otherwise. Mappers run in catalogue order and their effects are not
 * rolled back when another rule is rejected: `applied` lists exactly the rules that took effect.
 */
export function createMappedEnforcer(map: Readonly<Record<string, RuleMapper>>, options: MappedEnforcerOptions = {}): PolicyEnforcer {
  const mappers = new Map<string, RuleMapper>(Object.entries(map).filter(([, fn]) => typeof fn === 'function'));
  return Object.freeze({
    apply(effective: RuleSettings, context: EnforcementContext): EnforcementResult {
      const applied: string[] = [];
      const rejected: RuleRejection[] = [];
      for (const [name, value] of Object.entries(effective)) {
        const mapper = mappers.get(name);
        if (mapper === undefined) {
          if (isDefault(name, value, options.deviceOsVersion)) applied.push(name);
          else rejected.push({ rule: name, reason: UNSUPPORTED_REASON });
          continue;
        }
        let outcome: unknown;
        try {
          outcome = mapper(value, context);
        } catch {
          rejected.push({ rule: name, reason: ENFORCER_ERROR_REASON });
          continue;
        }
        if (outcome === true) applied.push(name);
        else if (typeof outcome === 'string' && outcome.length > 0) rejected.push({ rule: name, reason: outcome });
        else if (outcome === false || outcome === '') rejected.push({ rule: name, reason: 'not applied' });
        else rejected.push({ rule: name, reason: ENFORCER_ERROR_REASON });
      }
      return { applied, rejected };
    },
  });
}

function isDefault(name: string, value: RuleValue, deviceOsVersion: string | undefined): boolean {
  const rule = getRule(name);
  return rule !== undefined && sameRuleValue(value, defaultFor(rule, deviceOsVersion));
}

function copySettings(settings: RuleSettings): RuleSettings {
  const out: Record<string, RuleValue> = {};
  for (const [name, value] of Object.entries(settings)) {
    out[name] = Array.isArray(value) ? Object.freeze([...(value as readonly string[])]) : value;
  }
  return Object.freeze(out);
}
