/**
 * What one activation in a test pair showed: its outcome, the statuses on the screen, the frames
 * that crossed the link (type and time, never a body) and the records synchronized. The matchers
 * read it, and a failing matcher prints it ({@link describeRun}).
 */
import type { ActivationError } from '../errors/activation-error.js';
import type { ActivationResult } from '../handset/io.js';
import type { Status } from '../handset/status.js';
import type { SyncDatabase } from '../sync/databases.js';
import type { MessageType } from '../wire/frame.js';

/** One frame the handset sent or received, as a test sees it: no body, no key. */
export interface SeenFrame {
  /** `to-server`: the handset sent it; `to-handset`: it reached the handset. */
  readonly direction: 'to-server' | 'to-handset';
  /** The frame's message type, or `undecodable` for bytes that are not a frame (a corrupted one). */
  readonly type: MessageType | 'undecodable';
  /** Its per-direction sequence number (absent when undecodable). */
  readonly seq?: number;
  /** Its size in bytes. */
  readonly size: number;
  /** When it passed, in virtual ms from the start of the run. */
  readonly at: number;
}

/**
 * The record of one activation ({@link ActivationPair.activate}): what the matchers of
 * `enterprise-activation/testing/vitest` and `/jest` read. Plain data, secret-free: the result's
 * key id is there, never the key; frames carry their type, never their body.
 */
export interface ActivationRun {
  /** True when the activation completed. */
  readonly ok: boolean;
  /** What `Handset.activate` resolved to, when it completed. */
  readonly result: ActivationResult | undefined;
  /** Why it failed (an ActivationError with a stable `code`), when it did not complete. */
  readonly error: ActivationError | undefined;
  /** Every status the screen showed during the run, in order. */
  readonly statuses: readonly Status[];
  /** Every frame the handset sent or received during the run, in order. */
  readonly frames: readonly SeenFrame[];
  /** Records the handset holds after the run, by database (every database, 0 for an empty one). */
  readonly synced: Readonly<Record<SyncDatabase, number>>;
  /** How long the run took in virtual ms (retransmission timeouts included). */
  readonly elapsedMs: number;
}

/** How many frames {@link describeRun} lists at most: the first and the last of a longer run. */
const MAX_FRAME_LINES = 24;

function frameLine(f: SeenFrame): string {
  const arrow = f.direction === 'to-server' ? 'handset -> server' : 'server -> handset';
  const seq = f.seq === undefined ? '' : ` #${f.seq}`;
  return `  ${`+${f.at} ms`.padStart(11)}  ${arrow}  ${f.type}${seq} (${f.size} bytes)`;
}

/**
 * A few readable lines about a run: its outcome, the statuses shown and the frames seen (the first
 * and last 12 of a run of more than 24), for a matcher's failure message.
 */
export function describeRun(run: ActivationRun): string {
  const outcome = run.ok
    ? `completed (${run.result?.keyAlgorithm ?? 'no key'}) after ${run.elapsedMs} virtual ms`
    : `failed with ${run.error?.code ?? 'no error'}${run.error ? `: ${run.error.message}` : ''} after ${run.elapsedMs} virtual ms`;
  const statuses = run.statuses.length === 0 ? ['  (none)'] : run.statuses.map((s) => `  ${s.id.padEnd(22)} "${s.text}"`);
  let frames = run.frames.map(frameLine);
  if (frames.length > MAX_FRAME_LINES) {
    const half = MAX_FRAME_LINES / 2;
    frames = [...frames.slice(0, half), `  ... ${frames.length - MAX_FRAME_LINES} more ...`, ...frames.slice(-half)];
  }
  const synced = Object.entries(run.synced)
    .filter(([, n]) => n > 0)
    .map(([db, n]) => `${db} ${n}`);
  return [
    `The activation ${outcome}.`,
    'Statuses seen:',
    ...statuses,
    `Frames seen (${run.frames.length}):`,
    ...(frames.length === 0 ? ['  (none)'] : frames),
    `Records synced: ${synced.length === 0 ? 'none' : synced.join(', ')}`,
  ].join('\n');
}
