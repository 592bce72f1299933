import { describe, expect, it } from 'vitest';
import { MAX_DEVICE_PASSWORD_LENGTH, RULES, checkRuleValue, defaultFor, getRule, type RuleDefinition } from '../../src/policy/rules.js';
import { expectCode } from './helpers.js';

const PASSWORD_GROUP = [
  'Minimum Password Length',
  'Set Maximum Password Attempts',
  'Set Password Timeout',
  'Periodic Challenge Time',
  'Maximum Password History',
  'Maximum Password Age',
  'Forbidden Passwords',
];

function rule(name: string): RuleDefinition {
  const r = getRule(name);
  if (!r) throw new Error(`missing rule ${name}`);
  return r;
}

describe('rule catalogue', () => {
  it('states the longest device password in words that match MAX_DEVICE_PASSWORD_LENGTH (written out for tree-shaking)', () => {
    expect(rule('Minimum Password Length').description).toContain(`is ${MAX_DEVICE_PASSWORD_LENGTH} characters`);
  });

  it('has unique names', () => {
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
  });

  it.each(RULES.map((r) => [r.name, r] as const))('%s: default is allowed by its own definition', (_name, r) => {
    expect(checkRuleValue(r, r.default)).toBeUndefined();
    if (r.type === 'integer') {
      expect(r.min).toBeLessThanOrEqual(r.max);
      expect(r.default).toBeGreaterThanOrEqual(r.min);
      expect(r.default).toBeLessThanOrEqual(r.max);
      for (const vd of r.versionDefaults ?? []) expect(checkRuleValue(r, vd.value)).toBeUndefined();
    }
    if (r.type === 'enum') expect(r.values).toContain(r.default);
    expect(r.description.length).toBeGreaterThan(0);
    expect(r.description).not.toContain('\n');
  });

  it('dependencies name existing rules, with a value valid for that rule, and have no cycles', () => {
    for (const r of RULES) {
      const seen = new Set([r.name]);
      let dep = r.dependsOn;
      while (dep) {
        const target = getRule(dep.rule);
        expect(target, `${r.name} depends on unknown ${dep.rule}`).toBeDefined();
        expect(checkRuleValue(target as RuleDefinition, dep.equals)).toBeUndefined();
        expect(seen.has(dep.rule), `cycle through ${dep.rule}`).toBe(false);
        seen.add(dep.rule);
        dep = target?.dependsOn;
      }
    }
  });

  it('matches the documented RIM facts', () => {
    expect(rule('Password Required')).toMatchObject({ type: 'boolean', default: false, group: 'Password' });
    expect(rule('Minimum Password Length')).toMatchObject({ type: 'integer', min: 4, max: 14, default: 4 });
    expect(MAX_DEVICE_PASSWORD_LENGTH).toBe(32);
    expect(rule('Set Maximum Password Attempts')).toMatchObject({ type: 'integer', min: 3, max: 10, default: 10 });
    expect(rule('Set Password Timeout')).toMatchObject({ type: 'integer', min: 1, max: 60, unit: 'minutes', default: 30 });
    expect(rule('Periodic Challenge Time')).toMatchObject({ type: 'integer', min: 1, max: 1440, unit: 'minutes' });
    expect(rule('Maximum Password History')).toMatchObject({ type: 'integer', min: 0, max: 15, default: 0 });
    expect(rule('Maximum Password Age')).toMatchObject({ type: 'integer', min: 0, max: 365, unit: 'days', default: 0 });
    expect(rule('Forbidden Passwords')).toMatchObject({ type: 'string-list', maxItems: 100, maxItemLength: 32 });
    expect(rule('Content Protection Strength')).toMatchObject({
      type: 'enum',
      values: ['Strong', 'Stronger', 'Strongest'],
      default: 'Strong',
      meanings: { Strong: '160-bit ECC', Stronger: '283-bit ECC', Strongest: '571-bit ECC' },
    });
    for (const name of ['Disable Bluetooth', 'Disable Camera', 'Disable Address Book Transfer']) {
      expect(rule(name)).toMatchObject({ type: 'boolean', default: false });
    }
    expect(rule('Cryptographic Services Backup')).toMatchObject({ type: 'boolean', default: true });
  });

  it('makes the whole password group depend on Password Required = true', () => {
    for (const name of PASSWORD_GROUP) {
      expect(rule(name).dependsOn).toEqual({ rule: 'Password Required', equals: true });
    }
    const dependents = RULES.filter((r) => r.dependsOn).map((r) => r.name);
    expect(dependents.sort()).toEqual([...PASSWORD_GROUP].sort());
  });

  it('is frozen', () => {
    expect(Object.isFrozen(RULES)).toBe(true);
    expect(Object.isFrozen(RULES[0])).toBe(true);
    expect(() => {
      (RULES as RuleDefinition[]).push(RULES[0] as RuleDefinition);
    }).toThrow(TypeError);
  });

  it('defaults Set Password Timeout to 2 minutes before device software 4.7 and 30 from 4.7', () => {
    const timeout = rule('Set Password Timeout');
    expect(defaultFor(timeout)).toBe(30);
    expect(defaultFor(timeout, '4.6.1.114')).toBe(2);
    expect(defaultFor(timeout, '4.2')).toBe(2);
    expect(defaultFor(timeout, '4.7')).toBe(30);
    expect(defaultFor(timeout, '4.7.0.41')).toBe(30);
    expect(defaultFor(timeout, '5.0.0.1036 (Bundle 1)')).toBe(30);
    expect(defaultFor(timeout, '10.3')).toBe(30);
    expect(defaultFor(rule('Minimum Password Length'), '4.2')).toBe(4);
    expectCode(() => defaultFor(timeout, 'latest'), 'INVALID_ARGUMENT');
    expectCode(() => defaultFor(rule('Disable Camera'), ''), 'INVALID_ARGUMENT');
  });

  it('checks values by type', () => {
    const min = rule('Minimum Password Length');
    expect(checkRuleValue(min, 3)).toBe('must be 4..14');
    expect(checkRuleValue(min, 4.5)).toBe('must be an integer');
    expect(checkRuleValue(min, '8')).toBe('must be an integer');
    expect(checkRuleValue(rule('Password Required'), 1)).toBe('must be a boolean');
    expect(checkRuleValue(rule('Content Protection Strength'), 'strong')).toMatch(/one of/);
    const forbidden = rule('Forbidden Passwords');
    expect(checkRuleValue(forbidden, ['password', 'blackberry'])).toBeUndefined();
    expect(checkRuleValue(forbidden, 'password')).toMatch(/list/);
    expect(checkRuleValue(forbidden, ['x'.repeat(33)])).toMatch(/32/);
    expect(
      checkRuleValue(
        forbidden,
        Array.from({ length: 101 }, (_, i) => `p${i}`),
      ),
    ).toMatch(/100/);
    expect(checkRuleValue(forbidden, [1])).toMatch(/list of strings/);
  });
});
