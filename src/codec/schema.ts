/**
 * Reusable valibot schemas for wire fields. Every object schema is strict: unknown fields are rejected.
 *
 * The helpers are marked `@__NO_SIDE_EFFECTS__` (they only build schema objects, as valibot's own
 * functions, which carry the same mark), so a bundler drops every module-level schema built with
 * them that the importing code never uses.
 */
import * as v from 'valibot';

/** A byte string of exactly `length` bytes, or of `min`..`max` bytes. */
export function bytes(length: number): v.GenericSchema<Uint8Array>;
export function bytes(min: number, max: number): v.GenericSchema<Uint8Array>;
/* @__NO_SIDE_EFFECTS__ */
export function bytes(min: number, max = min): v.GenericSchema<Uint8Array> {
  return v.pipe(
    v.instance(Uint8Array),
    v.check((b) => b.length >= min && b.length <= max, `${min === max ? min : `${min}..${max}`} bytes`),
  );
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether a string has no lone surrogate: `String.prototype.isWellFormed` where the runtime has it
 * (ES2024; a quarter of the regular expression's time), else the expression, made once (a literal
 * in the function would make a new RegExp per call).
 */
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as string & { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/**
 * A text string of at most `max` UTF-16 code units (and at least `min`), well-formed: a lone
 * surrogate has no UTF-8 form, so an encoder would write bytes that every strict decoder (ours
 * included) refuses.
 */
/* @__NO_SIDE_EFFECTS__ */
export function text(max: number, min = 0): v.GenericSchema<string> {
  return v.pipe(v.string(), v.minLength(min), v.maxLength(max), v.check(isWellFormed, 'well-formed text (no lone surrogate)'));
}

/** A non-negative safe integer not above `max`. */
/* @__NO_SIDE_EFFECTS__ */
export function uint(max = Number.MAX_SAFE_INTEGER) {
  return v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));
}

/** An array of at most `max` items. */
/* @__NO_SIDE_EFFECTS__ */
export function list<T extends v.GenericSchema>(item: T, max: number) {
  return v.pipe(v.array(item), v.maxLength(max));
}

/** Device PIN: a 32-bit number written as 8 upper-case hex digits, e.g. `2100000A`. */
export const pin = v.pipe(v.string(), v.regex(/^[0-9A-F]{8}$/));

/** Session id: 16 random bytes chosen by the handset. */
export const sessionId = bytes(16);

/** An identifier that travels in a routing address (`srp:<id>`): 1 to 64 characters, no white space. */
export const routingToken = v.pipe(v.string(), v.regex(/^\S{1,64}$/));

/**
 * The type of a schema that only lets a `T` through: its output is assignable to `T`. A decoder
 * declares its schema as `v.strictObject({ ... }) satisfies SchemaOf<Message>`, so the compiler
 * ties the schema to the message's interface (a field missing, renamed or of another type is a
 * compile error) and the decoder returns what `decodeWith` gives it, with no `as` cast.
 */
export type SchemaOf<T> = v.GenericSchema<unknown, T>;
