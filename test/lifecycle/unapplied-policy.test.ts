/**
 * "Disable users with unapplied IT policy" on the virtual clock (docs/lifecycle.md, "The IT policy
 * lifecycle"; RIM: the BES sends the policy "every 30 minutes until the BlackBerry devices apply
 * the IT policy or the time limit expires", 0 to 8760 hours, off by default,
 * http://docs.blackberry.com/en/admin/deliverables/8322/Deactivating_BB_devices_w_out_applied_IT_policies_410586_11.jsp).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { BesSimulator, MAX_UNAPPLIED_POLICY_HOURS } from '../../src/simulator/bes-simulator.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { DISPLAY_NAME, EMAIL, PASSWORD } from '../support/fixtures.js';
import { type Link, Pair, faults } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STORAGE_KEY = new Uint8Array(32).fill(9);
const USERS = [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD }];

/** A handset activated on a new server with `hours` as the limit (undefined: off), and `link` set after activation. */
function activated(seed: string, hours: number | undefined, link?: Link, enforcer?: InMemoryPolicyEnforcer): Pair {
  const pair = new Pair({
    serverSeed: seed,
    handsetSeed: `${seed}/handset`,
    users: USERS,
    ...(enforcer ? { enforcer } : {}),
    serverOptions: hours === undefined ? {} : { disableUnappliedPolicyAfterHours: hours },
  });
  pair.activate();
  pair.drive();
  expect(pair.handset.phase).toBe('complete');
  pair.link = link;
  return pair;
}

/** Moves the clock to `at` (ms after `start`), polls the server and drives; returns the frames the poll sent. */
function pollAt(pair: Pair, start: number, at: number): number {
  pair.clock.now = start + at;
  const sent = pair.pollServer();
  pair.drive();
  return sent;
}

function retirements(pair: Pair) {
  return pair.server.adminLog(EMAIL).filter((e) => e.type === 'device-retired');
}

