import { describe, expect, it } from 'vitest';
import { createPolicy, effectiveRules, validatePolicy, type ItPolicy } from '../../src/policy/policy.js';
import type { RuleValue } from '../../src/policy/rules.js';
import { expectCode, ISSUED } from './helpers.js';

function policy(rules: Record<string, unknown>): ItPolicy {
  return createPolicy('policy-1', 'BES 5.0.4', ISSUED, rules as Record<string, RuleValue>);
}

const PASSWORD_GROUP = [
  'Minimum Password Length',
  'Set Maximum Password Attempts',
  'Set Password Timeout',
  'Periodic Challenge Time',
  'Maximum Password History',
  'Maximum Password Age',
  'Forbidden Passwords',
];

describe('createPolicy', () => {
  it('builds a frozen policy with rules sorted by name and lists copied', () => {
    const list = ['password', 'letmein'];
    const p = policy({ 'Password Required': true, 'Forbidden Passwords': list, 'Disable Camera': true, 'X-Future Rule': 7 });
    expect(p).toEqual({
      id: 'policy-1',
      serverVersion: 'BES 5.0.4',
      issuedAt: ISSUED,
      rules: { 'Disable Camera': true, 'Forbidden Passwords': ['password', 'letmein'], 'Password Required': true, 'X-Future Rule': 7 },
    });
    expect(Object.keys(p.rules)).toEqual(['Disable Camera', 'Forbidden Passwords', 'Password Required', 'X-Future Rule']);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.rules)).toBe(true);
    list.push('changed');
    expect(p.rules['Forbidden Passwords']).toEqual(['password', 'letmein']);
  });

  it.each([
    ['Minimum Password Length', 3],
    ['Minimum Password Length', 15],
    ['Set Maximum Password Attempts', 2],
    ['Set Maximum Password Attempts', 11],
    ['Set Password Timeout', 0],
    ['Set Password Timeout', 61],
    ['Periodic Challenge Time', 0],
    ['Periodic Challenge Time', 1441],
    ['Maximum Password History', -1],
    ['Maximum Password History', 16],
    ['Maximum Password Age', 366],
    ['Minimum Password Length', 6.5],
    ['Minimum Password Length', '8'],
    ['Minimum Password Length', Number.NaN],
    ['Password Required', 'yes'],
    ['Password Required', 1],
    ['Disable Bluetooth', null],
    ['Content Protection Strength', 'Strongerest'],
    ['Content Protection Strength', 283],
    ['Forbidden Passwords', 'password'],
    ['Forbidden Passwords', ['x'.repeat(33)]],
    ['Forbidden Passwords', Array.from({ length: 101 }, (_, i) => `pw${i}`)],
    ['Forbidden Passwords', [42]],
    ['Cryptographic Services Backup', undefined],
  ])('rejects %s = %j as INVALID_ARGUMENT naming the rule', (name, value) => {
    const err = expectCode(() => policy({ 'Password Required': true, [name]: value }), 'INVALID_ARGUMENT');
    expect(err.message).toContain(name);
    expect(err.cause).toMatchObject({ rule: name });
  });

  it('accepts the limits of every range', () => {
    expect(() =>
      policy({
        'Password Required': true,
        'Minimum Password Length': 14,
        'Set Maximum Password Attempts': 3,
        'Set Password Timeout': 60,
        'Periodic Challenge Time': 1440,
        'Maximum Password History': 15,
        'Maximum Password Age': 365,
        'Forbidden Passwords': Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(32, 'x')),
        'Content Protection Strength': 'Strongest',
      }),
    ).not.toThrow();
    expect(() => policy({ 'Minimum Password Length': 4, 'Set Maximum Password Attempts': 10, 'Maximum Password Age': 0 })).not.toThrow();
  });

  it('checks unknown rules against the generic wire limits only', () => {
    expect(() => policy({ 'Future Rule': 'anything', 'Other Rule': [], 'Big Rule': 2 ** 40, Flag: false })).not.toThrow();
    for (const bad of [1.5, 'x'.repeat(257), ['x'.repeat(257)], Array(101).fill('x'), { nested: 1 }, null, 2 ** 53]) {
      const err = expectCode(() => policy({ 'Future Rule': bad }), 'INVALID_ARGUMENT');
      expect(err.message).toContain('Future Rule');
    }
  });

  it('rejects bad names, ids, versions and times', () => {
    expectCode(() => policy({ '': true }), 'INVALID_ARGUMENT');
    expectCode(() => policy({ ['n'.repeat(129)]: true }), 'INVALID_ARGUMENT');
    expectCode(() => policy(JSON.parse('{"__proto__": true}') as Record<string, unknown>), 'INVALID_ARGUMENT');
    expectCode(() => policy({ constructor: true }), 'INVALID_ARGUMENT');
    expectCode(() => policy({ 'Bad \uD800 name': true }), 'INVALID_ARGUMENT');
    expectCode(() => policy(Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`Rule ${i}`, true]))), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy('', 'v', ISSUED, {}), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy('x'.repeat(65), 'v', ISSUED, {}), 'INVALID_ARGUMENT');
    expect(() => createPolicy('x'.repeat(64), 'v', ISSUED, {})).not.toThrow();
    expectCode(() => createPolicy('id', '', ISSUED, {}), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy('id', 'v', -1, {}), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy('id', 'v', 1.5, {}), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy('id', 'v', ISSUED, null as never), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy('id', 'v', ISSUED, [] as never), 'INVALID_ARGUMENT');
    expectCode(() => createPolicy(7 as never, 'v', ISSUED, {}), 'INVALID_ARGUMENT');
  });

  it('normalizes -0 to 0', () => {
    const p = policy({ 'Maximum Password Age': -0 });
    expect(Object.is(p.rules['Maximum Password Age'], 0)).toBe(true);
  });

  it('validatePolicy re-checks a hand-built policy', () => {
    const good: ItPolicy = { id: 'p', serverVersion: 'v', issuedAt: 0, rules: { 'Disable Camera': true } };
    expect(validatePolicy(good)).toEqual(good);
    expectCode(() => validatePolicy({ ...good, rules: { 'Minimum Password Length': 99 } }), 'INVALID_ARGUMENT');
  });
});

