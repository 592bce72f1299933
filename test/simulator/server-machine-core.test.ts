/**
 * The server's step function itself (src/simulator/server-machine.ts), stepped on the core through
 * test/support/server-core.ts: what it takes as an input, the sequence guards in their documented
 * order (docs/server.md, "Routing"; docs/protocol.md, "Idempotency and retransmission"), the table
 * deciding which message a phase takes, a body that does not open being dropped, the handset's
 * error frames (docs/protocol.md, "error") and the failure the server reports (its error frame,
 * kept for a repeated request).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import type { ActivationErrorCode } from '../../src/errors/activation-error.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ServerOutput } from '../../src/simulator/server-io.js';
import { serverStep } from '../../src/simulator/server-machine.js';
import { dummyPrs } from '../../src/simulator/server-machine-support.js';
import type { ServerSessionState } from '../../src/simulator/server-state.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { decodeFrame, encodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { type ErrorKey, sealErrorBody } from '../../src/wire/messages/error.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { expectCode } from '../support/errors.js';
import { EMAIL, HANDSET_CONFIG } from '../support/fixtures.js';
import { reframe } from '../support/frames.js';
import { CoreRig, resealed, rigAt, sessionOf } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;

type Keyed = Extract<ServerSessionState, { transportKey: { key: Uint8Array } }>;

const session = sessionOf;

function keyed(rig: CoreRig): Keyed {
  const state = session(rig);
  if (state.transportKey === undefined) throw new Error('no transport key yet');
  return state as Keyed;
}

/** The log line of a frame the session did not take. */
function droppedLine(reason: string, type: string, seq: number): ServerOutput {
  return { type: 'log', event: 'frame dropped', detail: { reason, type, pin: PIN, seq } };
}

/**
 * An error frame from the handset in `rig`'s session with sequence number `seq`, its code sealed
 * under `key` (in clear when `key` is undefined), the header copied from the handset's next frame.
 */
function handsetError(rig: CoreRig, seq: number, key: ErrorKey | undefined, code: ActivationErrorCode = 'PROTOCOL_ERROR'): Uint8Array {
  const template = decodeFrame(rig.toServer[0]!);
  const header = { ...template, type: 'error' as const, seq };
  const body = sealErrorBody(nobleProvider, seededRandom('handset error'), { code }, frameAssociatedData(header), key);
  return encodeFrame({ ...header, body });
}

/** A copy of `bytes` with its last byte changed. */
function flipped(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length - 1] = out[out.length - 1]! ^ 0x01;
  return out;
}

/** The handset's key k_HS of an awaiting-confirm session. */
function handsetToServer(rig: CoreRig): Uint8Array {
  const state = session(rig);
  if (state.phase !== 'awaiting-confirm') throw new Error(`not awaiting the confirmation: ${state.phase}`);
  return state.handsetToServer;
}

describe('what serverStep takes (docs/server.md: INVALID_ARGUMENT only for an input that is not an input)', () => {
  it('an input that is not an object (null, a string, a number) is INVALID_ARGUMENT naming the input', () => {
    const rig = rigAt('awaiting-confirm');
    for (const input of [null, 'tick', 7, undefined]) {
      const err = expectCode(() => serverStep(session(rig), input as never, rig.env()), 'INVALID_ARGUMENT');
      expect(err.cause).toEqual({ field: 'input' });
      expect(err.message).toContain('an input is an object with a type');
    }
  });

  it('an object whose type is not frame, push-policy or tick is INVALID_ARGUMENT naming input.type', () => {
    const rig = rigAt('awaiting-confirm');
    for (const input of [{}, { type: 'reboot' }, { type: 'FRAME' }]) {
      const err = expectCode(() => serverStep(session(rig), input as never, rig.env()), 'INVALID_ARGUMENT');
      expect(err.cause).toEqual({ field: 'input.type' });
      expect(err.message).toContain('unknown input type');
    }
  });
});