describe('the option off (RIM: off by default)', () => {
  it('a device that never acknowledges stays activated past a year, its policy sent again every 30 minutes', () => {
    const pair = activated('off', undefined, faults.drop({ direction: 'to-server', type: 'policy-ack' }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    const policiesSent = () => pair.sent('to-handset', 'it-policy').length;
    const before = policiesSent();
    // The first two hours, minute by minute in 5-minute steps: sent at 0, 30, 60, 90 and 120.
    const sendsAt: number[] = [];
    for (let minute = 0; minute <= 120; minute += 5) {
      const count = policiesSent();
      pollAt(pair, start, minute * MINUTE);
      if (policiesSent() > count) sendsAt.push(minute);
    }
    expect(sendsAt).toEqual([0, 30, 60, 90, 120]);
    // Then a year and a day, a day at a time: each poll sends it again, and the device stays.
    for (let day = 1; day <= 366; day++) pollAt(pair, start, day * DAY);
    expect(policiesSent() - before).toBe(5 + 366);
    // Still every 30 minutes, a year on.
    const count = policiesSent();
    pollAt(pair, start, 366 * DAY + 30 * MINUTE - 1);
    expect(policiesSent()).toBe(count);
    pollAt(pair, start, 366 * DAY + 30 * MINUTE);
    expect(policiesSent()).toBe(count + 1);
    expect(pair.server.policyPending(EMAIL)?.policyId).toBe('update-1');
    expect(pair.server.account(EMAIL)).toMatchObject({ status: 'Activated', devicePin: pair.handset.config.pin });
    expect(pair.handset.phase).toBe('complete');
    expect(retirements(pair)).toEqual([]);
  });
});

describe('a limit of 2 hours', () => {
  it('a device that never acknowledges an update is retired at 2 hours, not before, and deactivated by the command', () => {
    const pair = activated('two-hours', 2, faults.drop({ direction: 'to-server', type: 'policy-ack' }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    for (const minute of [0, 30, 60, 90]) expect(pollAt(pair, start, minute * MINUTE)).toBe(1);
    expect(pollAt(pair, start, 2 * HOUR - 1)).toBe(0);
    expect(pair.server.account(EMAIL)?.status).toBe('Activated');
    expect(retirements(pair)).toEqual([]);

    pair.clock.now = start + 2 * HOUR;
    const due = pair.server.poll();
    expect(due.map((f) => decodeFrame(f).type)).toEqual(['device-command']);
    expect(retirements(pair)).toEqual([
      { type: 'device-retired', at: start + 2 * HOUR, email: EMAIL, pin: pair.handset.config.pin, reason: 'policy-not-applied' },
    ]);
    expect(pair.server.account(EMAIL)?.devicePin).toBeUndefined();
    expect(pair.server.account(EMAIL)?.status).not.toBe('Activated');
    expect(pair.server.policyPending(EMAIL)).toBeUndefined();
    for (const bytes of due) pair.inject('to-handset', bytes);
    pair.drive();
    expect(pair.handset.phase).toBe('deactivated');
    expect(pair.outputsOf('deactivated')).toEqual([{ type: 'deactivated', reason: 'command' }]);
    // The policy is not sent to it any more.
    const policies = pair.sent('to-handset', 'it-policy').length;
    pollAt(pair, start, 3 * HOUR);
    expect(pair.sent('to-handset', 'it-policy')).toHaveLength(policies);
  });

  it('the retirement is logged with its PIN, since when the policy was unapplied and the limit', () => {
    const pair = activated('two-hours-log', 2, faults.drop({ direction: 'to-server', type: 'policy-ack' }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    pollAt(pair, start, 0);
    pair.clock.now = start + 2 * HOUR;
    pair.server.poll();
    expect(pair.serverEvents('IT policy not applied: device retired')).toEqual([
      { event: 'IT policy not applied: device retired', detail: { pin: pair.handset.config.pin, since: start, limitMs: 2 * HOUR } },
    ]);
  });

  it('a retired device whose command is lost is deactivated on its next frame (DEACTIVATED)', () => {
    const pair = activated('two-hours-frame', 2, faults.drop({ direction: 'to-server', type: 'policy-ack' }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    for (const minute of [0, 30, 60, 90]) pollAt(pair, start, minute * MINUTE);
    pair.link = faults.drop({ direction: 'to-handset', type: 'device-command' });
    pollAt(pair, start, 2 * HOUR);
    expect(retirements(pair)).toHaveLength(1);
    expect(pair.handset.phase).toBe('complete');
    // Its next frame: the last acknowledgement, sent again.
    pair.inject('to-server', pair.sent('to-server', 'policy-ack').at(-1)!);
    pair.drive();
    expect(pair.handset.phase).toBe('deactivated');
    expect(pair.outputsOf('deactivated')).toEqual([{ type: 'deactivated', reason: 'refused' }]);
  });

  it('a device that applies the update in time is not retired (the applied acknowledgement stops the clock)', () => {
    // The first three pushes are lost; the one at 90 minutes arrives and is applied.
    const pair = activated(
      'in-time',
      2,
      faults.chain(
        faults.drop({ direction: 'to-handset', type: 'it-policy', nth: 0 }),
        faults.drop({ direction: 'to-handset', type: 'it-policy', nth: 1 }),
        faults.drop({ direction: 'to-handset', type: 'it-policy', nth: 2 }),
      ),
    );
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    for (const minute of [0, 30, 60, 90]) pollAt(pair, start, minute * MINUTE);
    expect(pair.server.policyAck(EMAIL)).toMatchObject({ policyId: 'update-1', status: 'applied' });
    for (let hour = 2; hour <= 48; hour++) expect(pollAt(pair, start, hour * HOUR)).toBe(0);
    expect(retirements(pair)).toEqual([]);
    expect(pair.server.account(EMAIL)?.status).toBe('Activated');
    expect(pair.handset.phase).toBe('complete');
    // A later update starts a new clock: unapplied from its own push.
    pair.link = faults.drop({ direction: 'to-server', type: 'policy-ack' });
    pair.server.updatePolicy('update-2', { 'Disable Camera': false });
    const second = 48 * HOUR;
    pollAt(pair, start, second);
    pollAt(pair, start, second + 2 * HOUR - 1);
    expect(retirements(pair)).toEqual([]);
    pollAt(pair, start, second + 2 * HOUR);
    expect(retirements(pair)).toHaveLength(1);
  });

  it("an earlier update's applied acknowledgement, arriving again, does not stop the clock of a later update", () => {
    const pair = activated('stale-ack', 2);
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    pollAt(pair, start, 0);
    expect(pair.server.policyAck(EMAIL)).toMatchObject({ policyId: 'update-1', status: 'applied' });
    const staleAck = pair.sent('to-server', 'policy-ack').at(-1)!;
    // update-2's acknowledgements are lost; update-1's comes again (a relay that replays it).
    pair.link = faults.drop({ direction: 'to-server', type: 'policy-ack' });
    pair.clock.now = start + HOUR;
    pair.server.updatePolicy('update-2', { 'Disable Camera': false });
    pollAt(pair, start, HOUR);
    pair.inject('to-server', staleAck);
    pair.drive();
    expect(pair.server.policyPending(EMAIL)?.policyId).toBe('update-2');
    pollAt(pair, start, 3 * HOUR - 1);
    expect(retirements(pair)).toEqual([]);
    pollAt(pair, start, 3 * HOUR);
    expect(retirements(pair)).toMatchObject([{ reason: 'policy-not-applied' }]);
  });

  it('a rejection leaves the clock running: retired at 2 hours, not at once', () => {
    const pair = activated('two-hours-rejected', 2, undefined, new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth'] }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Bluetooth': true });
    pollAt(pair, start, 0);
    expect(pair.server.policyAck(EMAIL)).toMatchObject({ policyId: 'update-1', status: 'rejected' });
    expect(retirements(pair)).toEqual([]);
    expect(pollAt(pair, start, 2 * HOUR - 1)).toBe(0);
    expect(retirements(pair)).toEqual([]);
    pollAt(pair, start, 2 * HOUR);
    expect(retirements(pair)).toMatchObject([{ reason: 'policy-not-applied' }]);
    expect(pair.handset.phase).toBe('deactivated');
  });
});

describe('a limit of 0 hours', () => {
  it('a device that rejects the update is retired at once, and deactivated by the command in the reply', () => {
    const pair = activated('zero-rejected', 0, undefined, new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth'] }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Bluetooth': true });
    pollAt(pair, start, 0);
    expect(pair.clock.now).toBe(start);
    expect(retirements(pair)).toEqual([
      { type: 'device-retired', at: start, email: EMAIL, pin: pair.handset.config.pin, reason: 'policy-not-applied' },
    ]);
    expect(pair.server.account(EMAIL)?.devicePin).toBeUndefined();
    expect(pair.handset.phase).toBe('deactivated');
    expect(pair.outputsOf('deactivated')).toEqual([{ type: 'deactivated', reason: 'command' }]);
  });

  it('a pending push alone does not trip it: a device that never acknowledges stays activated', () => {
    const pair = activated('zero-pending', 0, faults.drop({ direction: 'to-server', type: 'policy-ack' }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    for (let hour = 0; hour <= 48; hour++) pollAt(pair, start, hour * HOUR);
    expect(retirements(pair)).toEqual([]);
    expect(pair.server.account(EMAIL)?.status).toBe('Activated');
    expect(pair.server.policyPending(EMAIL)?.policyId).toBe('update-1');
  });

  it('a device that applies the update is not retired', () => {
    const pair = activated('zero-applied', 0);
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    pollAt(pair, start, 0);
    pollAt(pair, start, DAY);
    expect(pair.server.policyAck(EMAIL)?.status).toBe('applied');
    expect(retirements(pair)).toEqual([]);
    expect(pair.handset.phase).toBe('complete');
  });
});

describe('disableUnappliedPolicyAfterHours is a whole number of hours, 0 to 8760 (RIM)', () => {
  it.each([-1, 8761, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number])(
    '%s is refused with INVALID_ARGUMENT',
    (hours) => {
      let thrown: unknown;
      try {
        new BesSimulator({ disableUnappliedPolicyAfterHours: hours });
      } catch (err) {
        thrown = err;
      }
      expect(isActivationError(thrown)).toBe(true);
      expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', cause: { field: 'disableUnappliedPolicyAfterHours' } });
    },
  );

  it.each([0, 1, MAX_UNAPPLIED_POLICY_HOURS])('%s is accepted', (hours) => {
    expect(new BesSimulator({ disableUnappliedPolicyAfterHours: hours })).toBeInstanceOf(BesSimulator);
  });

  it('the longest limit is 8760 hours', () => {
    expect(MAX_UNAPPLIED_POLICY_HOURS).toBe(8760);
  });
});

describe('across a restart', () => {
  it('a server restored with an unapplied policy pending keeps the deadline', () => {
    const pair = activated('restore', 2, faults.drop({ direction: 'to-server', type: 'policy-ack' }));
    const start = pair.clock.now;
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    for (const minute of [0, 30, 60]) pollAt(pair, start, minute * MINUTE);
    const restored = BesSimulator.restore(pair.server.snapshot(STORAGE_KEY), STORAGE_KEY, {
      now: () => pair.clock.now,
      random: seededRandom('restore/server-2'),
      provider: allAlgorithms,
      disableUnappliedPolicyAfterHours: 2,
    });
    const state = openHandsetState(
      sealHandsetState(pair.handset, STORAGE_KEY, allAlgorithms, seededRandom('restore/seal')),
      STORAGE_KEY,
      allAlgorithms,
    );
    const again = new Pair({
      server: restored,
      clock: pair.clock,
      state,
      handsetSeed: 'restore/handset-2',
      link: faults.drop({ direction: 'to-server', type: 'policy-ack' }),
    });
    expect(restored.policyPending(EMAIL)).toEqual({ policyId: 'update-1', sends: 3 });
    pollAt(again, start, 90 * MINUTE);
    pollAt(again, start, 2 * HOUR - 1);
    expect(restored.adminLog(EMAIL).filter((e) => e.type === 'device-retired')).toEqual([]);
    expect(restored.account(EMAIL)?.status).toBe('Activated');
    // At 2 hours from the first push, not 2 hours from the restart.
    pollAt(again, start, 2 * HOUR);
    expect(restored.adminLog(EMAIL).filter((e) => e.type === 'device-retired')).toMatchObject([{ reason: 'policy-not-applied' }]);
    expect(again.handset.phase).toBe('deactivated');
  });
});
