/**
 * The Pair's frame log (test/support/pair.ts) as a transcript (docs/transcripts.md), so that a
 * test can show a run (`formatTranscript`), compare two, or keep one as a golden file. Each frame
 * as its author sent it (or as injected), at the virtual time it passed the link; what the link
 * then did to it (dropped, altered, delayed) is not in a transcript, whose entries are frames sent.
 */
import { TranscriptRecorder, type Transcript } from '../../src/transcript/index.js';
import { T0 } from './fixtures.js';
import type { Pair } from './pair.js';

export function pairTranscript(pair: Pair, options: { readonly startedAt?: number; readonly includeBodies?: boolean } = {}): Transcript {
  let now = options.startedAt ?? T0;
  const recorder = new TranscriptRecorder({
    now: () => now,
    includeBodies: options.includeBodies === true,
    recordedBy: 'Pair (test/support/pair.ts)',
  });
  for (const frame of pair.frames) {
    now = frame.at;
    recorder.record(frame.direction, frame.sent);
  }
  const { phase } = pair.handset;
  if (phase === 'complete' || phase === 'failed') recorder.outcome(phase === 'complete' ? 'complete' : (pair.error?.code ?? 'failed'));
  return recorder.transcript();
}
