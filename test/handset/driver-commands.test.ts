/**
 * The driver's side of the commands that end an activation or a key (docs/lifecycle.md): a
 * `Handset` (restored mid-synchronization, or on the memory transport against a `BesSimulator`).
 * What a user of the driver sees: a `resume()` still waiting when wrong device passwords wipe the
 * device, or when the server retires it, rejects with the documented error, and "Regenerate Encryption Key" rolls the key over on
 * both sides.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { Handset } from '../../src/handset/handset.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { createPolicy } from '../../src/policy/policy.js';
import { encodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { sealErrorBody } from '../../src/wire/messages/error.js';
import { userData } from '../phases/helpers.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { frameOf } from '../support/frames.js';
import { activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

function server(): BesSimulator {
  const sim = new BesSimulator({
    provider: allAlgorithms,
    random: seededRandom('driver-commands server'),
    services: { userData: () => userData({ calendar: 30, contacts: 30 }) },
  });
  sim.addUser({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
  return sim;
}

function handsetOn(sim: BesSimulator): Handset {
  const [near, far] = createMemoryTransportPair();
  sim.attach(far);
  return new Handset({ config: HANDSET_CONFIG, transport: near, provider: allAlgorithms, random: seededRandom('driver-commands handset') });
}

/** The rejection of `promise`, failing the test when it fulfils. */
async function rejection(promise: Promise<unknown>): Promise<ActivationError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(ActivationError);
  return outcome as ActivationError;
}

/**
 * A handset restored in the middle of its synchronization, `resume()` waiting, under an IT policy
 * that requires a device password and allows `attempts` wrong entries (docs/lifecycle.md, "Wipe").
 */
function resumedWhileSyncing(attempts: number) {
  const policy = createPolicy('passwords', 'BES 5', T0 - 1, { 'Password Required': true, 'Set Maximum Password Attempts': attempts });
  const run = activatePair({ serverSeed: 'A', serverOptions: { services: { policy } } });
  const state = run.states.find((s) => s.phase === 'syncing');
  if (state?.phase !== 'syncing') throw new Error('the run never synchronized');
  let deliver: ((bytes: Uint8Array) => void) | undefined;
  const handset = new Handset({
    config: state.config,
    state,
    provider: allAlgorithms,
    random: seededRandom('driver-commands'),
    now: () => T0,
    transport: {
      send: () => Promise.resolve(),
      onFrame: (handler) => {
        deliver = handler;
        return () => (deliver = undefined);
      },
      close: () => Promise.resolve(),
    },
    timers: { setTimeout: () => 0, clearTimeout: () => undefined },
  });
  const resumed = handset.resume();
  /** Delivers the server's error `DEACTIVATED`, next in sequence, sealed under the device's transport key. */
  const deactivatedByServer = (): void => {
    const like = frameOf(run.sent('to-handset', 'sync-page')[0]!);
    const { body: _body, ...header } = { ...like, type: 'error' as const, seq: state.session.recvSeq };
    const body = sealErrorBody(allAlgorithms, seededRandom('error'), { code: 'DEACTIVATED' }, frameAssociatedData(header), {
      transport: state.transportKey,
    });
    if (!deliver) throw new Error('the handset is not listening');
    deliver(encodeFrame({ ...header, body }));
  };
  return { handset, resumed, deactivatedByServer };
}

describe('an activation still synchronizing', () => {
  it('rejects with INVALID_STATE "the device was wiped" when wrong device passwords wipe the device', async () => {
    const { handset, resumed } = resumedWhileSyncing(3);
    const events: string[] = [];
    handset.on('wiped', () => events.push('wiped'));
    handset.devicePasswordEntered(false);
    handset.devicePasswordEntered(false);
    expect(events).toEqual([]);
    handset.devicePasswordEntered(false);
    const err = await rejection(resumed);
    expect(err.toJSON()).toEqual({
      name: 'ActivationError',
      code: 'INVALID_STATE',
      message: 'the device was wiped',
      cause: { operation: 'wipe' },
    });
    expect(events).toEqual(['wiped']);
    expect(handset.state.phase).toBe('idle');
  });

  it('rejects with DEACTIVATED "the server deactivated this device" when the server retires the device', async () => {
    const { handset, resumed, deactivatedByServer } = resumedWhileSyncing(3);
    const events: unknown[] = [];
    handset.on('deactivated', (event) => events.push(event));
    deactivatedByServer();
    const err = await rejection(resumed);
    expect(err.toJSON()).toEqual({
      name: 'ActivationError',
      code: 'DEACTIVATED',
      message: 'the server deactivated this device',
      cause: { reason: 'refused' },
    });
    expect(events).toEqual([{ reason: 'refused' }]);
    expect(handset.state.phase).toBe('deactivated');
  });
});

describe('regenerateKey()', () => {
  it('asks the server for a new transport key: keyChanged names it, and both sides hold it', async () => {
    const sim = server();
    const handset = handsetOn(sim);
    const result = await handset.activate({ email: EMAIL, password: PASSWORD });
    const before = handset.state.phase === 'complete' ? bytesToHex(handset.state.transportKey.keyId) : '';
    const changed = new Promise<{ keyId: string; algorithm: string }>((resolve) => handset.on('keyChanged', resolve));
    handset.regenerateKey();
    const event = await changed;
    expect(event.algorithm).toBe(result.keyAlgorithm);
    expect(event.keyId).not.toBe(before);
    const state = handset.state;
    expect(state.phase === 'complete' && bytesToHex(state.transportKey.keyId)).toBe(event.keyId);
    const device = sim.accounts.get(EMAIL)?.device;
    expect(device && bytesToHex(device.keyId)).toBe(event.keyId);
    await handset.close();
  });
});
