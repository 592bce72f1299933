/**
 * The transcript: what crossed the link in one activation, as plain JSON-able data. One entry per
 * frame with its direction, time, decoded header and message type, its size and a digest of its
 * body; the frame's bytes only when the recording asked for them (docs/transcripts.md, "Bodies").
 * Never a password or a key: the metadata holds what makes a run reproducible (seed names, the
 * device, the account's address), and a frame's body is ciphertext under session keys.
 *
 * The format is ours. Browser-safe: no Node API here (the CLI reads and writes the files).
 */
import * as v from 'valibot';
import { sha256 } from '@noble/hashes/sha2.js';
import { ActivationError } from '../errors/activation-error.js';
import { bytesToHex } from '../util/bytes.js';
import { fromBase64Url, toBase64Url } from '../util/base64url.js';
import { MAX_FRAME_BYTES } from '../codec/cbor.js';
import { validate } from '../codec/cbor.js';
import { decodeFrame, MAX_SEQUENCE, MESSAGE_TYPES, type MessageType } from '../wire/frame.js';

/** The value of {@link Transcript.format}: what a file must say to be read as a transcript. */
export const TRANSCRIPT_FORMAT = 'enterprise-activation/transcript';
/** The version of the transcript format this library writes and reads. */
export const TRANSCRIPT_VERSION = 1;
/** Most entries one transcript may hold (a default activation has about 30). */
export const MAX_TRANSCRIPT_ENTRIES = 100_000;

/**
 * The package's version, written into every transcript's metadata (`library`). A constant rather
 * than package.json read at run time, because this module runs in browsers too;
 * test/transcript/transcript.test.ts holds it equal to package.json.
 */
export const LIBRARY_VERSION = '0.1.0';

/** Which way a frame went: from the handset to the server, or from the server to the handset. */
export type TranscriptDirection = 'to-server' | 'to-handset';

/** One frame of a {@link Transcript}. Fields in this order in the JSON. */
export interface TranscriptEntry {
  /** When the frame was sent or received, in ms from the recording's start (`meta.startedAt`), by the recording's clock. */
  readonly t: number;
  /** Which way it went. */
  readonly direction: TranscriptDirection;
  /** The frame's message type, or `'undecodable'` for bytes that are no valid frame (then no header fields). */
  readonly type: MessageType | 'undecodable';
  /** Session id (the ETP.DAT's nonce), hex. */
  readonly sid?: string;
  /** Sequence number in its direction. */
  readonly seq?: number;
  /** The handset's PIN. */
  readonly pin?: string;
  /** Where the relay delivers it (`mailto:`, `srp:` or `pin:`). */
  readonly to?: string;
  /** The frame's size in bytes, as it travelled. */
  readonly size: number;
  /**
   * SHA-256 of the frame's body (of all its bytes when it is undecodable), first 16 bytes in hex:
   * two recordings of the same run have the same digests, and a body that changed shows here
   * without the body being stored.
   */
  readonly digest: string;
  /** The whole frame, base64url (unpadded): only in a transcript recorded with `includeBodies`. */
  readonly frame?: string;
}

/**
 * What makes a seeded in-memory activation reproducible ({@link recordActivation}): everything
 * but the activation password, which a replay is given again by its caller.
 */
export interface ActivationRecipe {
  /** The account's email address. */
  readonly email: string;
  /** The account's display name. */
  readonly displayName: string;
  /** Seed of the handset's random source (`seededRandom`). */
  readonly handsetSeed: string;
  /** Seed of the simulator's random source and domain key. */
  readonly serverSeed: string;
  /** The handset's configuration: PIN, routing, device (no secret in it). */
  readonly config: {
    readonly pin: string;
    readonly routing: { readonly relay: string; readonly uid: string; readonly srp?: string };
    readonly device: { readonly model: string; readonly os: string };
  };
}

