import { describe, expect, it, vi } from 'vitest';
import { createPolicy, effectiveRules } from '../../src/policy/policy.js';
import {
  ENFORCER_ERROR_REASON,
  InMemoryPolicyEnforcer,
  UNSUPPORTED_REASON,
  createMappedEnforcer,
  type PolicyEnforcer,
} from '../../src/policy/enforcer.js';
import { applyPolicy, applyPolicyUpdate, policyRejectedError, policyUpdateDecision } from '../../src/policy/apply-policy.js';
import { policyHash } from '../../src/policy/signed-policy.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { RULES } from '../../src/policy/rules.js';

const POLICY = createPolicy('policy-7', 'BES 5.0.4', 1_700_000_000_000, {
  'Password Required': true,
  'Minimum Password Length': 8,
  'Disable Bluetooth': true,
  'Content Protection Strength': 'Strongest',
  'Future Rule B': 1,
  'Future Rule A': true,
});

const ALL_ACTIVE = RULES.map((r) => r.name);

describe('InMemoryPolicyEnforcer', () => {
  it('applies the effective rules and stores them', () => {
    const enforcer = new InMemoryPolicyEnforcer();
    expect(enforcer.settings).toEqual({});
    expect(enforcer.policyId).toBeUndefined();
    const ack = applyPolicy(enforcer, POLICY);
    expect(ack).toEqual({
      policyId: 'policy-7',
      policyHash: policyHash(POLICY),
      status: 'applied',
      applied: ALL_ACTIVE,
      rejected: [],
      ignored: ['Future Rule A', 'Future Rule B'],
    });
    expect(enforcer.policyId).toBe('policy-7');
    expect(enforcer.settings).toEqual(effectiveRules(POLICY).effective);
    expect(enforcer.settings['Minimum Password Length']).toBe(8);
    expect(enforcer.settings['Disable Bluetooth']).toBe(true);
    expect(enforcer.settings).not.toHaveProperty('Future Rule A');
  });

  it('hands out a read-only copy of the settings', () => {
    const enforcer = new InMemoryPolicyEnforcer();
    applyPolicy(enforcer, createPolicy('p', 'v', 0, { 'Password Required': true, 'Forbidden Passwords': ['abc'] }));
    const settings = enforcer.settings;
    expect(Object.isFrozen(settings)).toBe(true);
    expect(() => {
      (settings as Record<string, unknown>)['Disable Camera'] = true;
    }).toThrow(TypeError);
    expect(() => {
      (settings['Forbidden Passwords'] as string[]).push('x');
    }).toThrow(TypeError);
    expect(enforcer.settings['Forbidden Passwords']).toEqual(['abc']);
  });

  it('replaces the settings with each new policy (inactive rules leave force)', () => {
    const enforcer = new InMemoryPolicyEnforcer();
    applyPolicy(enforcer, POLICY);
    applyPolicy(enforcer, createPolicy('policy-8', 'v', 0, { 'Disable Camera': true }));
    expect(enforcer.policyId).toBe('policy-8');
    expect(enforcer.settings).not.toHaveProperty('Minimum Password Length');
    expect(enforcer.settings['Disable Camera']).toBe(true);
    expect(enforcer.settings['Disable Bluetooth']).toBe(false);
  });

  it('rejects an unsupported rule set to a non-default value, naming it, and changes nothing', () => {
    const enforcer = new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth'] });
    const ack = applyPolicy(enforcer, POLICY);
    expect(ack.status).toBe('rejected');
    expect(ack.rejected).toEqual([{ rule: 'Disable Bluetooth', reason: UNSUPPORTED_REASON }]);
    expect(ack.applied).toEqual([]);
    expect(ack.ignored).toEqual(['Future Rule A', 'Future Rule B']);
    expect(enforcer.settings).toEqual({});
    expect(enforcer.policyId).toBeUndefined();
    expect(policyRejectedError(ack)).toMatchObject({
      code: 'POLICY_REJECTED',
      cause: { policyId: 'policy-7', rules: ['Disable Bluetooth'] },
    });
  });

  it('accepts an unsupported rule left at its default', () => {
    const enforcer = new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth', 'Disable Camera'] });
    const ack = applyPolicy(enforcer, createPolicy('p', 'v', 0, { 'Disable Bluetooth': false }));
    expect(ack.status).toBe('applied');
    expect(policyRejectedError(ack)).toBeUndefined();
  });

  it('uses version-dependent defaults when deciding what is a default', () => {
    const enforcer = new InMemoryPolicyEnforcer({ unsupported: ['Set Password Timeout'], deviceOsVersion: '4.5' });
    const p = createPolicy('p', 'v', 0, { 'Password Required': true });
    expect(applyPolicy(enforcer, p).status).toBe('rejected'); // effective default 30 != 4.5's default 2
    expect(applyPolicy(enforcer, p, { deviceOsVersion: '4.5' }).status).toBe('applied');
  });
});

