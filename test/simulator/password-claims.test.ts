/**
 * One password activates one device (docs/server.md, "States", the commit point; the claim timeout
 * of 10 minutes in docs/reliability.md): a session that proves the password claims it; another
 * session may take the claim only once it is 10 minutes old, or at once when it comes from the same
 * device (the same PIN), or when the holder released it. The holder renews its claim as it goes
 * on. An ETP.DAT makes the account "Activating" unless its password had expired; an activation
 * that proved the password in time shows its recorded status past the expiry (docs/server.md,
 * "Account status"). Each step is in the account's history (the events of docs/server.md).
 */
import { describe, expect, it } from 'vitest';
import { AccountStore, adminStatusOf, claimAvailable } from '../../src/simulator/accounts.js';
import { DISPLAY_NAME, EMAIL, HOUR, PASSWORD, T0 } from '../support/fixtures.js';

const MINUTE = 60_000;
const VERIFIED = 'activation password verified';
const STALE = 'a stale activation lost its claim on the password';
const USED = 'activation password already used by another activation';

function store() {
  const clock = { now: T0 };
  const accounts = new AccountStore(() => clock.now);
  accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
  /** The history events after the password was set. */
  const events = () =>
    accounts
      .get(EMAIL)!
      .history.map((h) => h.event)
      .slice(1);
  return { clock, accounts, events };
}

describe('claimAvailable: there must be a password', () => {
  it('no account, or an account without a password: nothing to claim', () => {
    expect(claimAvailable(undefined, 'aa', T0, 10 * MINUTE)).toBe(false);
    const accounts = new AccountStore(() => T0);
    const account = accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    expect(claimAvailable(account, 'aa', T0, 10 * MINUTE, '2100000A')).toBe(false);
    expect(accounts.attemptConfirmed(EMAIL, 'aa')).toBe(false);
    expect(account.history.map((h) => h.event)).toEqual([USED]);
  });
});

describe('attemptConfirmed: one password, one device', () => {
  it('the first session to prove the password claims it; another device within 10 minutes does not', () => {
    const { clock, accounts, events } = store();
    expect(accounts.attemptConfirmed(EMAIL, 's1', 'PIN00001')).toBe(true);
    expect(accounts.get(EMAIL)!.password).toMatchObject({ claimedBy: 's1', claimedByPin: 'PIN00001', claimedAt: T0 });
    clock.now = T0 + 10 * MINUTE - 1;
    expect(accounts.attemptConfirmed(EMAIL, 's2', 'PIN00002')).toBe(false);
    expect(accounts.get(EMAIL)!.password).toMatchObject({ claimedBy: 's1' });
    expect(events()).toEqual([VERIFIED, USED]);
  });

  it('two sessions that give no PIN are two devices: the second is refused', () => {
    const { accounts, events } = store();
    expect(accounts.attemptConfirmed(EMAIL, 's1')).toBe(true);
    expect(accounts.attemptConfirmed(EMAIL, 's2')).toBe(false);
    expect(events()).toEqual([VERIFIED, USED]);
  });

  it('the session that holds the claim may prove it again: no other session lost anything', () => {
    const { clock, accounts, events } = store();
    expect(accounts.attemptConfirmed(EMAIL, 's1')).toBe(true);
    clock.now = T0 + MINUTE;
    expect(accounts.attemptConfirmed(EMAIL, 's1')).toBe(true);
    expect(accounts.get(EMAIL)!.password).toMatchObject({ claimedBy: 's1', claimedAt: T0 + MINUTE });
    expect(events()).toEqual([VERIFIED, VERIFIED]);
  });

  it('a claim 10 minutes old is stale: another device takes it, and the history says the stale one lost it', () => {
    const { clock, accounts, events } = store();
    expect(accounts.attemptConfirmed(EMAIL, 's1', 'PIN00001')).toBe(true);
    clock.now = T0 + 10 * MINUTE;
    expect(accounts.attemptConfirmed(EMAIL, 's2', 'PIN00002')).toBe(true);
    expect(accounts.get(EMAIL)!.password).toMatchObject({ claimedBy: 's2', claimedByPin: 'PIN00002', claimedAt: T0 + 10 * MINUTE });
    expect(events()).toEqual([VERIFIED, STALE, VERIFIED]);
  });

  it('the same device (same PIN) takes over the claim of its earlier session at once', () => {
    const { clock, accounts, events } = store();
    expect(accounts.attemptConfirmed(EMAIL, 's1', 'PIN00001')).toBe(true);
    clock.now = T0 + MINUTE;
    expect(accounts.attemptConfirmed(EMAIL, 's2', 'PIN00001')).toBe(true);
    expect(accounts.get(EMAIL)!.password).toMatchObject({ claimedBy: 's2' });
    expect(events()).toEqual([VERIFIED, STALE, VERIFIED]);
  });
});

