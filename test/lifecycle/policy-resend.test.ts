/**
 * Resend until applied (docs/lifecycle.md; RIM: the BES "sends the IT policy to the BlackBerry
 * devices every 30 minutes until the BlackBerry devices apply the IT policy"): an update whose push
 * is lost is repaired by the 30-minute resend, not by the next update, on the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_RETRANSMIT_MS } from '../../src/simulator/bes-simulator.js';
import { activatePair, faults } from '../support/pair.js';
import { EMAIL } from '../support/fixtures.js';

const MINUTE = 60_000;

describe('an unacknowledged IT policy is sent again every 30 minutes', () => {
  it('the default interval is 30 minutes (RIM)', () => {
    expect(DEFAULT_POLICY_RETRANSMIT_MS).toBe(30 * MINUTE);
  });

  it('an update whose push is dropped is repaired at 30 minutes, with no further update', () => {
    const pair = activatePair({ serverSeed: 'A' });
    expect(pair.handset.phase).toBe('complete');
    pair.link = faults.drop({ direction: 'to-handset', type: 'it-policy', nth: 0 });
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    expect(pair.pollServer()).toBe(1); // the push, lost on the way
    pair.drive();
    expect(pair.server.policyPending(EMAIL)).toEqual({ policyId: 'update-1', sends: 1 });
    pair.advance(30 * MINUTE - 1);
    expect(pair.pollServer()).toBe(0);
    pair.advance(1);
    expect(pair.pollServer()).toBe(1);
    pair.drive();
    expect(pair.handset.policy?.policy.id).toBe('update-1');
    expect(pair.server.policyPending(EMAIL)).toBeUndefined();
    expect(pair.server.policyAck(EMAIL)?.status).toBe('applied');
  });

  it('a policy never acknowledged is sent again at 30, 60 and 90 minutes, and not in between', () => {
    const pair = activatePair({ serverSeed: 'A' });
    pair.link = faults.drop({ direction: 'to-handset', type: 'it-policy' });
    pair.server.updatePolicy('update-1', { 'Disable Camera': true });
    const sendsAt: number[] = [];
    const start = pair.clock.now;
    for (let minute = 0; minute <= 95; minute += 5) {
      pair.clock.now = start + minute * MINUTE;
      if (pair.pollServer() > 0) sendsAt.push(minute);
      pair.drive();
    }
    expect(sendsAt).toEqual([0, 30, 60, 90]);
    expect(pair.server.policyPending(EMAIL)).toEqual({ policyId: 'update-1', sends: 4 });
  });
});
