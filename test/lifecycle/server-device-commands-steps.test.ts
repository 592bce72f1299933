/**
 * Life after activation on the server's sans-I/O core (src/simulator/server-phase-commands.ts),
 * step by step against a real handset (docs/lifecycle.md, "One device per user" and
 * "Administrator commands"): retiring a device and its command, sent again every
 * `policyRetransmitMs` and given up after 7 days, its acknowledgement; DEACTIVATED for the retired
 * device's other frames (but its errors); service books sent again until acknowledged.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ServerOutput } from '../../src/simulator/server-io.js';
import { serverStep } from '../../src/simulator/server-machine.js';
import type { ServerSessionState } from '../../src/simulator/server-state.js';
import { decodeFrame, encodeFrame, frameAssociatedData, type Frame } from '../../src/wire/frame.js';
import { decodeBooksAck } from '../../src/wire/messages/books-ack.js';
import { decodeDeviceCommand } from '../../src/wire/messages/device-command.js';
import { decodeDeviceCommandAck, encodeDeviceCommandAck } from '../../src/wire/messages/device-command-ack.js';
import { openErrorBody, sealErrorBody } from '../../src/wire/messages/error.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { EMAIL, HANDSET_CONFIG } from '../support/fixtures.js';
import { activatedRig, CoreRig, resealed, rigIdentity, sessionOf } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;
/** The rig's `policyRetransmitMs`: a command or books not acknowledged go again after it. */
const RETRANSMIT_MS = 60_000;
const DAY = 24 * 3_600_000;

/** The rig's own identity, with an agreement key, so that the handset can send a rekey-request. */
const IDENTITY = rigIdentity('core rig', 'commands agreement');

type Keyed = Extract<ServerSessionState, { phase: 'complete' | 'retired' }>;

function keyed(rig: CoreRig): Keyed {
  const state = sessionOf(rig);
  if (state.phase !== 'complete' && state.phase !== 'retired') throw new Error(`the session is in ${state.phase}`);
  return state;
}

function activated(): CoreRig {
  return activatedRig({ env: { identity: IDENTITY } });
}

/** The handset's next frame to the server. */
function next(rig: CoreRig): Uint8Array {
  const bytes = rig.toServer.shift();
  if (bytes === undefined) throw new Error('the handset sent nothing');
  return bytes;
}

/** The plaintext of a handset frame, opened under the session's transport key. */
function plaintextOf(rig: CoreRig, bytes: Uint8Array): Uint8Array {
  const frame = decodeFrame(bytes);
  return openBody(nobleProvider, keyed(rig).transportKey, frame.body, frameAssociatedData(frame), frame.type);
}

function dropped(frame: Frame, reason: string): ServerOutput[] {
  return [{ type: 'log', event: 'frame dropped', detail: { reason, type: frame.type, pin: frame.pin, seq: frame.seq } }];
}

describe('retiring a device', () => {
  it('with the command for the next tick: "device retired" is all, nothing is sent yet', () => {
    const rig = activated();
    const result = rig.input({ type: 'retire', command: 'wipe', sendNow: false });
    expect(result.outputs).toEqual([{ type: 'log', event: 'device retired', detail: { pin: PIN, email: EMAIL, command: 'wipe' } }]);
    expect(result.state.phase).toBe('retired');
  });

  it('with the command now: "device retired", then "device command sent" (sends 1) and the command', () => {
    const rig = activated();
    const result = rig.input({ type: 'retire', command: 'deactivate', sendNow: true });
    expect(CoreRig.logs(result.outputs)).toEqual([
      { event: 'device retired', detail: { pin: PIN, email: EMAIL, command: 'deactivate' } },
      { event: 'device command sent', detail: { pin: PIN, command: 'deactivate', sends: 1 } },
    ]);
    expect(CoreRig.sends(result.outputs).map((f) => f.type)).toEqual(['device-command']);
  });

  it('the command goes again every policyRetransmitMs, counted, and is given up 7 days after its first send', () => {
    const rig = activated();
    rig.input({ type: 'retire', command: 'wipe', sendNow: true });
    const first = rig.clock.now;
    rig.clock.now += RETRANSMIT_MS;
    expect(CoreRig.logs(rig.input({ type: 'tick' }).outputs)).toEqual([
      { event: 'device command sent', detail: { pin: PIN, command: 'wipe', sends: 2 } },
    ]);
    rig.clock.now = first + 7 * DAY - 1;
    expect(CoreRig.logs(rig.input({ type: 'tick' }).outputs)).toEqual([
      { event: 'device command sent', detail: { pin: PIN, command: 'wipe', sends: 3 } },
    ]);
    rig.clock.now = first + 7 * DAY;
    const given = rig.input({ type: 'tick' });
    expect(given.outputs).toEqual([{ type: 'log', event: 'device command given up', detail: { pin: PIN, command: 'wipe', sends: 3 } }]);
    rig.clock.now += RETRANSMIT_MS;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
  });
});

