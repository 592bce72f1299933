/**
 * The activation password rules BlackBerry documented (issue 12, finding 4), each with its source
 * in docs/server.md ("Activation password rules"). The documented values are literals here, not
 * imported, so that a change to a constant fails these tests.
 *
 * - 48 hours by default, up to 720, and 0 hours: "Expire an existing activation password ... select
 *   0 hours (now)"; "You must know the existing active activation password to expire it"
 *   (BlackBerry Enterprise Server 4.0 Handheld Management Guide).
 * - Not valid after the user "types the activation password incorrectly five consecutive times"
 *   (BlackBerry "Activation passwords"): a correct entry starts the count again.
 * - The console takes at most 20 characters (the device 31) and no accented characters (BES 5.0
 *   "Activation passwords"), with `consolePasswordRules`.
 * Ours: an attempt counts from its ETP.DAT until the handset proves the password, so an abandoned
 * attempt counts; lifetimes are whole hours; at least 8 characters.
 */
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { DISPLAY_NAME, EMAIL, HOUR, PASSWORD, T0 } from '../support/fixtures.js';
import { caught } from '../support/errors.js';
import { createServer } from '../support/pair.js';
import { runExchange } from './harness.js';

const alice = { email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD };
const server = (consolePasswordRules?: boolean) =>
  createServer({
    serverSeed: 'documented-rules',
    users: [alice],
    ...(consolePasswordRules === undefined ? {} : { serverOptions: { consolePasswordRules } }),
  });

function invalid(fn: () => unknown, field: string): void {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe('INVALID_ARGUMENT');
  expect((err as ActivationError).cause).toMatchObject({ field });
}

describe('lifetime: 48 hours by default, 1 to 720, 0 expires the current password now', () => {
  it('the default expiry is 48 hours after the password is set', () => {
    const { sim } = server();
    expect(sim.account(EMAIL)!.passwordExpiresAt).toBe(T0 + 48 * HOUR);
  });

  it('1 and 720 hours are accepted; 721 and fractions of an hour are not (INVALID_ARGUMENT)', () => {
    const { sim } = server();
    sim.setActivationPassword(EMAIL, PASSWORD, 1);
    expect(sim.account(EMAIL)!.passwordExpiresAt).toBe(T0 + 1 * HOUR);
    sim.setActivationPassword(EMAIL, PASSWORD, 720);
    expect(sim.account(EMAIL)!.passwordExpiresAt).toBe(T0 + 720 * HOUR);
    invalid(() => sim.setActivationPassword(EMAIL, PASSWORD, 721), 'lifetimeHours');
    invalid(() => sim.setActivationPassword(EMAIL, PASSWORD, 0.5), 'lifetimeHours');
    invalid(() => sim.setActivationPassword(EMAIL, PASSWORD, 47.5), 'lifetimeHours');
    expect(sim.account(EMAIL)!.passwordExpiresAt).toBe(T0 + 720 * HOUR);
  });

  it('0 hours with the current password expires it now: the account shows it, and an activation with it is PASSWORD_EXPIRED', () => {
    const { sim, clock } = server();
    clock.now = T0 + 5 * HOUR;
    sim.setActivationPassword(EMAIL, PASSWORD, 0);
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password expired',
      hasPassword: false,
      passwordExpiresAt: T0 + 5 * HOUR,
    });
    const run = runExchange({ sim, clock });
    expect(run.error?.code).toBe('PASSWORD_EXPIRED');
    expect(sim.accounts.get(EMAIL)!.device).toBeUndefined();
  });

  it('0 hours needs the existing, valid password (as in BlackBerry Manager 4.0): otherwise INVALID_ARGUMENT, nothing changes', () => {
    const { sim, clock } = server();
    invalid(() => sim.setActivationPassword(EMAIL, 'some-other-password', 0), 'password');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Initializing', hasPassword: true, passwordExpiresAt: T0 + 48 * HOUR });
    // Already expired: there is no active password to expire.
    clock.now = T0 + 48 * HOUR;
    invalid(() => sim.setActivationPassword(EMAIL, PASSWORD, 0), 'password');
    // No password at all.
    const bare = createServer({ users: [{ email: EMAIL, displayName: DISPLAY_NAME }] }).sim;
    invalid(() => bare.setActivationPassword(EMAIL, PASSWORD, 0), 'password');
    expect(bare.account(EMAIL)!.status).toBe('No activation password');
  });

  it('after expiring it now, a new password with a lifetime works again', () => {
    const { sim, clock } = server();
    sim.setActivationPassword(EMAIL, PASSWORD, 0);
    sim.setActivationPassword(EMAIL, PASSWORD, 48);
    expect(runExchange({ sim, clock, until: 'end' }).stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)!.status).toBe('Activated');
  });
});

