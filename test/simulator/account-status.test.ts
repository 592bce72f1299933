/**
 * The account as the administrator sees it (issue 12, finding 3): after five wrong passwords
 * `account()` said "Activating" with `hasPassword: true`, as if the password could still activate.
 * Now: a status that says why the password is no longer valid, the failed attempts, `locked`, and
 * the password's expiry time. "Initializing" and "Activating" are RIM's names (the seed); "No
 * activation password", "Activated", "Activation password expired" and "Activation password
 * locked" are ours (docs/server.md, "Account status").
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_STATUSES } from '../../src/simulator/accounts.js';
import { runExchange } from '../activation/harness.js';
import { DISPLAY_NAME, EMAIL, HOUR, PASSWORD, T0 } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';

const alice = { email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD };

function server() {
  return createServer({ serverSeed: 'account-status', users: [alice] });
}

describe('account(): status, failed attempts, locked, password expiry', () => {
  it('a new password: Initializing, 0 attempts, not locked, expiring 48 hours after it was set', () => {
    const { sim } = server();
    expect(sim.account(EMAIL)).toEqual({
      email: EMAIL,
      displayName: DISPLAY_NAME,
      status: 'Initializing',
      failedAttempts: 0,
      locked: false,
      hasPassword: true,
      passwordExpiresAt: T0 + 48 * HOUR,
    });
  });

  it('one wrong password: Activating (the server retrieved the ETP.DAT), 1 attempt, not locked', () => {
    const { sim, clock } = server();
    runExchange({ sim, clock, password: 'wrong-password-1', handsetSeed: 'one-wrong' });
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activating', failedAttempts: 1, locked: false, hasPassword: true });
  });

  it('five wrong passwords: "Activation password locked", locked, no password that can activate', () => {
    const { sim, clock } = server();
    for (let i = 1; i <= 5; i++) {
      runExchange({ sim, clock, password: `wrong-password-${i}`, handsetSeed: `lock/${i}` });
      expect(sim.account(EMAIL)!.locked).toBe(i === 5);
      clock.now += 60_000;
    }
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password locked',
      failedAttempts: 5,
      locked: true,
      hasPassword: false,
      passwordExpiresAt: T0 + 48 * HOUR,
    });
    // Locked wins over expired: it is the reason the password stopped being valid first.
    clock.now = T0 + 49 * HOUR;
    expect(sim.account(EMAIL)!.status).toBe('Activation password locked');
    // A new password unlocks.
    sim.setActivationPassword(EMAIL, 'a-new-password');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0, locked: false, hasPassword: true });
    expect(sim.account(EMAIL)!.passwordExpiresAt).toBe(clock.now + 48 * HOUR);
  });

  it('past its expiry: "Activation password expired", no password that can activate; 1 ms before, still Initializing', () => {
    const { sim, clock } = server();
    clock.now = T0 + 48 * HOUR - 1;
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Initializing', hasPassword: true });
    clock.now = T0 + 48 * HOUR;
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password expired',
      hasPassword: false,
      locked: false,
      passwordExpiresAt: T0 + 48 * HOUR,
    });
  });

  it('no password: "No activation password", no expiry; activated: "Activated", the password gone', () => {
    const { sim, clock } = createServer({ serverSeed: 'account-status', users: [{ email: EMAIL, displayName: DISPLAY_NAME }] });
    expect(sim.account(EMAIL)).toEqual({
      email: EMAIL,
      displayName: DISPLAY_NAME,
      status: 'No activation password',
      failedAttempts: 0,
      locked: false,
      hasPassword: false,
    });
    sim.setActivationPassword(EMAIL, PASSWORD);
    expect(runExchange({ sim, clock, until: 'end' }).stoppedBy).toBe('complete');
    const view = sim.account(EMAIL)!;
    expect(view).toMatchObject({ status: 'Activated', failedAttempts: 0, locked: false, hasPassword: false });
    expect(view.passwordExpiresAt).toBeUndefined();
  });

  it('the view is secret-free: the password appears nowhere in it', () => {
    const { sim, clock } = server();
    runExchange({ sim, clock, password: 'wrong-password-1' });
    expect(JSON.stringify(sim.account(EMAIL))).not.toContain(PASSWORD);
  });

  it("every status the view can show is one of ADMIN_STATUSES, RIM's two names among them", () => {
    expect(ADMIN_STATUSES).toEqual([
      'No activation password',
      'Initializing',
      'Activating',
      'Activated',
      'Activation password expired',
      'Activation password locked',
    ]);
  });
});