describe("the command's acknowledgement", () => {
  it('the genuine one: "device command acknowledged", the administrator told, the frame taken, the command not sent again', () => {
    const rig = activated();
    const sent = rig.input({ type: 'retire', command: 'deactivate', sendNow: true });
    rig.deliver(sent);
    const ack = next(rig);
    const seq = decodeFrame(ack).seq;
    const result = rig.server(ack);
    expect(result.outputs).toEqual([
      { type: 'log', event: 'device command acknowledged', detail: { pin: PIN, command: 'deactivate' } },
      { type: 'command-acknowledged', email: EMAIL, pin: PIN, command: 'deactivate' },
    ]);
    expect(result.state.recvSeq).toBe(seq + 1);
    rig.clock.now += RETRANSMIT_MS;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
  });

  it('one naming the other command with the same id acknowledges nothing: dropped, the command still pending', () => {
    const rig = activated();
    const sent = rig.input({ type: 'retire', command: 'deactivate', sendNow: true });
    const command = decodeDeviceCommand(
      openBody(
        nobleProvider,
        keyed(rig).transportKey,
        CoreRig.sends(sent.outputs)[0]!.body,
        frameAssociatedData(CoreRig.sends(sent.outputs)[0]!),
        'device-command',
      ),
    );
    rig.deliver(sent);
    const genuine = next(rig);
    expect(decodeDeviceCommandAck(plaintextOf(rig, genuine))).toEqual({ command: 'deactivate', id: command.id });
    const state = keyed(rig);
    const forged = resealed(genuine, encodeDeviceCommandAck({ command: 'wipe', id: command.id }), state.transportKey);
    const result = rig.server(forged);
    expect(result.outputs).toEqual(dropped(decodeFrame(forged), 'acknowledgement of no pending command'));
    expect(result.state).toBe(state);
    rig.clock.now += RETRANSMIT_MS;
    expect(CoreRig.logs(rig.input({ type: 'tick' }).outputs).map((l) => l.event)).toEqual(['device command sent']);
  });
});

describe("a retired device's other frames", () => {
  /** A retired session (its command for later) and a frame of its device sealed under the old key. */
  function retiredWithRequest(): { rig: CoreRig; request: Uint8Array } {
    const rig = activated();
    rig.input({ type: 'retire', command: 'deactivate', sendNow: false });
    rig.toHandset({ type: 'regenerate-key', now: rig.clock.now });
    return { rig, request: next(rig) };
  }

  it('each is answered with DEACTIVATED sealed under the old key, in sequence', () => {
    const { rig, request } = retiredWithRequest();
    const sendSeq = keyed(rig).sendSeq;
    const replies = [rig.server(request), rig.server(request)];
    for (const reply of replies) {
      expect(CoreRig.logs(reply.outputs)).toEqual([
        { event: 'frame from a retired device refused', detail: { pin: PIN, type: 'rekey-request' } },
      ]);
    }
    const errors = replies.flatMap((r) => CoreRig.sends(r.outputs));
    expect(errors.map((f) => [f.type, f.seq])).toEqual([
      ['error', sendSeq],
      ['error', sendSeq + 1],
    ]);
    for (const error of errors) {
      const opened = openErrorBody(nobleProvider, error.body, frameAssociatedData(error), [{ transport: keyed(rig).transportKey }]);
      expect(opened).toEqual({ message: { code: 'DEACTIVATED' }, authenticated: true });
    }
    expect(keyed(rig).sendSeq).toBe(sendSeq + 2);
  });

  it('its own error frame, sealed under the old key, is not answered: "error frame from a retired device"', () => {
    const { rig, request } = retiredWithRequest();
    const state = keyed(rig);
    const header = { ...decodeFrame(request), type: 'error' as const };
    const body = sealErrorBody(nobleProvider, seededRandom('error'), { code: 'PROTOCOL_ERROR' }, frameAssociatedData(header), {
      transport: state.transportKey,
    });
    const error = encodeFrame({ ...header, body });
    const result = rig.server(error);
    expect(result.outputs).toEqual(dropped(decodeFrame(error), 'error frame from a retired device'));
    expect(result.state).toBe(state);
  });
});

describe('service books sent again', () => {
  it('now: "service books sent again" (sends 1); again every policyRetransmitMs, counted', () => {
    const rig = activated();
    const first = rig.input({ type: 'resend-books', sendNow: true });
    expect(CoreRig.logs(first.outputs)).toEqual([{ event: 'service books sent again', detail: { pin: PIN, sends: 1 } }]);
    expect(CoreRig.sends(first.outputs).map((f) => f.type)).toEqual(['service-books']);
    rig.clock.now += RETRANSMIT_MS;
    const again = rig.input({ type: 'tick' });
    expect(CoreRig.logs(again.outputs)).toEqual([{ event: 'service books sent again', detail: { pin: PIN, sends: 2 } }]);
    expect(CoreRig.sends(again.outputs).map((f) => f.type)).toEqual(['service-books']);
  });

  it('their acknowledgement: "service books acknowledged" with the books stored, the frame taken, not sent again', () => {
    const rig = activated();
    rig.deliver(rig.input({ type: 'resend-books', sendNow: true }));
    const ack = next(rig);
    const { stored } = decodeBooksAck(plaintextOf(rig, ack));
    expect(stored.length).toBeGreaterThan(0);
    const seq = decodeFrame(ack).seq;
    const result = rig.server(ack);
    expect(result.outputs).toEqual([{ type: 'log', event: 'service books acknowledged', detail: { pin: PIN, stored } }]);
    expect(result.state.recvSeq).toBe(seq + 1);
    rig.clock.now += RETRANSMIT_MS;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
  });

  it('a books-ack when no books were sent again is dropped: "books-ack without books sent again"', () => {
    const rig = activated();
    const before = keyed(rig);
    rig.deliver(rig.input({ type: 'resend-books', sendNow: true }));
    const ack = decodeFrame(next(rig));
    const result = serverStep(before, { type: 'frame', frame: ack }, rig.env());
    expect(result.outputs).toEqual(dropped(ack, 'books-ack without books sent again'));
    expect(result.state).toBe(before);
  });
});
