/**
 * Argument checking with the wire schemas: the same strict valibot schema that guards decoding
 * also guards encoding, but a defect in what a caller hands in is the caller's mistake, so it is
 * reported as ActivationError('INVALID_ARGUMENT') rather than 'MALFORMED'.
 */
import type * as v from 'valibot';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { validate } from './cbor.js';

/** Validates `value` against `schema`; any defect is ActivationError('INVALID_ARGUMENT') naming the field. */
export function checkArgument<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, what: string): v.InferOutput<TSchema> {
  try {
    return validate(schema, value, what);
  } catch (err) {
    if (isActivationError(err, 'MALFORMED')) {
      throw new ActivationError('INVALID_ARGUMENT', err.message, { ...err.cause, operation: `encode ${what}` });
    }
    throw err;
  }
}
