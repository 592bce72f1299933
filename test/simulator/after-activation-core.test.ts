/**
 * Life after activation on the server's core (docs/server.md, "Life after activation: the
 * administrator's commands"; docs/lifecycle.md), stepped through test/support/server-core.ts:
 * service books sent again every `policyRetransmitMs` (60 s in the rig) until the `books-ack`, an
 * acknowledgement after activation taken across a gap, a retired device's frames (answered with
 * DEACTIVATED when they open under its old key, dropped when they do not, its command's
 * acknowledgement taken across a gap), which session is the account's current device, and a
 * failure of the crypto provider, which is thrown, never taken for a bad frame.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { createPolicy } from '../../src/policy/policy.js';
import type { ServerOutput } from '../../src/simulator/server-io.js';
import { isCurrentDevice } from '../../src/simulator/server-phase-services.js';
import type { ServerSessionState } from '../../src/simulator/server-state.js';
import { decodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { caught, expectCode } from '../support/errors.js';
import { HANDSET_CONFIG } from '../support/fixtures.js';
import { reframe } from '../support/frames.js';
import { CoreRig, resealed, rigAt, sessionOf } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;
const RETRANSMIT_MS = 60_000;

type Keyed = Extract<ServerSessionState, { transportKey: { key: Uint8Array } }>;

function keyed(rig: CoreRig): Keyed {
  const state = sessionOf(rig);
  if (state.transportKey === undefined) throw new Error('no transport key');
  return state as Keyed;
}

/** The server's sends among `outputs`, to the handset. */
function deliver(rig: CoreRig, outputs: readonly ServerOutput[]): void {
  for (const o of outputs) if (o.type === 'send') rig.toHandset({ type: 'frame', bytes: o.bytes, now: rig.clock.now });
}

/** The handset's frames to the server and the replies back, until nothing is left. */
function pump(rig: CoreRig): void {
  for (let next = rig.toServer.shift(); next !== undefined; next = rig.toServer.shift()) deliver(rig, rig.server(next).outputs);
}

/** The last frame the handset sent (a header to copy). */
function lastHandsetFrame(rig: CoreRig): Uint8Array {
  const sends = rig.handsetOutputs.flatMap((o) => (o.type === 'send' ? [o.bytes] : []));
  const last = sends.at(-1);
  if (last === undefined) throw new Error('the handset sent nothing');
  return last;
}

function events(outputs: readonly ServerOutput[]): string[] {
  return CoreRig.logs(outputs).map((l) => l.event);
}

function droppedLine(reason: string, type: string, seq: number): ServerOutput {
  return { type: 'log', event: 'frame dropped', detail: { reason, type, pin: PIN, seq } };
}

describe('service books sent again (resendServiceBooks): every policyRetransmitMs until the books-ack', () => {
  it('a tick before 60 s sends nothing; at 60 s the books go again, counted', () => {
    const rig = rigAt('complete');
    const sent = rig.input({ type: 'resend-books', sendNow: true });
    expect(CoreRig.sends(sent.outputs).map((f) => f.type)).toEqual(['service-books']);
    const t = rig.clock.now;
    rig.clock.now = t + RETRANSMIT_MS - 1;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
    rig.clock.now = t + RETRANSMIT_MS;
    const again = rig.input({ type: 'tick' });
    expect(CoreRig.logs(again.outputs)).toEqual([{ event: 'service books sent again', detail: { pin: PIN, sends: 2 } }]);
    expect(CoreRig.sends(again.outputs).map((f) => f.type)).toEqual(['service-books']);
  });

  it('a tick with no books waiting sends nothing and changes nothing', () => {
    const rig = rigAt('complete');
    const before = sessionOf(rig);
    rig.clock.now += 10 * RETRANSMIT_MS;
    const { state, outputs } = rig.input({ type: 'tick' });
    expect(state).toBe(before);
    expect(outputs).toEqual([]);
  });

  it('their books-ack is taken even past a frame of the device that was lost (it skips ahead), and they stop', () => {
    const rig = rigAt('complete');
    deliver(rig, rig.input({ type: 'resend-books', sendNow: true }).outputs);
    const ack = rig.toServer.shift()!;
    const before = keyed(rig);
    const frame = decodeFrame(ack);
    expect(frame.type).toBe('books-ack');
    expect(frame.seq).toBe(before.recvSeq);
    const plaintext = openBody(nobleProvider, before.transportKey, frame.body, frameAssociatedData(frame), frame.type);
    const ahead = resealed(ack, plaintext, before.transportKey, { seq: frame.seq + 2 });
    const { state, outputs } = rig.server(ahead);
    expect(events(outputs)).toEqual(['service books acknowledged']);
    expect(state.recvSeq).toBe(frame.seq + 3);
    rig.clock.now += 10 * RETRANSMIT_MS;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
  });
});

