/**
 * The IT policy key binding (docs/lifecycle.md, "The IT policy lifecycle"; RIM: the device keeps
 * the IT policy public key until a wipe deletes it). The handset binds the key of the BES it first
 * activated with, keeps it across activations and in its snapshot, and refuses an activation whose
 * policy is signed by another key with POLICY_KEY_MISMATCH.
 */
import { describe, expect, it } from 'vitest';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import type { HandsetState } from '../../src/handset/state.js';
import { sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { constantTimeEqual } from '../../src/util/bytes.js';
import { activatePair, createServer, faults, Pair } from '../support/pair.js';
import { EMAIL, PASSWORD, USERS } from '../support/fixtures.js';
import { allAlgorithms } from '../support/providers.js';

const STORAGE_KEY = new Uint8Array(32).fill(7);

/** A handset activated on server "A": its state and that server. */
function activatedOnA(): Pair {
  const pair = activatePair({ serverSeed: 'A' });
  expect(pair.handset.phase).toBe('complete');
  return pair;
}

/** Activates `state` against `server` (a new activation password for the user first). */
function activateAgain(state: HandsetState, from: Pair, server: ReturnType<typeof createServer>, until?: (p: Pair) => boolean): Pair {
  const pair = new Pair({ server: server.sim, clock: server.clock, serverLog: server.log, state, random: from.env.random });
  pair.activate(EMAIL, PASSWORD);
  pair.drive(until);
  return pair;
}

function sameKey(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && constantTimeEqual(a, b);
}

describe('the handset binds the IT policy key of its first BES', () => {
  it('binds the server publicKey of the key grant when its first activation commits', () => {
    const pair = activatedOnA();
    expect(sameKey(pair.handset.policyKey, pair.server.identity.domainKey.publicKey)).toBe(true);
  });

  it('a later activation on a server with another key fails with POLICY_KEY_MISMATCH, and the binding stays', () => {
    const first = activatedOnA();
    const boundKey = first.server.identity.domainKey.publicKey;
    const other = createServer({ serverSeed: 'B', clock: first.clock, users: USERS });
    expect(sameKey(other.sim.identity.domainKey.publicKey, boundKey)).toBe(false);

    const second = activateAgain(first.handset, first, other);
    expect(second.error?.code).toBe('POLICY_KEY_MISMATCH');
    // The reason the docs give (docs/lifecycle.md), in the error a user sees and in its cause.
    expect(second.error?.message).toBe('the IT policy is signed by a key this device is not bound to');
    expect(second.error?.cause).toMatchObject({ reason: 'policy-key' });
    expect(second.handset.phase).toBe('failed');
    expect(sameKey(second.handset.policyKey, boundKey)).toBe(true);
    // The policy never reached the enforcer, and the other server did not activate the account.
    expect(second.outputsOf('apply-policy')).toEqual([]);
    second.flushToServer();
    expect(other.sim.account(EMAIL)?.status).not.toBe('Activated');
    expect(other.sim.account(EMAIL)?.devicePin).toBeUndefined();
    expect(other.sim.adminLog(EMAIL).map((e) => e.type)).toEqual(['attempt-failed']);
  });

  it('is refused again on every later try: only a wipe unbinds', () => {
    const first = activatedOnA();
    const other = createServer({ serverSeed: 'B', clock: first.clock, users: USERS });
    const second = activateAgain(first.handset, first, other);
    other.sim.setActivationPassword(EMAIL, PASSWORD);
    const third = activateAgain(second.handset, second, other);
    expect(third.error?.code).toBe('POLICY_KEY_MISMATCH');
  });

  it('an activation on the same BES keeps the binding', () => {
    const first = activatedOnA();
    const boundKey = first.server.identity.domainKey.publicKey;
    first.server.setActivationPassword(EMAIL, PASSWORD);
    const again = activateAgain(first.handset, first, { sim: first.server, clock: first.clock, log: first.serverLog });
    expect(again.error).toBeUndefined();
    expect(again.handset.phase).toBe('complete');
    expect(sameKey(again.handset.policyKey, boundKey)).toBe(true);
  });

  it('a first activation that fails before its commit point binds nothing', () => {
    // The server stops answering after the key is verified: the activation times out before the books.
    const pair = activatePair({
      serverSeed: 'A',
      link: (bytes, direction, ctx) => (direction === 'to-handset' && ctx.type === 'it-policy' ? [] : [bytes]),
    });
    expect(pair.error?.code).toBe('TIMEOUT');
    expect(pair.handset.policyKey).toBeUndefined();
  });
});

describe('the binding is in the handset snapshot', () => {
  it('survives a snapshot and restore taken mid-activation on another server, which then fails as before', () => {
    const first = activatedOnA();
    const boundKey = first.server.identity.domainKey.publicKey;
    const other = createServer({ serverSeed: 'B', clock: first.clock, users: USERS });
    // Stop while the policy is awaited, snapshot, restore, and let the activation go on.
    const midway = activateAgain(first.handset, first, other, (p) => p.handset.phase === 'awaiting-policy');
    expect(midway.handset.phase).toBe('awaiting-policy');
    const sealed = sealHandsetState(midway.handset, STORAGE_KEY, allAlgorithms, seededRandom('seal'));
    const restored = openHandsetState(sealed, STORAGE_KEY, allAlgorithms);
    expect(sameKey(restored.policyKey, boundKey)).toBe(true);
    midway.handset = restored;
    midway.drive();
    expect(midway.error?.code).toBe('POLICY_KEY_MISMATCH');
  });

  it('a version 1 snapshot of an activated handset restores bound to the key of the server it holds', () => {
    const first = activatedOnA();
    const { policyKey: _key, ...rest } = first.handset;
    const v1 = sealSnapshot('handset', { ...rest, version: 1 }, STORAGE_KEY, allAlgorithms, { random: seededRandom('v1') });
    const restored = openHandsetState(v1, STORAGE_KEY, allAlgorithms);
    expect(restored.version).toBe(4);
    expect(sameKey(restored.policyKey, first.server.identity.domainKey.publicKey)).toBe(true);
  });

  // Every phase from the commit point on is bound (RIM binds at the first activation): each one a
  // version 1 snapshot could have been taken in, as a run reaches it.
  it.each([
    ['syncing', () => activatePair({ serverSeed: 'A', until: (p) => p.handset.phase === 'syncing' }).handset],
    [
      'sync-pending',
      () =>
        activatePair({
          serverSeed: 'A',
          link: faults.drop({ direction: 'to-handset', type: 'sync-page' }),
          until: (p) => p.handset.phase === 'sync-pending',
        }).handset,
    ],
    [
      'applying-policy-update',
      () => {
        const pair = activatePair({ serverSeed: 'A' });
        pair.server.updatePolicy('update-1', { 'Disable Camera': true });
        pair.pollServer();
        pair.drive();
        return pair.steps.find((s) => s.before.phase === 'applying-policy-update')!.before;
      },
    ],
  ] as const)('a version 1 snapshot taken in %s restores bound to the key of the server it holds', (phase, reach) => {
    const state = reach();
    expect(state.phase).toBe(phase);
    const { policyKey: _key, ...rest } = state as HandsetState & { policyKey?: Uint8Array };
    const v1 = sealSnapshot('handset', { ...rest, version: 1 }, STORAGE_KEY, allAlgorithms, { random: seededRandom('v1') });
    const restored = openHandsetState(v1, STORAGE_KEY, allAlgorithms);
    expect(restored.phase).toBe(phase);
    expect(restored.server && sameKey(restored.policyKey, restored.server.publicKey)).toBe(true);
  });

  it('a version 1 snapshot taken before the commit point restores unbound', () => {
    const pair = activatePair({ serverSeed: 'A', until: (p) => p.handset.phase === 'awaiting-policy' });
    expect(pair.handset.phase).toBe('awaiting-policy');
    const v1 = sealSnapshot('handset', { ...pair.handset, version: 1 }, STORAGE_KEY, allAlgorithms, { random: seededRandom('v1') });
    const restored = openHandsetState(v1, STORAGE_KEY, allAlgorithms);
    expect(restored.phase).toBe('awaiting-policy');
    expect(restored.policyKey).toBeUndefined();
  });
});