describe('applyPolicy with misbehaving enforcers', () => {
  const names = Object.keys(effectiveRules(POLICY).effective);

  it('turns a throwing enforcer into a rejection of every rule, never an exception', () => {
    const enforcer: PolicyEnforcer = {
      apply() {
        throw new Error('hardware on fire');
      },
    };
    const ack = applyPolicy(enforcer, POLICY);
    expect(ack.status).toBe('rejected');
    expect(ack.applied).toEqual([]);
    expect(ack.rejected).toEqual(names.map((rule) => ({ rule, reason: ENFORCER_ERROR_REASON })));
    expect(ack.ignored).toEqual(['Future Rule A', 'Future Rule B']);
    expect(decodePolicyAck(encodePolicyAck(ack))).toEqual(ack);
  });

  it.each([
    ['a Promise', () => Promise.resolve({ applied: [], rejected: [] })],
    ['undefined', () => undefined],
    ['a string', () => 'ok'],
    ['no lists', () => ({})],
    ['an unknown rule name', () => ({ applied: ['Teleporter'], rejected: [] })],
    ['a non-string name', () => ({ applied: [1], rejected: [] })],
    ['a bad rejection', () => ({ applied: [], rejected: [null] })],
    // The result and each rejection must be objects: a function carrying the right fields is not one.
    ['a function carrying both lists', () => Object.assign(() => undefined, { applied: names, rejected: [] })],
    [
      'a rejection that is a function',
      () => ({ applied: [], rejected: [Object.assign(() => undefined, { rule: names[0], reason: 'x' })] }),
    ],
    // Both fields must be lists: an empty string iterates like an empty list but is not one.
    ['rejected not a list', () => ({ applied: names, rejected: '' })],
    ['applied not a list', () => ({ applied: '', rejected: [] })],
    [
      'a throwing getter',
      () => ({
        get applied(): string[] {
          throw new Error('boom');
        },
        rejected: [],
      }),
    ],
    [
      'a thrown non-Error',
      () => {
        throw 'nope';
      },
    ],
  ])('treats %s as an enforcer error', (_name, impl) => {
    const ack = applyPolicy({ apply: impl as never }, POLICY);
    expect(ack.status).toBe('rejected');
    expect(ack.rejected.every((r) => r.reason === ENFORCER_ERROR_REASON)).toBe(true);
    expect(ack.rejected.map((r) => r.rule)).toEqual(names);
  });

  it('rejects rules the enforcer silently left out', () => {
    const ack = applyPolicy(
      { apply: (effective) => ({ applied: Object.keys(effective).filter((n) => n !== 'Disable Camera'), rejected: [] }) },
      POLICY,
    );
    expect(ack.status).toBe('rejected');
    expect(ack.rejected).toEqual([{ rule: 'Disable Camera', reason: 'not applied' }]);
    expect(ack.applied).toEqual(names.filter((n) => n !== 'Disable Camera'));
  });

  it('keeps the first rejection of a rule, cuts long reasons, and lets a rejection win over an application', () => {
    const ack = applyPolicy(
      {
        apply: (effective) => ({
          applied: Object.keys(effective).filter((n) => n !== 'Disable Camera'),
          rejected: [
            { rule: 'Disable Bluetooth', reason: 'x'.repeat(1000) },
            { rule: 'Disable Bluetooth', reason: 'duplicate' },
            { rule: 'Password Required', reason: '' },
          ],
        }),
      },
      POLICY,
    );
    expect(ack.status).toBe('rejected');
    expect(ack.rejected).toEqual([
      { rule: 'Password Required', reason: 'not applied' },
      { rule: 'Disable Bluetooth', reason: 'x'.repeat(256) },
    ]);
    expect(ack.applied).not.toContain('Disable Bluetooth');
    expect(ack.applied).not.toContain('Disable Camera');
    expect(ack.applied).toContain('Minimum Password Length');
    expect(decodePolicyAck(encodePolicyAck(ack))).toEqual(ack);
  });

  it('passes only known, active rules and the policy context to the enforcer', () => {
    const apply = vi.fn(() => ({ applied: [], rejected: [] }));
    applyPolicy({ apply }, createPolicy('ctx', 'BES 4.1.6 MR4', 0, { 'Minimum Password Length': 9, Other: 1 }));
    expect(apply).toHaveBeenCalledTimes(1);
    const [effective, context] = apply.mock.calls[0] as unknown as [Record<string, unknown>, unknown];
    expect(context).toEqual({ policyId: 'ctx', serverVersion: 'BES 4.1.6 MR4' });
    expect(effective).not.toHaveProperty('Minimum Password Length');
    expect(effective).not.toHaveProperty('Other');
    expect(effective['Password Required']).toBe(false);
  });

  it('does not call the enforcer for a policy with invalid known values', () => {
    const apply = vi.fn(() => ({ applied: [], rejected: [] }));
    const ack = applyPolicy({ apply }, { id: 'p', serverVersion: 'v', issuedAt: 0, rules: { 'Set Maximum Password Attempts': 11 } });
    expect(apply).not.toHaveBeenCalled();
    expect(ack.rejected).toEqual([{ rule: 'Set Maximum Password Attempts', reason: 'invalid value: must be 3..10' }]);
  });
});

