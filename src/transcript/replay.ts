/**
 * Replaying a transcript: the frames one side received are fed to a fresh copy of that side, what
 * it sends is compared with what the recording says it sent, and the first divergence is reported.
 * The copy must be built as the recorded side was (the same seeded randomness and clock, the same
 * account and password), or it diverges at its first frame: a frame's body is sealed with fresh
 * random bytes, so only a seeded side sends the same bytes twice (docs/transcripts.md, "Replay").
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { Handset, type TimerApi } from '../handset/handset.js';
import type { FrameHandler, Transport } from '../transport/transport.js';
import { diffEntries, diffTranscripts, type TranscriptDifference } from './compare.js';
import { checkPassword, recipeServer } from './record-activation.js';
import { describeFrame, entryFrame, type Transcript, type TranscriptDirection, type TranscriptEntry } from './transcript.js';

/**
 * The side a replay runs: told of each recorded frame it received, asked for what it has sent
 * since. {@link handsetReplayTarget} and {@link serverReplayTarget} make one; an emulator can
 * write its own (a real handset behind a test transport, say).
 */
export interface ReplayTarget {
  /** Which side it is: a handset sends `to-server` frames, a server `to-handset`. */
  readonly side: 'handset' | 'server';
  /** Starts it at `at` (ms since the epoch, the recording's start): a handset begins its activation here. */
  start(at: number): void | Promise<void>;
  /** Delivers one recorded frame at `at` (the recording's start plus the entry's time). */
  deliver(bytes: Uint8Array, at: number): void | Promise<void>;
  /** The frames it has sent since the last call, in order, once it has finished with what it was given. */
  drain(): Uint8Array[] | Promise<Uint8Array[]>;
  /** Stops it. */
  close(): void | Promise<void>;
  /** How its activation ended, if it knows by now (`complete` or an error code): the replay's `meta.outcome`. */
  outcome?(): string | undefined;
}

/** What a replay found: the transcript of the replayed run and its first difference from the recording. */
export interface ReplayResult {
  /**
   * The replayed run, entry by entry: the frames fed to the side as recorded, and what the side
   * sent in their place (with the recorded times: a replay has no clock of its own). It ends at
   * the first divergence, or holds the extra frames the side sent after the recording ends.
   */
  readonly transcript: Transcript;
  /** The first difference between the recording and the replay, or `undefined`: the side did exactly what was recorded. */
  readonly difference: TranscriptDifference | undefined;
}

/** Yields to the event loop twice, so that everything a frame set in motion in memory has run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Replays `transcript` against `target`: walks the entries in order, delivers each frame the
 * target's side received (the transcript needs its bodies: `includeBodies`), and compares each frame the
 * side sent with the next one the target sends, by type, header, size and body digest. Stops at
 * the first divergence; afterwards, frames the target sent beyond the recording are a divergence too.
 * Timers do not fire during a replay (a recorded retransmission shows as a missing frame).
 */
export async function replayWith(transcript: Transcript, target: ReplayTarget): Promise<ReplayResult> {
  const outbound: TranscriptDirection = target.side === 'handset' ? 'to-server' : 'to-handset';
  const start = transcript.meta.startedAt;
  const replayed: TranscriptEntry[] = [];
  const pending: Uint8Array[] = [];
  const includeBody = transcript.meta.bodies;
  let diverged = false;
  let outcome: string | undefined;
  try {
    await target.start(start);
    for (const entry of transcript.entries) {
      if (entry.direction !== outbound) {
        const bytes = entryFrame(entry);
        if (bytes === undefined) {
          throw new ActivationError('INVALID_ARGUMENT', 'the transcript holds no frames to replay: record it with includeBodies', {
            operation: 'replay transcript',
          });
        }
        replayed.push(entry);
        await target.deliver(bytes, start + entry.t);
        continue;
      }
      pending.push(...(await target.drain()));
      const bytes = pending.shift();
      if (bytes === undefined) {
        diverged = true; // the side sent nothing where the recording has a frame
        break;
      }
      const actual = describeFrame(bytes, { t: entry.t, direction: outbound, includeBody });
      replayed.push(actual);
      if (diffEntries(entry, actual) !== undefined) {
        diverged = true;
        break;
      }
    }
    if (!diverged) {
      pending.push(...(await target.drain()));
      const t = transcript.entries.at(-1)?.t ?? 0;
      for (const bytes of pending) replayed.push(describeFrame(bytes, { t, direction: outbound, includeBody }));
    }
  } finally {
    // Before close: closing a handset that is still waiting fails its activation, which is no outcome of the run.
    outcome = target.outcome?.();
    await target.close();
  }
  // The recording's metadata, with the replayed side's outcome (if it knows one) for the recorded one.
  const { outcome: _recorded, truncated: _cut, ...meta } = transcript.meta;
  const replay: Transcript = {
    format: transcript.format,
    version: transcript.version,
    meta: { ...meta, recordedBy: 'replay', ...(outcome === undefined ? {} : { outcome }) },
    entries: replayed,
  };
  return { transcript: replay, difference: diffTranscripts(transcript, replay) };
}

