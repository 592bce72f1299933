/**
 * An activation password activates one device. The first device to prove it holds a claim on it
 * until it acknowledges the IT policy (the account is activated and the password deleted then);
 * meanwhile another device proving the same password is refused, until the claim times out.
 */
import { describe, expect, it } from 'vitest';
import { EMAIL, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';
import { runExchange } from './harness.js';

describe('an activation password activates one device', () => {
  // Was (fixed): src/simulator/server-services.ts (onPolicyAck) activated the account and deleted
  // the password only at the policy acknowledgement, and nothing reserved the password once a
  // first device had proven it. A second device could run phases 1-2 with the same password in
  // the meantime; both then completed, and the second acknowledgement silently overwrote the
  // account's device.
  it('one activation password activates one device only, even when two activations overlap', () => {
    const { sim, clock } = createServer({
      serverSeed: 'overlap',
      users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD }],
    });
    // Device A proves the password and gets its key; its IT policy is still on the way.
    const a = runExchange({ sim, clock, handsetSeed: 'overlap/A' });
    expect(a.stoppedBy).toBe('key-established');
    // Device B, same password, meanwhile.
    const b = runExchange({ sim, clock, handsetSeed: 'overlap/B', handsetConfig: { ...HANDSET_CONFIG, pin: '2100000B' }, until: 'end' });
    // Device A finishes.
    const aDone = runExchange({ resume: a, until: 'end' });
    const completed = [aDone, b].filter((r) => r.stoppedBy === 'complete');
    expect(completed).toHaveLength(1);
  });
});

describe('a stalled activation does not hold the password forever', () => {
  it('another device may take over the claim once the claim timeout has passed', () => {
    const { sim, clock } = createServer({
      serverSeed: 'stale-claim',
      users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD }],
    });
    // Device A proves the password, then goes silent (never acknowledges the policy).
    const a = runExchange({ sim, clock, handsetSeed: 'stale/A' });
    expect(a.stoppedBy).toBe('key-established');
    // Within the claim timeout, device B is refused...
    clock.now += 9 * 60_000;
    const early = runExchange({ sim, clock, handsetSeed: 'stale/B1', handsetConfig: { ...HANDSET_CONFIG, pin: '2100000B' }, until: 'end' });
    expect(early.error?.code).toBe('NO_ACTIVATION_PASSWORD');
    // B proved the password: that is not a failed attempt.
    expect(sim.account(EMAIL)?.failedAttempts).toBe(0);
    // ...after it, device B activates, and A can no longer finish.
    clock.now += 2 * 60_000;
    const late = runExchange({ sim, clock, handsetSeed: 'stale/B2', handsetConfig: { ...HANDSET_CONFIG, pin: '2100000B' }, until: 'end' });
    expect(late.stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)?.devicePin).toBe('2100000B');
    const aDone = runExchange({ resume: a, until: 'end' });
    // The server tells A why, sealed (A proved the password): the claim is gone. A keeps no key.
    expect(aDone.stoppedBy).toBe('failed');
    expect(aDone.error?.code).toBe('NO_ACTIVATION_PASSWORD');
    expect(aDone.error?.cause).toMatchObject({ reportedBy: 'server', authenticated: true });
    expect(aDone.state.transportKey).toBeUndefined();
    expect(sim.account(EMAIL)?.devicePin).toBe('2100000B');
  });
});