/** Who recorded a {@link Transcript}, how, and what it takes to run it again. */
export interface TranscriptMeta {
  /** The library's version that recorded it ({@link LIBRARY_VERSION}). */
  readonly library: string;
  /** What recorded it: `recordActivation`, `recordTranscript`, or the recorder's own label. */
  readonly recordedBy: string;
  /** The recording clock when it started, ms since the epoch. */
  readonly startedAt: number;
  /** Where it was recorded: beside the handset (its transport) or beside the server. */
  readonly side: 'handset' | 'server';
  /** Whether the entries carry the frames' bytes (`frame`). */
  readonly bodies: boolean;
  /** How the activation ended, when the recorder knows: `complete` or an {@link ActivationError} code. */
  readonly outcome?: string;
  /** True when the recorder stopped at {@link MAX_TRANSCRIPT_ENTRIES}: later frames are not in it. */
  readonly truncated?: boolean;
  /** For {@link recordActivation}: what reproduces the run (never the password). */
  readonly recipe?: ActivationRecipe;
  /** Free-form labels of the recording, such as the seed names a harness used (never a password or key: names that look like one are refused). */
  readonly options?: Readonly<Record<string, string | number | boolean>>;
}

/** A recorded activation: the format's id and version, metadata, and one entry per frame in order. */
export interface Transcript {
  /** Always {@link TRANSCRIPT_FORMAT}. */
  readonly format: typeof TRANSCRIPT_FORMAT;
  /** Always {@link TRANSCRIPT_VERSION}. */
  readonly version: typeof TRANSCRIPT_VERSION;
  /** Who recorded it, how, and what reproduces it. */
  readonly meta: TranscriptMeta;
  /** The frames, in the order the recorder saw them. */
  readonly entries: readonly TranscriptEntry[];
}

/** Option and label names that smell of a secret: refused in {@link TranscriptMeta.options}. */
const SECRET_NAME = /pass|secret|key|token|credential/i;

/**
 * Checks labels for a transcript's metadata: plain values, and no name that looks like a secret's
 * (a transcript is meant to be attached to a bug report). INVALID_ARGUMENT otherwise.
 */
export function checkTranscriptOptions(options: Readonly<Record<string, unknown>>): Readonly<Record<string, string | number | boolean>> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(options)) {
    if (SECRET_NAME.test(name)) {
      throw new ActivationError('INVALID_ARGUMENT', `transcript option "${name}" looks like a secret, and transcripts never hold one`, {
        operation: 'record transcript',
        field: name,
      });
    }
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new ActivationError('INVALID_ARGUMENT', `transcript option "${name}" must be a string, a finite number or a boolean`, {
        operation: 'record transcript',
        field: name,
      });
    }
    out[name] = value;
  }
  return out;
}

/** The digest of {@link TranscriptEntry.digest}. */
function digestOf(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes).subarray(0, 16));
}

/**
 * The entry for one frame: its header decoded (a copy of the bytes is decoded, so the caller's
 * buffer is untouched), or `'undecodable'` with only size and digest. @internal
 */
export function describeFrame(
  bytes: Uint8Array,
  where: { readonly t: number; readonly direction: TranscriptDirection; readonly includeBody: boolean },
): TranscriptEntry {
  const tail = where.includeBody ? { frame: toBase64Url(bytes) } : {};
  let header;
  try {
    header = decodeFrame(bytes.slice());
  } catch {
    return { t: where.t, direction: where.direction, type: 'undecodable', size: bytes.length, digest: digestOf(bytes), ...tail };
  }
  return {
    t: where.t,
    direction: where.direction,
    type: header.type,
    sid: bytesToHex(header.sid),
    seq: header.seq,
    pin: header.pin,
    to: header.to,
    size: bytes.length,
    digest: digestOf(header.body),
    ...tail,
  };
}

