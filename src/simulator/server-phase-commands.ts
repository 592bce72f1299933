/**
 * Life after activation on the server (docs/lifecycle.md): retiring a device, the administrator's
 * commands (deactivate, wipe) and their acknowledgement, the refusal of a retired device's frames,
 * and service books sent again. The mirror of src/handset/phase-commands.ts.
 *
 * A retired session keeps only the device's old transport key: every frame the device sends that
 * opens under it gets the error DEACTIVATED, sealed under it, so that the device knows, and a
 * command waits for its acknowledgement (sent again every `policyRetransmitMs`, given up after
 * {@link COMMAND_GIVE_UP_MS}). IT policy updates no longer go to it.
 */
import { frameAssociatedData, encodeFrame, type Frame } from '../wire/frame.js';
import { sealErrorBody } from '../wire/messages/error.js';
import { decodeBooksAck } from '../wire/messages/books-ack.js';
import { encodeServiceBooks } from '../wire/messages/service-books.js';
import { COMMAND_ID_LENGTH, encodeDeviceCommand, type DeviceCommandName } from '../wire/messages/device-command.js';
import { decodeDeviceCommandAck } from '../wire/messages/device-command-ack.js';
import { constantTimeEqual } from '../util/bytes.js';
import type { ServerEnv, ServerOutput, ServerStepResult } from './server-io.js';
import { drop, nextHeader, opened, sealed } from './server-machine-support.js';
import { isCurrentDevice } from './server-phase-services.js';
import { COMMAND_GIVE_UP_MS, type ServerCompleteState, type ServerRetiredState, sessionBase } from './server-state.js';

/**
 * The session's device is retired: updates stop, and the command goes now (`sendNow`) or at the
 * next tick. The retired state keeps the key only, to open the device's frames and seal the
 * answers.
 */
export function onRetire(state: ServerCompleteState, command: DeviceCommandName, sendNow: boolean, env: ServerEnv): ServerStepResult {
  const id = env.random(COMMAND_ID_LENGTH);
  const retired: ServerRetiredState = {
    ...sessionBase(state),
    phase: 'retired',
    transportKey: state.transportKey,
    command: { command, id, firstSentAt: Number.NEGATIVE_INFINITY, sentAt: Number.NEGATIVE_INFINITY, sends: 0 },
  };
  const log: ServerOutput = { type: 'log', event: 'device retired', detail: { pin: state.pin, email: state.email, command } };
  if (!sendNow) return { state: retired, outputs: [log] };
  const sent = sendCommand(retired, env);
  return { state: sent.state, outputs: [log, ...sent.outputs] };
}

/** Sends the pending command (freshly sealed, a new sequence number, as policy updates). */
function sendCommand(state: ServerRetiredState, env: ServerEnv): ServerStepResult {
  const pending = state.command;
  if (pending === undefined) return { state, outputs: [] };
  const firstSentAt = pending.sends === 0 ? env.now : pending.firstSentAt;
  const next: ServerRetiredState = { ...state, command: { ...pending, firstSentAt, sentAt: env.now, sends: pending.sends + 1 } };
  const sent = sealed(next, 'device-command', encodeDeviceCommand({ command: pending.command, id: pending.id }), undefined, env);
  return {
    state: sent.state,
    outputs: [
      { type: 'log', event: 'device command sent', detail: { pin: state.pin, command: pending.command, sends: pending.sends + 1 } },
      sent.send,
    ],
  };
}

/** The clock moved: a command due goes again, until acknowledged or for 7 days. */
export function onRetiredTick(state: ServerRetiredState, env: ServerEnv): ServerStepResult {
  const pending = state.command;
  if (pending === undefined) return { state, outputs: [] };
  if (pending.sends > 0 && env.now - pending.firstSentAt >= COMMAND_GIVE_UP_MS) {
    const { command: _command, ...rest } = state;
    return {
      state: rest,
      outputs: [
        { type: 'log', event: 'device command given up', detail: { pin: state.pin, command: pending.command, sends: pending.sends } },
      ],
    };
  }
  if (env.now - pending.sentAt < env.policyRetransmitMs) return { state, outputs: [] };
  return sendCommand(state, env);
}

