/**
 * Golden transcripts: a seeded in-memory activation must cross the link exactly as the committed
 * file says, frame by frame (type, header, size, body digest). A change to what goes over the wire
 * fails here with the first differing frame. When the change is meant, rewrite the files:
 *
 *   UPDATE_TRANSCRIPTS=1 npx vitest run test/transcript/golden.test.ts
 *
 * and review the diff of test/fixtures/transcripts/ in the commit (docs/transcripts.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  diffTranscripts,
  formatDifference,
  parseTranscript,
  recordActivation,
  serializeTranscript,
  type RecordActivationOptions,
} from '../../src/transcript/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'transcripts');

const GOLDEN: Record<string, RecordActivationOptions> = {
  'default-activation.json': { password: 'golden-password-1' },
  'wrong-password.json': { password: 'golden-password-1', typedPassword: 'golden-password-2' },
};

describe('golden transcripts', () => {
  for (const [file, options] of Object.entries(GOLDEN)) {
    it(`${file}: the activation crosses the link as recorded`, async () => {
      const run = await recordActivation(options);
      if (process.env.UPDATE_TRANSCRIPTS === '1') writeFileSync(join(FIXTURES, file), serializeTranscript(run));
      const golden = parseTranscript(readFileSync(join(FIXTURES, file), 'utf8'));
      // The three lines a golden test needs are the two above and this one; the message shows the first difference.
      const difference = diffTranscripts(golden, run, { time: true });
      expect(difference, difference && formatDifference(difference, ['golden', 'this run'])).toBeUndefined();
      expect(run.meta.outcome).toBe(golden.meta.outcome);
    });
  }
});
