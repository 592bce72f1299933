/**
 * Administrator commands on the handset (src/handset/phase-commands.ts; docs/lifecycle.md, "One
 * device per user", "Administrator commands", "Wipe"), stepped through `handsetStep` from an
 * activated state: `device-command` deactivate and wipe, their acknowledgement kept and repeated
 * byte for byte, and service books sent again. The server's frames are sealed here under the
 * transport key the handset holds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { HandsetOutput, StepResult } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState, HandsetStateIn } from '../../src/handset/state.js';
import { defaultServiceBooks } from '../../src/service-books/server-books.js';
import { encodeFrame, frameAssociatedData, type MessageType } from '../../src/wire/frame.js';
import { decodeBooksAck } from '../../src/wire/messages/books-ack.js';
import { decodeDeviceCommandAck } from '../../src/wire/messages/device-command-ack.js';
import { type DeviceCommandName, encodeDeviceCommand } from '../../src/wire/messages/device-command.js';
import { openBody, sealBody, type TransportKeyRef } from '../../src/wire/messages/sealed-body.js';
import { encodeServiceBooks } from '../../src/wire/messages/service-books.js';
import { sealErrorBody } from '../../src/wire/messages/error.js';
import { EMAIL, T0 } from '../support/fixtures.js';
import { frameOf, reframe } from '../support/frames.js';
import { activatedHandset } from '../support/handset-states.js';
import { allAlgorithms } from '../support/providers.js';

const ENV = { provider: allAlgorithms, random: seededRandom('commands-phase') };
const ID = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const SRP = 'srp:S0000001';

let complete: HandsetStateIn<'complete'>;
let like: Uint8Array;

beforeAll(() => {
  ({ complete, like } = activatedHandset('sync-done'));
});

function frameStep(state: HandsetState, bytes: Uint8Array, now = T0): StepResult<HandsetState> {
  return handsetStep(state, { type: 'frame', bytes, now }, ENV);
}

/** A server frame in the activated session, next in sequence, its body sealed under `tk` (default: the current key). */
function serverFrame(
  type: MessageType,
  plaintext: Uint8Array,
  tk: TransportKeyRef = complete.transportKey,
  seq = complete.session.recvSeq,
) {
  const { body: _body, ...header } = { ...frameOf(like), type, seq };
  return encodeFrame({ ...header, body: sealBody(allAlgorithms, tk, plaintext, frameAssociatedData(header), ENV.random) });
}

const command = (name: DeviceCommandName, tk?: TransportKeyRef) =>
  serverFrame('device-command', encodeDeviceCommand({ command: name, id: ID }), tk);

function sends(outputs: readonly HandsetOutput[]): Extract<HandsetOutput, { type: 'send' }>[] {
  return outputs.filter((o): o is Extract<HandsetOutput, { type: 'send' }> => o.type === 'send');
}

/** The device-command-ack sent: its address and what it acknowledges (opened under the key the command came under). */
function ackOf(send: Extract<HandsetOutput, { type: 'send' }>, tk: TransportKeyRef = complete.transportKey) {
  const frame = frameOf(send.bytes);
  return {
    type: frame.type,
    to: send.to,
    ack: decodeDeviceCommandAck(openBody(allAlgorithms, tk, frame.body, frameAssociatedData(frame), frame.type)),
  };
}