describe('effectiveRules', () => {
  it('drops the whole password group when Password Required is false (the default)', () => {
    for (const p of [policy({}), policy({ 'Password Required': false, 'Minimum Password Length': 8 })]) {
      const { effective, inactive, unknown, invalid } = effectiveRules(p);
      expect(inactive).toEqual(PASSWORD_GROUP);
      for (const name of PASSWORD_GROUP) expect(effective).not.toHaveProperty(name);
      expect(effective).toEqual({
        'Password Required': false,
        'Content Protection Strength': 'Strong',
        'Disable Bluetooth': false,
        'Disable Camera': false,
        'Disable Address Book Transfer': false,
        'Cryptographic Services Backup': true,
      });
      expect(unknown).toEqual([]);
      expect(invalid).toEqual([]);
    }
  });

  it('applies the password group, with defaults, when Password Required is true', () => {
    const { effective, inactive } = effectiveRules(
      policy({ 'Password Required': true, 'Minimum Password Length': 8, 'Forbidden Passwords': ['blackberry'] }),
    );
    expect(inactive).toEqual([]);
    expect(effective).toMatchObject({
      'Password Required': true,
      'Minimum Password Length': 8,
      'Set Maximum Password Attempts': 10,
      'Set Password Timeout': 30,
      'Periodic Challenge Time': 60,
      'Maximum Password History': 0,
      'Maximum Password Age': 0,
      'Forbidden Passwords': ['blackberry'],
      'Cryptographic Services Backup': true,
    });
    expect(Object.keys(effective)[0]).toBe('Password Required');
  });

  it('uses version-dependent defaults', () => {
    const p = policy({ 'Password Required': true });
    expect(effectiveRules(p, { deviceOsVersion: '4.6.0' }).effective['Set Password Timeout']).toBe(2);
    expect(effectiveRules(p, { deviceOsVersion: '4.7.1' }).effective['Set Password Timeout']).toBe(30);
    expect(
      effectiveRules(policy({ 'Password Required': true, 'Set Password Timeout': 5 }), { deviceOsVersion: '4.2' }).effective[
        'Set Password Timeout'
      ],
    ).toBe(5);
  });

  it('reports unknown names separately, sorted, and ignores them', () => {
    const r = effectiveRules(policy({ 'Zeta Rule': true, 'Alpha Rule': 3, 'Disable Camera': true }));
    expect(r.unknown).toEqual(['Alpha Rule', 'Zeta Rule']);
    expect(r.effective).not.toHaveProperty('Alpha Rule');
    expect(r.effective['Disable Camera']).toBe(true);
  });

  it('does not mistake Object.prototype members for rules', () => {
    const hand: ItPolicy = { id: 'p', serverVersion: 'v', issuedAt: 0, rules: { toString: true, hasOwnProperty: 1 } };
    const r = effectiveRules(hand);
    expect(r.unknown).toEqual(['hasOwnProperty', 'toString']);
    expect(r.effective['Password Required']).toBe(false);
  });

  it('reports known rules with values the catalogue does not allow (hand-built or received policies)', () => {
    const hand: ItPolicy = {
      id: 'p',
      serverVersion: 'v',
      issuedAt: 0,
      rules: { 'Password Required': true, 'Minimum Password Length': 40, 'Disable Camera': 'yes' },
    };
    const r = effectiveRules(hand);
    expect(r.invalid).toEqual([
      { rule: 'Minimum Password Length', reason: 'must be 4..14' },
      { rule: 'Disable Camera', reason: 'must be a boolean' },
    ]);
    expect(r.effective).not.toHaveProperty('Minimum Password Length');
    expect(r.effective).not.toHaveProperty('Disable Camera');
  });

  it('treats an invalid Password Required as its default for dependencies', () => {
    const r = effectiveRules({ id: 'p', serverVersion: 'v', issuedAt: 0, rules: { 'Password Required': 1 } });
    expect(r.inactive).toEqual(PASSWORD_GROUP);
    expect(r.invalid.map((i) => i.rule)).toEqual(['Password Required']);
  });
});
