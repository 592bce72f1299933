/**
 * Relay vouching: a MAC with which a relay tells a server "I received this frame from this
 * network source", so that the server can tell frames that came through its own relay (and
 * rate-limit them per source) from frames injected by anyone else (issue 8, finding 10).
 *
 * RIM's activation ran over its own network, which (we assume; no source we have says so) knew
 * where each request came from and rate-limited it; an open relay or an open mailbox does not.
 * The relay and the server share a secret (the relay token the server registers with); both
 * derive the same vouch key from it:
 *
 *     vouchKey = HKDF-SHA-256(ikm = UTF-8(token), salt = "", info = "enterprise-activation/v1 relay-vouch", L = 32)
 *
 * and the relay attaches to each frame it forwards
 *
 *     vouch = HMAC-SHA-256(vouchKey, LV(UTF-8(source)) || frame)
 *
 * where `LV(x)` is x's length as 4 bytes big-endian followed by x, so no (source, frame) pair
 * can be re-split into another one. `source` is an opaque, stable label of the sender's network
 * origin chosen by the relay (a keyed hash of the address, never the address in clear: see
 * `FrameMeta.source` in ./transport.ts). On the wire (an HTTP or mail header) the MAC travels as
 * unpadded base64url ({@link encodeVouch}).
 *
 * A vouch proves only that *a holder of the token* forwarded these exact bytes with this label;
 * it does not prove anything about the handset, and it does not stop replay of a vouched frame
 * (the protocol's own session and sequence checks do that). Everything here is runtime-agnostic
 * (no Node APIs), so the handset-side transports, the relay and the mail path share one copy.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ActivationError } from '../errors/activation-error.js';
import { fromBase64Url, toBase64Url } from '../util/base64url.js';
import { concatBytes, constantTimeEqual, u32be, utf8ToBytes } from '../util/bytes.js';

/** HKDF `info` of the vouch key; changing it changes every key (a new protocol version). */
export const RELAY_VOUCH_INFO = 'enterprise-activation/v1 relay-vouch';
/** Length of the vouch key and of the MAC, in bytes. */
export const RELAY_VOUCH_LENGTH = 32;
/**
 * Longest accepted source label, in characters. Labels are printable ASCII without spaces so
 * that they can travel in an HTTP or mail header without quoting or folding.
 */
export const MAX_VOUCH_SOURCE_LENGTH = 128;
/** Shortest key {@link vouchMac} accepts (bytes); {@link deriveVouchKey} gives 32. */
const MIN_KEY_LENGTH = 16;
/** Printable ASCII, no space: safe in a header value, cannot carry CR/LF or `;`-style tricks beyond text. */
const SOURCE_PATTERN = /^[\x21-\x7e]+$/;

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'relay vouch', field });
}

/** True for a source label that {@link vouchMac} accepts. */
export function isValidVouchSource(source: unknown): source is string {
  return typeof source === 'string' && source.length <= MAX_VOUCH_SOURCE_LENGTH && SOURCE_PATTERN.test(source);
}

/**
 * Derives the 32-byte vouch key from the relay token the server registers with, so that the relay
 * (which knows the token from its `tokens` configuration) and the server or mailbox monitor (which
 * knows its own token) agree on it without another secret. The token never leaves this function.
 *
 * @throws ActivationError `INVALID_ARGUMENT` when `token` is not a non-empty string.
 */
export function deriveVouchKey(token: string): Uint8Array {
  if (typeof token !== 'string' || token.length === 0) throw invalid('relay token must be a non-empty string', 'token');
  return hkdf(sha256, utf8ToBytes(token), new Uint8Array(0), utf8ToBytes(RELAY_VOUCH_INFO), RELAY_VOUCH_LENGTH);
}

function checkKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < MIN_KEY_LENGTH) {
    throw invalid(`vouch key must be a Uint8Array of at least ${MIN_KEY_LENGTH} bytes`, 'key');
  }
}

/**
 * The vouch MAC over `frame` as received from `source`: `HMAC-SHA-256(key, LV(source) || frame)`.
 *
 * @throws ActivationError `INVALID_ARGUMENT` for a short key, a non-byte frame or a source label
 *   that is empty, longer than {@link MAX_VOUCH_SOURCE_LENGTH} or not printable ASCII.
 */
export function vouchMac(key: Uint8Array, frame: Uint8Array, source: string): Uint8Array {
  checkKey(key);
  if (!(frame instanceof Uint8Array)) throw invalid('frame must be a Uint8Array', 'frame');
  if (!isValidVouchSource(source)) throw invalid('source must be 1..128 printable ASCII characters', 'source');
  const label = utf8ToBytes(source);
  return hmac(sha256, key, concatBytes(u32be(label.length), label, frame));
}

/**
 * Checks a vouch in constant time. `mac` may be the raw 32 bytes or their base64url text as it
 * came in a header. Never throws on hostile input: a malformed MAC, a bad source label or a
 * wrong type is simply "not vouched" (`false`). A bad *key* is the caller's error and throws.
 */
export function checkVouch(key: Uint8Array, frame: Uint8Array, source: unknown, mac: unknown): boolean {
  checkKey(key);
  if (!(frame instanceof Uint8Array) || !isValidVouchSource(source)) return false;
  let given: Uint8Array | undefined;
  if (mac instanceof Uint8Array) given = mac;
  else if (typeof mac === 'string') given = decodeVouch(mac);
  if (given === undefined || given.length !== RELAY_VOUCH_LENGTH) return false;
  return constantTimeEqual(vouchMac(key, frame, source), given);
}

/** Unpadded base64url of a MAC, for a header value. */
export function encodeVouch(mac: Uint8Array): string {
  return toBase64Url(mac);
}

/**
 * Decodes a vouch's unpadded base64url. Returns `undefined` (never throws) for anything that is
 * not canonical base64url of at most 64 characters, so a hostile header costs nothing.
 */
export function decodeVouch(text: string): Uint8Array | undefined {
  return fromBase64Url(text, 64);
}