describe('device-command deactivate', () => {
  it('acknowledges, then drops keys, policy and books; "Deactivated"; the synchronized records stay as the device’s own', () => {
    const result = frameStep(complete, command('deactivate'));
    expect(result.outputs.map((o) => o.type)).toEqual(['send', 'clear-timer', 'status', 'deactivated']);
    expect(ackOf(sends(result.outputs)[0]!)).toEqual({ type: 'device-command-ack', to: SRP, ack: { command: 'deactivate', id: ID } });
    expect(result.outputs.slice(1)).toEqual([
      { type: 'clear-timer' },
      { type: 'status', status: { id: 'deactivated', text: 'Deactivated' } },
      { type: 'deactivated', reason: 'command' },
    ]);
    const state = result.state;
    expect(state.phase).toBe('deactivated');
    expect(state.email).toBe(EMAIL);
    expect(state.status).toEqual({ id: 'deactivated', text: 'Deactivated' });
    expect(state.transportKey).toBeUndefined();
    expect(state.policy).toBeUndefined();
    expect(state.serviceBooks).toBeUndefined();
    expect(state.session).toBeUndefined();
    // The organizer data stays where it is, in the record store: the machine asks nothing of it.
    expect(state.organizer).toBeUndefined();
    expect(state.identity).toEqual(complete.identity);
    expect(state.policyKey).toEqual(complete.policyKey);
  });

  it('the records stay in the record store: no store operation, no wipe, among the outputs', () => {
    const { outputs } = frameStep(complete, command('deactivate'));
    expect(outputs.map((o) => o.type)).not.toContain('store-records');
    expect(outputs.map((o) => o.type)).not.toContain('wiped');
  });
});

describe('device-command wipe', () => {
  it('acknowledges, then erases everything: idle, with only the acknowledgement kept', () => {
    const result = frameStep(complete, command('wipe'));
    expect(result.outputs.map((o) => o.type)).toEqual(['send', 'clear-timer', 'wiped']);
    expect(ackOf(sends(result.outputs)[0]!)).toEqual({ type: 'device-command-ack', to: SRP, ack: { command: 'wipe', id: ID } });
    const { commandAck, ...rest } = result.state;
    expect(rest).toEqual({ version: complete.version, phase: 'idle', config: complete.config });
    expect(commandAck?.to).toBe(SRP);
  });
});

describe('the same command again, after it was carried out (its acknowledgement was lost)', () => {
  it.each(['deactivate', 'wipe'] as const)(
    '%s: answered with the acknowledgement as first sent, byte for byte, whatever became of that copy',
    (name) => {
      const frame = command(name);
      const first = frameStep(complete, frame);
      const sent = sends(first.outputs)[0]!;
      const original = sent.bytes.slice();
      sent.bytes.fill(0); // the transport's copy
      const again = frameStep(first.state, frame);
      expect(again.outputs).toEqual([{ type: 'send', bytes: original, to: SRP }]);
      expect(again.state).toBe(first.state);
      sends(again.outputs)[0]!.bytes.fill(0);
      expect(frameStep(first.state, frame).outputs).toEqual([{ type: 'send', bytes: original, to: SRP }]);
    },
  );

  it('another message type, PIN or session is not answered with it', () => {
    const frame = command('deactivate');
    const done = frameStep(complete, frame).state;
    const others = [
      reframe(frame, { type: 'it-policy' }),
      reframe(frame, { pin: '2100000B' }),
      reframe(frame, { sid: new Uint8Array(16).fill(7) }),
    ];
    for (const other of others) {
      const result = frameStep(done, other);
      expect(sends(result.outputs)).toEqual([]);
      expect(result.outputs).toEqual([{ type: 'ignored', reason: 'frame of another session' }]);
    }
  });

  it('a device that never carried out a command ignores a command frame when it has no session', () => {
    const idle: HandsetState = { version: complete.version, phase: 'idle', config: complete.config };
    expect(frameStep(idle, command('wipe')).outputs).toEqual([{ type: 'ignored', reason: 'frame of another session' }]);
  });

  it('a device that holds a session takes a command in it as a command, not as a repetition', () => {
    const kept = frameStep(complete, command('wipe')).state.commandAck;
    expect(kept).toBeDefined();
    const both: HandsetState = { ...complete, commandAck: kept };
    expect(frameStep(both, command('deactivate')).state.phase).toBe('deactivated');
  });
});