describe('the sequence guards, in their documented order (docs/server.md, "Routing")', () => {
  it('a repeated request gets its reply again, byte for byte, each time from a copy the transport cannot alter', () => {
    const rig = rigAt('awaiting-confirm');
    const confirm = rig.toServer.shift()!;
    const first = rig.server(confirm);
    expect(first.state.phase).toBe('awaiting-key-verified');
    const reply = first.outputs.find((o) => o.type === 'send');
    expect(reply).toBeDefined();
    const original = reply!.type === 'send' ? reply!.bytes.slice() : new Uint8Array();
    for (let i = 0; i < 2; i++) {
      const again = rig.server(confirm);
      expect(again.state).toBe(first.state);
      expect(again.outputs).toEqual([{ type: 'send', bytes: original }]);
      // The transport overwrites its buffer; the next repeat must not see that.
      if (again.outputs[0]?.type === 'send') again.outputs[0].bytes.fill(0);
    }
  });

  it('an older frame than the ones answered is dropped as old and changes nothing, even a policy acknowledgement after activation', () => {
    const rig = rigAt('awaiting-policy-ack');
    const policyAck = rig.toServer[0]!.slice();
    expect(rig.runUntil('complete')).toBe(true);
    const before = session(rig);
    const seq = decodeFrame(policyAck).seq;
    expect(seq).toBeLessThan(before.recvSeq);
    expect(before.lastReply?.forSeq).not.toBe(seq);
    const { state, outputs } = rig.server(policyAck);
    expect(state).toBe(before);
    expect(outputs).toEqual([droppedLine('old frame', 'policy-ack', seq)]);
  });

  it('a failed session takes nothing more: a frame with the sequence number it expects is dropped', () => {
    const rig = rigAt('awaiting-confirm');
    const { state: failed } = rig.server(handsetError(rig, 1, { session: handsetToServer(rig) }));
    expect(failed.phase).toBe('failed');
    expect(failed.recvSeq).toBe(1);
    const confirm = rig.toServer.shift()!;
    const { state, outputs } = rig.server(confirm);
    expect(state).toBe(failed);
    expect(outputs).toEqual([droppedLine('frame of a failed session', 'handset-confirm', 1)]);
  });

  it('a frame that skips ahead is dropped as out of order, a policy acknowledgement during activation included', () => {
    const rig = rigAt('awaiting-policy-ack');
    const before = keyed(rig);
    const bytes = rig.toServer.shift()!;
    const frame = decodeFrame(bytes);
    expect(frame.seq).toBe(before.recvSeq);
    const plaintext = openBody(nobleProvider, before.transportKey, frame.body, frameAssociatedData(frame), frame.type);
    const ahead = resealed(bytes, plaintext, before.transportKey, { seq: frame.seq + 1 });
    const { state, outputs } = rig.server(ahead);
    expect(state).toBe(before);
    expect(outputs).toEqual([droppedLine('frame out of order', 'policy-ack', frame.seq + 1)]);
    // The acknowledgement with the expected number is still taken.
    expect(rig.server(bytes).state.phase).toBe('awaiting-books-ack');
  });

  it('after activation only a policy acknowledgement may skip ahead: another message ahead is dropped as out of order', () => {
    const rig = rigAt('awaiting-policy-ack');
    const policyAck = rig.toServer[0]!.slice();
    expect(rig.runUntil('complete')).toBe(true);
    const before = keyed(rig);
    const seq = before.recvSeq + 2;
    const ahead = resealed(policyAck, new Uint8Array([0xa0]), before.transportKey, { type: 'sync-ack', seq });
    const { state, outputs } = rig.server(ahead);
    expect(state).toBe(before);
    expect(outputs).toEqual([droppedLine('frame out of order', 'sync-ack', seq)]);
  });
});

describe('the table decides what a phase takes (docs/server.md, "States")', () => {
  it('a message the phase does not take is dropped as unexpected, naming the message and the phase', () => {
    const rig = rigAt('awaiting-confirm');
    const before = session(rig);
    const keyVerified = reframe(rig.toServer[0]!, { type: 'key-verified' });
    const { state, outputs } = rig.server(keyVerified);
    expect(state).toBe(before);
    expect(outputs).toEqual([droppedLine('unexpected key-verified in awaiting-confirm', 'key-verified', 1)]);
  });

  it('a body that does not decode is dropped as MALFORMED, one that does not authenticate as DECRYPT_FAILED; the genuine one is still taken', () => {
    const rig = rigAt('awaiting-policy-ack');
    const before = keyed(rig);
    const bytes = rig.toServer.shift()!;
    const frame = decodeFrame(bytes);
    const plaintext = openBody(nobleProvider, before.transportKey, frame.body, frameAssociatedData(frame), frame.type);
    const otherKey = { ...before.transportKey, key: seededRandom('another key')(before.transportKey.key.length) };
    const cases: [Uint8Array, string][] = [
      [reframe(bytes, { body: new Uint8Array([1, 2, 3]) }), 'rejected policy-ack: MALFORMED'],
      [resealed(bytes, plaintext, otherKey), 'rejected policy-ack: DECRYPT_FAILED'],
      [reframe(bytes, { body: flipped(frame.body) }), 'rejected policy-ack: DECRYPT_FAILED'],
    ];
    for (const [altered, reason] of cases) {
      const { state, outputs } = rig.server(altered);
      expect(state).toBe(before);
      expect(outputs).toEqual([droppedLine(reason, 'policy-ack', frame.seq)]);
    }
    expect(rig.server(bytes).state.phase).toBe('awaiting-books-ack');
  });
});

