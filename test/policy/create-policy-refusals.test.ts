import { describe, expect, it } from 'vitest';
import {
  MAX_POLICY_ID_LENGTH,
  MAX_RULES,
  MAX_RULE_LIST_ITEMS,
  MAX_RULE_NAME_LENGTH,
  MAX_RULE_TEXT_LENGTH,
  MAX_SERVER_VERSION_LENGTH,
  createPolicy,
  ruleNameProblem,
  validatePolicy,
  wireValueProblem,
  type ItPolicy,
} from '../../src/policy/policy.js';
import type { RuleValue } from '../../src/policy/rules.js';
import { expectCode, ISSUED } from './helpers.js';

const OP = 'create IT policy';

function build(id: unknown, serverVersion: unknown, issuedAt: unknown, rules: unknown): ItPolicy {
  return createPolicy(id as string, serverVersion as string, issuedAt as number, rules as Record<string, RuleValue>);
}

function manyRules(count: number): Record<string, RuleValue> {
  const rules: Record<string, RuleValue> = {};
  for (let i = 0; i < count; i++) rules[`X-Rule ${String(i).padStart(3, '0')}`] = i;
  return rules;
}

describe('createPolicy refusals: code, message and structured cause', () => {
  it('id: 1..64 characters, cause names the field', () => {
    for (const id of ['', 'x'.repeat(MAX_POLICY_ID_LENGTH + 1), 7, '\uD800']) {
      const err = expectCode(() => build(id, 'BES', ISSUED, {}), 'INVALID_ARGUMENT');
      expect(err.message).toBe(`id must be a string of 1..${MAX_POLICY_ID_LENGTH} characters`);
      expect(err.cause).toEqual({ operation: OP, field: 'id' });
    }
    expect(build('x'.repeat(MAX_POLICY_ID_LENGTH), 'BES', ISSUED, {}).id).toHaveLength(MAX_POLICY_ID_LENGTH);
  });

  it('serverVersion: 1..256 characters, cause names the field', () => {
    for (const sv of ['', 'v'.repeat(MAX_SERVER_VERSION_LENGTH + 1), null, 'a\uDC00b']) {
      const err = expectCode(() => build('p', sv, ISSUED, {}), 'INVALID_ARGUMENT');
      expect(err.message).toBe(`serverVersion must be a string of 1..${MAX_SERVER_VERSION_LENGTH} characters`);
      expect(err.cause).toEqual({ operation: OP, field: 'serverVersion' });
    }
    expect(build('p', 'v'.repeat(MAX_SERVER_VERSION_LENGTH), ISSUED, {}).serverVersion).toHaveLength(MAX_SERVER_VERSION_LENGTH);
  });

  it('issuedAt: a non-negative safe integer', () => {
    for (const at of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '1', Number.POSITIVE_INFINITY]) {
      const err = expectCode(() => build('p', 'BES', at, {}), 'INVALID_ARGUMENT');
      expect(err.message).toBe('issuedAt must be a non-negative integer (milliseconds)');
      expect(err.cause).toEqual({ operation: OP, field: 'issuedAt' });
    }
    expect(build('p', 'BES', 0, {}).issuedAt).toBe(0);
  });

  it('rules: must be a plain object', () => {
    for (const rules of [null, undefined, [], 'rules', 5]) {
      const err = expectCode(() => build('p', 'BES', ISSUED, rules), 'INVALID_ARGUMENT');
      expect(err.message).toBe('rules must be an object of rule name -> value');
      expect(err.cause).toEqual({ operation: OP, field: 'rules' });
    }
  });

  it('checks in documented order: id, serverVersion, issuedAt, rules', () => {
    expect(expectCode(() => build('', '', -1, null), 'INVALID_ARGUMENT').cause).toMatchObject({ field: 'id' });
    expect(expectCode(() => build('p', '', -1, null), 'INVALID_ARGUMENT').cause).toMatchObject({ field: 'serverVersion' });
    expect(expectCode(() => build('p', 'BES', -1, null), 'INVALID_ARGUMENT').cause).toMatchObject({ field: 'issuedAt' });
  });

  it('at most 256 rules: exactly 256 pass, 257 are refused with count and limit', () => {
    expect(Object.keys(build('p', 'BES', ISSUED, manyRules(MAX_RULES)).rules)).toHaveLength(MAX_RULES);
    const err = expectCode(() => build('p', 'BES', ISSUED, manyRules(MAX_RULES + 1)), 'INVALID_ARGUMENT');
    expect(err.message).toBe(`a policy carries at most ${MAX_RULES} rules`);
    expect(err.cause).toEqual({ operation: OP, field: 'rules', count: MAX_RULES + 1, limit: MAX_RULES });
  });

  it('a bad rule is named in the message and the cause', () => {
    const err = expectCode(() => build('p', 'BES', ISSUED, { 'X-Thing': { a: 1 } }), 'INVALID_ARGUMENT');
    expect(err.message).toBe('IT policy rule "X-Thing" must be a boolean, an integer, a string or a list of strings');
    expect(err.cause).toEqual({ operation: OP, field: 'rules.X-Thing', rule: 'X-Thing' });
  });

  it('rule names: 1..128 characters, not reserved, valid Unicode', () => {
    const longest = 'n'.repeat(MAX_RULE_NAME_LENGTH);
    expect(ruleNameProblem(longest)).toBeUndefined();
    expect(Object.keys(build('p', 'BES', ISSUED, { [longest]: true }).rules)).toEqual([longest]);
    expect(ruleNameProblem('n'.repeat(MAX_RULE_NAME_LENGTH + 1))).toBe(`name must have 1..${MAX_RULE_NAME_LENGTH} characters`);
    expect(ruleNameProblem('')).toBe(`name must have 1..${MAX_RULE_NAME_LENGTH} characters`);
    expect(ruleNameProblem('bad\uD83D')).toBe('name is not valid Unicode');
    const err = expectCode(() => build('p', 'BES', ISSUED, { 'n\uDE00': true }), 'INVALID_ARGUMENT');
    expect(err.message).toBe('IT policy rule "n\uDE00" name is not valid Unicode');
    const tooLong = 'n'.repeat(MAX_RULE_NAME_LENGTH + 1);
    expect(expectCode(() => build('p', 'BES', ISSUED, { [tooLong]: true }), 'INVALID_ARGUMENT').message).toBe(
      `IT policy rule "${tooLong}" name must have 1..${MAX_RULE_NAME_LENGTH} characters`,
    );
  });

  it('reserved rule names are refused', () => {
    expect(ruleNameProblem('__proto__')).toBe('name is reserved');
    const rules = JSON.parse('{"__proto__": true}') as Record<string, RuleValue>;
    const err = expectCode(() => build('p', 'BES', ISSUED, rules), 'INVALID_ARGUMENT');
    expect(err.message).toBe('IT policy rule "__proto__" name is reserved');
    expect(err.cause).toEqual({ operation: OP, field: 'rules.__proto__', rule: '__proto__' });
  });
});

