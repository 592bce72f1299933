/**
 * What `AccountStore` refuses and what it answers, on its own clock (docs/server.md, "Account
 * status" and "Activation password rules"): addresses of one `@` without white space, one account
 * per address; passwords of at least 8 characters, lifetimes of 1 to 720 whole hours or 0 with the
 * current password; the console's 20 characters and no accents only when asked for (off by
 * default); `usablePassword` says why a password cannot be used (5 failed attempts lock it, it is
 * expired from its expiry time on); an unknown user is INVALID_ARGUMENT where one is required.
 * Refusals are INVALID_ARGUMENT with the field, and a message that names the documented limit.
 */
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/simulator/accounts.js';
import { expectCode } from '../support/errors.js';
import { DISPLAY_NAME, EMAIL, HOUR, PASSWORD, T0 } from '../support/fixtures.js';

function store(consolePasswordRules?: boolean) {
  const clock = { now: T0 };
  const accounts =
    consolePasswordRules === undefined
      ? new AccountStore(() => clock.now)
      : new AccountStore(() => clock.now, undefined, consolePasswordRules);
  return { clock, accounts };
}

function refused(fn: () => unknown, field: string, message: RegExp): void {
  const err = expectCode(fn, 'INVALID_ARGUMENT');
  expect(err.cause).toMatchObject({ field });
  expect(err.message).toMatch(message);
}

