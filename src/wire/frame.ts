/**
 * The frame: the envelope every protocol message travels in. Its header is cleartext, because a
 * relay routes by it (`to`, `pin`), and it is bound as associated data into every encrypted body,
 * so nobody can move a body to another session, sequence number or message type.
 */
import * as v from 'valibot';
import { sha256 } from '@noble/hashes/sha2.js';
import { ActivationError } from '../errors/activation-error.js';
import { decodeCbor, encodeCbor, encodeCborScratch, encodeCborView, MAX_FRAME_BYTES } from '../codec/cbor.js';
import { bytes, pin, sessionId, text, uint, type SchemaOf } from '../codec/schema.js';
import { validateDecoded } from '../codec/decode-guarded.js';

/** Version of the frame format and of the protocol as a whole. */
export const PROTOCOL_VERSION = 1;

/** Every message type, in the order of the flows (see docs/protocol.md). */
export const MESSAGE_TYPES = [
  'etp-dat',
  'server-share',
  'handset-confirm',
  'key-issue',
  'key-verified',
  'it-policy',
  'policy-ack',
  'service-books',
  'books-ack',
  'sync-page',
  'sync-ack',
  'sync-done',
  'device-command',
  'device-command-ack',
  'rekey-request',
  'rekey-offer',
  'rekey-accept',
  'rekey-done',
  'error',
] as const;
/** One of {@link MESSAGE_TYPES}: what a frame's body is. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Largest number of messages either side sends in one session (sequence numbers are below this). */
export const MAX_SEQUENCE = 1_000_000;

/**
 * The envelope of every message between handset and server: a cleartext header the relay routes
 * by (`to`) and the body. The format is ours (docs/protocol.md).
 */
export interface Frame {
  /** The protocol version, {@link PROTOCOL_VERSION}. */
  readonly v: typeof PROTOCOL_VERSION;
  /** What the body is. */
  readonly type: MessageType;
  /** Session id: the ETP.DAT's nonce, 16 bytes. */
  readonly sid: Uint8Array;
  /** Per-direction sequence number, from 0. */
  readonly seq: number;
  /** The handset's PIN, 8 hex digits. */
  readonly pin: string;
  /**
   * Where the relay delivers the frame: `mailto:<email>` for the ETP.DAT, `srp:<SRP identifier>`
   * for the handset's later messages, `pin:<PIN>` for the server's.
   */
  readonly to: string;
  /** The message body (CBOR; sealed for most types). */
  readonly body: Uint8Array;
}

/** A frame as it travels: the header, the body and the checksum. @internal */
export type WireFrame = Frame & { readonly check: Uint8Array };

/** What a frame must be, field by field; its error names the first offending field. @internal */
export const frameSchema = v.strictObject({
  v: v.literal(PROTOCOL_VERSION),
  type: v.picklist(MESSAGE_TYPES),
  sid: sessionId,
  seq: uint(MAX_SEQUENCE),
  pin,
  to: v.pipe(text(320, 5), v.regex(/^(mailto|srp|pin):\S+$/)),
  body: bytes(0, MAX_FRAME_BYTES),
  check: bytes(8),
}) satisfies SchemaOf<WireFrame>;

/**
 * The frame checksum: the first 8 bytes of SHA-256 over header and body. It catches accidental
 * corruption on the way (so that a damaged frame is dropped and sent again, instead of, say, a
 * damaged server share passing for a wrong password). It is no protection against an attacker,
 * who can recompute it: authenticity comes from the keys.
 *
 * Deliberately a fixed hash, the one cryptographic primitive the protocol does not take from the
 * `CryptoProvider` (issue 11): it is an error-detecting code, not a security operation, so a
 * provider has nothing to replace here; the checksum is part of the frame format, so it must not
 * depend on which provider either peer runs; and frames are encoded and decoded where no provider
 * is at hand (relays, mail, tools that inspect captures).
 */
function checksum(frame: Frame): Uint8Array {
  // Incremental, over the header's encoding and then the body, so that nothing concatenates the
  // two (a copy of the whole body per frame, issue 14). The encoding is scratch bytes, valid until
  // the next encoding: hashed at once, before anything else is encoded.
  return sha256
    .create()
    .update(encodeCborScratch(associatedDataItems(frame)))
    .update(frame.body)
    .digest()
    .subarray(0, 8);
}

/** Whether two checksums are equal, comparing every byte (no early exit on the first difference). */
function sameChecksum(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Encodes a frame with its checksum; {@link decodeFrame} reverses it. */
export function encodeFrame(frame: Frame): Uint8Array {
  return encodeCbor({
    v: frame.v,
    type: frame.type,
    sid: frame.sid,
    seq: frame.seq,
    pin: frame.pin,
    to: frame.to,
    body: frame.body,
    check: checksum(frame),
  });
}

/** Decodes and validates a frame; any defect is ActivationError('MALFORMED'). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const value = decodeCbor(bytes, 'frame');
  // A decoded frame that the schema's guard passes is its own output (codec/schema-guard.ts).
  const { check, ...frame } = validateDecoded(frameSchema, value, 'frame');
  const expected = checksum(frame);
  if (!sameChecksum(expected, check)) {
    throw new ActivationError('MALFORMED', 'frame: checksum mismatch (damaged in transit)', {
      operation: 'decode frame',
      reason: 'checksum',
    });
  }
  return frame;
}

/** The associated data that binds a body to its frame header. */
export function frameAssociatedData(frame: Pick<Frame, 'v' | 'type' | 'sid' | 'seq' | 'pin' | 'to'>): Uint8Array {
  return encodeCbor(associatedDataItems(frame));
}

/**
 * {@link frameAssociatedData}'s bytes without their copy (`encodeCborView`): for the two sides'
 * machines, which seal or open a body with them at once and drop them. Not exported from the
 * package: a caller gets the copy.
 */
export function frameAssociatedDataView(frame: Pick<Frame, 'v' | 'type' | 'sid' | 'seq' | 'pin' | 'to'>): Uint8Array {
  return encodeCborView(associatedDataItems(frame));
}

function associatedDataItems(frame: Pick<Frame, 'v' | 'type' | 'sid' | 'seq' | 'pin' | 'to'>): unknown[] {
  return ['enterprise-activation/frame', frame.v, frame.type, frame.sid, frame.seq, frame.pin, frame.to];
}