describe('service books sent again by the administrator', () => {
  const books = defaultServiceBooks({ srp: 'S0000001', besDomain: 'example.com', email: EMAIL }).filter((b) => b.cid !== 'CMIME');

  it('replaces the books and acknowledges them (nothing answers the acknowledgement: no timer)', () => {
    const frame = serverFrame('service-books', encodeServiceBooks(books));
    const result = frameStep(complete, frame);
    expect(result.state.phase).toBe('complete');
    expect(result.state.serviceBooks?.map((b) => `${b.cid}:${b.uid}`).sort()).toEqual(books.map((b) => `${b.cid}:${b.uid}`).sort());
    expect(result.outputs.map((o) => o.type)).toEqual(['service-books', 'send', 'clear-timer']);
    expect(result.outputs[0]).toMatchObject({ type: 'service-books', emailEnabled: false });
    const send = sends(result.outputs)[0]!;
    expect(send.to).toBe(SRP);
    const ackFrame = frameOf(send.bytes);
    expect(ackFrame.type).toBe('books-ack');
    const ack = decodeBooksAck(openBody(allAlgorithms, complete.transportKey, ackFrame.body, frameAssociatedData(ackFrame), 'books-ack'));
    expect(ack.stored).toEqual(books.map((b) => `${b.cid}:${b.uid}`));
    expect(ack.emailEnabled).toBe(false);
    expect(result.state.session?.deadline).toBeUndefined();
    // Its sequence number is taken: the same frame again is a duplicate.
    expect(frameStep(result.state, frame).outputs).toEqual([{ type: 'ignored', reason: 'duplicate frame' }]);
  });
});

describe('after a key rollover, the previous key is still tried (docs/lifecycle.md, "Key states": 7 days)', () => {
  const NEW_KEY: TransportKeyRef & { keyId: Uint8Array } = {
    algorithm: 'AES-256-CBC',
    keyId: new Uint8Array(8).fill(9),
    key: new Uint8Array(32).fill(0x42),
  };
  const rolled = (): HandsetState => ({
    ...complete,
    transportKey: NEW_KEY,
    previousKey: { key: complete.transportKey, until: T0 + 7 * 24 * 3_600_000 },
  });

  it('a command sealed under the previous key is carried out, and acknowledged under the current one', () => {
    const result = frameStep(rolled(), command('deactivate', complete.transportKey));
    expect(result.state.phase).toBe('deactivated');
    expect(ackOf(sends(result.outputs)[0]!, NEW_KEY).ack).toEqual({ command: 'deactivate', id: ID });
  });

  it('service books sealed under the previous key are taken', () => {
    const result = frameStep(rolled(), serverFrame('service-books', encodeServiceBooks(books()), complete.transportKey));
    expect(result.outputs.map((o) => o.type)).toEqual(['service-books', 'send', 'clear-timer']);
  });

  /** The server's DEACTIVATED error to a retired device, sealed under `tk`. */
  function deactivated(tk: TransportKeyRef): Uint8Array {
    const { body: _body, ...header } = { ...frameOf(like), type: 'error' as const, seq: complete.session.recvSeq };
    const body = sealErrorBody(allAlgorithms, ENV.random, { code: 'DEACTIVATED' }, frameAssociatedData(header), { transport: tk });
    return encodeFrame({ ...header, body });
  }

  it('a DEACTIVATED error sealed under the previous key deactivates the device', () => {
    const result = frameStep(rolled(), deactivated(complete.transportKey));
    expect(result.state.phase).toBe('deactivated');
  });

  it('control: a DEACTIVATED error under a key the device never held is ignored', () => {
    const stranger: TransportKeyRef = { algorithm: 'AES-256-CBC', key: new Uint8Array(32).fill(0x07) };
    const result = frameStep(rolled(), deactivated(stranger));
    expect(result.state.phase).toBe('complete');
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'unauthenticated error frame after activation' }]);
  });

  it('control: past the 7 days a command under the previous key is dropped', () => {
    const result = frameStep(rolled(), command('deactivate', complete.transportKey), T0 + 7 * 24 * 3_600_000 + 1);
    expect(result.state.phase).toBe('complete');
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rejected device-command', code: 'DECRYPT_FAILED' }]);
  });

  function books() {
    return defaultServiceBooks({ srp: 'S0000001', besDomain: 'example.com', email: EMAIL });
  }
});
