/** Regression tests for bugs found in src while writing the activation and wire tests (now fixed). */
import { describe, expect, it } from 'vitest';
import { expectCode } from '../support/errors.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';
import { runExchange } from './harness.js';

describe('regressions', () => {
  // src/simulator/server-services.ts (onPolicyAck) activates the account and deletes the password
  // only at the policy acknowledgement, but nothing reserves the password once a first device has
  // proven it. A second device can run phases 1-2 with the same password in the meantime; both
  // then complete, and the second acknowledgement silently overwrites the account's device.
  // (docs/protocol.md, step 5, still says the account is activated and the password deleted at
  // key-verified.)
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

  // src/simulator/accounts.ts setActivationPassword counts code points BEFORE NFC, the handset
  // (passwordToPrs) AFTER. A password that NFC lengthens (U+2ADC decomposes to 2 code points) is
  // accepted by the administrator API, then every ETP.DAT for that account makes onEtpDat call
  // passwordToPrs on it, which throws INVALID_ARGUMENT out of BesSimulator.receive ("never
  // throws for bad input"), after attemptStarted already counted a failed attempt.
  it('BesSimulator.receive never throws, whatever password the administrator could set', () => {
    const { sim, clock } = createServer({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    // 31 code points, 62 after NFC: refused by the administrator API, as the handset refuses it.
    const err = expectCode(() => sim.setActivationPassword(EMAIL, '\u2ADC'.repeat(31)), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ field: 'password' });
    expect(sim.account(EMAIL)).toMatchObject({ hasPassword: false, failedAttempts: 0 });
    // The longest password the administrator can set (31 characters after NFC, typed decomposed:
    // 62 code points) is stored, and an ETP.DAT for the account is answered, not thrown at.
    sim.setActivationPassword(EMAIL, 'e\u0301'.repeat(31));
    expect(sim.account(EMAIL)).toMatchObject({ hasPassword: true });
    const wrong = runExchange({ sim, clock, password: 'anything-else' });
    expect(wrong.error?.code).toBe('WRONG_PASSWORD');
    expect(sim.account(EMAIL)!.failedAttempts).toBe(1);
    expect(runExchange({ sim, clock, password: '\u00e9'.repeat(31), handsetSeed: 'longest' }).stoppedBy).toBe('key-established');
  });

  // The same mismatch the other way: 16 characters after NFC, typed decomposed (32 code points):
  // the handset accepts it, the administrator API refuses it.
  it('setActivationPassword measures the password after NFC, as the handset does', () => {
    const { sim, clock } = createServer({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    const password = 'e\u0301'.repeat(16); // NFC: 16 x U+00E9
    sim.setActivationPassword(EMAIL, password);
    expect(runExchange({ sim, clock, password: '\u00e9'.repeat(16) }).stoppedBy).toBe('key-established');
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