describe('five consecutive failed attempts', () => {
  it('a correct password starts the count again: 4 wrong, the right one proven, then 4 wrong more is not locked', () => {
    const { sim, clock } = server();
    for (let i = 1; i <= 4; i++) runExchange({ sim, clock, password: `wrong-password-${i}`, handsetSeed: `before/${i}` });
    expect(sim.account(EMAIL)!.failedAttempts).toBe(4);
    // The right password, proven: the server issues the key (the activation is not finished yet).
    const right = runExchange({ sim, clock, handsetSeed: 'right' });
    expect(right.stoppedBy).toBe('key-established');
    expect(sim.account(EMAIL)!.failedAttempts).toBe(0);
    for (let i = 1; i <= 4; i++) runExchange({ sim, clock, password: `wrong-password-${i}`, handsetSeed: `after/${i}` });
    expect(sim.account(EMAIL)).toMatchObject({ failedAttempts: 4, locked: false });
    // The fifth consecutive one locks.
    runExchange({ sim, clock, password: 'wrong-password-5', handsetSeed: 'after/5' });
    expect(sim.account(EMAIL)).toMatchObject({ failedAttempts: 5, locked: true, status: 'Activation password locked' });
  });

  it('a correct but expired password, proven, also starts the count again (it was typed correctly)', () => {
    const { sim, clock } = server();
    for (let i = 1; i <= 3; i++) runExchange({ sim, clock, password: `wrong-password-${i}`, handsetSeed: `expired/${i}` });
    clock.now = T0 + 48 * HOUR;
    expect(runExchange({ sim, clock, handsetSeed: 'expired/right' }).error?.code).toBe('PASSWORD_EXPIRED');
    expect(sim.account(EMAIL)!.failedAttempts).toBe(0);
  });

  it('an attempt abandoned before the proof counts (ours: the server cannot tell it from a wrong guess); the next proof clears it', () => {
    const { sim, clock } = server();
    // The right password, but the handset's confirmation never arrives.
    const abandoned = runExchange({ sim, clock, handsetSeed: 'abandoned', tamper: (f, d, i) => (d === 'to-server' && i > 0 ? null : f) });
    expect(abandoned.error?.code).toBe('TIMEOUT');
    expect(sim.account(EMAIL)).toMatchObject({ failedAttempts: 1, status: 'Activating' });
    clock.now += 60_000;
    expect(runExchange({ sim, clock, handsetSeed: 'again', until: 'end' }).stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', failedAttempts: 0 });
  });

  it('a new password starts the count again from 0 (regeneration)', () => {
    const { sim, clock } = server();
    for (let i = 1; i <= 3; i++) runExchange({ sim, clock, password: `wrong-password-${i}`, handsetSeed: `regen/${i}` });
    sim.setActivationPassword(EMAIL, 'a-new-password');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0 });
  });
});

describe("the administration console's limits (consolePasswordRules)", () => {
  it('20 characters are accepted, 21 are not; without the option the device limit (31) applies', () => {
    const { sim } = server(true);
    sim.setActivationPassword(EMAIL, 'p'.repeat(20));
    invalid(() => sim.setActivationPassword(EMAIL, 'p'.repeat(21)), 'password');
    const lenient = server().sim;
    lenient.setActivationPassword(EMAIL, 'p'.repeat(31));
    invalid(() => lenient.setActivationPassword(EMAIL, 'p'.repeat(32)), 'password');
  });

  it('accented characters are refused, composed or not; other characters are accepted', () => {
    const { sim } = server(true);
    invalid(() => sim.setActivationPassword(EMAIL, 'passw\u00f6rd-1'), 'password');
    invalid(() => sim.setActivationPassword(EMAIL, 'passwo\u0308rd-1'), 'password');
    invalid(() => sim.addUser({ email: 'bob@example.com', displayName: 'Bob', activationPassword: 'caf\u00e9-caf\u00e9' }), 'password');
    expect(sim.account('bob@example.com')).toBeUndefined();
    sim.setActivationPassword(EMAIL, 'P@ss w0rd!#');
    expect(sim.account(EMAIL)!.hasPassword).toBe(true);
    // Without the option, what the device takes (NFC, up to 31 characters) is accepted.
    server().sim.setActivationPassword(EMAIL, 'passw\u00f6rd-1');
  });
});
