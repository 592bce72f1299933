/**
 * What `AccountStore` does when the account's device changes after activation (docs/server.md,
 * "Account status": the history's events; docs/lifecycle.md): the administrator wipes it (`device
 * <PIN> wiped`), the server deactivates it for an IT policy left unapplied (`device <PIN>
 * deactivated: IT policy not applied`, only if the account still has that device), its transport
 * key is rolled over (recorded only for the device the account has). An account without a device
 * loses nothing and writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/simulator/accounts.js';
import { ACTIVATED_DEVICE, DISPLAY_NAME, EMAIL, HOUR, PASSWORD, T0 } from '../support/fixtures.js';

/** A store whose one account is activated on {@link ACTIVATED_DEVICE} (history: set, activated). */
function activated() {
  const clock = { now: T0 };
  const accounts = new AccountStore(() => clock.now);
  accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
  accounts.activated(EMAIL, ACTIVATED_DEVICE);
  clock.now = T0 + HOUR;
  const events = () => accounts.get(EMAIL)!.history.map((h) => h.event);
  return { clock, accounts, events };
}

describe('the administrator wipes the device (deviceRemoved)', () => {
  it('the account loses its device and writes "device 2100000A wiped", at that time', () => {
    const { accounts } = activated();
    accounts.deviceRemoved(EMAIL);
    const account = accounts.get(EMAIL)!;
    expect(account.device).toBeUndefined();
    expect(account.status).toBe('No activation password');
    expect(account.history.at(-1)).toEqual({ at: T0 + HOUR, event: 'device 2100000A wiped' });
  });

  it('an account without a device (never activated) writes nothing', () => {
    const clock = { now: T0 };
    const accounts = new AccountStore(() => clock.now);
    accounts.add({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    accounts.deviceRemoved(EMAIL);
    expect(accounts.get(EMAIL)!.history.map((h) => h.event)).toEqual(['activation password set']);
    expect(accounts.get(EMAIL)!.status).toBe('Initializing');
  });
});

describe('the server deactivates the device for an IT policy not applied (apply device-removed)', () => {
  it('the device the account has: lost, "device 2100000A deactivated: IT policy not applied"', () => {
    const { accounts, events } = activated();
    accounts.apply({ kind: 'device-removed', email: EMAIL, pin: '2100000A' });
    expect(accounts.get(EMAIL)!.device).toBeUndefined();
    expect(events()).toEqual([
      'activation password set',
      'activated on device 2100000A',
      'device 2100000A deactivated: IT policy not applied',
    ]);
  });

  it('another PIN (the account has another device since): the account keeps its device, nothing written', () => {
    const { accounts, events } = activated();
    accounts.apply({ kind: 'device-removed', email: EMAIL, pin: '2100000B' });
    expect(accounts.get(EMAIL)!.device).toEqual(ACTIVATED_DEVICE);
    expect(accounts.get(EMAIL)!.status).toBe('Activated');
    expect(events()).toEqual(['activation password set', 'activated on device 2100000A']);
  });
});

describe("the device's transport key is rolled over (keyRolledOver)", () => {
  const key = { algorithm: 'AES-256', keyId: new Uint8Array(8).fill(7), key: new Uint8Array(32).fill(9) };

  it('the device the account has: the account records the new key', () => {
    const { accounts } = activated();
    accounts.keyRolledOver(EMAIL, '2100000A', key);
    expect(accounts.get(EMAIL)!.device).toEqual({ ...ACTIVATED_DEVICE, keyId: key.keyId, transportKey: key.key });
  });

  it('another PIN: the account keeps the key of its own device', () => {
    const { accounts } = activated();
    accounts.keyRolledOver(EMAIL, '2100000B', key);
    expect(accounts.get(EMAIL)!.device).toEqual(ACTIVATED_DEVICE);
  });
});
