/**
 * Administrator commands on the handset (docs/lifecycle.md, "One device per user",
 * "Administrator commands", "Wipe"): after activation the server may send a sealed
 * `device-command`. The device acknowledges it (sealed, so the server knows it arrived), then
 * carries it out:
 *
 * - `deactivate` (the device was retired: another device was activated for the user): its keys,
 *   IT policy and service books go, its organizer data stays (deactivation is not a wipe); status
 *   "Deactivated" (ours); it can be activated again. The error `DEACTIVATED`, sealed under the
 *   transport key, has the same effect (without an acknowledgement: it answers a frame, the
 *   server expects none).
 * - `wipe` (RIM's "Delete all device data and disable device"): transport keys, service books, IT
 *   policy, organizer data and long-term keys are erased; the handset is `idle`, ready for a new
 *   activation.
 *
 * Either way the acknowledgement is kept as sent ({@link CommandAck}), and the same command
 * repeated (its acknowledgement was lost) is answered with the same bytes: the device no longer
 * has a key to seal a new one.
 */
import { encodeFrame, type Frame } from '../wire/frame.js';
import { decodeDeviceCommand } from '../wire/messages/device-command.js';
import { encodeDeviceCommandAck } from '../wire/messages/device-command-ack.js';
import { sealBody } from '../wire/messages/sealed-body.js';
import { constantTimeEqual } from '../util/bytes.js';
import type { HandsetOutput, StepResult } from './io.js';
import { type HandsetEnv, headerAd, nextHeader, sendAndWait } from './machine-support.js';
import { decodeServiceBooks } from '../wire/messages/service-books.js';
import { encodeBooksAck } from '../wire/messages/books-ack.js';
import { addBooks } from '../service-books/store.js';
import { emailEnabled } from '../service-books/capabilities.js';
import type { CommandAck, CompleteState, DeactivatedState, HandsetState, IdleState, SyncPendingState, SyncingState } from './state.js';
import { deactivatedStatus } from './status.js';
import { deviceFields } from './state.js';
import { wipeHandset } from './wipe.js';
import { openUnderKeys } from './phase-rollover.js';

/** The states a command or the DEACTIVATED error reaches: committed, with the key, policy, books and data. */
type Activated = CompleteState | SyncingState | SyncPendingState;

/** `device-command` arrived in an activated phase: acknowledge, then deactivate or wipe. */
export function onDeviceCommand(state: Activated, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  // Under the current key, or the previous one for its 7 days (docs/lifecycle.md, "Key states").
  const command = decodeDeviceCommand(openUnderKeys(state, frame, now, env));
  // The session ends here (deactivated or wiped): nothing is received in it any more.
  const session = state.session;
  const header = nextHeader(state, session, 'device-command-ack', `srp:${state.server.srp}`);
  const body = sealBody(env.provider, state.transportKey, encodeDeviceCommandAck(command), headerAd(header), env.random);
  const bytes = encodeFrame({ ...header, body });
  const ack: CommandAck = { sid: session.sid, bytes, to: header.to };
  // Acknowledged first: a wiped device has nothing left to seal an acknowledgement with.
  const send: HandsetOutput = { type: 'send', bytes: bytes.slice(), to: header.to };
  if (command.command === 'deactivate') {
    const done = deactivate(state, 'command', ack);
    return { state: done.state, outputs: [send, ...done.outputs] };
  }
  const wiped = wipeHandset(state);
  const idle: IdleState = { ...(wiped.state as IdleState), commandAck: ack };
  return { state: idle, outputs: [send, ...wiped.outputs] };
}

/**
 * The device is retired: keys, policy and books go; its organizer data (what it synchronized and
 * its own records) stays in the record store, as the device's own, for the next activation's slow sync.
 */
export function deactivate(state: Activated, reason: 'command' | 'refused', commandAck?: CommandAck): StepResult<HandsetState> {
  const shown = deactivatedStatus();
  const next: DeactivatedState = {
    version: state.version,
    phase: 'deactivated',
    config: state.config,
    // Deactivation is not a wipe: the device keeps its IT policy key binding (only a wipe unbinds it).
    ...deviceFields(state),
    email: state.email,
    status: shown,
    ...(commandAck ? { commandAck } : {}),
  };
  return { state: next, outputs: [{ type: 'clear-timer' }, { type: 'status', status: shown }, { type: 'deactivated', reason }] };
}

/**
 * A frame after a command was carried out (the handset has no session any more): the same command
 * again, in the session it came in, is answered with the acknowledgement kept, byte for byte. It
 * cannot be opened (the key is gone), and needs not be: the answer is a frame already sent once.
 */
export function onCommandRepeated(state: HandsetState, frame: Frame): StepResult<HandsetState> | undefined {
  const kept = state.commandAck;
  if (kept === undefined || state.session !== undefined) return undefined;
  if (frame.type !== 'device-command' || frame.pin !== state.config.pin || !constantTimeEqual(frame.sid, kept.sid)) return undefined;
  return { state, outputs: [{ type: 'send', bytes: kept.bytes.slice(), to: kept.to }] };
}

/**
 * `service-books` after activation: the administrator sent them again (docs/lifecycle.md). The
 * device replaces its books with them and acknowledges (the books-ack; nothing answers it, and the
 * synchronization it asks for is not run again).
 */
export function onServiceBooksResent(state: CompleteState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const incoming = decodeServiceBooks(openUnderKeys(state, frame, now, env));
  const books = addBooks([], incoming);
  const enabled = emailEnabled(books);
  const session = { ...state.session, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, session, 'books-ack', `srp:${state.server.srp}`);
  const ack = encodeBooksAck({
    stored: incoming.map((b) => `${b.cid}:${b.uid}`),
    emailEnabled: enabled,
    sync: { databases: state.config.databases, maxPageRecords: state.config.maxPageRecords },
  });
  const next: CompleteState = { ...state, session, serviceBooks: books };
  return sendAndWait(next, header, sealBody(env.provider, state.transportKey, ack, headerAd(header), env.random), {
    now,
    before: [{ type: 'service-books', books, emailEnabled: enabled }],
    expectReply: false,
  });
}
