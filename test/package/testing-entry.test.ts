/**
 * `enterprise-activation/testing` as a user loads it: by package name, from the built dist/, in a
 * separate Node process, as ESM and as CommonJS. It records an activation, matches the golden
 * transcript the unit tests match (test/fixtures/transcripts/), and its errors are the root entry's
 * ActivationError (one class across entries, see tsup.config.ts).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './ensure-built.js';

const GOLDEN = join(root, 'test', 'fixtures', 'transcripts', 'default-activation.json');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

beforeAll(() => {
  ensureBuilt();
}, 300_000);

const body = `
  const golden = testing.parseTranscript(require('node:fs').readFileSync(${JSON.stringify(GOLDEN)}, 'utf8'));
  testing.recordActivation({ password: 'golden-password-1' }).then((run) => {
    let sameClass;
    try { testing.parseTranscript('{'); } catch (e) { sameClass = e instanceof lib.ActivationError && e.code === 'MALFORMED'; }
    console.log(JSON.stringify({
      difference: testing.diffTranscripts(golden, run, { time: true }) ?? null,
      frames: run.entries.length,
      outcome: run.meta.outcome,
      sameClass,
      functions: ['recordTranscript', 'replayTranscript', 'formatTranscript', 'serializeTranscript'].map((n) => typeof testing[n]),
    }));
  }, (e) => { console.error(e); process.exit(1); });
`;

const expected = {
  difference: null,
  frames: 28,
  outcome: 'complete',
  sameClass: true,
  functions: ['function', 'function', 'function', 'function'],
};

describe('enterprise-activation/testing', () => {
  it('records a golden activation through the package name, as ESM', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const lib = await import('enterprise-activation');
       const testing = await import('enterprise-activation/testing');
       ${body}`,
    ]);
    expect(JSON.parse(out.trim().split('\n').pop() ?? '')).toEqual(expected);
  });

  it('records a golden activation through the package name, as CommonJS', () => {
    const out = node([
      '-e',
      `const lib = require('enterprise-activation'); const testing = require('enterprise-activation/testing'); ${body}`,
    ]);
    expect(JSON.parse(out.trim().split('\n').pop() ?? '')).toEqual(expected);
  });
});
