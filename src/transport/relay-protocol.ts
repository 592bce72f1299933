/**
 * Constants and codecs of the HTTP relay protocol (docs/transports.md, "The relay protocol"),
 * shared by the relay client ({@link createRelayTransport}) and the Node relay server.
 * Runtime-agnostic.
 */
import { ActivationError } from '../errors/activation-error.js';
import { decodeCbor, encodeCbor, MAX_FRAME_BYTES } from '../codec/cbor.js';

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

/**
 * `path` (e.g. `/v1/health`) under a relay's base URL, the base's path prefix kept:
 * `https://h/relay/` and `/v1/frames` give `https://h/relay/v1/frames`. Every client of the relay
 * builds its endpoints this way (the relay transport, the fleet's target check).
 */
export function relayEndpointUrl(base: URL | string, path: string): URL {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/$/, '') + path;
  return url;
}

/** A peer address: where the relay delivers frames. */
export interface RelayAddress {
  /** `pin` for a handset, `srp` for a server. */
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
  const [, kind, rest] = /^(pin|srp):(.+)$/.exec(value) ?? [];
  if ((kind !== 'pin' && kind !== 'srp') || rest === undefined) return undefined;
  const id = kind === 'pin' ? rest.toUpperCase() : rest;
  if (kind === 'pin' ? !/^[0-9A-F]{8}$/.test(id) : !SRP_ID.test(id)) return undefined;
  return { kind, id, address: `${kind}:${id}` };
}

/**
 * The media type of a `Content-Type` header value: what comes before any `;` parameter, trimmed
 * and lower-cased (`''` for a missing header).
 */
export function mediaType(contentType: string | null | undefined): string {
  const value = contentType ?? '';
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
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

/** Encodes the frames a long-poll answers with (a CBOR array of byte strings); {@link decodeFrameBatch} reverses it. */
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

// ---- registration, receive credentials and vouching (docs/transports.md, "Authentication") ----

/** Path where a server registers the addresses and domains it serves (`POST`, JSON body). */
export const REGISTER_PATH = '/v1/register';
/** Largest `POST /v1/register` body the relay reads (bytes). */
export const MAX_REGISTER_BYTES = 16 * 1024;
/**
 * Header of a handset's `POST /v1/frames`: its receive public key (Ed25519, base64url). The relay
 * binds the session of the first ETP.DAT it routes to that key.
 */
export const RECEIVE_KEY_HEADER = 'x-receive-key';
/** Query parameter carrying a receive credential on a WebSocket URL (browsers cannot set headers). */
export const RECEIVE_QUERY = 'receive';
/** How far a receive credential's time may be from the relay's clock (seconds). */
export const RECEIVE_CREDENTIAL_WINDOW_SECONDS = 120;
/**
 * Content type of a long-poll answer for a server whose token the relay knows: a CBOR array of
 * `{ frame, vouch, source }` maps (the vouch as in relay-vouch.ts).
 */
export const VOUCHED_BATCH_CONTENT_TYPE = 'application/vnd.enterprise-activation.vouched-frames+cbor';

const RECEIVE_DOMAIN = 'enterprise-activation/v1 relay-receive';
const encoder = new TextEncoder();

/**
 * What a receive credential signs: a domain-separated string with the receiving address and the
 * time, so that a signature for one address or one moment is worth nothing for another.
 */
export function receiveCredentialMessage(address: string, unixSeconds: number): Uint8Array {
  return encoder.encode(`${RECEIVE_DOMAIN}\n${address}\n${unixSeconds}`);
}

/** One frame delivered to a server whose token the relay knows. */
export interface VouchedFrame {
  readonly frame: Uint8Array;
  /** The relay's vouch (relay-vouch.ts: `vouchMac(deriveVouchKey(token), frame, source)`). */
  readonly vouch: Uint8Array;
  /** Opaque label of the sender's network source (a keyed hash; never the address itself). */
  readonly source: string;
}

function isVouchedFrame(value: unknown): value is VouchedFrame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    v.frame instanceof Uint8Array &&
    v.vouch instanceof Uint8Array &&
    typeof v.source === 'string' &&
    v.source.length <= 64 &&
    Object.keys(v).length === 3
  );
}

export function encodeVouchedFrame(item: VouchedFrame): Uint8Array {
  return encodeCbor({ frame: item.frame, vouch: item.vouch, source: item.source });
}

/** Decodes one vouched WebSocket message; any defect is ActivationError('MALFORMED'). */
export function decodeVouchedFrame(bytes: Uint8Array): VouchedFrame {
  const value = decodeCbor(bytes, 'vouched frame', MAX_FRAME_MESSAGE_BYTES);
  if (!isVouchedFrame(value))
    throw new ActivationError('MALFORMED', 'vouched frame: expected { frame, vouch, source }', { operation: 'decode vouched frame' });
  return value;
}

export function encodeVouchedBatch(items: readonly VouchedFrame[]): Uint8Array {
  return encodeCbor(items.map((i) => ({ frame: i.frame, vouch: i.vouch, source: i.source })));
}

/** Decodes a vouched long-poll answer; any defect is ActivationError('MALFORMED'). */
export function decodeVouchedBatch(bytes: Uint8Array): VouchedFrame[] {
  const value = decodeCbor(bytes, 'vouched frame batch', MAX_BATCH_BYTES);
  if (!Array.isArray(value) || !value.every(isVouchedFrame)) {
    throw new ActivationError('MALFORMED', 'vouched frame batch: expected an array of { frame, vouch, source }', {
      operation: 'decode frame batch',
    });
  }
  return value as VouchedFrame[];
}
