/**
 * Comparing two transcripts ({@link diffTranscripts}: the first difference, or none) and showing
 * one as a person reads it ({@link formatTranscript}, what `enterprise-activation transcript show`
 * prints).
 */
import type { Transcript, TranscriptEntry } from './transcript.js';

/** The fields {@link diffTranscripts} compares, in the order it compares them. */
export const COMPARED_FIELDS = ['direction', 'type', 'sid', 'seq', 'pin', 'to', 'size', 'digest'] as const;

/** Where two transcripts first differ. */
export interface TranscriptDifference {
  /** Index of the first entry that differs (0-based). */
  readonly index: number;
  /** The first field that differs, or `'entry'` when one transcript has no entry at `index`. */
  readonly field: (typeof COMPARED_FIELDS)[number] | 't' | 'entry';
  /** The field's value in the first transcript (`undefined`: absent). */
  readonly a: string | number | undefined;
  /** The field's value in the second transcript. */
  readonly b: string | number | undefined;
  /** The first transcript's entry at `index`, if it has one. */
  readonly entryA?: TranscriptEntry;
  /** The second transcript's entry at `index`, if it has one. */
  readonly entryB?: TranscriptEntry;
}

/** Options of {@link diffTranscripts}. */
export interface DiffOptions {
  /**
   * Compare the entries' times too. Default false: two real runs never agree to the millisecond,
   * and what a time changes (a retransmission) shows as a frame of its own. Two runs on one
   * virtual clock, such as {@link recordActivation}'s, may pass true.
   */
  readonly time?: boolean;
}

/** The first field in which two entries differ, or `undefined` (times only with `options.time`). */
export function diffEntries(
  a: TranscriptEntry,
  b: TranscriptEntry,
  options: DiffOptions = {},
): { field: TranscriptDifference['field']; a: string | number | undefined; b: string | number | undefined } | undefined {
  for (const field of COMPARED_FIELDS) {
    if (a[field] !== b[field]) return { field, a: a[field], b: b[field] };
  }
  if (options.time === true && a.t !== b.t) return { field: 't', a: a.t, b: b.t };
  return undefined;
}

/**
 * The first difference between two transcripts, entry by entry: the index, the first field that
 * differs with both values, and both entries; `undefined` when every entry agrees and both have as
 * many. Compared: direction, type, the header (sid, seq, pin, to), size and body digest; the time
 * only with `options.time`; never the metadata (a golden file outlives a version bump) nor the
 * stored bytes (the digest stands for them).
 *
 * @example
 * ```ts
 * expect(diffTranscripts(await recordActivation({ password: 'bb8800pw' }), golden)).toBeUndefined();
 * ```
 */
export function diffTranscripts(a: Transcript, b: Transcript, options: DiffOptions = {}): TranscriptDifference | undefined {
  const length = Math.max(a.entries.length, b.entries.length);
  for (let index = 0; index < length; index++) {
    const entryA = a.entries[index];
    const entryB = b.entries[index];
    if (entryA === undefined || entryB === undefined) {
      return {
        index,
        field: 'entry',
        a: entryA?.type,
        b: entryB?.type,
        ...(entryA === undefined ? {} : { entryA }),
        ...(entryB === undefined ? {} : { entryB }),
      };
    }
    const difference = diffEntries(entryA, entryB, options);
    if (difference !== undefined) return { index, ...difference, entryA, entryB };
  }
  return undefined;
}

const ARROWS = { 'to-server': 'handset → server', 'to-handset': 'server → handset' } as const;

/** One entry as one line: index, time, direction, type, sequence number, size. */
export function formatEntry(entry: TranscriptEntry, index: number): string {
  const seq = entry.seq === undefined ? '' : `seq ${entry.seq}`;
  return [
    String(index).padStart(4),
    `+${entry.t} ms`.padStart(11),
    ARROWS[entry.direction],
    entry.type.padEnd(18),
    seq.padEnd(8),
    `${entry.size} bytes`.padStart(13),
  ].join('  ');
}

/**
 * A transcript as readable text: a header (format, who recorded it, library, start, outcome,
 * recipe or labels), then one line per frame: index, time from the start, direction, message
 * type, sequence number and size. What `enterprise-activation transcript show FILE` prints.
 */
export function formatTranscript(transcript: Transcript): string {
  const { meta, entries } = transcript;
  const head = [
    `${transcript.format} v${transcript.version}: ${entries.length} frame${entries.length === 1 ? '' : 's'}, recorded by ${meta.recordedBy} beside the ${meta.side} (library ${meta.library})`,
    `started ${new Date(meta.startedAt).toISOString()}${meta.outcome === undefined ? '' : `, outcome ${meta.outcome}`}, bodies ${meta.bodies ? 'stored' : 'not stored'}`,
  ];
  if (meta.recipe !== undefined) {
    const r = meta.recipe;
    head.push(`recipe: ${r.email}, PIN ${r.config.pin}, handset seed "${r.handsetSeed}", server seed "${r.serverSeed}"`);
  }
  if (meta.options !== undefined && Object.keys(meta.options).length > 0) {
    head.push(
      `options: ${Object.entries(meta.options)
        .map(([k, value]) => `${k}=${JSON.stringify(value)}`)
        .join(', ')}`,
    );
  }
  const session = entries.find((e) => e.sid !== undefined)?.sid;
  if (session !== undefined) head.push(`session ${session}`);
  return [...head, '', ...entries.map((entry, index) => formatEntry(entry, index))].join('\n');
}

/**
 * A {@link TranscriptDifference} as text: where, which field, and both entries as
 * {@link formatEntry} shows them; `labels` name the two transcripts (default "a" and "b").
 */
export function formatDifference(difference: TranscriptDifference, labels: readonly [string, string] = ['a', 'b']): string {
  const show = (entry: TranscriptEntry | undefined) =>
    entry === undefined ? '(no entry: the transcript ends before)' : formatEntry(entry, difference.index).trimStart();
  const value = (x: string | number | undefined) => (x === undefined ? '(absent)' : String(x));
  const width = Math.max(labels[0].length, labels[1].length);
  return [
    `first difference at entry ${difference.index}, ${difference.field}: ${value(difference.a)} / ${value(difference.b)}`,
    `  ${labels[0].padEnd(width)}  ${show(difference.entryA)}`,
    `  ${labels[1].padEnd(width)}  ${show(difference.entryB)}`,
  ].join('\n');
}
