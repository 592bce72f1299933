/**
 * Runs in the browser (bundled by test/browser/transcript-browser.test.ts): transcripts through
 * `enterprise-activation/testing`'s source, with no Node API. It records the golden activation and
 * compares it with the golden file the Node tests compare with, then replays a recording with
 * bodies against a fresh handset and a fresh simulator. The page reads the outcome from `window`.
 */
import golden from '../fixtures/transcripts/default-activation.json';
import { diffTranscripts, parseTranscript, recordActivation, replayTranscript, serializeTranscript } from '../../src/testing/index.js';

declare global {
  interface Window {
    transcripts: Promise<{ golden: unknown; frames: number; handset: unknown; server: unknown; roundTrip: boolean } | { error: string }>;
  }
}

window.transcripts = (async () => {
  try {
    const run = await recordActivation({ password: 'golden-password-1' });
    const withBodies = await recordActivation({ password: 'golden-password-1', includeBodies: true });
    const text = serializeTranscript(withBodies);
    return {
      golden: diffTranscripts(parseTranscript(golden), run, { time: true }) ?? null,
      frames: run.entries.length,
      handset: (await replayTranscript(withBodies, { password: 'golden-password-1' })).difference ?? null,
      server: (await replayTranscript(withBodies, { password: 'golden-password-1', against: 'server' })).difference ?? null,
      roundTrip: serializeTranscript(parseTranscript(text)) === text,
    };
  } catch (err) {
    return { error: String(err) };
  }
})();
