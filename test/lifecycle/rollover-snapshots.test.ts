/**
 * The key rollover's state is in the sealed snapshots of both sides (docs/lifecycle.md, "Key
 * rollover"): the handset's pending and previous keys, the server's offered rollover (with its
 * ephemeral key pair), previous key and `keySince`. Both sides are snapshotted and restored at
 * each point of a rollover, as a restart of both would; the frames on the air reach the restored
 * sides. In each case the rollover finishes after the restore, an IT policy update is then pushed
 * and acknowledged under the new key, and a message sealed under the old key still opens where it
 * should.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { TransportKeyRef } from '../../src/wire/messages/sealed-body.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { decodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { openSnapshot, sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import type { HandsetState } from '../../src/handset/state.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EMAIL } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { activatePair, faults, Pair, type Link } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const STORAGE_KEY = seededRandom('rollover-snapshots storage key')(32);
// Scheduled rollovers off: each test starts its one rollover itself.
const SERVER_OPTIONS = { keyRolloverDays: 0 };

function activated(link?: Link): Pair {
  const pair = activatePair({ serverOptions: SERVER_OPTIONS, ...(link ? { link } : {}) });
  expect(pair.handset.phase).toBe('complete');
  return pair;
}

function complete(state: HandsetState): Extract<HandsetState, { phase: 'complete' }> {
  if (state.phase !== 'complete') throw new Error(`handset in ${state.phase}`);
  return state;
}

/** The key id the server holds for the account (hex). */
function serverKeyId(pair: Pair): string {
  const device = pair.server.accounts.get(EMAIL)?.device;
  return device ? bytesToHex(device.keyId) : '';
}

/**
 * Both sides sealed and restored, as after a restart of both: a new Pair on the same clock with
 * the restored server and handset, the handset's timer armed again from its session's deadline,
 * and the frames that were on the wire still on it.
 */
function restart(pair: Pair, tag: string): Pair {
  const inFlight = pair.takeInFlight();
  const server = BesSimulator.restore(pair.server.snapshot(STORAGE_KEY), STORAGE_KEY, {
    now: () => pair.clock.now,
    random: seededRandom(`${tag}/server restored`),
    provider: allAlgorithms,
    ...SERVER_OPTIONS,
  });
  const state = openHandsetState(
    sealHandsetState(pair.handset, STORAGE_KEY, allAlgorithms, seededRandom(`${tag}/seal`)),
    STORAGE_KEY,
    allAlgorithms,
  );
  const deadline = state.session?.deadline;
  return new Pair({
    server,
    clock: pair.clock,
    state,
    handsetSeed: `${tag}/handset restored`,
    inFlight,
    ...(deadline === undefined ? {} : { timerAt: deadline }),
  });
}

/** True when the frame's body opens under `key`. */
function opensUnder(bytes: Uint8Array, key: TransportKeyRef): boolean {
  const frame = decodeFrame(bytes);
  try {
    openBody(allAlgorithms, key, frame.body, frameAssociatedData(frame), frame.type);
    return true;
  } catch {
    return false;
  }
}

/** Both sides hold the key `keyId`, the handset has no pending key, and the server the same key bytes. */
function expectSwitchedTo(pair: Pair, keyId: string): void {
  const state = complete(pair.handset);
  expect(bytesToHex(state.transportKey.keyId)).toBe(keyId);
  expect(state.pendingKey).toBeUndefined();
  const device = pair.server.accounts.get(EMAIL)?.device;
  expect(device && bytesToHex(device.keyId)).toBe(keyId);
  expect(device && bytesToHex(device.transportKey)).toBe(bytesToHex(state.transportKey.key));
}

/** An IT policy update pushed by the restored server is applied and acknowledged under the current key, not the old one. */
function expectPolicyFlows(pair: Pair, id: string, oldKey: TransportKeyRef): void {
  pair.server.updatePolicy(id, { 'Password Required': true });
  expect(pair.pollServer()).toBe(1);
  pair.drive();
  expect(pair.server.policyPending(EMAIL)).toBeUndefined();
  expect(pair.server.policyAck(EMAIL)?.policyId).toBe(id);
  const state = complete(pair.handset);
  expect(state.policy.policy.id).toBe(id);
  const acks = pair.sent('to-server', 'policy-ack');
  const last = acks[acks.length - 1] ?? new Uint8Array();
  expect(opensUnder(last, state.transportKey)).toBe(true);
  expect(opensUnder(last, oldKey)).toBe(false);
}

