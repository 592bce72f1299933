/**
 * One device per user and the administrator's commands, end to end on the virtual clock
 * (docs/lifecycle.md, "One device per user", "Administrator commands", "Wipe").
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { openErrorBody } from '../../src/wire/messages/error.js';
import { frameAssociatedData } from '../../src/wire/frame.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';
import { type Clock, Pair, createServer, faults } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const NEW_PASSWORD = 'Second-device-2';
const RETRANSMIT_MS = 30 * 60_000;
const STORAGE_KEY = new Uint8Array(32).fill(7);

function server(seed: string) {
  return createServer({ serverSeed: seed, users: [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD }] });
}

/** A handset on `sim`, activated to completion. */
function activated(sim: BesSimulator, clock: Clock, seed: string, pin = HANDSET_CONFIG.pin, password = PASSWORD): Pair {
  const pair = new Pair({ server: sim, clock, handsetSeed: seed, handsetConfig: { ...HANDSET_CONFIG, pin } });
  pair.activate(EMAIL, password);
  pair.drive();
  expect(pair.handset.phase).toBe('complete');
  return pair;
}

/** Device A activated, then device B (another PIN) activated with a new password: A is retired. */
function replaced(seed: string) {
  const { sim, clock, log } = server(seed);
  const a = activated(sim, clock, `${seed}/A`);
  sim.setActivationPassword(EMAIL, NEW_PASSWORD);
  const b = activated(sim, clock, `${seed}/B`, '2100000B', NEW_PASSWORD);
  return { sim, clock, log, a, b };
}

describe('one device per user (docs/lifecycle.md)', () => {
  it('a new password on an activated account keeps it "Activated" until the re-activation commits', () => {
    const { sim, clock } = server('reactivation-status');
    activated(sim, clock, 'reactivation-status/A');
    sim.setActivationPassword(EMAIL, NEW_PASSWORD);
    expect(sim.account(EMAIL)?.status).toBe('Activated');
    const b = new Pair({ server: sim, clock, handsetSeed: 'reactivation-status/B', handsetConfig: { ...HANDSET_CONFIG, pin: '2100000B' } });
    b.activate(EMAIL, NEW_PASSWORD);
    b.drive((p) => p.handset.phase === 'awaiting-policy');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', devicePin: HANDSET_CONFIG.pin });
    b.drive();
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', devicePin: '2100000B' });
    expect(sim.adminLog(EMAIL).some((e) => e.type === 'admin-command' && e.command === 'set-activation-password')).toBe(true);
  });

  it('a second device retires the first: deactivate command, acknowledged, "Deactivated", organizer data kept', () => {
    const { sim, a } = replaced('retire');
    const held = Object.values(a.records).flat().length;
    expect(held).toBeGreaterThan(0);
    expect(a.pollServer()).toBe(1);
    a.drive();
    expect(a.handset.phase).toBe('deactivated');
    expect(a.handset.status?.text).toBe('Deactivated');
    expect(a.outputsOf('deactivated')).toEqual([{ type: 'deactivated', reason: 'command' }]);
    expect(a.handset.transportKey).toBeUndefined();
    expect(a.handset.serviceBooks).toBeUndefined();
    expect(a.handset.policy).toBeUndefined();
    expect(Object.values(a.records).flat()).toHaveLength(held);
    expect(sim.adminLog(EMAIL).map((e) => e.type)).toEqual(expect.arrayContaining(['device-retired', 'device-command-acknowledged']));
    // Acknowledged: nothing more is sent to it.
    a.advance(RETRANSMIT_MS);
    expect(sim.poll()).toEqual([]);
  });

  it('IT policy updates go to the new device only', () => {
    const { sim, a, b } = replaced('retire-pushes');
    a.pollServer();
    a.drive();
    sim.updatePolicy('after-retirement', { 'Password Required': true });
    const due = sim.poll();
    expect(due.map((f) => decodeFrame(f).pin)).toEqual([b.handset.config.pin]);
  });

  it("the retired device's next frame gets the error DEACTIVATED, sealed under its old key, and it deactivates", () => {
    const { a, log } = replaced('retire-refused');
    const key = a.handset.transportKey!;
    // Its last frame of the old session, sent again (the command has not reached it yet).
    const last = a.sent('to-server').at(-1)!;
    a.inject('to-server', last);
    a.drive();
    const refusal = a.frames.find((f) => f.direction === 'to-handset' && decodeFrame(f.sent).type === 'error')!;
    const frame = decodeFrame(refusal.sent);
    const opened = openErrorBody(allAlgorithms, frame.body, frameAssociatedData(frame), [{ transport: key }]);
    expect(opened).toEqual({ message: { code: 'DEACTIVATED' }, authenticated: true });
    expect(log.some((l) => l.event === 'frame from a retired device refused')).toBe(true);
    expect(a.handset.phase).toBe('deactivated');
    expect(a.outputsOf('deactivated')).toEqual([{ type: 'deactivated', reason: 'refused' }]);
  });

  it('a deactivated device can be activated again', () => {
    const { sim, clock, a } = replaced('retire-again');
    a.pollServer();
    a.drive();
    sim.setActivationPassword(EMAIL, 'Third-activation-3');
    a.activate(EMAIL, 'Third-activation-3');
    a.drive();
    expect(a.handset.phase).toBe('complete');
    expect(sim.account(EMAIL)?.devicePin).toBe(HANDSET_CONFIG.pin);
    expect(clock.now).toBeGreaterThan(0);
  });

  it('re-activation of the same PIN replaces key and state, drops the old session, sends no command', () => {
    const { sim, clock, log } = server('same-pin');
    const a = activated(sim, clock, 'same-pin/A');
    const oldKey = a.handset.transportKey!.keyId;
    sim.setActivationPassword(EMAIL, NEW_PASSWORD);
    a.activate(EMAIL, NEW_PASSWORD);
    a.drive();
    expect(a.handset.phase).toBe('complete');
    expect(a.handset.transportKey!.keyId).not.toEqual(oldKey);
    expect(log.some((l) => l.event === 'old session of a re-activated device dropped')).toBe(true);
    expect(log.some((l) => l.event === 'device retired')).toBe(false);
    a.advance(RETRANSMIT_MS);
    expect(sim.poll()).toEqual([]);
    expect(a.outputsOf('deactivated')).toEqual([]);
  });
});

