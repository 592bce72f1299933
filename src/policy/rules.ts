/**
 * The IT policy rule catalogue: every rule this device knows, as data. Names are RIM's exact
 * rule names; ranges, defaults and dependencies are RIM's where the reference facts give them
 * (docs/it-policy.md marks the few that are ours). Nothing here applies a rule: see enforcer.ts.
 */
import { ActivationError } from '../errors/activation-error.js';
import { deepFreeze } from '../util/deep-freeze.js';

/** A rule's value: yes/no, a number, an enumerated choice, or a list of strings. */
export type RuleValue = boolean | number | string | readonly string[];

/** The rule groups this catalogue sorts its rules into (ours: the facts file lists rules, not groups). */
export type RuleGroup = 'Password' | 'Security' | 'Device' | 'Backup';

/** The kind of value a rule takes: the discriminator of {@link RuleDefinition}. */
export type RuleType = 'boolean' | 'integer' | 'enum' | 'string-list';

/** Unit of an integer rule. */
export type RuleUnit = 'minutes' | 'days' | 'characters' | 'attempts' | 'passwords';

/** A rule applies only while another rule's effective value equals `equals`. */
export interface RuleDependency {
  /** The name of the rule depended on. */
  readonly rule: string;
  /** The value that rule must have. */
  readonly equals: RuleValue;
}

/**
 * A default that depends on the device software version: it applies to devices whose version is
 * below `before` (e.g. Set Password Timeout is 2 minutes before 4.7). The first matching entry wins.
 */
export interface VersionDefault<T extends RuleValue> {
  /** Device software versions below this one (dotted numbers) get `value`. */
  readonly before: string;
  /** The default for them. */
  readonly value: T;
}

/** What every rule of the catalogue has, whatever its type. */
export interface RuleBase {
  /** RIM's exact rule name. */
  readonly name: string;
  /** The group of the IT policy editor it sits in. */
  readonly group: RuleGroup;
  /** One line. */
  readonly description: string;
  /** The rule this one depends on; absent: always active. */
  readonly dependsOn?: RuleDependency;
}

/** A yes/no rule, e.g. Password Required. */
export interface BooleanRule extends RuleBase {
  /** Always `'boolean'`. */
  readonly type: 'boolean';
  /** The value when no policy sets it. */
  readonly default: boolean;
}

/** A numeric rule with a range and a unit, e.g. Minimum Password Length (4-14 characters). */
export interface IntegerRule extends RuleBase {
  /** Always `'integer'`. */
  readonly type: 'integer';
  /** Smallest allowed value. */
  readonly min: number;
  /** Largest allowed value. */
  readonly max: number;
  /** What the number counts. */
  readonly unit: RuleUnit;
  /** The value when no policy sets it (for the newest device software; see `versionDefaults`). */
  readonly default: number;
  /** Defaults for older device software, first match wins. */
  readonly versionDefaults?: readonly VersionDefault<number>[];
}

/** A rule with a fixed set of choices, e.g. Content Protection Strength. */
export interface EnumRule extends RuleBase {
  /** Always `'enum'`. */
  readonly type: 'enum';
  /** The allowed values. */
  readonly values: readonly string[];
  /** What each value means, for documentation and UIs. */
  readonly meanings?: Readonly<Record<string, string>>;
  /** The value when no policy sets it. */
  readonly default: string;
}

/** A rule whose value is a list of strings, e.g. Forbidden Passwords. */
export interface StringListRule extends RuleBase {
  /** Always `'string-list'`. */
  readonly type: 'string-list';
  /** Most entries the list may hold. */
  readonly maxItems: number;
  /** Longest entry, in characters (UTF-16 code units). */
  readonly maxItemLength: number;
  /** The value when no policy sets it. */
  readonly default: readonly string[];
}

/** One entry of the rule catalogue ({@link RULES}): a rule's name, group, value type, limits and default. */
export type RuleDefinition = BooleanRule | IntegerRule | EnumRule | StringListRule;

/**
 * RIM: the longest device password is 32 characters (Minimum Password Length only goes to 14;
 * ../shared/reference/blackberry-activation-facts.md, "IT policy").
 */
export const MAX_DEVICE_PASSWORD_LENGTH = 32;