/** The bytes of an entry's frame, or `undefined` when the transcript was recorded without bodies. */
export function entryFrame(entry: TranscriptEntry): Uint8Array | undefined {
  if (entry.frame === undefined) return undefined;
  const bytes = fromBase64Url(entry.frame, Math.ceil((MAX_FRAME_BYTES * 4) / 3) + 4);
  if (bytes === undefined) {
    throw new ActivationError('MALFORMED', "transcript: an entry's frame is not base64url", { operation: 'read transcript' });
  }
  return bytes;
}

const hex = (bytes: number) => v.pipe(v.string(), v.regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`)));
const shortText = v.pipe(v.string(), v.maxLength(320));
const time = v.pipe(v.number(), v.finite());

const entrySchema = v.strictObject({
  t: time,
  direction: v.picklist(['to-server', 'to-handset']),
  type: v.picklist([...MESSAGE_TYPES, 'undecodable']),
  sid: v.optional(hex(16)),
  seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_SEQUENCE))),
  pin: v.optional(v.pipe(v.string(), v.regex(/^[0-9A-F]{8}$/))),
  to: v.optional(shortText),
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_FRAME_BYTES * 2)),
  digest: hex(16),
  frame: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]*$/))),
});

const recipeSchema = v.strictObject({
  email: shortText,
  displayName: shortText,
  handsetSeed: shortText,
  serverSeed: shortText,
  config: v.strictObject({
    pin: v.string(),
    routing: v.strictObject({ relay: shortText, uid: shortText, srp: v.optional(shortText) }),
    device: v.strictObject({ model: shortText, os: shortText }),
  }),
});

const transcriptSchema = v.strictObject({
  format: v.literal(TRANSCRIPT_FORMAT),
  version: v.literal(TRANSCRIPT_VERSION),
  meta: v.strictObject({
    library: shortText,
    recordedBy: shortText,
    startedAt: time,
    side: v.picklist(['handset', 'server']),
    bodies: v.boolean(),
    outcome: v.optional(shortText),
    truncated: v.optional(v.literal(true)),
    recipe: v.optional(recipeSchema),
    options: v.optional(v.record(shortText, v.union([shortText, time, v.boolean()]))),
  }),
  entries: v.pipe(v.array(entrySchema), v.maxLength(MAX_TRANSCRIPT_ENTRIES)),
});

/**
 * Reads a transcript from its JSON text (or from the value `JSON.parse` made of it): the format
 * id and version, then every field. Anything else is {@link ActivationError} `MALFORMED` naming
 * the first offending field; a transcript of another format version is `UNSUPPORTED`.
 */
export function parseTranscript(input: string | unknown): Transcript {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new ActivationError('MALFORMED', 'transcript: not JSON', { operation: 'read transcript' });
    }
  }
  const record = value as { format?: unknown; version?: unknown } | null;
  if (typeof record === 'object' && record !== null && record.format === TRANSCRIPT_FORMAT && record.version !== TRANSCRIPT_VERSION) {
    throw new ActivationError(
      'UNSUPPORTED',
      `transcript: format version ${String(record.version)}; this library reads version ${TRANSCRIPT_VERSION}`,
      {
        operation: 'read transcript',
      },
    );
  }
  const parsed = validate(transcriptSchema, value, 'transcript');
  for (const entry of parsed.entries) {
    if (entry.frame !== undefined && !parsed.meta.bodies) {
      throw new ActivationError('MALFORMED', 'transcript: an entry carries a frame, but meta.bodies is false', {
        operation: 'read transcript',
      });
    }
  }
  // valibot builds new objects in the schema's key order, which is the order this library writes.
  return parsed as Transcript;
}

/**
 * The transcript as JSON text: two-space indentation, keys in a fixed order, a final newline. What
 * `transcript show` and {@link parseTranscript} read, and what a golden file holds.
 */
export function serializeTranscript(transcript: Transcript): string {
  return `${JSON.stringify(transcript, null, 2)}\n`;
}