describe('administrator commands (docs/lifecycle.md)', () => {
  it('expireActivationPassword: the password no longer activates, the status says so', () => {
    const { sim, clock } = server('expire');
    sim.expireActivationPassword(EMAIL);
    expect(sim.account(EMAIL)?.status).toBe('Activation password expired');
    const pair = new Pair({ server: sim, clock, handsetSeed: 'expire/A' });
    pair.activate();
    pair.drive();
    expect(pair.error?.code).toBe('PASSWORD_EXPIRED');
    expect(sim.adminLog(EMAIL).some((e) => e.type === 'admin-command' && e.command === 'expire-activation-password')).toBe(true);
  });

  it('resendServiceBooks: the books go again, the handset replaces them and acknowledges', () => {
    const { sim, clock, log } = server('resend-books');
    const a = activated(sim, clock, 'resend-books/A');
    const before = a.outputsOf('service-books').length;
    expect(sim.resendServiceBooks(EMAIL)).toBe(true);
    expect(a.pollServer()).toBe(1);
    a.drive();
    expect(a.outputsOf('service-books')).toHaveLength(before + 1);
    expect(a.handset.phase).toBe('complete');
    expect(log.some((l) => l.event === 'service books acknowledged')).toBe(true);
    a.advance(RETRANSMIT_MS);
    expect(sim.poll()).toEqual([]);
  });

  it('resendItPolicy: the policy in force goes again and is acknowledged like an update', () => {
    const { sim, clock } = server('resend-policy');
    const a = activated(sim, clock, 'resend-policy/A');
    expect(sim.resendItPolicy(EMAIL)).toBe(true);
    expect(sim.policyPending(EMAIL)).toEqual({ policyId: sim.itPolicy.id, sends: 0 });
    a.pollServer();
    a.drive();
    expect(sim.policyPending(EMAIL)).toBeUndefined();
    expect(a.outputsOf('policy-acknowledged').at(-1)).toMatchObject({ update: true, ack: { policyId: sim.itPolicy.id } });
  });

  it('wipe: acknowledged, then everything is erased; the account loses its device; a new activation completes', () => {
    const { sim, clock } = server('wipe');
    const a = activated(sim, clock, 'wipe/A');
    expect(sim.wipe(EMAIL)).toBe(true);
    expect(sim.account(EMAIL)?.devicePin).toBeUndefined();
    expect(sim.account(EMAIL)?.status).toBe('No activation password');
    a.pollServer();
    a.drive();
    expect(a.sent('to-server', 'device-command-ack')).toHaveLength(1);
    expect(a.outputsOf('wiped')).toHaveLength(1);
    expect(a.handset.phase).toBe('idle');
    expect(a.handset.identity).toBeUndefined();
    expect(a.records).toEqual({});
    expect(a.handset.transportKey).toBeUndefined();
    expect(sim.adminLog(EMAIL).filter((e) => e.type === 'device-command-acknowledged')).toMatchObject([{ command: 'wipe' }]);
    sim.setActivationPassword(EMAIL, NEW_PASSWORD);
    a.activate(EMAIL, NEW_PASSWORD);
    a.drive();
    expect(a.handset.phase).toBe('complete');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', devicePin: HANDSET_CONFIG.pin });
  });
});

