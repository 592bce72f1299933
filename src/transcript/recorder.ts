/**
 * Recording a transcript: a {@link TranscriptRecorder} that is told of each frame (for harnesses
 * that move frames themselves, such as a sans-I/O test rig), and {@link recordTranscript}, which
 * wraps any {@link Transport} and records what passes through it.
 */
import type { FrameHandler, Transport } from '../transport/transport.js';
import {
  LIBRARY_VERSION,
  MAX_TRANSCRIPT_ENTRIES,
  TRANSCRIPT_FORMAT,
  TRANSCRIPT_VERSION,
  checkTranscriptOptions,
  describeFrame,
  type ActivationRecipe,
  type Transcript,
  type TranscriptDirection,
  type TranscriptEntry,
} from './transcript.js';

/** Options of a {@link TranscriptRecorder} and of {@link recordTranscript}. All optional. */
export interface TranscriptRecorderOptions {
  /** The clock, ms. Default `Date.now`. A test on a virtual clock passes it, so that times are reproducible. */
  readonly now?: () => number;
  /**
   * Store each frame's bytes (base64url) besides its digest. Default false. Needed to replay the
   * transcript; see docs/transcripts.md, "Bodies", for what a transcript with bodies gives away.
   */
  readonly includeBodies?: boolean;
  /** Where the recording is made: beside the handset (default) or beside the server. */
  readonly side?: 'handset' | 'server';
  /** What records, for the metadata. Default `recordTranscript`. */
  readonly recordedBy?: string;
  /** Labels for the metadata, such as seed names (never a password or key: such names are refused with INVALID_ARGUMENT). */
  readonly options?: Readonly<Record<string, string | number | boolean>>;
  /** What reproduces the run (set by {@link recordActivation}). */
  readonly recipe?: ActivationRecipe;
}

/**
 * Collects the entries of one transcript as it is told of frames. The clock is read once when it
 * is made (`meta.startedAt`) and once per frame.
 *
 * @example
 * ```ts
 * const recorder = new TranscriptRecorder({ now: () => clock.now });
 * recorder.record('to-server', bytes);
 * const transcript = recorder.transcript();
 * ```
 */
export class TranscriptRecorder {
  private readonly now: () => number;
  private readonly includeBodies: boolean;
  private readonly startedAt: number;
  private readonly entries: TranscriptEntry[] = [];
  private readonly meta: Omit<Transcript['meta'], 'startedAt' | 'outcome'>;
  private outcomeCode: string | undefined;
  private truncated = false;

  /** A recorder that starts now, by `options.now`. */
  constructor(options: TranscriptRecorderOptions = {}) {
    this.now = options.now ?? Date.now;
    this.includeBodies = options.includeBodies === true;
    this.meta = {
      library: LIBRARY_VERSION,
      recordedBy: options.recordedBy ?? 'recordTranscript',
      side: options.side ?? 'handset',
      bodies: this.includeBodies,
      ...(options.recipe === undefined ? {} : { recipe: options.recipe }),
      ...(options.options === undefined ? {} : { options: checkTranscriptOptions(options.options) }),
    };
    this.startedAt = this.now();
  }

  /**
   * Records one frame that went `direction`, at the clock's time now. Beyond
   * {@link MAX_TRANSCRIPT_ENTRIES} frames it records no more and marks the transcript `truncated`,
   * so that what it writes can always be read back (a recorder left on a busy server's transport).
   */
  record(direction: TranscriptDirection, bytes: Uint8Array): void {
    if (this.entries.length >= MAX_TRANSCRIPT_ENTRIES) {
      this.truncated = true;
      return;
    }
    this.entries.push(describeFrame(bytes, { t: this.now() - this.startedAt, direction, includeBody: this.includeBodies }));
  }

  /** Notes how the activation ended (`complete` or an error code), for `meta.outcome`. */
  outcome(outcome: string): void {
    this.outcomeCode = outcome;
  }

  /** The transcript so far: a new object each call, which later frames do not change. */
  transcript(): Transcript {
    return {
      format: TRANSCRIPT_FORMAT,
      version: TRANSCRIPT_VERSION,
      meta: {
        library: this.meta.library,
        recordedBy: this.meta.recordedBy,
        startedAt: this.startedAt,
        side: this.meta.side,
        bodies: this.meta.bodies,
        ...(this.outcomeCode === undefined ? {} : { outcome: this.outcomeCode }),
        ...(this.truncated ? { truncated: true as const } : {}),
        ...(this.meta.recipe === undefined ? {} : { recipe: this.meta.recipe }),
        ...(this.meta.options === undefined ? {} : { options: this.meta.options }),
      },
      entries: [...this.entries],
    };
  }
}

/** What {@link recordTranscript} returns: the transport to use instead of the wrapped one, and the recording. */
export interface RecordedTransport {
  /** Use this in place of the wrapped transport: it passes everything on and records it. */
  readonly transport: Transport;
  /** The transcript so far. */
  transcript(): Transcript;
  /** The recorder behind it (to note the outcome, say). */
  readonly recorder: TranscriptRecorder;
}

/**
 * Wraps any {@link Transport} so that every frame sent through it and every frame it delivers is
 * recorded, in the order they pass. `side` says whose transport it is: on the handset's (the
 * default) what is sent goes `to-server`, on the server's `to-handset`. A frame is recorded when
 * it is handed to `send` (whether or not the wrapped transport then delivers it) and when it
 * arrives (once, however many handlers there are).
 *
 * @example
 * ```ts
 * const recorded = recordTranscript(handsetSide, { includeBodies: true });
 * const handset = new Handset({ config, transport: recorded.transport });
 * await handset.activate({ email, password });
 * writeFileSync('run.json', serializeTranscript(recorded.transcript()));
 * ```
 */
export function recordTranscript(transport: Transport, options: TranscriptRecorderOptions = {}): RecordedTransport {
  const recorder = new TranscriptRecorder(options);
  const outbound: TranscriptDirection = (options.side ?? 'handset') === 'handset' ? 'to-server' : 'to-handset';
  const inbound: TranscriptDirection = outbound === 'to-server' ? 'to-handset' : 'to-server';
  const handlers = new Set<FrameHandler>();
  let detach: (() => void) | undefined;
  const wrapped: Transport = {
    send(frame) {
      recorder.record(outbound, frame);
      return transport.send(frame);
    },
    onFrame(handler) {
      handlers.add(handler);
      // One subscription to the wrapped transport, so that a frame is recorded once however many
      // handlers listen; made on the first handler, so that nothing is recorded before anyone listens.
      detach ??= transport.onFrame((frame, meta) => {
        recorder.record(inbound, frame);
        for (const h of [...handlers]) h(frame, meta);
      });
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0 && detach !== undefined) {
          detach();
          detach = undefined;
        }
      };
    },
    close() {
      return transport.close();
    },
  };
  return { transport: wrapped, transcript: () => recorder.transcript(), recorder };
}