/** `device-command-ack` from the retired device: the command arrived; it is not sent again. */
export function onCommandAck(state: ServerRetiredState, frame: Frame, env: ServerEnv): ServerStepResult {
  const ack = decodeDeviceCommandAck(opened(state, frame, env));
  const pending = state.command;
  if (pending === undefined || ack.command !== pending.command || !constantTimeEqual(ack.id, pending.id)) {
    return drop(state, frame, 'acknowledgement of no pending command');
  }
  const { command: _command, ...rest } = state;
  return {
    state: { ...rest, recvSeq: Math.max(state.recvSeq, frame.seq + 1) },
    outputs: [
      { type: 'log', event: 'device command acknowledged', detail: { pin: state.pin, command: pending.command } },
      { type: 'command-acknowledged', email: state.email, pin: state.pin, command: pending.command },
    ],
  };
}

/**
 * Any other frame from a retired device that opens under its old key: answered with the error
 * DEACTIVATED, sealed under that key (a frame that does not open is dropped, so that nobody
 * learns from a forgery that the device was retired). The device's own errors are not answered.
 */
export function onRetiredFrame(state: ServerRetiredState, frame: Frame, env: ServerEnv): ServerStepResult {
  if (frame.type === 'error') return drop(state, frame, 'error frame from a retired device');
  opened(state, frame, env);
  const header = nextHeader(state, 'error');
  const body = sealErrorBody(env.provider, env.random, { code: 'DEACTIVATED' }, frameAssociatedData(header), {
    transport: state.transportKey,
  });
  const bytes = encodeFrame({ ...header, body });
  return {
    state: { ...state, sendSeq: state.sendSeq + 1 },
    outputs: [
      { type: 'log', event: 'frame from a retired device refused', detail: { pin: state.pin, type: frame.type } },
      { type: 'send', bytes },
    ],
  };
}

/** The administrator sends the service books again: now (`sendNow`) or at the next tick, until acknowledged. */
export function onResendBooks(state: ServerCompleteState, sendNow: boolean, env: ServerEnv): ServerStepResult {
  const account = env.account;
  if (!account || !isCurrentDevice(state, account)) return { state, outputs: [] };
  const books = env.services.serviceBooks(account, env.identity);
  const next: ServerCompleteState = { ...state, booksPush: { books, sentAt: Number.NEGATIVE_INFINITY, sends: 0 } };
  return sendNow ? sendBooks(next, env) : { state: next, outputs: [] };
}

/** Sends the books waiting for their acknowledgement (freshly sealed, a new sequence number). */
export function sendBooks(
  state: ServerCompleteState,
  env: ServerEnv,
): { readonly state: ServerCompleteState; readonly outputs: readonly ServerOutput[] } {
  const push = state.booksPush;
  if (push === undefined) return { state, outputs: [] };
  const next: ServerCompleteState = { ...state, booksPush: { ...push, sentAt: env.now, sends: push.sends + 1 } };
  const sent = sealed(next, 'service-books', encodeServiceBooks(push.books), undefined, env);
  return {
    state: sent.state,
    outputs: [{ type: 'log', event: 'service books sent again', detail: { pin: state.pin, sends: push.sends + 1 } }, sent.send],
  };
}

/** `books-ack` after activation: the books sent again are stored; they are not sent again. */
export function onBooksResendAck(state: ServerCompleteState, frame: Frame, env: ServerEnv): ServerStepResult {
  const ack = decodeBooksAck(opened(state, frame, env));
  const { booksPush, ...rest } = state;
  if (booksPush === undefined) return drop(state, frame, 'books-ack without books sent again');
  return {
    state: { ...rest, recvSeq: Math.max(state.recvSeq, frame.seq + 1) },
    outputs: [{ type: 'log', event: 'service books acknowledged', detail: { pin: state.pin, stored: ack.stored } }],
  };
}
