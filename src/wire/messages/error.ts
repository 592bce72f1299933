/**
 * The `error` message, either direction: a peer stops the activation and says why (docs/protocol.md,
 * "error"). Its body takes one of three forms:
 *
 * - `{ code, rules? }`: in clear. Nobody can authenticate it, so once a session key exists the
 *   receiver ignores it, and before that it is only a hint (the handset keeps waiting and reports
 *   it only if the server never answers);
 * - `{ box }`: the same map sealed with XChaCha20-Poly1305 under the CPace session key of the
 *   sender's direction (k_SH or k_HS), the frame header as associated data;
 * - `{ sealed }`: the same map sealed under the transport key (the message protection of docs/protocol.md), the
 *   frame header as associated data.
 *
 * There is no free text: what a user is shown comes from {@link errorText}, never from the peer.
 * The code travels inside the seal, so that a reason revealed only to a peer that proved the
 * password (PASSWORD_EXPIRED, say) is not revealed to everyone on the path too.
 */
import * as v from 'valibot';
import { ACTIVATION_ERROR_CODES, ActivationError, type ActivationErrorCode } from '../../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../../crypto/provider.js';
import { encodeCbor } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { list, text, type SchemaOf } from '../../codec/schema.js';
import { aeadBoxSchema, aeadBoxToWire, sealedMessageSchema, sealedMessageToWire } from './boxes.js';
import type { TransportKeyRef } from './sealed-body.js';

/** The content of an `error` frame: a code, and for POLICY_REJECTED the rules. No free text, by design. */
export interface ErrorMessage {
  /** What went wrong, as an {@link ActivationErrorCode}. */
  readonly code: ActivationErrorCode;
  /** Names of IT policy rules the device could not apply (POLICY_REJECTED only). */
  readonly rules?: readonly string[];
}

/** A key an error body may be sealed under: a CPace session key (one direction) or the transport key. */
export type ErrorKey = { readonly session: Uint8Array } | { readonly transport: TransportKeyRef };

const plainSchema = v.strictObject({
  code: v.picklist(ACTIVATION_ERROR_CODES),
  rules: v.optional(list(text(128), 64)),
}) satisfies SchemaOf<ErrorMessage>;

const bodySchema = v.union([plainSchema, v.strictObject({ box: aeadBoxSchema }), v.strictObject({ sealed: sealedMessageSchema })]);

const MAX_BODY = 16_384;

/** The error body in clear (a hint: see the module comment). */
export function encodeErrorMessage(m: ErrorMessage): Uint8Array {
  return encodeCbor(m.rules === undefined ? { code: m.code } : { code: m.code, rules: [...m.rules] });
}

/** Decodes an error body in clear; a sealed one (or anything else) is MALFORMED here, see {@link openErrorBody}. */
export function decodeErrorMessage(body: Uint8Array): ErrorMessage {
  return decodeGuarded(plainSchema, body, 'error', MAX_BODY);
}

/**
 * The error body for a frame whose header encodes to `ad`: sealed under `key` when the sender has
 * one (it always should once a session key exists), in clear otherwise.
 */
export function sealErrorBody(
  provider: CryptoProvider,
  random: RandomSource,
  m: ErrorMessage,
  ad: Uint8Array,
  key: ErrorKey | undefined,
): Uint8Array {
  const plain = encodeErrorMessage(m);
  if (key === undefined) return plain;
  if ('session' in key) {
    const nonce = random(24);
    return encodeCbor({ box: aeadBoxToWire({ nonce, ciphertext: provider.aeadSeal(key.session, nonce, plain, ad) }) });
  }
  return encodeCbor({ sealed: sealedMessageToWire(provider.sealMessage(key.transport.algorithm, key.transport.key, plain, ad, random)) });
}

/**
 * Opens an error body with the keys the receiver holds now. Returns the message and whether it
 * was authenticated (sealed under one of `keys`), or `undefined` when it is sealed but under none
 * of them. A body that does not decode is ActivationError('MALFORMED').
 */
export function openErrorBody(
  provider: CryptoProvider,
  body: Uint8Array,
  ad: Uint8Array,
  keys: readonly ErrorKey[],
): { readonly message: ErrorMessage; readonly authenticated: boolean } | undefined {
  const decoded = decodeGuarded(bodySchema, body, 'error', MAX_BODY);
  if ('code' in decoded) return { message: decoded, authenticated: false };
  for (const key of keys) {
    let plain: Uint8Array | undefined;
    if ('box' in decoded && 'session' in key) {
      plain = provider.aeadOpen(key.session, decoded.box.nonce, decoded.box.ciphertext, ad);
    } else if ('sealed' in decoded && 'transport' in key && decoded.sealed.algorithm === key.transport.algorithm) {
      try {
        plain = provider.openMessage(key.transport.key, decoded.sealed, ad);
      } catch (err) {
        if (!(err instanceof ActivationError)) throw err;
      }
    }
    if (plain !== undefined) return { message: decodeErrorMessage(plain), authenticated: true };
  }
  return undefined;
}

/**
 * The text for an error a peer reported: ours, one per code, never the peer's. (The screen text
 * is the handset's status table, src/handset/status.ts.)
 */
const ERROR_TEXT: Readonly<Record<string, string>> = {
  WRONG_PASSWORD: 'the activation password is incorrect',
  PASSWORD_EXPIRED: 'the activation password has expired',
  LOCKED_OUT: 'too many failed attempts: the activation password is no longer valid',
  NO_ACTIVATION_PASSWORD: 'no activation password is available for this account',
  UNKNOWN_USER: 'the email address is not known to the server',
  TIMEOUT: 'the peer timed out',
  PROTOCOL_ERROR: 'the peer reported a protocol error',
  UNSUPPORTED: 'the peer does not support this device or protocol',
  MALFORMED: 'the peer could not decode a message',
  DECRYPT_FAILED: 'the peer could not decrypt a message',
  BAD_SIGNATURE: 'a signature did not verify',
  POLICY_REJECTED: 'the IT policy could not be applied',
  ABORTED: 'the peer cancelled the activation',
  TRANSPORT_ERROR: 'the peer reported a transport failure',
  INVALID_ARGUMENT: 'the peer reported an invalid argument',
  INVALID_STATE: 'the peer reported an invalid state',
  DEACTIVATED: 'the server deactivated this device',
  POLICY_KEY_MISMATCH: 'the IT policy is signed by a key the device is not bound to',
};

/** The text shown for an error code a peer reported: always from our table, never from the peer. */
export function errorText(code: ActivationErrorCode): string {
  return ERROR_TEXT[code] ?? `the peer reported ${code}`;
}
