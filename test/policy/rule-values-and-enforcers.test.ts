import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/policy/policy.js';
import { checkRuleValue, defaultFor, getRule, sameRuleValue, type RuleDefinition } from '../../src/policy/rules.js';
import { ENFORCER_ERROR_REASON, createMappedEnforcer, type RuleMapper } from '../../src/policy/enforcer.js';
import { NOT_APPLIED_REASON, applyPolicy, policyRejectedError } from '../../src/policy/apply-policy.js';
import { MAX_REASON_LENGTH } from '../../src/policy/acknowledgement.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { expectCode, ISSUED } from './helpers.js';

const CONTEXT = { policyId: 'p', serverVersion: 'BES' };

function rule(name: string): RuleDefinition {
  const found = getRule(name);
  if (found === undefined) throw new Error(`no rule ${name}`);
  return found;
}

describe('enum rule values', () => {
  it('must be a string, one of the listed values', () => {
    const cps = rule('Content Protection Strength');
    expect(checkRuleValue(cps, 'Stronger')).toBeUndefined();
    expect(checkRuleValue(cps, 283)).toBe('must be a string');
    expect(checkRuleValue(cps, 'Weak')).toBe('must be one of Strong, Stronger, Strongest');
  });
});

describe('sameRuleValue on lists', () => {
  it('compares lists item by item and by length', () => {
    expect(sameRuleValue(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameRuleValue(['a'], ['a', 'b'])).toBe(false);
    expect(sameRuleValue(['a', 'b'], ['a'])).toBe(false);
    expect(sameRuleValue(['a', 'b'], ['a', 'c'])).toBe(false);
    expect(sameRuleValue([], [])).toBe(true);
    expect(sameRuleValue(['a'], 'a')).toBe(false);
  });
});

describe('version-dependent defaults (Set Password Timeout: 2 before 4.7, else 30)', () => {
  const timeout = rule('Set Password Timeout');
  it.each([
    ['4', 2],
    ['4.6.1.114', 2],
    ['4.7', 30],
    ['4.7.0.0', 30],
    ['4.10', 30],
    ['v4.6', 2],
    ['  5.0.0.1036 (Bundle 1)', 30],
  ])('%s -> %d', (version, expected) => {
    expect(defaultFor(timeout, version)).toBe(expected);
  });

  it('refuses a version that does not start with dotted numbers', () => {
    for (const version of ['x4.6', 'latest', '', 47]) {
      const err = expectCode(() => defaultFor(timeout, version as string), 'INVALID_ARGUMENT');
      expect(err.message).toBe('device software version must look like 4.7 or 4.6.1.114');
      expect(err.cause).toMatchObject({ field: 'deviceOsVersion' });
    }
  });
});

describe('createMappedEnforcer outcomes', () => {
  function run(mapper: unknown) {
    const enforcer = createMappedEnforcer({ 'Disable Camera': mapper as RuleMapper });
    return enforcer.apply({ 'Disable Camera': true }, CONTEXT);
  }

  it('true applies, a non-empty string is the reason', () => {
    expect(run(() => true)).toEqual({ applied: ['Disable Camera'], rejected: [] });
    expect(run(() => 'no camera')).toEqual({ applied: [], rejected: [{ rule: 'Disable Camera', reason: 'no camera' }] });
  });

  it('false or an empty string is "not applied"', () => {
    for (const outcome of [false, '']) {
      expect(run(() => outcome)).toEqual({ applied: [], rejected: [{ rule: 'Disable Camera', reason: 'not applied' }] });
    }
  });

  it('anything else, or a throw, is an enforcer error', () => {
    for (const outcome of [42, undefined, null, {}]) {
      expect(run(() => outcome)).toEqual({ applied: [], rejected: [{ rule: 'Disable Camera', reason: ENFORCER_ERROR_REASON }] });
    }
    const thrower = () => {
      throw new Error('boom');
    };
    expect(run(thrower)).toEqual({ applied: [], rejected: [{ rule: 'Disable Camera', reason: ENFORCER_ERROR_REASON }] });
  });

  it('a map entry that is not a function counts as no mapper', () => {
    const enforcer = createMappedEnforcer({ 'Disable Camera': 'yes' as unknown as RuleMapper });
    expect(enforcer.apply({ 'Disable Camera': false }, CONTEXT)).toEqual({ applied: ['Disable Camera'], rejected: [] });
  });
});

describe('applyPolicy: enforcer reasons are cut to 256 characters', () => {
  const policy = createPolicy('p-1', 'BES', ISSUED, {});
  function reasonFor(reason: string): string | undefined {
    const ack = applyPolicy({ apply: () => ({ applied: [], rejected: [{ rule: 'Password Required', reason }] }) }, policy);
    return ack.rejected.find((r) => r.rule === 'Password Required')?.reason;
  }

  it('keeps a reason of at most 256 characters whole', () => {
    expect(reasonFor('r'.repeat(256))).toBe('r'.repeat(256));
    // Exactly 256 code units ending in a surrogate pair: nothing is cut.
    const full = `${'r'.repeat(254)}\uD83D\uDE00`;
    expect(reasonFor(full)).toBe(full);
  });

  it('replaces a lone surrogate with U+FFFD, so the acknowledgement still encodes as UTF-8', () => {
    expect(reasonFor('short \uD83D')).toBe('short \uFFFD');
    expect(reasonFor('\uDE00 lone low')).toBe('\uFFFD lone low');
    const full = `${'r'.repeat(255)}\uD83D`;
    expect(reasonFor(full)).toBe(`${'r'.repeat(255)}\uFFFD`);
    const policy = createPolicy('p-1', 'BES', ISSUED, {});
    const ack = applyPolicy({ apply: () => ({ applied: [], rejected: [{ rule: 'Password Required', reason: 'no \uD800 way' }] }) }, policy);
    expect(decodePolicyAck(encodePolicyAck(ack))).toEqual(ack);
  });

  it('cuts a longer reason to 256 characters', () => {
    expect(reasonFor('r'.repeat(MAX_REASON_LENGTH + 10))).toBe('r'.repeat(MAX_REASON_LENGTH));
    const early = `\uD83D\uDE00${'r'.repeat(MAX_REASON_LENGTH + 10)}`;
    expect(reasonFor(early)).toBe(early.slice(0, MAX_REASON_LENGTH));
  });

  it('does not split a surrogate pair at the cut', () => {
    const reason = `${'r'.repeat(MAX_REASON_LENGTH - 1)}\uD83D\uDE00tail`;
    expect(reasonFor(reason)).toBe('r'.repeat(MAX_REASON_LENGTH - 1));
  });

  it('an empty reason becomes "not applied"', () => {
    expect(reasonFor('')).toBe(NOT_APPLIED_REASON);
  });
});

describe('policyRejectedError', () => {
  it('names the policy and the rejected rules', () => {
    const policy = createPolicy('p-9', 'BES', ISSUED, {});
    const ack = applyPolicy(
      {
        apply: () => ({
          applied: [],
          rejected: [
            { rule: 'Disable Camera', reason: 'x' },
            { rule: 'Password Required', reason: 'y' },
          ],
        }),
      },
      policy,
    );
    const err = policyRejectedError(ack);
    expect(err?.code).toBe('POLICY_REJECTED');
    expect(err?.message).toBe('the IT policy could not be applied: Password Required, Disable Camera');
    expect(err?.cause).toEqual({ operation: 'apply IT policy', policyId: 'p-9', rules: ['Password Required', 'Disable Camera'] });
  });
});
