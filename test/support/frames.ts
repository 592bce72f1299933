/**
 * Reading and altering frames the way a test or an adversary does, and finding bytes inside them.
 * An attacker who alters a frame recomputes its checksum (`reseal`): the checksum only guards
 * against accidental damage, so a test of the protocol's defences must get past it.
 */
import { decode as cborDecode } from 'cbor-x';
import type { HandsetState } from '../../src/handset/state.js';
import { PROTOCOL_VERSION, decodeFrame, encodeFrame, type Frame, type MessageType } from '../../src/wire/frame.js';
import { HANDSET_CONFIG } from './fixtures.js';

/** The frame's message type, or `undefined` if the bytes do not decode as a frame. */
export function frameType(bytes: Uint8Array): MessageType | undefined {
  try {
    return decodeFrame(bytes).type;
  } catch {
    return undefined;
  }
}

/**
 * The header of a frame of `type` from the server to the handset (PIN `pin`, by default the
 * default handset's) in `state`'s session, at the sequence number it expects (or `seq`).
 */
export function sessionHeader(
  state: HandsetState,
  type: MessageType,
  seq = state.session!.recvSeq,
  pin = HANDSET_CONFIG.pin,
): Omit<Frame, 'body'> {
  return { v: PROTOCOL_VERSION, type, sid: state.session!.sid, seq, pin, to: `pin:${pin}` };
}

/** Decodes a frame (throws on bad bytes). */
export function frameOf(bytes: Uint8Array): Frame {
  return decodeFrame(bytes);
}

/** Re-encodes a frame with some header fields or the body replaced. */
export function reframe(bytes: Uint8Array, patch: Partial<Frame>): Uint8Array {
  const frame = decodeFrame(bytes);
  return encodeFrame({ ...frame, ...patch });
}

/** A copy of `bytes` with byte `at` XOR `mask`, resealed (see {@link reseal}). */
export function flipByte(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  if (at < 0 || at >= bytes.length) throw new RangeError(`flip at ${at} outside 0..${bytes.length - 1}`);
  const out = bytes.slice();
  out[at] = out[at]! ^ mask;
  return reseal(out);
}

/**
 * What an attacker does after altering a frame: recomputes the frame checksum (it only guards
 * against accidental damage). Bytes that no longer decode to a frame-shaped map stay as they are.
 */
export function reseal(bytes: Uint8Array): Uint8Array {
  let raw: unknown;
  try {
    raw = cborDecode(bytes);
  } catch {
    return bytes;
  }
  if (raw === null || typeof raw !== 'object') return bytes;
  const f = raw as Record<string, unknown>;
  const keys = Object.keys(f).join(',');
  if (keys !== 'v,type,sid,seq,pin,to,body,check' || !(f.body instanceof Uint8Array) || !(f.sid instanceof Uint8Array)) return bytes;
  try {
    return encodeFrame({
      v: f.v,
      type: f.type,
      sid: new Uint8Array(f.sid),
      seq: f.seq,
      pin: f.pin,
      to: f.to,
      body: new Uint8Array(f.body),
    } as Frame);
  } catch {
    return bytes;
  }
}

/** Offset of `needle` in `haystack` (first occurrence at or after `from`), or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  if (needle.length === 0) return from <= haystack.length ? from : -1;
  const first = needle[0]!;
  outer: for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return indexOfBytes(haystack, needle) >= 0;
}

/** [start, end) of `needle` inside `haystack`; throws if it is absent or occurs twice. */
export function regionOf(haystack: Uint8Array, needle: Uint8Array): { start: number; end: number } {
  const start = indexOfBytes(haystack, needle);
  if (start < 0) throw new Error('region not found');
  if (indexOfBytes(haystack, needle, start + 1) >= 0) throw new Error('region occurs twice');
  return { start, end: start + needle.length };
}