describe('the handset\'s error frames (docs/protocol.md, "error")', () => {
  it('one sealed under k_HS with the next sequence number ends the session: attempt failed as handset aborted, the claim goes, nothing sent', () => {
    const rig = rigAt('awaiting-confirm');
    const before = session(rig);
    const { state, outputs } = rig.server(handsetError(rig, 1, { session: handsetToServer(rig) }));
    expect(state.phase).toBe('failed');
    // Nothing is sent, so the send sequence and the reply to a repeated ETP.DAT stay.
    expect(state.sendSeq).toBe(before.sendSeq);
    expect(state.lastReply).toEqual(before.lastReply);
    expect(outputs).toEqual([
      { type: 'account', change: { kind: 'attempt-failed', email: EMAIL, reason: 'handset aborted' } },
      { type: 'account', change: { kind: 'release-claim', email: EMAIL, session: expect.any(String) } },
      { type: 'log', event: 'handset aborted', detail: { pin: PIN, email: EMAIL, code: 'PROTOCOL_ERROR' } },
      { type: 'attempt-failed', email: EMAIL, pin: PIN, reason: 'handset aborted' },
    ]);
    // The administrator's history (docs/server.md, "activation attempt failed: <reason>").
    expect(rig.accounts.get(EMAIL)?.history.at(-1)?.event).toBe('activation attempt failed: handset aborted');
  });

  it('one in clear is only logged as an unauthenticated error frame, with its code; the session goes on', () => {
    const rig = rigAt('awaiting-confirm');
    const before = session(rig);
    const { state, outputs } = rig.server(handsetError(rig, 1, undefined, 'WRONG_PASSWORD'));
    expect(state).toBe(before);
    expect(outputs).toEqual([{ type: 'log', event: 'unauthenticated error frame', detail: { pin: PIN, code: 'WRONG_PASSWORD' } }]);
    expect(rig.server(rig.toServer.shift()!).state.phase).toBe('awaiting-key-verified');
  });

  it('one sealed under a key the session does not hold is dropped, and the session goes on', () => {
    const rig = rigAt('awaiting-confirm');
    const before = session(rig);
    const { state, outputs } = rig.server(handsetError(rig, 1, { session: seededRandom('not k_HS')(32) }));
    expect(state).toBe(before);
    expect(outputs).toEqual([droppedLine('error frame of no session state', 'error', 1)]);
    expect(rig.server(rig.toServer.shift()!).state.phase).toBe('awaiting-key-verified');
  });
});

describe('the failure the server reports (docs/protocol.md, "Idempotency and retransmission")', () => {
  it('the error frame takes the next send sequence number, the session counts it sent, and a repeated request gets it again from a copy', () => {
    // The administrator replaced the password after the ETP.DAT: the proof fails NO_ACTIVATION_PASSWORD.
    const rig = rigAt('awaiting-confirm');
    rig.clock.now += 1_000;
    rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
    const before = session(rig);
    const confirm = rig.toServer.shift()!;
    const { state, outputs } = rig.server(confirm);
    expect(state.phase).toBe('failed');
    const sends = outputs.flatMap((o) => (o.type === 'send' ? [o.bytes] : []));
    expect(sends).toHaveLength(1);
    const original = sends[0]!.slice();
    const error = decodeFrame(original);
    expect(error.type).toBe('error');
    expect(error.seq).toBe(before.sendSeq);
    expect(state.sendSeq).toBe(before.sendSeq + 1);
    // The transport overwrites its buffer; the error kept for a repeated confirmation is intact.
    sends[0]!.fill(0);
    expect(rig.server(confirm).outputs).toEqual([{ type: 'send', bytes: original }]);
  });
});

describe('the dummy password (docs/protocol.md, "The dummy")', () => {
  it('is HKDF-SHA-512 of the server secret, salt "enterprise-activation/v1 dummy password", info the lower-case email, 32 bytes', () => {
    const dummySecret = seededRandom('dummy secret')(32);
    const expected = hkdf(
      sha512,
      dummySecret,
      utf8ToBytes('enterprise-activation/v1 dummy password'),
      utf8ToBytes('alice@example.com'),
      32,
    );
    expect(dummyPrs({ provider: nobleProvider, dummySecret }, 'Alice@Example.COM')).toEqual(expected);
  });
});
