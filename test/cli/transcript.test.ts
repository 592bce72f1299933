/**
 * `enterprise-activation transcript show FILE` and `transcript diff A B` through the BUILT
 * `dist/cli.js`, as test/cli/cli.test.ts runs the other commands: exit codes, which stream, no
 * stack trace. The transcripts it reads are recorded with the library (`recordActivation`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordActivation, serializeTranscript, type Transcript } from '../../src/transcript/index.js';
import { ensureBuilt } from '../package/ensure-built.js';
import { cliIn, expectUsageError } from './run-cli.js';

const PASSWORD = 'cli-transcript-pw';

let dir: string;
let recorded: Transcript;

const cli = cliIn(() => dir);

function write(name: string, transcript: Transcript | string): string {
  writeFileSync(join(dir, name), typeof transcript === 'string' ? transcript : serializeTranscript(transcript));
  return name;
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ea-transcript-'));
  recorded = await recordActivation({ password: PASSWORD, includeBodies: true });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('transcript show', () => {
  it('prints the transcript as a readable sequence: header, then one line per frame', () => {
    const run = cli('transcript', 'show', write('run.json', recorded));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^enterprise-activation\/transcript v1: \d+ frames, recorded by recordActivation beside the handset \(library \d+\.\d+\.\d+\)$/,
    );
    expect(lines).toContain('started 2024-01-01T00:00:00.000Z, outcome complete, bodies stored');
    const frames = lines.slice(lines.indexOf('') + 1);
    expect(frames).toHaveLength(recorded.entries.length);
    expect(frames[0]).toMatch(/^ {3}0 +\+0 ms {2}handset → server {2}etp-dat +seq 0 +\d+ bytes$/);
    expect(frames[1]).toMatch(/^ {3}1 +\+0 ms {2}server → handset {2}server-share +seq 0 +\d+ bytes$/);
    expect(run.out).not.toContain(PASSWORD);
  });

  it('refuses a file that is not a transcript with one line and exit 1', () => {
    write('bad.json', '{"format":"enterprise-activation/transcript","version":1}');
    const run = cli('transcript', 'show', 'bad.json');
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^enterprise-activation: bad\.json is not a transcript .*invalid field meta.* \[MALFORMED\]$/),
    ]);
    const missing = cli('transcript', 'show', 'nothing-here.json');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^enterprise-activation: cannot read nothing-here\.json: no such file \[INVALID_ARGUMENT\]\n$/);
    write('text.json', 'hello');
    expect(cli('transcript', 'show', 'text.json').err).toMatch(/not JSON \[MALFORMED\]\n$/);
  });
});

describe('transcript diff', () => {
  it('exits 0 with a line when two transcripts agree', () => {
    const run = cli('transcript', 'diff', write('a.json', recorded), write('b.json', recorded));
    expect(run).toEqual({ code: 0, out: `no difference: ${recorded.entries.length} entries agree\n`, err: '' });
  });

  it('prints the first difference, both entries labelled by file, and exits 1', () => {
    const changed = { ...recorded, entries: recorded.entries.map((e, i) => (i === 5 ? { ...e, type: 'error' as const } : e)) };
    const run = cli('transcript', 'diff', write('a.json', recorded), write('c.json', changed));
    expect(run.code).toBe(1);
    expect(run.err).toBe('');
    expect(run.out.trimEnd().split('\n')).toEqual([
      'first difference at entry 5, type: it-policy / error',
      expect.stringMatching(/^ {2}a\.json {2}5 +\+0 ms {2}server → handset {2}it-policy +seq 2 +\d+ bytes$/),
      expect.stringMatching(/^ {2}c\.json {2}5 +\+0 ms {2}server → handset {2}error +seq 2 +\d+ bytes$/),
    ]);
  });

  it('compares times only with --time', () => {
    const later = { ...recorded, entries: recorded.entries.map((e, i) => (i === 2 ? { ...e, t: 40 } : e)) };
    write('later.json', later);
    expect(cli('transcript', 'diff', 'a.json', 'later.json').code).toBe(0);
    const run = cli('transcript', 'diff', 'a.json', 'later.json', '--time');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^first difference at entry 2, t: 0 \/ 40\n/);
  });
});

describe('transcript command line', () => {
  it('--help prints its usage on stdout; the main help lists the command', () => {
    const help = cli('transcript', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /^usage: enterprise-activation transcript show FILE\n {7}enterprise-activation transcript diff A B \[--time\]/,
    );
    expect(cli('--help').out).toMatch(/\n {2}transcript {5}show a recorded activation transcript/);
  });

  it.each([
    [['transcript'], /transcript needs show or diff/],
    [['transcript', 'play', 'x.json'], /unknown transcript action play/],
    [['transcript', 'show'], /transcript show takes one FILE, not 0/],
    [['transcript', 'show', 'a.json', 'b.json'], /transcript show takes one FILE, not 2/],
    [['transcript', 'diff', 'a.json'], /transcript diff takes two files, not 1/],
    [['transcript', 'show', 'a.json', '--time'], /--time is an option of transcript diff/],
    [['transcript', 'show', '--color', 'a.json'], /unknown option '--color'/],
  ])('%j is a wrong command line: exit 2 and the usage', (args, message) => {
    expectUsageError(cli(...args), message, 'transcript');
  });
});