describe('createMappedEnforcer', () => {
  it('maps rules to device settings and reports each outcome', () => {
    const device: Record<string, unknown> = {};
    const enforcer = createMappedEnforcer({
      'Password Required': (value) => {
        device.lock = value;
        return true;
      },
      'Minimum Password Length': (value) => {
        device.minLength = value;
        return true;
      },
      'Disable Bluetooth': () => 'no Bluetooth radio control',
      'Content Protection Strength': (value) => (value === 'Strongest' ? false : true),
      'Disable Camera': () => {
        throw new Error('camera driver crashed');
      },
    });
    const ack = applyPolicy(enforcer, POLICY);
    expect(device).toEqual({ lock: true, minLength: 8 });
    expect(ack.status).toBe('rejected');
    expect(ack.rejected).toEqual([
      { rule: 'Content Protection Strength', reason: 'not applied' },
      { rule: 'Disable Bluetooth', reason: 'no Bluetooth radio control' },
      { rule: 'Disable Camera', reason: ENFORCER_ERROR_REASON },
    ]);
    // Unmapped rules at their defaults count as applied; the rest were applied by their mappers.
    expect(ack.applied).toEqual(
      ALL_ACTIVE.filter((n) => !['Content Protection Strength', 'Disable Bluetooth', 'Disable Camera'].includes(n)),
    );
  });

  it('rejects an unmapped rule set to a non-default value', () => {
    const ack = applyPolicy(createMappedEnforcer({}), createPolicy('p', 'v', 0, { 'Disable Camera': true }));
    expect(ack.rejected).toEqual([{ rule: 'Disable Camera', reason: UNSUPPORTED_REASON }]);
    expect(applyPolicy(createMappedEnforcer({}), createPolicy('p', 'v', 0, {})).status).toBe('applied');
  });

  it('ignores inherited properties of the map', () => {
    const map = Object.create({ 'Disable Camera': () => true }) as Record<string, () => boolean>;
    const ack = applyPolicy(createMappedEnforcer(map), createPolicy('p', 'v', 0, { 'Disable Camera': true }));
    expect(ack.rejected).toEqual([{ rule: 'Disable Camera', reason: UNSUPPORTED_REASON }]);
  });

  it('gives mappers the policy context', () => {
    const seen: unknown[] = [];
    applyPolicy(createMappedEnforcer({ 'Disable Camera': (_v, ctx) => (seen.push(ctx), true) }), createPolicy('pid', 'sv', 0, {}));
    expect(seen).toEqual([{ policyId: 'pid', serverVersion: 'sv' }]);
  });
});

