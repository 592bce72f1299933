/**
 * The account's history for the administrator (docs/server.md, "Account status": the events and
 * their wording, the last 200 kept): what `AccountStore` writes as a password is set, expired by
 * the administrator, guessed at, locked after 5 failed attempts (docs/server.md, "Activation
 * password rules") and used, each at the time it happened. The claim events are pinned in
 * password-claims.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/simulator/accounts.js';
import { ACTIVATED_DEVICE, DISPLAY_NAME, EMAIL, HOUR, PASSWORD, T0 } from '../support/fixtures.js';

function store() {
  const clock = { now: T0 };
  const accounts = new AccountStore(() => clock.now);
  const history = () => accounts.get(EMAIL)!.history;
  const events = () => history().map((h) => h.event);
  return { clock, accounts, history, events };
}

describe('the events, in order, at the time they happened', () => {
  it('set, expired by the administrator, set again, an ETP.DAT, verified, activated on the device', () => {
    const { clock, accounts, history } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    clock.now = T0 + HOUR;
    accounts.setActivationPassword(EMAIL, PASSWORD, 0);
    clock.now = T0 + 2 * HOUR;
    accounts.setActivationPassword(EMAIL, PASSWORD);
    clock.now = T0 + 3 * HOUR;
    accounts.attemptStarted(EMAIL);
    accounts.attemptConfirmed(EMAIL, 's1', ACTIVATED_DEVICE.pin);
    clock.now = T0 + 3 * HOUR + 1000;
    accounts.activated(EMAIL, ACTIVATED_DEVICE);
    expect(history()).toEqual([
      { at: T0, event: 'activation password set' },
      { at: T0 + HOUR, event: 'activation password expired by the administrator' },
      { at: T0 + 2 * HOUR, event: 'activation password set' },
      { at: T0 + 3 * HOUR, event: 'ETP.DAT received' },
      { at: T0 + 3 * HOUR, event: 'activation password verified' },
      { at: T0 + 3 * HOUR + 1000, event: 'activated on device 2100000A' },
    ]);
  });

  it('a failed attempt names its reason; "activation password locked" follows the one that makes 5 failed attempts, not those before', () => {
    const { accounts, events } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    for (let i = 1; i <= 4; i++) {
      accounts.attemptStarted(EMAIL);
      accounts.attemptFailed(EMAIL, 'WRONG_PASSWORD');
    }
    expect(events().slice(1)).toEqual(Array(4).fill(['ETP.DAT received', 'activation attempt failed: WRONG_PASSWORD']).flat());
    accounts.attemptStarted(EMAIL);
    accounts.attemptFailed(EMAIL, 'the handset walked away');
    expect(events().slice(-3)).toEqual([
      'ETP.DAT received',
      'activation attempt failed: the handset walked away',
      'activation password locked',
    ]);
  });

  it('a failure recorded for an account without a password (used, or never set) is written without a lock', () => {
    const { accounts, events } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME });
    accounts.attemptFailed(EMAIL, 'NO_ACTIVATION_PASSWORD');
    expect(events()).toEqual(['activation attempt failed: NO_ACTIVATION_PASSWORD']);
    expect(accounts.lastFailure(EMAIL)).toEqual({ at: T0, code: 'NO_ACTIVATION_PASSWORD' });
  });
});

describe('the last 200 events are kept', () => {
  it('200 events stay; the 201st and later drop the oldest first', () => {
    const { clock, accounts, history } = store();
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    for (let i = 1; i <= 199; i++) accounts.refused(EMAIL, 'NO_ACTIVATION_PASSWORD', `event ${i}`);
    expect(history()).toHaveLength(200);
    expect(history()[0]).toEqual({ at: T0, event: 'activation password set' });
    clock.now = T0 + 1;
    accounts.refused(EMAIL, 'NO_ACTIVATION_PASSWORD', 'event 200');
    expect(history()).toHaveLength(200);
    expect(history()[0]!.event).toBe('event 1');
    for (let i = 201; i <= 250; i++) accounts.refused(EMAIL, 'NO_ACTIVATION_PASSWORD', `event ${i}`);
    expect(history()).toHaveLength(200);
    expect(history()[0]!.event).toBe('event 51');
    expect(history()[199]).toEqual({ at: T0 + 1, event: 'event 250' });
  });
});
