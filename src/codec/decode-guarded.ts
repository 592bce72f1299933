/**
 * Decoding for the messages an activation exchanges many times (frames, sealed messages, sync
 * pages and their organizer records): the schema's guard first (schema-guard.ts), and valibot's
 * run only for what the guard cannot vouch for, so that a refusal keeps its error and field.
 * Issue 14: valibot builds a dataset object per field and an output object per object; a default
 * activation decodes some 160 values, 102 of them organizer records.
 */
import type * as v from 'valibot';
import { decodeCbor, validate, MAX_FRAME_BYTES } from './cbor.js';
import { passesGuard } from './schema-guard.js';

/**
 * As `decodeWith`: decodes CBOR and checks it against `schema`, any defect
 * ActivationError('MALFORMED') naming the first offending field. A value the schema's guard passes
 * is returned itself (its fields in the order they came; valibot's copy has the schema's order,
 * which is why encoders keep `validate`).
 */
export function decodeGuarded<TSchema extends v.GenericSchema>(
  schema: TSchema,
  bytes: Uint8Array,
  what: string,
  maxBytes = MAX_FRAME_BYTES,
): v.InferOutput<TSchema> {
  return validateDecoded(schema, decodeCbor(bytes, what, maxBytes), what);
}

/** As `validate`, for a value just decoded, which nobody else holds: the guard first. */
export function validateDecoded<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, what: string): v.InferOutput<TSchema> {
  return passesGuard(schema, value) ? (value as v.InferOutput<TSchema>) : validate(schema, value, what);
}