describe('policy updates', () => {
  it('applies a newer policy and re-acknowledges the policy in force (same hash) without re-applying', () => {
    const enforcer = new InMemoryPolicyEnforcer();
    const spy = vi.spyOn(enforcer, 'apply');
    const first = applyPolicyUpdate(enforcer, POLICY, undefined);
    expect(first.reapplied).toBe(true);
    expect(first.decision).toBe('apply');
    expect(first.ack?.status).toBe('applied');
    expect(first.ack?.policyHash).toEqual(policyHash(POLICY));
    const inForce = { policy: POLICY, ack: first.ack! };
    const again = applyPolicyUpdate(enforcer, POLICY, inForce);
    expect(again).toEqual({ decision: 'duplicate', ack: first.ack, reapplied: false });
    expect(spy).toHaveBeenCalledTimes(1);
    const next = createPolicy('policy-8', 'BES 5.0.4', POLICY.issuedAt + 100_000, { 'Disable Camera': true });
    const updated = applyPolicyUpdate(enforcer, next, inForce);
    expect(updated.reapplied).toBe(true);
    expect(updated.ack?.policyId).toBe('policy-8');
    expect(spy).toHaveBeenCalledTimes(2);
    expect(enforcer.settings['Disable Camera']).toBe(true);
  });

  // Issue 8, finding 7: the id used to identify the content, so a reused id was acknowledged
  // without being applied, and an older policy could replace a newer one.
  it('a reused id with other rules (and a later issuedAt) is applied, not re-acknowledged', () => {
    const enforcer = new InMemoryPolicyEnforcer();
    const first = applyPolicyUpdate(enforcer, POLICY, undefined);
    const reused = createPolicy(POLICY.id, POLICY.serverVersion, POLICY.issuedAt + 1, { 'Disable Camera': true });
    const outcome = applyPolicyUpdate(enforcer, reused, { policy: POLICY, ack: first.ack! });
    expect(outcome.decision).toBe('apply');
    expect(outcome.reapplied).toBe(true);
    expect(outcome.ack?.policyHash).toEqual(policyHash(reused));
    expect(outcome.ack?.policyHash).not.toEqual(first.ack?.policyHash);
    expect(enforcer.settings['Disable Camera']).toBe(true);
  });

  it('refuses a policy that is not newer than the one in force (older, or the same issuedAt with other content)', () => {
    const enforcer = new InMemoryPolicyEnforcer();
    const spy = vi.spyOn(enforcer, 'apply');
    const current = createPolicy('policy-9', 'BES 5.0.4', POLICY.issuedAt + 10, { 'Disable Camera': true });
    const ack = applyPolicyUpdate(enforcer, current, undefined).ack!;
    for (const stale of [POLICY, createPolicy('policy-10', 'BES 5.0.4', current.issuedAt, { 'Disable Camera': false })]) {
      expect(policyUpdateDecision({ policy: current }, stale)).toBe('stale');
      expect(applyPolicyUpdate(enforcer, stale, { policy: current, ack })).toEqual({ decision: 'stale', ack: undefined, reapplied: false });
    }
    expect(spy).toHaveBeenCalledTimes(1);
    expect(enforcer.settings['Disable Camera']).toBe(true);
    expect(enforcer.policyId).toBe('policy-9');
  });
});
