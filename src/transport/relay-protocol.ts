/**
 * Constants and codecs of the HTTP relay protocol (docs/transports.md, "The relay protocol"),
 * shared by the relay client ({@link createRelayTransport}) and the Node relay server.
 * Runtime-agnostic.
 */
import { ActivationError } from '../errors/activation-error.js';
import { decodeCbor, encodeCbor, MAX_FRAME_BYTES } from '../wire/cbor.js';

/** Content type of one frame in a `POST /v1/frames` body. */
export const FRAME_CONTENT_TYPE = 'application/vnd.enterprise-activation.frame';
/** Content type of a `GET /v1/frames` answer: a CBOR array of byte strings, one per frame. */
export const FRAME_BATCH_CONTENT_TYPE = 'application/vnd.enterprise-activation.frames+cbor';
/** Path of the frame endpoints (POST to send, GET to long-poll). */
export const FRAMES_PATH = '/v1/frames';
/** Path of the WebSocket endpoint. */
export const WEBSOCKET_PATH = '/v1/ws';
/** Longest long-poll the relay holds open, in seconds. */
export const MAX_POLL_WAIT_SECONDS = 30;
/** Most frames in one long-poll answer. */
export const MAX_BATCH_FRAMES = 100;
/** Largest long-poll answer a client accepts (bytes). */
export const MAX_BATCH_BYTES = 16 * MAX_FRAME_BYTES;
/** Largest `POST /v1/frames` body or WebSocket message the relay reads (bytes): a frame and 4 KiB. */
export const MAX_FRAME_MESSAGE_BYTES = MAX_FRAME_BYTES + 4096;

/** A peer address: where the relay delivers frames. */
export interface RelayAddress {
  readonly kind: 'pin' | 'srp';
  /** PIN in upper case, or the SRP identifier as given. */
  readonly id: string;
  /** Canonical form, e.g. `pin:2100000A`. */
  readonly address: string;
}

const SRP_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses a peer address `pin:<8 hex digits>` or `srp:<SRP identifier>` (letters, digits, `.`, `_`,
 * `-`; at most 64). Returns undefined when it is neither.
 */
export function parseRelayAddress(value: string): RelayAddress | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(pin|srp):(.+)$/.exec(value);
  if (!m) return undefined;
  const kind = m[1] as 'pin' | 'srp';
  const id = kind === 'pin' ? m[2]!.toUpperCase() : m[2]!;
  if (kind === 'pin' ? !/^[0-9A-F]{8}$/.test(id) : !SRP_ID.test(id)) return undefined;
  return { kind, id, address: `${kind}:${id}` };
}

/**
 * Normalizes one `serves` entry: an email address (`user@example.com`) or a domain
 * (`example.com`), lower-cased. Returns undefined when it is neither.
 */
export function normalizeServes(entry: string): string | undefined {
  if (typeof entry !== 'string') return undefined;
  const value = entry.trim().toLowerCase();
  if (value.length === 0 || value.length > 254) return undefined;
  if (value.includes('@')) return /^[^\s@,]+@[^\s@,]+$/.test(value) ? value : undefined;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(value) ? value : undefined;
}

export function encodeFrameBatch(frames: readonly Uint8Array[]): Uint8Array {
  return encodeCbor([...frames]);
}

/** Decodes a long-poll answer; any defect is ActivationError('MALFORMED'). */
export function decodeFrameBatch(bytes: Uint8Array): Uint8Array[] {
  const value = decodeCbor(bytes, 'frame batch', MAX_BATCH_BYTES);
  if (!Array.isArray(value) || !value.every((f) => f instanceof Uint8Array)) {
    throw new ActivationError('MALFORMED', 'frame batch: expected an array of byte strings', { operation: 'decode frame batch' });
  }
  return value as Uint8Array[];
}
