/**
 * A simulator snapshot written before issue 11 (sessions as one mutable record with an untyped
 * `extra`) still restores, and every activation in it goes on where it stopped: one session in
 * each server phase (test/simulator/fixtures/server-snapshot-v1.json, made by
 * make-server-snapshot-v1.ts on the code of that time).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { openHandsetState } from '../../src/handset/snapshot.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { allAlgorithms } from '../support/providers.js';
import { DEVICES, Device, STORAGE_KEY } from './snapshot-layout-devices.js';

interface Fixture {
  readonly now: number;
  readonly simulator: string;
  readonly devices: readonly { email: string; phase: string; handset: string; toServer: string[] }[];
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/server-snapshot-v1.json', import.meta.url), 'utf8'));

function restore() {
  const clock = { now: fixture.now };
  const sim = BesSimulator.restore(hexToBytes(fixture.simulator), STORAGE_KEY, {
    random: seededRandom('layout-v1 restored'),
    now: () => clock.now,
    provider: allAlgorithms,
  });
  const devices = fixture.devices.map((d) => {
    const device = new Device(openHandsetState(hexToBytes(d.handset), STORAGE_KEY, allAlgorithms), `layout-v1 restored ${d.email}`, clock);
    device.toServer.push(...d.toServer.map(hexToBytes));
    return { ...d, device };
  });
  return { sim, clock, devices };
}

describe('a simulator snapshot of the layout before issue 11', () => {
  it('restores one session in each phase', () => {
    const { sim, devices } = restore();
    expect(devices.map((d) => d.phase)).toEqual(DEVICES.map((d) => d.phase));
    for (const { phase, device } of devices)
      expect(sim.sessionPhase(Buffer.from(device.state.session?.sid ?? []).toString('hex'))).toBe(phase);
  });

  it('every activation goes on where it stopped and completes', () => {
    const { sim, devices } = restore();
    for (const { email, phase, device } of devices) {
      if (phase === 'failed') continue;
      device.run(sim);
      expect(device.state.phase, email).toBe('complete');
      expect(sim.account(email)?.status, email).toBe('Activated');
    }
  });

  it('the queued IT policy update is sent by the next poll and acknowledged', () => {
    const { sim, devices } = restore();
    const complete = devices.find((d) => d.phase === 'complete');
    expect(sim.policyPending('complete@example.com')).toEqual({ policyId: 'layout-v1 update', sends: 0 });
    const [push, ...more] = sim.poll();
    expect(more).toEqual([]);
    complete?.device.toHandset.push(push ?? new Uint8Array());
    complete?.device.run(sim);
    expect(complete?.device.state.policy?.policy.id).toBe('layout-v1 update');
    expect(sim.policyPending('complete@example.com')).toBeUndefined();
    expect(sim.policyAck('complete@example.com')?.policyId).toBe('layout-v1 update');
  });

  it('a failed session answers the repeated request with its error again', () => {
    const { sim, devices } = restore();
    const failed = devices.find((d) => d.phase === 'failed');
    expect(failed?.device.state.phase).toBe('awaiting-key');
    const deadline = failed?.device.state.session?.deadline ?? 0;
    failed?.device.feed({ type: 'timer', now: deadline });
    failed?.device.run(sim);
    expect(failed?.device.state.phase).toBe('failed');
    expect(failed?.device.state.failure?.code).toBe('UNSUPPORTED');
    expect(sim.account('failed@example.com')?.status).toBe('Activating');
  });
});
