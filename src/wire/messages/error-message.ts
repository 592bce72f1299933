/**
 * The `error` message, either direction: a peer stops the activation and says why. Before a
 * session key exists it is necessarily unauthenticated (a forged one can only stop an
 * activation, which anyone on the path can do anyway by dropping frames).
 */
import * as v from 'valibot';
import { ACTIVATION_ERROR_CODES, type ActivationErrorCode } from '../../errors/activation-error.js';
import { decodeWith, encodeCbor } from '../cbor.js';
import { list, text } from '../schema.js';

export interface ErrorMessage {
  readonly code: ActivationErrorCode;
  readonly message: string;
  /** Names of IT policy rules the device could not apply (POLICY_REJECTED only). */
  readonly rules?: readonly string[];
}

const schema = v.strictObject({
  code: v.picklist(ACTIVATION_ERROR_CODES as ActivationErrorCode[]),
  message: text(512),
  rules: v.optional(list(text(128), 64)),
});

export function encodeErrorMessage(m: ErrorMessage): Uint8Array {
  return encodeCbor(m.rules === undefined ? { code: m.code, message: m.message } : { code: m.code, message: m.message, rules: [...m.rules] });
}

export function decodeErrorMessage(body: Uint8Array): ErrorMessage {
  return decodeWith(schema, body, 'error', 8192) as ErrorMessage;
}