describe('commands under loss and across restarts', () => {
  it('a lost acknowledgement: the command goes again on the server clock, and the same acknowledgement answers it, byte for byte', () => {
    const { sim, a } = replaced('loss');
    a.link = faults.drop({ direction: 'to-server', type: 'device-command-ack', nth: 0 });
    a.pollServer();
    a.drive();
    expect(a.handset.phase).toBe('deactivated');
    expect(sim.adminLog(EMAIL).some((e) => e.type === 'device-command-acknowledged')).toBe(false);
    a.advance(RETRANSMIT_MS - 1);
    expect(a.pollServer()).toBe(0);
    a.advance(1);
    expect(a.pollServer()).toBe(1);
    a.drive();
    const acks = a.sent('to-server', 'device-command-ack');
    expect(acks).toHaveLength(2);
    expect(acks[1]).toEqual(acks[0]);
    expect(sim.adminLog(EMAIL).some((e) => e.type === 'device-command-acknowledged')).toBe(true);
  });

  it('a lost command is sent again; the server gives up after 7 days', () => {
    const { sim, a, log } = replaced('loss-command');
    a.link = faults.drop({ direction: 'to-handset', type: 'device-command' });
    a.pollServer();
    a.drive();
    expect(a.handset.phase).toBe('complete');
    for (let day = 0; day < 7 * 48; day++) {
      a.advance(RETRANSMIT_MS);
      a.pollServer();
      a.drive();
    }
    expect(log.some((l) => l.event === 'device command given up')).toBe(true);
    a.advance(RETRANSMIT_MS);
    expect(sim.poll()).toEqual([]);
  });

  it('both sides snapshotted and restored with a command pending: the restored pair finishes it', () => {
    const { sim, clock, a } = replaced('snapshot');
    const restoredServer = BesSimulator.restore(sim.snapshot(STORAGE_KEY), STORAGE_KEY, {
      now: () => clock.now,
      random: seededRandom('snapshot/restored'),
      provider: allAlgorithms,
    });
    const state = openHandsetState(sealHandsetState(a.handset, STORAGE_KEY, allAlgorithms, seededRandom('s')), STORAGE_KEY, allAlgorithms);
    const again = new Pair({ server: restoredServer, clock, state, handsetSeed: 'snapshot/A2' });
    expect(again.pollServer()).toBe(1);
    again.drive();
    expect(again.handset.phase).toBe('deactivated');
    expect(restoredServer.adminLog(EMAIL)).toEqual([
      expect.objectContaining({ type: 'device-command-acknowledged', command: 'deactivate' }),
    ]);
    // The deactivated handset, snapshotted and restored, is still deactivated, and still answers
    // the command repeated with its acknowledgement.
    const kept = openHandsetState(
      sealHandsetState(again.handset, STORAGE_KEY, allAlgorithms, seededRandom('s2')),
      STORAGE_KEY,
      allAlgorithms,
    );
    expect(kept).toEqual(again.handset);
  });
});