/** Device software versions before this one default Set Password Timeout to 2 minutes, not 30. */
export const PASSWORD_TIMEOUT_DEFAULT_CHANGED_IN = '4.7';

const PASSWORD_REQUIRED: RuleDependency = /* @__PURE__ */ Object.freeze({ rule: 'Password Required', equals: true });

/** The catalogue, in display order. Frozen. */
export const RULES: readonly RuleDefinition[] = deepFreeze([
  {
    name: 'Password Required',
    group: 'Password',
    type: 'boolean',
    default: false,
    description: 'The user must set a device password; every other password rule applies only when this is true.',
  },
  {
    name: 'Minimum Password Length',
    group: 'Password',
    type: 'integer',
    min: 4,
    max: 14,
    unit: 'characters',
    default: 4,
    dependsOn: PASSWORD_REQUIRED,
    // The figure is written out (it is MAX_DEVICE_PASSWORD_LENGTH): a template with a substitution
    // here would make bundlers keep the whole catalogue in every bundle, used or not.
    description: 'Shortest device password allowed (the longest possible password is 32 characters).',
  },
  {
    name: 'Set Maximum Password Attempts',
    group: 'Password',
    type: 'integer',
    min: 3,
    max: 10,
    unit: 'attempts',
    default: 10,
    dependsOn: PASSWORD_REQUIRED,
    description: 'Wrong device passwords allowed in a row; reaching the limit wipes the device.',
  },
  {
    name: 'Set Password Timeout',
    group: 'Password',
    type: 'integer',
    min: 1,
    max: 60,
    unit: 'minutes',
    default: 30,
    versionDefaults: [{ before: PASSWORD_TIMEOUT_DEFAULT_CHANGED_IN, value: 2 }],
    dependsOn: PASSWORD_REQUIRED,
    description: 'Idle time before the device locks (default 2 minutes before device software 4.7, 30 from 4.7).',
  },
  {
    name: 'Periodic Challenge Time',
    group: 'Password',
    type: 'integer',
    min: 1,
    max: 1440,
    unit: 'minutes',
    default: 60,
    dependsOn: PASSWORD_REQUIRED,
    description: 'Longest time the device stays unlocked before it asks for the password again, even in use.',
  },
  {
    name: 'Maximum Password History',
    group: 'Password',
    type: 'integer',
    min: 0,
    max: 15,
    unit: 'passwords',
    default: 0,
    dependsOn: PASSWORD_REQUIRED,
    description: 'Number of previous passwords the user may not reuse (0: no history).',
  },
  {
    name: 'Maximum Password Age',
    group: 'Password',
    type: 'integer',
    min: 0,
    max: 365,
    unit: 'days',
    default: 0,
    dependsOn: PASSWORD_REQUIRED,
    description: 'Days before the device password must be changed (0: never expires).',
  },
  {
    name: 'Forbidden Passwords',
    group: 'Password',
    type: 'string-list',
    maxItems: 100,
    maxItemLength: MAX_DEVICE_PASSWORD_LENGTH,
    default: [],
    dependsOn: PASSWORD_REQUIRED,
    description: 'Passwords the user may not choose.',
  },
  {
    name: 'Content Protection Strength',
    group: 'Security',
    type: 'enum',
    values: ['Strong', 'Stronger', 'Strongest'],
    meanings: { Strong: '160-bit ECC', Stronger: '283-bit ECC', Strongest: '571-bit ECC' },
    default: 'Strong',
    description: 'Strength of the ECC key that protects data received while the device is locked.',
  },
  {
    name: 'Disable Bluetooth',
    group: 'Device',
    type: 'boolean',
    default: false,
    description: 'Turns off the Bluetooth radio and prevents the user from turning it on.',
  },
  {
    name: 'Disable Camera',
    group: 'Device',
    type: 'boolean',
    default: false,
    description: 'Turns off the camera.',
  },
  {
    name: 'Disable Address Book Transfer',
    group: 'Device',
    type: 'boolean',
    default: false,
    description: 'Prevents sending address book entries to other devices (e.g. over Bluetooth).',
  },
  {
    name: 'Cryptographic Services Backup',
    group: 'Backup',
    type: 'boolean',
    default: true,
    description: 'Allows backing up the cryptographic services keys with the device data.',
  },
] satisfies RuleDefinition[]);

