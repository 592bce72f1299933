/**
 * CBOR encoding for every message on the wire, with cbor-x set up for a stable, deterministic
 * output (plain maps as objects in insertion order, byte strings untagged, no shared records)
 * and a strict decoder: size-limited, no trailing bytes, valid UTF-8, no duplicate or non-text map
 * keys (checked on the raw bytes first, see cbor-wellformed.ts), every failure an ActivationError.
 *
 * No native code parses peer input (issue 8, finding 20). cbor-x's Node entries (the package
 * root, and in CommonJS also `cbor-x/decode` and `cbor-x/encode`, which map to `dist/node.cjs`)
 * load the optional `cbor-extract` addon and hand it every string; only the environment variable
 * `CBOR_NATIVE_ACCELERATION_DISABLED` turns that off, and a library must not depend on the
 * environment. The `cbor-x/index-no-eval` entry (in cbor-x's `exports` map: the full Encoder and
 * Decoder, built without the addon and without `new Function`) never loads it, in ESM and
 * CommonJS, in Node and in browsers. It is a separate bundle with its own state, so an
 * application that imports `cbor-x` itself (and so switches the addon on for that copy) does not
 * switch it on for ours. test/wire/cbor-strictness.test.ts spies on the addon to check this.
 */
import { Decoder, Encoder } from 'cbor-x/index-no-eval';
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import { checkCborStrict } from './cbor-wellformed.js';

const options = {
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
  // Each byte string decoded is a copy of its own, never a view of the caller's input: normalize
  // hands these out as they are (test/wire/cbor-codec.test.ts, "the value handed out").
  copyBuffers: true,
  useFloat32: 0,
  pack: false,
  bundleStrings: false,
  structuredClone: false,
  // A JavaScript Map is written as a plain CBOR map (used where key order must be exactly as given).
  useTag259ForMaps: false,
} as const;

const encoder = /* @__PURE__ */ new Encoder(options);
const decoder = /* @__PURE__ */ new Decoder(options);

/** Largest frame the library accepts, whatever the message type (1 MiB). */
// A literal, not `1 << 20`: bundlers count an operator in a module-level schema as a possible side
// effect and then keep every schema that mentions it.
export const MAX_FRAME_BYTES = 1_048_576;

/**
 * cbor-x's `RESET_BUFFER_MODE` flag for `encode` (1024 in cbor-x 1.6; a literal because
 * `index-no-eval`'s typings do not declare the constant): after the encoding, the encoder's write
 * position goes back to where the encoding started, so the next encoding writes over it.
 */
const RESET_BUFFER_MODE = 1024;

/** Encodes a value (objects, arrays, strings, numbers, booleans, Uint8Array). */
export function encodeCbor(value: unknown): Uint8Array {
  // Reset mode, because the bytes are copied out at once: without it every encoding moves cbor-x's
  // write position on, and it allocates a fresh 8 KiB buffer whenever fewer than 2 KiB are left
  // (several per activation, issue 14). The copy is the one an encoding needs, kept on purpose:
  // many encodings are kept (the reply to repeat, a page's records), and a view would pin the
  // shared buffer; the copy is a plain Uint8Array of exactly its bytes. Views made by
  // encodeCborView stay intact: they lie before the position this encoding starts at.
  const out = (encoder.encode as (value: unknown, mode: number) => Uint8Array)(value, RESET_BUFFER_MODE);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}

/**
 * {@link encodeCbor} without its copy: a plain Uint8Array viewing the encoder's shared buffer.
 * cbor-x never writes over an encoding it has returned without reset mode (the next one, with
 * or without it, starts after it, or in a new buffer), so the bytes stay as they are; but the
 * view keeps that whole buffer alive, and its
 * `buffer` holds the other encodings made there. So only for bytes read at once and dropped
 * inside the library (associated data, a body about to be framed, a record's encoding about to
 * be copied into its page), never for bytes kept or handed to a caller (issue 14: the copy was
 * a third of a small encoding's cost).
 */