/** Timers that never fire: a replay is driven by the recorded frames alone. */
const NO_TIMERS: TimerApi = { setTimeout: () => undefined, clearTimeout: () => undefined };

/** What {@link handsetReplayTarget} needs: the recipe's parts that make the handset, and the password it types. */
export interface HandsetReplayOptions {
  /** The transcript's recipe (`meta.recipe`): device, seed, email. */
  readonly recipe: NonNullable<Transcript['meta']['recipe']>;
  /** The activation password the recorded handset typed. */
  readonly password: string;
}

/**
 * A fresh {@link Handset} as {@link recordActivation} built it (same seed, device and clock), on a
 * transport that hands it the recorded frames and keeps what it sends. Its timers never fire.
 */
export function handsetReplayTarget(options: HandsetReplayOptions): ReplayTarget {
  const password = checkPassword(options.password);
  const { recipe } = options;
  const sent: Uint8Array[] = [];
  const handlers = new Set<FrameHandler>();
  let clock = 0;
  let outcome: string | undefined;
  const transport: Transport = {
    async send(frame) {
      sent.push(frame.slice());
    },
    onFrame(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
    },
  };
  const handset = new Handset({
    config: recipe.config,
    transport,
    random: seededRandom(`handset:${recipe.handsetSeed}`),
    now: () => clock,
    timers: NO_TIMERS,
  });
  return {
    side: 'handset',
    start(at) {
      clock = at;
      // A failure is what a replay may well reproduce: kept as the outcome, never thrown.
      handset.activate({ email: recipe.email, password }).then(
        () => (outcome = 'complete'),
        (err: unknown) => (outcome = isActivationError(err) ? err.code : 'error'),
      );
    },
    async deliver(bytes, at) {
      clock = at;
      for (const handler of [...handlers]) handler(bytes.slice());
      await settle();
    },
    async drain() {
      await settle();
      return sent.splice(0);
    },
    async close() {
      await handset.close();
    },
    outcome: () => outcome,
  };
}

/** What {@link serverReplayTarget} drives: a `BesSimulator`, or anything with its sans-I/O entry. */
export interface ReplayServer {
  /** Takes one frame; returns the frames sent in answer. */
  receive(bytes: Uint8Array): Uint8Array[];
  /** Stops its timers and detaches it. */
  close(): void;
}

/**
 * A `BesSimulator` driven through its sans-I/O entry `receive(bytes)`: each recorded frame
 * is delivered at its recorded time (`now()` must read the clock this target sets: pass a server
 * made with `now: () => clock.now` and its `clock`), and its answers are what it sent.
 */
export function serverReplayTarget(server: ReplayServer, clock: { now: number }): ReplayTarget {
  const sent: Uint8Array[] = [];
  return {
    side: 'server',
    start(at) {
      clock.now = at;
    },
    deliver(bytes, at) {
      clock.now = at;
      sent.push(...server.receive(bytes.slice()));
    },
    drain() {
      return sent.splice(0);
    },
    close() {
      server.close();
    },
  };
}

/** Options of {@link replayTranscript}. */
export interface ReplayOptions {
  /** The activation password of the recorded run: never in a transcript, so the caller gives it again. */
  readonly password: string;
  /** Which side to run fresh: the handset, fed the recorded server frames (default), or the server, fed the handset's. */
  readonly against?: 'handset' | 'server';
}

/**
 * Replays a transcript that {@link recordActivation} made with `includeBodies`: builds the side
 * named by `against` from the transcript's recipe (its seed, device, account) and the password
 * given here, feeds it the frames the other side sent, and reports the first divergence between
 * what it sends and what the recording says it sent. A transcript without a recipe (recorded by
 * {@link recordTranscript}) is replayed with {@link replayWith} and a target the caller builds.
 *
 * @example
 * ```ts
 * const { difference } = await replayTranscript(recorded, { password: 'bb8800pw', against: 'server' });
 * if (difference) console.log(formatDifference(difference, ['recorded', 'replayed']));
 * ```
 */
export async function replayTranscript(transcript: Transcript, options: ReplayOptions): Promise<ReplayResult> {
  const password = checkPassword(options?.password);
  const { recipe } = transcript.meta;
  if (recipe === undefined) {
    throw new ActivationError(
      'INVALID_ARGUMENT',
      'the transcript has no recipe (meta.recipe): build the side yourself and use replayWith',
      {
        operation: 'replay transcript',
      },
    );
  }
  if (options.against === 'server') {
    const clock = { now: transcript.meta.startedAt };
    return replayWith(
      transcript,
      serverReplayTarget(
        recipeServer(recipe, password, () => clock.now),
        clock,
      ),
    );
  }
  return replayWith(transcript, handsetReplayTarget({ recipe, password }));
}