/** The catalogue by name, built on first lookup: not at module load, where every importer would pay for it. */
let byName: ReadonlyMap<string, RuleDefinition> | undefined;
function rulesByName(): ReadonlyMap<string, RuleDefinition> {
  return (byName ??= new Map(RULES.map((r) => [r.name, r])));
}

/** Rule names that can never be used: they collide with JavaScript object internals. */
export const RESERVED_RULE_NAMES: readonly string[] = /* @__PURE__ */ Object.freeze(['__proto__', 'prototype', 'constructor']);

/** The catalogue entry for `name`, or `undefined` for a rule this device does not know. */
export function getRule(name: string): RuleDefinition | undefined {
  return rulesByName().get(name);
}

/** True when `name` is in the catalogue ({@link RULES}). */
export function isKnownRule(name: string): boolean {
  return rulesByName().has(name);
}

/**
 * Checks `value` against `rule`: the reason it is not allowed (e.g. `"must be 4..14"`), or
 * `undefined` when it is.
 */
export function checkRuleValue(rule: RuleDefinition, value: unknown): string | undefined {
  switch (rule.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'must be an integer';
      return value >= rule.min && value <= rule.max ? undefined : `must be ${rule.min}..${rule.max}`;
    case 'enum':
      if (typeof value !== 'string') return 'must be a string';
      return rule.values.includes(value) ? undefined : `must be one of ${rule.values.join(', ')}`;
    case 'string-list': {
      if (!Array.isArray(value)) return 'must be a list of strings';
      if (value.length > rule.maxItems) return `must have at most ${rule.maxItems} entries`;
      for (const item of value as unknown[]) {
        if (typeof item !== 'string') return 'must be a list of strings';
        if (item.length > rule.maxItemLength) return `entries must have at most ${rule.maxItemLength} characters`;
      }
      return undefined;
    }
  }
}

/**
 * The default of `rule` on a device running `deviceOsVersion` (e.g. `"4.6.1.114"`), or the
 * current default when no version is given. A version that is not dotted numbers is
 * INVALID_ARGUMENT.
 */
export function defaultFor(rule: RuleDefinition, deviceOsVersion?: string): RuleValue {
  if (deviceOsVersion !== undefined && rule.type === 'integer' && rule.versionDefaults) {
    const version = parseVersion(deviceOsVersion);
    for (const entry of rule.versionDefaults) {
      if (compareVersions(version, parseVersion(entry.before)) < 0) return entry.value;
    }
  } else if (deviceOsVersion !== undefined) {
    parseVersion(deviceOsVersion); // still reject nonsense consistently
  }
  return rule.default;
}

/** Structural equality of two rule values (lists compare item by item). */
export function sameRuleValue(a: RuleValue, b: RuleValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => item === b[i]);
  }
  return a === b;
}

/** A device software version: dotted numbers (`"4.6.1.114"`), then anything (`"5.0.0.1036 (Bundle 1)"`). */
const SOFTWARE_VERSION = /^\s*v?(\d{1,9}(?:\.\d{1,9})*)/;

/**
 * Whether `text` reads as a device software version (`"4.5.0.110"`, `"5.0.0.1036 (Bundle 1)"`):
 * what {@link defaultFor} and the enforcers accept as `deviceOsVersion`. The handset's
 * configuration checks its `device.os` with this, so that a policy never fails to apply on it.
 */
export function isSoftwareVersion(text: unknown): boolean {
  return typeof text === 'string' && SOFTWARE_VERSION.test(text);
}

/** `"4.6.1.114"` -> [4, 6, 1, 114]; a trailing non-numeric suffix (`"5.0.0.1036 (Bundle 1)"`) is ignored. */
function parseVersion(version: string): number[] {
  const match = typeof version === 'string' ? SOFTWARE_VERSION.exec(version) : null;
  if (!match?.[1]) {
    throw new ActivationError('INVALID_ARGUMENT', 'device software version must look like 4.7 or 4.6.1.114', {
      field: 'deviceOsVersion',
    });
  }
  return match[1].split('.').map(Number);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