describe('holdsClaim and releaseClaim', () => {
  it('holdsClaim is true for the holder only, and renews the claim: 10 minutes count from the last renewal', () => {
    const { clock, accounts } = store();
    expect(accounts.holdsClaim(EMAIL, 's1')).toBe(false);
    expect(accounts.attemptConfirmed(EMAIL, 's1')).toBe(true);
    expect(accounts.holdsClaim(EMAIL, 's2')).toBe(false);
    clock.now = T0 + 9 * MINUTE;
    expect(accounts.holdsClaim(EMAIL, 's1')).toBe(true);
    expect(accounts.get(EMAIL)!.password?.claimedAt).toBe(T0 + 9 * MINUTE);
    clock.now = T0 + 19 * MINUTE - 1;
    expect(accounts.attemptConfirmed(EMAIL, 's2')).toBe(false);
    clock.now = T0 + 19 * MINUTE;
    expect(accounts.attemptConfirmed(EMAIL, 's2')).toBe(true);
    expect(accounts.holdsClaim(EMAIL, 's1')).toBe(false);
    expect(accounts.holdsClaim('bob@example.com', 's1')).toBe(false);
  });

  it('releaseClaim by the holder frees the password at once; by another session it changes nothing', () => {
    const { accounts, events } = store();
    expect(accounts.attemptConfirmed(EMAIL, 's1', 'PIN00001')).toBe(true);
    accounts.releaseClaim(EMAIL, 's2');
    expect(accounts.get(EMAIL)!.password).toMatchObject({ claimedBy: 's1', claimedByPin: 'PIN00001' });
    accounts.releaseClaim(EMAIL, 's1');
    expect(accounts.get(EMAIL)!.password?.claimedBy).toBeUndefined();
    expect(accounts.get(EMAIL)!.password?.claimedByPin).toBeUndefined();
    expect(accounts.attemptConfirmed(EMAIL, 's2', 'PIN00002')).toBe(true);
    expect(events()).toEqual([VERIFIED, VERIFIED]);
  });
});

describe('status: Activating on an ETP.DAT, and past the expiry while a claim is held', () => {
  it('an ETP.DAT makes the account Activating and counts an attempt; one for an expired password is counted only', () => {
    const { clock, accounts } = store();
    accounts.attemptStarted(EMAIL);
    expect(accounts.get(EMAIL)).toMatchObject({ status: 'Activating', password: { failedAttempts: 1 } });

    accounts.add({ email: 'bob@example.com', displayName: 'Bob', activationPassword: PASSWORD, passwordLifetimeHours: 1 });
    clock.now = T0 + HOUR;
    accounts.attemptStarted('bob@example.com', true);
    expect(accounts.get('bob@example.com')).toMatchObject({ status: 'Initializing', password: { failedAttempts: 1 } });
    expect(accounts.get('bob@example.com')!.history.map((h) => h.event)).toEqual(['activation password set', 'ETP.DAT received']);
  });

  it('past the expiry the administrator sees "Activation password expired", unless an activation holds the claim', () => {
    const { accounts } = store();
    accounts.attemptStarted(EMAIL);
    const account = accounts.get(EMAIL)!;
    expect(adminStatusOf(account, T0 + 48 * HOUR - 1)).toBe('Activating');
    expect(adminStatusOf(account, T0 + 48 * HOUR)).toBe('Activation password expired');
    expect(accounts.attemptConfirmed(EMAIL, 's1')).toBe(true);
    expect(adminStatusOf(account, T0 + 48 * HOUR)).toBe('Activating');
  });
});