describe('add: one @ without white space, one account per address', () => {
  it('a well-formed address is added, trimmed and lower-cased', () => {
    const { accounts } = store();
    expect(accounts.add({ email: '  Alice@Example.COM ', displayName: DISPLAY_NAME }).email).toBe(EMAIL);
    expect(accounts.get(EMAIL)).toMatchObject({ email: EMAIL, status: 'No activation password' });
  });

  it.each([
    ['no @', 'alice.example.com'],
    ['white space before the @', 'alice smith@example.com'],
    ['white space after the domain', 'alice@example.com extra'],
    ['two @', 'alice@example@com'],
    ['nothing before the @', '@example.com'],
  ])('%s (%j): INVALID_ARGUMENT "invalid email address", field email, nothing added', (_what, email) => {
    const { accounts } = store();
    refused(() => accounts.add({ email, displayName: DISPLAY_NAME }), 'email', /^invalid email address$/);
    expect(accounts.all()).toEqual([]);
  });

  it('an address that already has an account, in any case: INVALID_ARGUMENT "the user already exists", field email', () => {
    const { accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    refused(() => accounts.add({ email: 'ALICE@example.com', displayName: 'Another' }), 'email', /^the user already exists$/);
    expect(accounts.all()).toHaveLength(1);
    expect(accounts.get(EMAIL)).toMatchObject({ displayName: DISPLAY_NAME, status: 'Initializing' });
  });

  it('a user that does not exist: INVALID_ARGUMENT "no such user", field email', () => {
    const { accounts } = store();
    refused(() => accounts.setActivationPassword('bob@example.com', PASSWORD), 'email', /^no such user$/);
    refused(() => accounts.failedAttempts('bob@example.com'), 'email', /^no such user$/);
  });
});

describe('setActivationPassword: the refusals name the documented limit', () => {
  it('7 characters: "at least 8 characters", field password', () => {
    const { accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    refused(() => accounts.setActivationPassword(EMAIL, 'abcdefg'), 'password', /at least 8 characters/);
  });

  it('721 hours: "1 to 720 whole hours (or 0 ...)", field lifetimeHours', () => {
    const { accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    refused(() => accounts.setActivationPassword(EMAIL, PASSWORD, 721), 'lifetimeHours', /1 to 720 whole hours \(or 0: /);
  });

  it('0 hours with another password than the current one: names the 0 hours and the current password, field password', () => {
    const { accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    refused(
      () => accounts.setActivationPassword(EMAIL, 'another-password', 0),
      'password',
      /\(0 hours\), give the current, valid password/,
    );
  });

  it('with consolePasswordRules, 21 characters: "at most 20 characters"; an accent: "accented characters"', () => {
    const { accounts } = store(true);
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    refused(() => accounts.setActivationPassword(EMAIL, 'a'.repeat(21)), 'password', /at most 20 characters/);
    refused(() => accounts.setActivationPassword(EMAIL, 'mot-de-passé'), 'password', /accented characters/);
    accounts.setActivationPassword(EMAIL, 'a'.repeat(20));
    expect(accounts.get(EMAIL)!.password?.value).toBe('a'.repeat(20));
  });

  it('a store made without the option takes 31 characters and accents (the device limits): the console rules are off by default', () => {
    const { accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    expect(accounts.consolePasswordRules).toBe(false);
    accounts.setActivationPassword(EMAIL, 'a'.repeat(31));
    expect(accounts.get(EMAIL)!.password?.value).toBe('a'.repeat(31));
    accounts.setActivationPassword(EMAIL, 'mot-de-passé');
    expect(accounts.get(EMAIL)!.password?.value).toBe('mot-de-passé');
  });
});

describe('expirePassword: the administrator expires the current password', () => {
  it('the password no longer activates from now on; the history says "activation password expired by the administrator"', () => {
    const { clock, accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    clock.now = T0 + HOUR;
    accounts.expirePassword(EMAIL);
    expect(accounts.usablePassword(EMAIL)).toEqual({ problem: 'PASSWORD_EXPIRED' });
    expect(accounts.get(EMAIL)!.history.at(-1)).toEqual({ at: T0 + HOUR, event: 'activation password expired by the administrator' });
  });

  it('an account without a password: INVALID_ARGUMENT "the account has no activation password to expire", field email', () => {
    const { accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    refused(() => accounts.expirePassword(EMAIL), 'email', /^the account has no activation password to expire$/);
    expect(accounts.get(EMAIL)!.history).toEqual([]);
  });
});

describe('usablePassword: the password, or why there is none', () => {
  it('unknown user, no password, locked at 5 failed attempts (not at 4), expired from its expiry time on', () => {
    const { clock, accounts } = store();
    expect(accounts.usablePassword(EMAIL)).toEqual({ problem: 'UNKNOWN_USER' });
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    expect(accounts.usablePassword(EMAIL)).toEqual({ problem: 'NO_ACTIVATION_PASSWORD' });
    accounts.setActivationPassword(EMAIL, PASSWORD, 1);
    expect(accounts.usablePassword(EMAIL)).toEqual({ password: PASSWORD });
    clock.now = T0 + 1 * HOUR - 1;
    expect(accounts.usablePassword(EMAIL)).toEqual({ password: PASSWORD });
    clock.now = T0 + 1 * HOUR;
    expect(accounts.usablePassword(EMAIL)).toEqual({ problem: 'PASSWORD_EXPIRED' });

    accounts.setActivationPassword(EMAIL, PASSWORD);
    for (let i = 1; i <= 4; i++) accounts.attemptStarted(EMAIL);
    expect(accounts.usablePassword(EMAIL)).toEqual({ password: PASSWORD });
    accounts.attemptStarted(EMAIL);
    expect(accounts.usablePassword(EMAIL)).toEqual({ problem: 'LOCKED_OUT' });
    // Locked wins over expired.
    clock.now += 48 * HOUR;
    expect(accounts.usablePassword(EMAIL)).toEqual({ problem: 'LOCKED_OUT' });
  });
});

describe('passwordIs: the password set at that time is still the current one', () => {
  it('true for the time it was set, false for another time, for a replaced password and for an unknown user', () => {
    const { clock, accounts } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    expect(accounts.passwordIs(EMAIL, T0)).toBe(true);
    expect(accounts.passwordIs(EMAIL, T0 + 1)).toBe(false);
    clock.now = T0 + HOUR;
    accounts.setActivationPassword(EMAIL, PASSWORD);
    expect(accounts.passwordIs(EMAIL, T0)).toBe(false);
    expect(accounts.passwordIs(EMAIL, T0 + HOUR)).toBe(true);
    expect(accounts.passwordIs('bob@example.com', T0)).toBe(false);
  });
});
