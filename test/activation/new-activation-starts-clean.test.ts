/**
 * A new activation starts clean: nothing of an earlier one (a policy being applied, the policy in
 * force, the records and progress of another account) decides what the new one does. The
 * handset keeps its state across activations (and servers) only as the starting point.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../src/policy/policy.js';
import { EMAIL, USERS } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';
import { runActivation, SecurityHarness } from '../security/harness.js';

describe('a new activation starts clean', () => {
  // src/handset/machine-support.ts fail() and phase-key-exchange.ts startActivation() keep
  // state.pendingPolicy. After a cancel (or a server error frame) while the enforcer runs, every
  // later activation ignores every frame ("frame while the IT policy is being applied") and times
  // out. Found by the state-machine fuzzer (fuzz/run.ts --seed 12345), which also gets a TypeError
  // out of handsetStep from the stale policy: see the next test.
  it('a cancel while the IT policy is being applied does not block the next activation', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const h = new SecurityHarness({ sim, clock, log });
    h.activate();
    h.run((x) => x.state.pendingPolicy !== undefined); // apply-policy is out, policy-applied not yet fed
    h.step({ type: 'cancel', now: clock.now });
    sim.setActivationPassword(EMAIL, 'Second-Pw-1');
    const again = new SecurityHarness({ sim, clock, log, state: h.state, handsetSeed: 'again' });
    again.activate(EMAIL, 'Second-Pw-1');
    again.run();
    expect(again.error).toBeUndefined(); // was: TIMEOUT, every frame ignored
    expect(again.state.phase).toBe('complete');
  });

  // onItPolicy (src/handset/phase-services.ts) skips applying a policy whose id equals the one in
  // force, across activations and servers. Every BesSimulator's policy is id "default", so a
  // device re-activated against another server keeps the previous server's settings, and answers
  // the new server with the OLD acknowledgement ("applied"): the new server believes a policy is in
  // force (here Password Required, Minimum Password Length 8) that the device never applied.
  it("a new activation applies the new server's IT policy even if its id equals the previous one", () => {
    const a = createServer({ serverSeed: 'A', users: USERS });
    const first = runActivation({ sim: a.sim, clock: a.clock, log: a.log });
    // Another BES with the same IT policy key: the device is bound to the key of its first BES
    // (docs/lifecycle.md), so only a server holding it can give it a policy before a wipe.
    const b = createServer({
      serverSeed: 'A',
      clock: a.clock,
      users: [{ email: 'bob@corp.test', displayName: 'Bob', activationPassword: 'Bob-Pw-1' }],
      serverOptions: {
        srp: 'S0000002',
        services: { policy: createPolicy('default', 'BES', a.clock.now, { 'Password Required': true, 'Minimum Password Length': 8 }) },
      },
    });
    const second = new SecurityHarness({ sim: b.sim, clock: a.clock, log: b.log, state: first.state, handsetSeed: 'second' });
    second.activate('bob@corp.test', 'Bob-Pw-1');
    second.run();
    expect(second.state.phase).toBe('complete');
    expect(second.outputsOf('apply-policy')).toHaveLength(1); // was: 0
    expect(second.state.policy?.policy.rules).toMatchObject({ 'Password Required': true, 'Minimum Password Length': 8 }); // was: {}
  });

  // Same root: the handset's store, progress and books are carried into an activation for another
  // account; the progress then counts the previous account's records ("Synchronizing Calendar
  // (24/12)") and its calendar holds both accounts' events.
  it('a new activation for another account does not count the previous account’s records', () => {
    const a = createServer({ serverSeed: 'A', users: USERS });
    const first = runActivation({ sim: a.sim, clock: a.clock, log: a.log });
    const b = createServer({
      serverSeed: 'A', // the same IT policy key, as above
      clock: a.clock,
      users: [{ email: 'bob@corp.test', displayName: 'Bob', activationPassword: 'Bob-Pw-1' }],
      serverOptions: { srp: 'S0000002' },
    });
    const second = new SecurityHarness({ sim: b.sim, clock: a.clock, log: b.log, state: first.state, handsetSeed: 'second' });
    second.activate('bob@corp.test', 'Bob-Pw-1');
    second.run();
    expect(second.state.phase).toBe('complete');
    expect(second.outputsOf('sync-progress').length).toBeGreaterThan(0);
    for (const p of second.outputsOf('sync-progress'))
      expect(p.received, `${p.database} ${p.received}/${p.total}`).toBeLessThanOrEqual(p.total);
  });
});
