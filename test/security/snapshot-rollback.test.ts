/**
 * Issue 8, finding 15: snapshots had no rollback protection, and a handset snapshot taken while
 * waiting for the server's CPace share held the scalar, so restoring it (once or many times)
 * let a second server share be checked against the same ETP.DAT share: one more password guess
 * for a rogue server each time. Now the host binds a generation it keeps (restore refuses older
 * snapshots with STALE_SNAPSHOT) and the scalar never enters a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { Handset, type TimerApi } from '../../src/handset/handset.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { openSnapshot, sealSnapshot, snapshotGeneration } from '../../src/persistence/sealed-snapshot.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { concatBytes, utf8ToBytes } from '../../src/util/bytes.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { caught } from '../support/errors.js';

const KEY = new Uint8Array(32).fill(0x5a);
const EMAIL = 'alice@example.com';
const PASSWORD = 'correct horse battery';
const T0 = Date.UTC(2026, 0, 1);
const CONFIG = { pin: '2100000A', routing: { relay: 'r', uid: 'u' }, device: { model: 'm', os: '1' } } as const;
/** Timers that never fire: these tests deliver every frame themselves. */
const NO_TIMERS: TimerApi = { setTimeout: () => 0, clearTimeout: () => undefined };

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function code(fn: () => unknown): string {
  const err = caught(fn);
  return err instanceof ActivationError ? err.code : `not an ActivationError: ${String(err)}`;
}

/** A BES that believes the password is `password` answers `etp`; returns its server-share frame. */
async function serverShareFor(etp: Uint8Array, password: string, seed: string): Promise<Uint8Array> {
  const sim = new BesSimulator({ random: seededRandom(seed), now: () => T0 });
  sim.addUser({ email: EMAIL, displayName: 'Alice', activationPassword: password });
  const [client, server] = createMemoryTransportPair();
  sim.attach(server);
  const replies: Uint8Array[] = [];
  client.onFrame((bytes) => void replies.push(bytes));
  await client.send(etp);
  await settle();
  const share = replies.find((bytes) => decodeFrame(bytes).type === 'server-share');
  expect(share, 'the BES answered with a server share').toBeDefined();
  return share!;
}

/** A handset that has sent its ETP.DAT and waits for the server share. */
async function waitingHandset(): Promise<{
  handset: Handset;
  etp: Uint8Array;
  sent: Uint8Array[];
  server: ReturnType<typeof createMemoryTransportPair>[1];
}> {
  const [device, server] = createMemoryTransportPair();
  const sent: Uint8Array[] = [];
  server.onFrame((bytes) => void sent.push(bytes));
  const handset = new Handset({
    config: CONFIG,
    transport: device,
    random: seededRandom('rollback/handset'),
    now: () => T0,
    timers: NO_TIMERS,
  });
  handset.activate({ email: EMAIL, password: PASSWORD }).catch(() => undefined);
  await settle();
  expect(handset.state.phase).toBe('awaiting-server-share');
  const etp = sent.find((bytes) => decodeFrame(bytes).type === 'etp-dat')!;
  return { handset, etp, sent, server };
}

describe('a snapshot taken while waiting for the server share gives no second guess (finding 15)', () => {
  it('the attack: roll the handset back and answer with a second guess; the restored handset refuses it', async () => {
    const { handset, etp, server } = await waitingHandset();
    const stateWithScalar: HandsetState = handset.state;
    expect(stateWithScalar.session?.scalar).toBeDefined();
    const snapshot = handset.snapshot(KEY, { generation: 1 });

    // Nothing in the snapshot lets the exchange continue: no scalar, no body key.
    const stored = openSnapshot('handset', snapshot, KEY, nobleProvider) as { session: Record<string, unknown> };
    expect(stored.session).toBeDefined();
    expect('scalar' in stored.session).toBe(false);
    expect('bodyKey' in stored.session).toBe(false);

    // A rogue BES answers with guess 1 (wrong): the handset fails, as it should.
    const wrongGuess = await serverShareFor(etp, 'wrong guess number one', 'rogue/1');
    await server.send(wrongGuess);
    await settle();
    expect(handset.state.phase).toBe('failed');
    expect(handset.state.failure?.code).toBe('WRONG_PASSWORD');

    // The second guess (here the right password). The premise: a state that still holds the
    // scalar, which is what the snapshot used to restore, checks it and moves on.
    const secondGuess = await serverShareFor(etp, PASSWORD, 'rogue/2');
    const premise = handsetStep(
      stateWithScalar,
      { type: 'frame', bytes: secondGuess, now: T0 },
      { provider: nobleProvider, random: seededRandom('p') },
    );
    expect(premise.state.phase).toBe('awaiting-key');

    // Now: the restored handset has nothing to check it with and does not answer.
    const [device2, server2] = createMemoryTransportPair();
    const sent2: Uint8Array[] = [];
    server2.onFrame((bytes) => void sent2.push(bytes));
    const restored = Handset.restore(snapshot, KEY, {
      transport: device2,
      random: seededRandom('rollback/restored'),
      now: () => T0,
      timers: NO_TIMERS,
      minGeneration: 1,
    });
    expect(restored.state.phase).toBe('failed');
    expect(restored.state.failure?.code).toBe('INVALID_STATE');
    expect(restored.state.session).toBeUndefined();
    await server2.send(secondGuess);
    await settle();
    expect(restored.state.phase).toBe('failed');
    expect(sent2.map((bytes) => decodeFrame(bytes).type)).toEqual([]);
    expect(restored.state.transportKey).toBeUndefined();
    await expect(restored.resume()).rejects.toMatchObject({ code: 'INVALID_STATE' });

    // The user starts again: a fresh session id (and so a fresh generator and scalar).
    restored.activate({ email: EMAIL, password: PASSWORD }).catch(() => undefined);
    await settle();
    expect(restored.state.phase).toBe('awaiting-server-share');
    const newEtp = sent2.find((bytes) => decodeFrame(bytes).type === 'etp-dat')!;
    expect(decodeFrame(newEtp).sid).not.toEqual(decodeFrame(etp).sid);
  });

  it('a snapshot written before the fix (scalar inside) is restored the same way', async () => {
    const { handset } = await waitingHandset();
    // What an old snapshot held: the whole state, scalar included.
    const old = sealSnapshot('handset', handset.state, KEY, nobleProvider, { random: seededRandom('old') });
    const restored = Handset.restore(old, KEY, { transport: createMemoryTransportPair()[0], timers: NO_TIMERS });
    expect(restored.state.phase).toBe('failed');
    expect(restored.state.session).toBeUndefined();
  });
});