function rolloverEvents(server: BesSimulator): { reason: string; keyId: string }[] {
  return server.adminLog(EMAIL).flatMap((e) => (e.type === 'key-rolled-over' ? [{ reason: e.reason, keyId: e.keyId }] : []));
}

describe('a snapshot and restore of both sides in the middle of a key rollover', () => {
  it('after the offer is sent: the restored server accepts the answer to its offer (same key id, same ephemeral key)', () => {
    const pair = activated();
    const oldKey = complete(pair.handset).transportKey;
    pair.server.regenerateKey(EMAIL);
    // The offer is on the wire: the restart comes before it reaches the handset.
    expect(pair.pollServer()).toBe(1);

    const again = restart(pair, 'offer');
    again.drive();
    expect(again.sent('to-handset', 'rekey-offer')).toHaveLength(1);
    const changed = again.outputsOf('key-changed');
    expect(changed).toHaveLength(1);
    // The rollover the server offered before the restart, not a new one: no second offer was needed.
    expect(rolloverEvents(again.server)).toEqual([{ reason: 'admin', keyId: changed[0]?.keyId }]);
    expectSwitchedTo(again, changed[0]?.keyId ?? '');
    expect(bytesToHex(complete(again.handset).previousKey?.key.keyId ?? new Uint8Array())).toBe(bytesToHex(oldKey.keyId));
    expectPolicyFlows(again, 'after-offer', oldKey);
  });

  it('after the handset accepted (pending key held): the restored server takes the accept, the restored handset its rekey-done', () => {
    const pair = activated();
    const oldKey = complete(pair.handset).transportKey;
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive((p) => p.outputs.some((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept'));
    const pending = complete(pair.handset).pendingKey;
    expect(pending).toBeDefined();

    const again = restart(pair, 'accepted');
    expect(complete(again.handset).pendingKey).toEqual(pending);
    again.drive();
    const changed = again.outputsOf('key-changed');
    expect(changed.map((c) => c.keyId)).toEqual([bytesToHex(pending?.key.keyId ?? new Uint8Array())]);
    expect(rolloverEvents(again.server)).toEqual([{ reason: 'admin', keyId: changed[0]?.keyId }]);
    expectSwitchedTo(again, changed[0]?.keyId ?? '');
    expectPolicyFlows(again, 'after-accept', oldKey);
  });

  it('after the handset accepted, with the accept lost in the restart: its retry timer sends the same accept again', () => {
    const pair = activated();
    const oldKey = complete(pair.handset).transportKey;
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive((p) => p.outputs.some((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept'));
    const accept = pair.outputs.find((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept');

    const again = restart(pair, 'accept-lost');
    again.takeInFlight();
    again.drive();
    const accepts = again.sent('to-server', 'rekey-accept');
    expect(accepts).toHaveLength(1);
    expect(bytesToHex(accepts[0] ?? new Uint8Array())).toBe(bytesToHex(accept?.type === 'send' ? accept.bytes : new Uint8Array()));
    const changed = again.outputsOf('key-changed');
    expect(changed).toHaveLength(1);
    expectSwitchedTo(again, changed[0]?.keyId ?? '');
    expectPolicyFlows(again, 'after-accept-lost', oldKey);
  });

  it('after the server switched, before rekey-done arrived: the restored server still opens an acknowledgement under the old key', () => {
    const pair = activated();
    const oldKey = complete(pair.handset).transportKey;
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive((p) => p.outputs.some((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept'));
    // A policy update leaves under the old key before the accept reaches the server.
    pair.server.updatePolicy('crossing', { 'Password Required': true });
    expect(pair.pollServer()).toBe(1);
    pair.drive((p) => serverKeyId(p) !== bytesToHex(oldKey.keyId));
    expect(complete(pair.handset).pendingKey).toBeDefined();
    expect(rolloverEvents(pair.server)).toHaveLength(1);

    const again = restart(pair, 'switched');
    again.drive();
    // The handset acknowledged under its current (old) key before rekey-done switched it; the
    // restored server opened that under its previous key, at once (no policy update sent again).
    const acks = again.sent('to-server', 'policy-ack');
    expect(acks).toHaveLength(1);
    expect(opensUnder(acks[0] ?? new Uint8Array(), oldKey)).toBe(true);
    expect(again.server.policyPending(EMAIL)).toBeUndefined();
    expect(again.server.policyAck(EMAIL)?.policyId).toBe('crossing');
    const changed = again.outputsOf('key-changed');
    expect(changed.map((c) => c.keyId)).toEqual([rolloverEvents(pair.server)[0]?.keyId]);
    expectSwitchedTo(again, changed[0]?.keyId ?? '');
    expectPolicyFlows(again, 'after-switch', oldKey);
  });

  it('after the switch, both holding the previous key: a late acknowledgement under the old key still opens on the restored server', () => {
    // The handset's acknowledgement under the old key is held up in the network across the restart.
    let late: Uint8Array | undefined;
    const link = faults.tamper({ direction: 'to-server', type: 'policy-ack', nth: 1 }, (bytes) => {
      late = bytes;
      return null;
    });
    const pair = activated(link);
    const oldKey = complete(pair.handset).transportKey;
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive((p) => p.outputs.some((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept'));
    pair.server.updatePolicy('late', { 'Password Required': true });
    pair.pollServer();
    pair.drive();
    expect(late).toBeDefined();
    expect(pair.outputsOf('key-changed')).toHaveLength(1);
    const before = complete(pair.handset);
    expect(before.previousKey?.key).toEqual(oldKey);
    expect(pair.server.policyPending(EMAIL)).toEqual({ policyId: 'late', sends: 1 });

    const again = restart(pair, 'previous');
    const restored = complete(again.handset);
    expect(restored.previousKey).toEqual(before.previousKey);
    expect(restored.transportKey).toEqual(before.transportKey);
    again.inject('to-server', late ?? new Uint8Array());
    again.drive();
    expect(again.server.policyPending(EMAIL)).toBeUndefined();
    expect(again.server.policyAck(EMAIL)?.policyId).toBe('late');
    expectSwitchedTo(again, bytesToHex(before.transportKey.keyId));
    expectPolicyFlows(again, 'after-previous', oldKey);
  });

  it("the restored handset's previous key keeps its end: still held until 7 days after the switch, dropped after", () => {
    const pair = activated();
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive();
    const switchedAt = pair.clock.now;
    const until = complete(pair.handset).previousKey?.until;
    expect(until).toBe(switchedAt + 7 * 24 * 3_600_000);

    const again = restart(pair, 'expiry');
    again.advance(7 * 24 * 3_600_000);
    again.server.updatePolicy('day-7', { 'Password Required': true });
    again.pollServer();
    again.drive();
    expect(complete(again.handset).previousKey?.until).toBe(until);
    again.advance(1);
    again.server.updatePolicy('day-7-and-a-bit', { 'Password Required': false });
    again.pollServer();
    again.drive();
    expect(complete(again.handset).previousKey).toBeUndefined();
    expect(again.server.policyAck(EMAIL)?.policyId).toBe('day-7-and-a-bit');
  });
});

describe('snapshots written before the rollover state was stored', () => {
  /** `pair` restarted from a simulator snapshot of layout 4 and a handset snapshot of version 2 (as the code before wrote them). */
  function restartFromOlder(pair: Pair, tag: string): Pair {
    const raw = openSnapshot('bes-simulator', pair.server.snapshot(STORAGE_KEY), STORAGE_KEY, allAlgorithms) as Record<string, unknown>;
    expect(raw.layout).toBe(5);
    const layout4 = sealSnapshot('bes-simulator', { ...raw, layout: 4 }, STORAGE_KEY, allAlgorithms, { random: seededRandom(`${tag}/4`) });
    const version2 = sealSnapshot('handset', { ...pair.handset, version: 2 }, STORAGE_KEY, allAlgorithms, {
      random: seededRandom(`${tag}/2`),
    });
    const server = BesSimulator.restore(layout4, STORAGE_KEY, {
      now: () => pair.clock.now,
      random: seededRandom(`${tag}/server restored`),
      provider: allAlgorithms,
      ...SERVER_OPTIONS,
    });
    const state = openHandsetState(version2, STORAGE_KEY, allAlgorithms);
    expect(state.version).toBe(4);
    return new Pair({ server, clock: pair.clock, state, handsetSeed: `${tag}/handset restored` });
  }

  it('a layout 4 simulator snapshot and a version 2 handset snapshot of an activated pair restore, roll over and write layout 5', () => {
    const pair = activated();
    const oldKey = complete(pair.handset).transportKey;
    const again = restartFromOlder(pair, 'older');
    expect(complete(again.handset).pendingKey).toBeUndefined();
    expect(complete(again.handset).previousKey).toBeUndefined();
    again.server.regenerateKey(EMAIL);
    again.pollServer();
    again.drive();
    const changed = again.outputsOf('key-changed');
    expect(changed).toHaveLength(1);
    expectSwitchedTo(again, changed[0]?.keyId ?? '');
    expectPolicyFlows(again, 'after-older', oldKey);
    const raw = openSnapshot('bes-simulator', again.server.snapshot(STORAGE_KEY), STORAGE_KEY, allAlgorithms) as { layout: number };
    expect(raw.layout).toBe(5);
  });

  it('a layout 4 snapshot restores with the schedule counted from the activation (no keySince)', () => {
    const pair = activatePair({ serverOptions: { keyRolloverDays: 30 } });
    const raw = openSnapshot('bes-simulator', pair.server.snapshot(STORAGE_KEY), STORAGE_KEY, allAlgorithms) as Record<string, unknown>;
    const layout4 = sealSnapshot('bes-simulator', { ...raw, layout: 4 }, STORAGE_KEY, allAlgorithms, {
      random: seededRandom('schedule/4'),
    });
    const server = BesSimulator.restore(layout4, STORAGE_KEY, {
      now: () => pair.clock.now,
      random: seededRandom('schedule/server restored'),
      provider: allAlgorithms,
      keyRolloverDays: 30,
    });
    const again = new Pair({ server, clock: pair.clock, state: pair.handset, handsetSeed: 'schedule/handset' });
    again.advance(30 * 24 * 3_600_000 - 60_000);
    again.pollServer();
    again.drive();
    expect(rolloverEvents(server)).toEqual([]);
    again.advance(60_000);
    again.pollServer();
    again.drive();
    expect(rolloverEvents(server).map((e) => e.reason)).toEqual(['schedule']);
  });
});

describe('the rollover state in a snapshot is checked', () => {
  it('a simulator snapshot whose offered rollover has an ephemeral secret of the wrong length is MALFORMED', () => {
    const pair = activated();
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    const raw = openSnapshot('bes-simulator', pair.server.snapshot(STORAGE_KEY), STORAGE_KEY, allAlgorithms) as {
      sessions: [string, Record<string, unknown>][];
    };
    const sessions = raw.sessions.map(([key, session]) => {
      const rollover = session.rollover as { ephemeral: { secretKey: Uint8Array; publicKey: Uint8Array } } | undefined;
      return [
        key,
        rollover ? { ...session, rollover: { ...rollover, ephemeral: { ...rollover.ephemeral, secretKey: new Uint8Array(31) } } } : session,
      ];
    });
    expect(raw.sessions.some(([, session]) => session.rollover !== undefined)).toBe(true);
    const damaged = sealSnapshot('bes-simulator', { ...raw, sessions }, STORAGE_KEY, allAlgorithms, { random: seededRandom('damaged') });
    expect(() => BesSimulator.restore(damaged, STORAGE_KEY, { provider: allAlgorithms })).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });

  it('a handset snapshot whose pending key has no accept is MALFORMED', () => {
    const pair = activated();
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive((p) => p.outputs.some((o) => o.type === 'send' && frameType(o.bytes) === 'rekey-accept'));
    const state = complete(pair.handset);
    const pending = state.pendingKey;
    expect(pending).toBeDefined();
    const { accept: _accept, ...noAccept } = pending ?? { accept: undefined };
    const damaged = sealSnapshot('handset', { ...state, pendingKey: noAccept }, STORAGE_KEY, allAlgorithms, { random: seededRandom('d') });
    expect(() => openHandsetState(damaged, STORAGE_KEY, allAlgorithms)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});