describe('a retired device (docs/lifecycle.md: its frames get DEACTIVATED, its command waits for the acknowledgement)', () => {
  /** A rig whose device was wiped (the command sent), the handset not told yet. */
  function retired() {
    const rig = rigAt('complete');
    const template = lastHandsetFrame(rig);
    const wipe = rig.input({ type: 'retire', command: 'wipe', sendNow: true });
    expect(sessionOf(rig).phase).toBe('retired');
    return { rig, template, wipe };
  }

  it('a frame that opens under its old key is answered with DEACTIVATED; one that does not decode or authenticate is dropped, unanswered', () => {
    const { rig, template } = retired();
    const before = keyed(rig);
    const seq = before.recvSeq;
    const genuine = resealed(template, new Uint8Array([0xa0]), before.transportKey, { type: 'books-ack', seq });
    const body = decodeFrame(genuine).body;
    const flippedBody = body.slice();
    flippedBody[body.length - 1] = flippedBody[body.length - 1]! ^ 0x01;
    const cases: [Uint8Array, string][] = [
      [reframe(genuine, { body: new Uint8Array([1, 2, 3]) }), 'rejected books-ack: MALFORMED'],
      [reframe(genuine, { body: flippedBody }), 'rejected books-ack: DECRYPT_FAILED'],
    ];
    for (const [altered, reason] of cases) {
      const { state, outputs } = rig.server(altered);
      expect(state).toBe(before);
      expect(outputs).toEqual([droppedLine(reason, 'books-ack', seq)]);
    }
    const answered = rig.server(genuine);
    expect(events(answered.outputs)).toEqual(['frame from a retired device refused']);
    expect(CoreRig.sends(answered.outputs).map((f) => f.type)).toEqual(['error']);
  });

  it('a failure of the crypto provider while opening its frame is thrown, not taken for a bad frame', () => {
    const { rig, template } = retired();
    const before = keyed(rig);
    const genuine = resealed(template, new Uint8Array([0xa0]), before.transportKey, { type: 'books-ack', seq: before.recvSeq });
    const failing: CryptoProvider = {
      ...nobleProvider,
      openMessage: () => {
        throw new ActivationError('UNSUPPORTED', 'the provider is unavailable');
      },
    };
    expectCode(() => rig.server(genuine, { provider: failing }), 'UNSUPPORTED');
  });

  it("the acknowledgement of its command is taken past the device's frame that was lost before it (it skips ahead)", () => {
    const rig = rigAt('complete');
    // An IT policy update whose acknowledgement is lost: the device's next frame skips ahead.
    deliver(
      rig,
      rig.input({
        type: 'push-policy',
        policy: createPolicy('update-1', 'BES 5.0', Date.UTC(2030, 0, 1), { 'Disable Camera': true }),
        sendNow: true,
      }).outputs,
    );
    expect(decodeFrame(rig.toServer.shift()!).type).toBe('policy-ack');
    const recvSeq = sessionOf(rig).recvSeq;
    deliver(rig, rig.input({ type: 'retire', command: 'wipe', sendNow: true }).outputs);
    const ack = rig.toServer.shift()!;
    expect(decodeFrame(ack)).toMatchObject({ type: 'device-command-ack', seq: recvSeq + 1 });
    const { state, outputs } = rig.server(ack);
    expect(events(outputs)).toEqual(['device command acknowledged']);
    expect(outputs).toContainEqual({ type: 'command-acknowledged', email: sessionOf(rig).email, pin: PIN, command: 'wipe' });
    expect(state.recvSeq).toBe(recvSeq + 2);
  });
});

describe('isCurrentDevice: the session of the device the account is activated with now (docs/lifecycle.md, one device per user)', () => {
  it('the complete session is; the same session before its commit, with the same PIN and key, is not', () => {
    const rig = rigAt('awaiting-books-ack');
    const uncommitted = sessionOf(rig);
    expect(rig.runUntil('complete')).toBe(true);
    const account = rig.accounts.get(uncommitted.email);
    expect(account?.device?.pin).toBe(uncommitted.pin);
    expect(isCurrentDevice(sessionOf(rig), account)).toBe(true);
    expect(isCurrentDevice(uncommitted, account)).toBe(false);
  });
});

describe('after a key rollover, a frame under the previous key still opens; a provider failure under the current key is thrown', () => {
  /** A complete session whose key was rolled over (it holds the previous key). */
  function rolledOver(): CoreRig {
    const rig = rigAt('complete', { agreementKey: true });
    deliver(rig, rig.input({ type: 'regenerate-key' }).outputs);
    pump(rig);
    if (keyed(rig).previousKey === undefined) throw new Error('no rollover');
    return rig;
  }

  it.each([
    ['an ActivationError that is not DECRYPT_FAILED', new ActivationError('UNSUPPORTED', 'the provider is unavailable')],
    ['an error of the provider\'s own carrying the code "DECRYPT_FAILED"', Object.assign(new Error('hsm'), { code: 'DECRYPT_FAILED' })],
  ])('%s, thrown once under the current key, is thrown by the step (not retried under the previous key)', (_what, error) => {
    const rig = rolledOver();
    const before = keyed(rig);
    const frame = resealed(lastHandsetFrame(rig), new Uint8Array([0xa0]), before.transportKey, { type: 'books-ack', seq: before.recvSeq });
    let calls = 0;
    const flaky: CryptoProvider = {
      ...nobleProvider,
      openMessage: (...args) => {
        calls += 1;
        if (calls === 1) throw error;
        return nobleProvider.openMessage(...args);
      },
    };
    expect(caught(() => rig.server(frame, { provider: flaky }))).toBe(error);
    expect(calls).toBe(1);
  });

  it('control: a frame sealed under the previous key is opened with it', () => {
    const rig = rolledOver();
    const before = keyed(rig);
    const old = resealed(lastHandsetFrame(rig), new Uint8Array([0xa0]), before.previousKey!, { type: 'books-ack', seq: before.recvSeq });
    // It opens (under a key it was not sealed with it would be DECRYPT_FAILED), and an empty map is no books-ack.
    expect(rig.server(old).outputs).toEqual([droppedLine('rejected books-ack: MALFORMED', 'books-ack', before.recvSeq)]);
  });
});
