/**
 * Set Maximum Password Attempts, step by step on the pure machine (docs/lifecycle.md, "Rules that
 * act later"; docs/it-policy.md): "3-10; reaching it wipes the device". Each wrong entry below the
 * limit only counts (no output), a correct one starts the count again (no output), the entry that
 * reaches the limit tells the enforcer (`policy-action`) and wipes: the timer cleared, then
 * `wiped`, and only the configuration stays (src/handset/wipe.ts).
 */
import { describe, expect, it } from 'vitest';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import { handsetStep } from '../../src/handset/machine.js';
import { maxPasswordAttempts, onDevicePassword } from '../../src/handset/password-attempts.js';
import type { HandsetOutput } from '../../src/handset/io.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import { createPolicy } from '../../src/policy/policy.js';
import { activatePair, type Pair } from '../support/pair.js';
import { HANDSET_CONFIG, T0 } from '../support/fixtures.js';
import { allAlgorithms } from '../support/providers.js';

const activations = new Map<string, Pair>();

/**
 * A handset activated under a policy with `rules`, on a device running `os`. The pure machine
 * never changes a state, so tests that only step it share one activation per setup.
 */
function activated(rules: Record<string, boolean | number>, os = HANDSET_CONFIG.device.os): Pair {
  const key = JSON.stringify([rules, os]);
  const known = activations.get(key);
  if (known) return known;
  const policy = createPolicy('passwords', 'BES 5', T0 - 1, rules);
  const pair = activatePair({
    serverSeed: 'A',
    serverOptions: { services: { policy } },
    handsetConfig: { ...HANDSET_CONFIG, device: { model: '8800', os } },
  });
  expect(pair.handset.phase).toBe('complete');
  activations.set(key, pair);
  return pair;
}

/** Feeds `entries` to the pure machine from `pair`'s state; returns each step's state and outputs. */
function enter(pair: Pair, ...entries: boolean[]): { state: HandsetState; outputs: readonly HandsetOutput[] }[] {
  let state = pair.handset;
  return entries.map((correct) => {
    const result = handsetStep(state, { type: 'device-password', correct, now: pair.clock.now }, pair.env);
    state = result.state;
    return result;
  });
}

const WIPE_OUTPUTS = [
  { type: 'policy-action', rule: 'Set Maximum Password Attempts', action: 'wipe' },
  { type: 'clear-timer' },
  { type: 'wiped' },
];

describe('Set Maximum Password Attempts, one entry at a time', () => {
  it.each([3, 5, 10])('with a limit of %i, the wrong entries before it only count; the one that reaches it wipes', (limit) => {
    const pair = activated({ 'Password Required': true, 'Set Maximum Password Attempts': limit });
    const steps = enter(pair, ...Array.from({ length: limit }, () => false));
    const before = steps.slice(0, -1);
    expect(before.map((s) => s.state.passwordFailures)).toEqual(Array.from({ length: limit - 1 }, (_, i) => i + 1));
    expect(before.map((s) => s.state.phase)).toEqual(before.map(() => 'complete'));
    expect(before.map((s) => s.outputs)).toEqual(before.map(() => []));
    const last = steps[steps.length - 1];
    expect(last?.outputs).toEqual(WIPE_OUTPUTS);
    // Keys, books, the policy and its binding, organizer data, long-term keys, the count: all gone.
    expect(last?.state).toStrictEqual({ version: pair.handset.version, phase: 'idle', config: pair.handset.config });
  });

  it('a correct entry gives no output and leaves no count behind', () => {
    const pair = activated({ 'Password Required': true, 'Set Maximum Password Attempts': 3 });
    const [first, second, third] = enter(pair, true, false, true);
    expect(first?.outputs).toEqual([]);
    expect(first?.state).toStrictEqual(pair.handset);
    expect(second?.state.passwordFailures).toBe(1);
    expect(third?.outputs).toEqual([]);
    expect(third?.state).toStrictEqual(pair.handset);
    expect(Object.keys(third?.state ?? {})).not.toContain('passwordFailures');
  });

  it('when the rule does not apply (no password required), a wrong entry changes nothing and gives no output', () => {
    const pair = activated({ 'Password Required': false, 'Set Maximum Password Attempts': 3 });
    const steps = enter(pair, false, false, false);
    expect(steps.map((s) => s.outputs)).toEqual([[], [], []]);
    expect(steps.map((s) => s.state)).toEqual([pair.handset, pair.handset, pair.handset]);
  });

  // An os that is not a software version is refused when the handset is created (docs/handset.md).
  it('counts on a device whose software version carries a suffix (5.0.0.1036 (Bundle 1))', () => {
    const pair = activated({ 'Password Required': true, 'Set Maximum Password Attempts': 3 }, '5.0.0.1036 (Bundle 1)');
    const steps = enter(pair, false, false, false);
    expect(steps.map((s) => s.state.passwordFailures)).toEqual([1, 2, undefined]);
    expect(steps[2]?.outputs).toEqual(WIPE_OUTPUTS);
    expect(steps[2]?.state.phase).toBe('idle');
  });
});

describe('the count without an IT policy (module API, src/handset/password-attempts.ts)', () => {
  // The machine only passes this input on in phases that hold a policy; the functions themselves
  // promise "undefined without a policy" and nothing to count.
  const fresh = initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG, allAlgorithms));

  it('has no limit in force', () => {
    expect(maxPasswordAttempts(fresh)).toBeUndefined();
  });

  it('a wrong entry changes nothing and gives no output', () => {
    expect(onDevicePassword(fresh, false)).toStrictEqual({ state: fresh, outputs: [] });
  });
});
