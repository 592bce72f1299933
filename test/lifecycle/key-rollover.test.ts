/**
 * Key rollover end to end on the Pair's virtual clock (docs/lifecycle.md, "Key rollover"): a
 * rollover started by each side, lost rekey messages repaired by retransmission, and a message
 * sealed under the key before the switch still opening after it.
 */
import { describe, expect, it } from 'vitest';
import type { AdminEvent } from '../../src/simulator/admission.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EMAIL } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { activatePair, faults, type Link, type Pair } from '../support/pair.js';

const DAY = 24 * 3_600_000;

function activated(options: { keyRolloverDays?: number; link?: Link } = {}): Pair {
  const pair = activatePair({
    serverOptions: { keyRolloverDays: options.keyRolloverDays ?? 0 },
    ...(options.link ? { link: options.link } : {}),
  });
  expect(pair.handset.phase).toBe('complete');
  return pair;
}

function rollovers(pair: Pair): Extract<AdminEvent, { type: 'key-rolled-over' }>[] {
  return pair.server.adminLog(EMAIL).filter((e): e is Extract<AdminEvent, { type: 'key-rolled-over' }> => e.type === 'key-rolled-over');
}

/** Both sides hold the same current key, and the admin event and keyChanged name it. */
function expectSwitchedTo(pair: Pair, keyId: string): void {
  const state = pair.handset;
  if (state.phase !== 'complete') throw new Error(`handset in ${state.phase}`);
  expect(bytesToHex(state.transportKey.keyId)).toBe(keyId);
  expect(state.pendingKey).toBeUndefined();
  const device = pair.server.accounts.get(EMAIL)?.device;
  expect(device && bytesToHex(device.keyId)).toBe(keyId);
  expect(device && bytesToHex(device.transportKey)).toBe(bytesToHex(state.transportKey.key));
}

describe('key rollover', () => {
  it('Regenerate Encryption Key on the handset: rekey-request, then a new key on both sides (reason device)', () => {
    const pair = activated();
    const before = pair.handset.transportKey;
    pair.input({ type: 'regenerate-key', now: pair.clock.now });
    pair.drive();
    const changed = pair.outputsOf('key-changed');
    expect(changed).toHaveLength(1);
    expect(rollovers(pair).map((e) => [e.reason, e.keyId])).toEqual([['device', changed[0]?.keyId]]);
    expectSwitchedTo(pair, changed[0]?.keyId ?? '');
    expect(bytesToHex(pair.handset.previousKey?.key.key ?? new Uint8Array())).toBe(bytesToHex(before?.key ?? new Uint8Array(1)));
    expect(changed[0]?.keyId).not.toBe(bytesToHex(before?.keyId ?? new Uint8Array()));
  });

  it("the administrator's regenerateKey rolls the key over (reason admin)", () => {
    const pair = activated();
    pair.server.regenerateKey(EMAIL);
    // The administrator's view shows the command at once, with the device it went to.
    const commands = pair.server.adminLog(EMAIL).filter((e) => e.type === 'admin-command');
    expect(commands).toEqual([expect.objectContaining({ command: 'regenerate-key', pin: pair.handset.config.pin })]);
    expect(rollovers(pair)).toEqual([]);
    pair.pollServer();
    pair.drive();
    const changed = pair.outputsOf('key-changed');
    expect(rollovers(pair).map((e) => e.reason)).toEqual(['admin']);
    expectSwitchedTo(pair, changed[0]?.keyId ?? '');
  });

  it('the server rolls the key over on its schedule: 30 days by default (reason schedule)', () => {
    const pair = activatePair();
    pair.advance(30 * DAY - 60_000);
    pair.pollServer();
    pair.drive();
    expect(rollovers(pair)).toHaveLength(0);
    pair.advance(60_000);
    pair.pollServer();
    pair.drive();
    expect(rollovers(pair).map((e) => e.reason)).toEqual(['schedule']);
    expectSwitchedTo(pair, pair.outputsOf('key-changed')[0]?.keyId ?? '');
  });

  it('a year of rollovers every 30 days with IT policy updates across every switch: nothing lost', () => {
    const pair = activated({ keyRolloverDays: 30 });
    let updates = 0;
    for (let day = 1; day <= 365; day++) {
      pair.advance(DAY);
      if (day % 10 === 0) {
        pair.server.updatePolicy(`policy-${day}`, { 'Password Required': day % 20 === 0 });
        updates += 1;
      }
      pair.pollServer();
      pair.drive();
      expect(pair.server.policyPending(EMAIL)).toBeUndefined();
    }
    expect(updates).toBe(36);
    expect(rollovers(pair).map((e) => e.reason)).toEqual(Array.from({ length: 12 }, () => 'schedule'));
    expect(pair.outputsOf('key-changed')).toHaveLength(12);
    expect(pair.outputsOf('policy-acknowledged').filter((o) => o.update)).toHaveLength(36);
    if (pair.handset.phase !== 'complete') throw new Error('not complete');
    expect(pair.handset.policy.policy.id).toBe('policy-360');
    expectSwitchedTo(pair, pair.outputsOf('key-changed')[11]?.keyId ?? '');
  });

  it('a message sealed under the previous key while the new one was agreed still opens (the server keeps previous)', () => {
    const pair = activated();
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    // Stop as soon as the handset has accepted: the server has not switched yet.
    pair.drive((p) => p.outputs.some((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept'));
    pair.server.updatePolicy('during-rollover', { 'Password Required': true });
    pair.pollServer();
    pair.drive();
    // The handset acknowledged the policy under its current (old) key before rekey-done switched it.
    const kinds = pair.outputs.filter((o) => (o.type === 'policy-acknowledged' && o.update) || o.type === 'key-changed').map((o) => o.type);
    expect(kinds).toEqual(['policy-acknowledged', 'key-changed']);
    expect(pair.server.policyPending(EMAIL)).toBeUndefined();
    expect(pair.server.policyAck(EMAIL)?.policyId).toBe('during-rollover');
    expect(rollovers(pair)).toHaveLength(1);
  });

  it('lost rekey-offer, rekey-accept and rekey-done are repaired by retransmission', () => {
    const link = faults.chain(
      faults.drop({ type: 'rekey-offer', nth: 0 }),
      faults.drop({ type: 'rekey-accept', nth: 0 }),
      faults.drop({ type: 'rekey-done', nth: 0 }),
    );
    const pair = activated({ link });
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive();
    expect(rollovers(pair)).toHaveLength(0);
    // The offer goes out again after rekeyRetransmitMs (15 minutes by default).
    pair.advance(15 * 60_000);
    expect(pair.pollServer()).toBe(1);
    pair.drive();
    const offers = pair.sent('to-handset', 'rekey-offer');
    expect(offers).toHaveLength(2);
    // The handset's retry timer sent its accept again (the first was lost); the server answered
    // the repeat of the accepted one with the same rekey-done, byte for byte.
    const accepts = pair.sent('to-server', 'rekey-accept');
    expect(accepts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(accepts.map(bytesToHex)).size).toBe(1);
    const dones = pair.sent('to-handset', 'rekey-done');
    expect(dones.length).toBeGreaterThanOrEqual(2);
    expect(new Set(dones.map(bytesToHex)).size).toBe(1);
    expect(pair.outputsOf('key-changed')).toHaveLength(1);
    expect(rollovers(pair)).toHaveLength(1);
    expectSwitchedTo(pair, pair.outputsOf('key-changed')[0]?.keyId ?? '');
  });
});