describe('wireValueProblem: the generic wire limits', () => {
  it('strings: at most 256 characters, valid Unicode', () => {
    expect(wireValueProblem('s'.repeat(MAX_RULE_TEXT_LENGTH))).toBeUndefined();
    expect(wireValueProblem('s'.repeat(MAX_RULE_TEXT_LENGTH + 1))).toBe(`must have at most ${MAX_RULE_TEXT_LENGTH} characters`);
    expect(wireValueProblem('a\uD800')).toBe('must be valid Unicode');
    expect(wireValueProblem('\uD83D\uDE00')).toBeUndefined();
  });

  it('integers must be safe', () => {
    expect(wireValueProblem(Number.MAX_SAFE_INTEGER)).toBeUndefined();
    expect(wireValueProblem(1.5)).toBe('must be a safe integer');
    expect(wireValueProblem(true)).toBeUndefined();
  });

  it('lists: at most 100 strings, each within the string limits', () => {
    const full = Array.from({ length: MAX_RULE_LIST_ITEMS }, (_, i) => `e${i}`);
    expect(wireValueProblem(full)).toBeUndefined();
    expect(wireValueProblem([...full, 'one more'])).toBe(`must have at most ${MAX_RULE_LIST_ITEMS} entries`);
    expect(wireValueProblem(['a', 3])).toBe('must be a list of strings');
    expect(wireValueProblem(['a', 's'.repeat(MAX_RULE_TEXT_LENGTH + 1)])).toBe(
      `entries must each have at most ${MAX_RULE_TEXT_LENGTH} characters`,
    );
    expect(wireValueProblem(['\uDC00'])).toBe('entries must each be valid Unicode');
  });

  it('anything else is refused', () => {
    for (const value of [null, undefined, {}, 1n]) {
      expect(wireValueProblem(value)).toBe('must be a boolean, an integer, a string or a list of strings');
    }
  });
});

describe('validatePolicy refusals', () => {
  it('refuses a non-object with field "policy"', () => {
    for (const p of [null, undefined, 'policy', 42]) {
      const err = expectCode(() => validatePolicy(p as unknown as ItPolicy), 'INVALID_ARGUMENT');
      expect(err.message).toBe('policy must be an object');
      expect(err.cause).toEqual({ operation: OP, field: 'policy' });
    }
  });
});

describe('normalization', () => {
  it('-0 becomes 0, other numbers are kept', () => {
    const p = build('p', 'BES', ISSUED, { 'X-Zero': -0, 'X-Seven': 7 });
    expect(Object.is(p.rules['X-Zero'], 0)).toBe(true);
    expect(p.rules['X-Seven']).toBe(7);
  });
});
