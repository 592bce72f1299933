/** The devices of a fleet (src/fleet/fleet-device.ts): the same seed, the same devices; the server's accounts match. */
import { describe, expect, it } from 'vitest';
import { fleetDevices } from '../../src/fleet/fleet-device.js';
import { fleetUsers } from '../../src/simulator/fleet-users.js';

describe('fleetDevices', () => {
  it('gives each index the account and password that fleetUsers gives the server, with the same seed', () => {
    const device = fleetDevices({ seed: 'seed-x', domain: 'corp.example' });
    const users = fleetUsers({ count: 20, seed: 'seed-x', domain: 'corp.example' });
    for (let i = 0; i < 20; i++)
      expect({ email: device(i).email, password: device(i).password }).toEqual({ email: users[i]!.email, password: users[i]!.password });
  });

  it('is the same for the same seed: PINs of 8 hex digits, distinct, from 20000000 up', () => {
    const a = fleetDevices({ seed: 'seed-x' });
    const b = fleetDevices({ seed: 'seed-x' });
    const pins = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      expect(a(i)).toEqual(b(i));
      expect(a(i).pin).toMatch(/^[2-3][0-9A-F]{7}$/);
      pins.add(a(i).pin);
    }
    expect(pins.size).toBe(5000);
  });

  it('gives another seed other PINs and passwords', () => {
    const a = fleetDevices({ seed: 'one' })(7);
    const b = fleetDevices({ seed: 'two' })(7);
    expect(b.email).toBe(a.email);
    expect(b.pin).not.toBe(a.pin);
    expect(b.password).not.toBe(a.password);
  });
});