describe('snapshot generations: the host refuses a rolled-back snapshot (finding 15)', () => {
  it('the attack on the server: restoring a snapshot from before a wrong guess resets the failed-attempt count; with minGeneration it is refused', async () => {
    const sim = new BesSimulator({ random: seededRandom('gen/sim'), now: () => T0 });
    sim.addUser({ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD });
    const before = sim.snapshot(KEY, { generation: 7 });
    expect(snapshotGeneration(before)).toBe(7);

    // One wrong guess against the real server.
    const [device, server] = createMemoryTransportPair();
    sim.attach(server);
    const handset = new Handset({ config: CONFIG, transport: device, random: seededRandom('gen/h'), now: () => T0, timers: NO_TIMERS });
    await expect(handset.activate({ email: EMAIL, password: 'a wrong password guess' })).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    const attempts = (s: BesSimulator) => s.accounts.get(EMAIL)!.password!.failedAttempts;
    expect(attempts(sim)).toBe(1);
    const after = sim.snapshot(KEY, { generation: 8 });

    // The premise: without a generation check, the old snapshot brings back a clean counter.
    expect(attempts(BesSimulator.restore(before, KEY))).toBe(0);
    // With the host's counter: refused, typed; the current one restores.
    expect(code(() => BesSimulator.restore(before, KEY, { minGeneration: 8 }))).toBe('STALE_SNAPSHOT');
    expect(attempts(BesSimulator.restore(after, KEY, { minGeneration: 8 }))).toBe(1);
  });

  it('the handset: an older generation is STALE_SNAPSHOT, the same or newer restores', async () => {
    const { handset } = await waitingHandset();
    const g3 = handset.snapshot(KEY, { generation: 3 });
    const g4 = handset.snapshot(KEY, { generation: 4 });
    const transport = createMemoryTransportPair()[0];
    expect(code(() => Handset.restore(g3, KEY, { transport, timers: NO_TIMERS, minGeneration: 4 }))).toBe('STALE_SNAPSHOT');
    expect(Handset.restore(g4, KEY, { transport, timers: NO_TIMERS, minGeneration: 4 }).state.config.pin).toBe(CONFIG.pin);
    expect(Handset.restore(g4, KEY, { transport, timers: NO_TIMERS, minGeneration: 2 }).state.config.pin).toBe(CONFIG.pin);
  });

  it('the generation cannot be raised without the key: an edited generation is DECRYPT_FAILED', () => {
    const sealed = sealSnapshot('handset', { a: 1 }, KEY, nobleProvider, { random: seededRandom('g'), generation: 2 });
    const at = 'EA-SNAP2'.length + 1 + 'handset'.length;
    const edited = sealed.slice();
    edited[at + 7] = 9; // generation 2 -> 9
    expect(snapshotGeneration(edited)).toBe(9);
    expect(code(() => openSnapshot('handset', edited, KEY, nobleProvider, { minGeneration: 9 }))).toBe('DECRYPT_FAILED');
    expect(openSnapshot('handset', sealed, KEY, nobleProvider, { minGeneration: 2 })).toEqual({ a: 1 });
  });

  it('an old EA-SNAP1 envelope (no generation) counts as generation 0', () => {
    const nonce = new Uint8Array(24).fill(1);
    const ciphertext = nobleProvider.aeadSeal(KEY, nonce, encodeCbor({ a: 1 }), utf8ToBytes('enterprise-activation/v1 snapshot handset'));
    const v1 = concatBytes(utf8ToBytes('EA-SNAP1'), Uint8Array.of(7), utf8ToBytes('handset'), nonce, ciphertext);
    expect(snapshotGeneration(v1)).toBe(0);
    expect(openSnapshot('handset', v1, KEY, nobleProvider)).toEqual({ a: 1 });
    expect(code(() => openSnapshot('handset', v1, KEY, nobleProvider, { minGeneration: 1 }))).toBe('STALE_SNAPSHOT');
  });

  it('a bad generation or minGeneration is INVALID_ARGUMENT', () => {
    for (const generation of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
      expect(code(() => sealSnapshot('handset', {}, KEY, nobleProvider, { random: seededRandom('g'), generation }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
    const sealed = sealSnapshot('handset', {}, KEY, nobleProvider, { random: seededRandom('g') });
    expect(code(() => openSnapshot('handset', sealed, KEY, nobleProvider, { minGeneration: -1 }))).toBe('INVALID_ARGUMENT');
  });
});
