/**
 * Rules that act later (docs/lifecycle.md): "Set Maximum Password Attempts: 3-10; reaching it
 * wipes the device" (RIM, the facts file). The handset counts consecutive wrong device password
 * entries against the rule in force; at the limit it tells the enforcer, emits `policyAction` and
 * wipes itself (keys, books, policy and its key binding, organizer data). A correct entry resets
 * the count; the count is in the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { Handset } from '../../src/handset/handset.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import type { HandsetState } from '../../src/handset/state.js';
import { handsetStep } from '../../src/handset/machine.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { createPolicy } from '../../src/policy/policy.js';
import { InMemoryPolicyEnforcer, type PolicyActionEvent } from '../../src/policy/enforcer.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { activatePair, createServer, Pair } from '../support/pair.js';
import { EMAIL, PASSWORD, T0, USERS } from '../support/fixtures.js';
import { allAlgorithms } from '../support/providers.js';

const STORAGE_KEY = new Uint8Array(32).fill(9);
const RULES = { 'Password Required': true, 'Set Maximum Password Attempts': 3 };

/** A handset activated under a policy that requires a password and allows `rules`' attempts. */
function activated(rules: Record<string, boolean | number> = RULES): Pair {
  const policy = createPolicy('passwords', 'BES 5', T0 - 1, rules);
  const pair = activatePair({ serverSeed: 'A', serverOptions: { services: { policy } } });
  expect(pair.handset.phase).toBe('complete');
  return pair;
}

function enter(pair: Pair, ...entries: boolean[]): void {
  for (const correct of entries) pair.input({ type: 'device-password', correct, now: pair.clock.now });
}

describe('Set Maximum Password Attempts', () => {
  it('the third consecutive wrong entry (the limit, 3) tells the enforcer and wipes the device', () => {
    const pair = activated();
    enter(pair, false, false);
    expect(pair.handset.phase).toBe('complete');
    expect(pair.handset.passwordFailures).toBe(2);
    expect(pair.outputsOf('wiped')).toEqual([]);
    enter(pair, false);
    expect(pair.outputsOf('policy-action')).toEqual([{ type: 'policy-action', rule: 'Set Maximum Password Attempts', action: 'wipe' }]);
    expect(pair.outputsOf('wiped')).toHaveLength(1);
    const actionAt = pair.outputs.findIndex((o) => o.type === 'policy-action');
    expect(pair.outputs[actionAt + 2]).toEqual({ type: 'wiped' });
    // Keys, books, policy and its binding, organizer data, long-term keys: all gone.
    expect(pair.handset).toEqual({ version: 4, phase: 'idle', config: pair.handset.config });
  });

  it('a correct entry starts the count again', () => {
    const pair = activated();
    enter(pair, false, false, true);
    expect(pair.handset.passwordFailures).toBeUndefined();
    enter(pair, false, false);
    expect(pair.handset.phase).toBe('complete');
    expect(pair.handset.passwordFailures).toBe(2);
    expect(pair.outputsOf('wiped')).toEqual([]);
  });

  it('is not counted when the policy requires no password (the rule does not apply)', () => {
    const pair = activated({ 'Password Required': false, 'Set Maximum Password Attempts': 3 });
    enter(pair, false, false, false, false);
    expect(pair.handset.phase).toBe('complete');
    expect(pair.handset.passwordFailures).toBeUndefined();
  });

  it('uses the rule default (10) when the policy requires a password but sets no limit', () => {
    const pair = activated({ 'Password Required': true });
    enter(pair, ...Array.from({ length: 9 }, () => false));
    expect(pair.handset.passwordFailures).toBe(9);
    enter(pair, false);
    expect(pair.handset.phase).toBe('idle');
  });

  it('before any policy there is nothing to count against', () => {
    const pair = new Pair({});
    enter(pair, false, false, false);
    expect(pair.handset.phase).toBe('idle');
    expect(pair.handset.passwordFailures).toBeUndefined();
    expect(pair.outputs).toEqual([]);
  });

  it('refuses an input without a boolean with INVALID_ARGUMENT', () => {
    const pair = activated();
    const bad = { type: 'device-password', correct: 'no', now: T0 } as unknown as Parameters<typeof handsetStep>[1];
    let code: string | undefined;
    try {
      handsetStep(pair.handset, bad, pair.env);
    } catch (err) {
      code = isActivationError(err) ? err.code : 'other';
    }
    expect(code).toBe('INVALID_ARGUMENT');
  });

  it('the count survives a snapshot and restore; the next wrong entry after it wipes', () => {
    const pair = activated();
    enter(pair, false, false);
    const restored: HandsetState = openHandsetState(
      sealHandsetState(pair.handset, STORAGE_KEY, allAlgorithms, seededRandom('seal')),
      STORAGE_KEY,
      allAlgorithms,
    );
    expect(restored.passwordFailures).toBe(2);
    pair.handset = restored;
    enter(pair, false);
    expect(pair.handset.phase).toBe('idle');
  });

  it('the wipe unbinds the IT policy key: the device then activates on another BES', () => {
    const pair = activated();
    enter(pair, false, false, false);
    const other = createServer({ serverSeed: 'B', clock: pair.clock, users: USERS });
    const next = new Pair({ server: other.sim, clock: other.clock, serverLog: other.log, state: pair.handset, random: pair.env.random });
    next.activate(EMAIL, PASSWORD);
    next.drive();
    expect(next.error).toBeUndefined();
    expect(next.handset.phase).toBe('complete');
  });
});

describe('Handset.devicePasswordEntered (the driver)', () => {
  it('calls the enforcer onAction, then emits policyAction and wiped', () => {
    const pair = activated();
    const calls: PolicyActionEvent[] = [];
    const enforcer = new (class extends InMemoryPolicyEnforcer {
      onAction(event: PolicyActionEvent): void {
        calls.push(event);
      }
    })();
    const [handsetSide] = createMemoryTransportPair();
    const handset = new Handset({
      config: pair.handset.config,
      state: pair.handset,
      transport: handsetSide,
      enforcer,
      provider: allAlgorithms,
      timers: { setTimeout: () => 0, clearTimeout: () => {} },
    });
    const events: string[] = [];
    handset.on('policyAction', (e) => events.push(`policyAction ${e.rule} ${e.action}`));
    handset.on('wiped', () => events.push('wiped'));
    handset.devicePasswordEntered(false);
    handset.devicePasswordEntered(false);
    expect(events).toEqual([]);
    handset.devicePasswordEntered(false);
    expect(calls).toEqual([{ rule: 'Set Maximum Password Attempts', action: 'wipe' }]);
    expect(events).toEqual(['policyAction Set Maximum Password Attempts wipe', 'wiped']);
    expect(handset.state.phase).toBe('idle');
    handset.suspend();
  });
});