export function encodeCborView(value: unknown): Uint8Array {
  const out = encoder.encode(value);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * {@link encodeCbor} without its copy and in reset mode: a view of the encoder's shared buffer that
 * the very next encoding (anywhere in the library) writes over. Valid only until then: for bytes
 * consumed at once, with no encoding in between (the frame checksum hashes the associated data
 * before it hashes the body). Unlike {@link encodeCborView} it never moves the write position on,
 * so it never makes cbor-x allocate a new buffer.
 */
export function encodeCborScratch(value: unknown): Uint8Array {
  const out = (encoder.encode as (value: unknown, mode: number) => Uint8Array)(value, RESET_BUFFER_MODE);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Decodes one CBOR item from `bytes`, refusing anything over `maxBytes`, trailing data, and any
 * decoder failure (truncation, bad structure, excessive nesting), as ActivationError('MALFORMED').
 */
export function decodeCbor(bytes: Uint8Array, what: string, maxBytes = MAX_FRAME_BYTES): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new ActivationError('MALFORMED', `${what}: expected bytes`, { operation: `decode ${what}` });
  }
  if (bytes.length === 0) {
    throw new ActivationError('MALFORMED', `${what}: empty input`, { operation: `decode ${what}` });
  }
  if (bytes.length > maxBytes) {
    throw new ActivationError('MALFORMED', `${what}: ${bytes.length} bytes exceeds the limit of ${maxBytes}`, {
      operation: `decode ${what}`,
      reason: 'oversized',
      size: bytes.length,
      limit: maxBytes,
    });
  }
  // Strictness first, on the raw bytes: cbor-x substitutes U+FFFD and lets the last duplicate key win.
  const tagged = checkCborStrict(bytes, what, MAX_DEPTH);
  try {
    // A fresh view: cbor-x attaches a property to the array it decodes, and the caller's must stay untouched.
    const value: unknown = decoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // Without a tag the value is the bytes' own shape, its depth bounded by the walk, its byte
    // strings plain copies (`copyBuffers`): the second walk would find nothing (issue 14). A tag
    // can make it deeper, or cyclic: then normalize bounds it.
    return tagged ? normalize(value, 0) : value;
  } catch (err) {
    if (err instanceof ActivationError) throw err;
    // Depth is bounded before cbor-x runs (the walk, then normalize), so a RangeError here is a
    // malformed item (a typed-array tag whose length is not a multiple of its element size), not depth.
    throw new ActivationError('MALFORMED', `${what}: not valid CBOR`, { operation: `decode ${what}`, reason: 'invalid encoding' });
  }
}

const MAX_DEPTH = 32;

/**
 * Turns any Node Buffer into a plain Uint8Array and rejects anything deeper than MAX_DEPTH (a value
 * that contains itself through cbor-x's shared-reference tags is infinitely deep).
 *
 * In place, without copying: the arrays and objects are cbor-x's fresh ones, nobody else's, and
 * each byte string is already a copy of its own (`copyBuffers`: a plain Uint8Array sliced out of
 * the input, which it never shares with the caller's buffer). Only a byte string that is not a
 * plain Uint8Array (a Buffer, should cbor-x ever give one) is copied, into one.
 */
function normalize(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) {
    throw new ActivationError('MALFORMED', 'CBOR nesting too deep', { reason: 'too deeply nested', limit: MAX_DEPTH });
  }
  if (value instanceof Uint8Array) return Object.getPrototypeOf(value) === Uint8Array.prototype ? value : new Uint8Array(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalize(value[i], depth + 1);
    return value;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const map = value as Record<string, unknown>;
    for (const k of Object.keys(map)) map[k] = normalize(map[k], depth + 1);
    return map;
  }
  return value;
}

/**
 * Decodes CBOR and checks it against a valibot schema. Schema failures become
 * ActivationError('MALFORMED') naming the first offending field (never its value). The messages
 * of an activation decode with `decodeGuarded` (decode-guarded.ts), which skips valibot's run for
 * what it would accept unchanged; this one, for what is decoded once, keeps the guard out of a
 * bundle that only decodes an ETP.DAT.
 */
export function decodeWith<TSchema extends v.GenericSchema>(
  schema: TSchema,
  bytes: Uint8Array,
  what: string,
  maxBytes = MAX_FRAME_BYTES,
): v.InferOutput<TSchema> {
  return validate(schema, decodeCbor(bytes, what, maxBytes), what);
}

/** Checks an already-decoded value against a schema (see {@link decodeWith}). */
export function validate<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, what: string): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0]; // a failed parse has at least one issue
  const field = v.getDotPath(issue) ?? '(root)';
  throw new ActivationError('MALFORMED', `${what}: invalid field ${field}`, {
    operation: `decode ${what}`,
    field,
    reason: issue.kind === 'schema' ? `expected ${issue.expected ?? 'other type'}` : issue.type,
  });
}
