/**
 * The command-line tool as a user meets it: the BUILT `dist/cli.js` (what `npm install` links as
 * the `enterprise-activation` bin), run by node in a child process, in a scratch folder. Each test
 * checks the exit code, which stream the text went to, and that no output holds a stack trace
 * (issue 10, "CLI and demo fit for people").
 *
 * The frame and the mail that `inspect` reads are built with the library's own encoders around an
 * ETP.DAT that `make-etp` wrote, so every input is one a real handset, relay or mailbox would hold.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEtpMail } from '../../src/node/mail/etp-mail.js';
import { concatBytes } from '../../src/util/bytes.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { encodeFrame, PROTOCOL_VERSION } from '../../src/wire/frame.js';
import { ensureBuilt, root } from '../package/ensure-built.js';
import { CLI, cliIn, expectUsageError, type Run } from './run-cli.js';

const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const EMAIL = 'alice@example.com';
const PIN = '2100000A';
const PASSWORD = 'bb8800pw';

let dir: string;

const cli = cliIn(() => dir);

/** A failure that is the command's, not the command line's: exit 1, one line on stderr, nothing else. */
function expectOneLineFailure(run: Run, code: string): string {
  expect(run.code).toBe(1);
  expect(run.out).toBe('');
  const lines = run.err.trimEnd().split('\n');
  expect(lines, run.err).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^enterprise-activation: .+ \\[${code}\\]$`));
  return lines[0]!;
}

function makeEtp(out: string, seed = 'cli-test', ...more: string[]): Run {
  return cli('make-etp', '--email', EMAIL, '--pin', PIN, '--password', PASSWORD, '--out', out, '--seed', seed, ...more);
}

function inspectJson(file: string): Record<string, unknown> {
  const run = cli('inspect', file);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as Record<string, unknown>;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ea-cli-'));
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('help and version', () => {
  it.each([['--help'], ['-h']])('%s prints the usage on stdout and exits 0', (flag) => {
    const run = cli(flag);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect(run.out).toMatch(/^usage: enterprise-activation <command>/);
    expect(run.out).toMatch(/inspect FILE/);
    expect(run.out).toMatch(/make-etp/);
    expect(run.out).toMatch(/exit codes: 0 success, 1 the command failed, 2 bad command line/);
  });

  it.each([['inspect'], ['make-etp']])('%s --help prints that command’s usage on stdout and exits 0', (command) => {
    const run = cli(command, '--help');
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect(run.out).toMatch(new RegExp(`^usage: enterprise-activation ${command}`));
  });

  it.each([['--version'], ['-v']])('%s prints package.json’s version on stdout and exits 0', (flag) => {
    const run = cli(flag);
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect(run.out).toBe(`${VERSION}\n`);
  });
});

describe('a wrong command line: one line, the usage, exit 2', () => {
  it('an unknown option, before or after a command', () => {
    expectUsageError(cli('--bogus'), /unknown option '--bogus'/);
    expectUsageError(cli('inspect', '--bogus', 'ETP.DAT'), /unknown option '--bogus'/);
    expectUsageError(cli('make-etp', '--email', EMAIL, '--bogus'), /unknown option '--bogus'/);
  });

  it('an extra argument', () => {
    expectUsageError(cli('inspect', 'a.dat', 'b.dat'), /inspect takes one FILE, not 2/);
    expectUsageError(cli('--version', 'extra'), /unknown command extra/);
    expectUsageError(makeEtp('x.dat', 'seed', 'extra'), /make-etp takes no arguments.*extra/);
  });

  it('no command, an unknown command, a missing argument or option value', () => {
    expectUsageError(cli(), /no command given/);
    expectUsageError(cli('frobnicate'), /unknown command frobnicate/);
    expectUsageError(cli('inspect'), /inspect needs a FILE/);
    expectUsageError(cli('make-etp', '--email', EMAIL, '--password', PASSWORD), /make-etp needs --pin/);
    expectUsageError(cli('make-etp', '--email'), /option '--email <value>' argument missing/);
  });

  it('a bad email address or PIN for make-etp, and nothing is written', () => {
    expectUsageError(cli('make-etp', '--email', 'not-an-address', '--pin', PIN, '--password', PASSWORD, '--out', 'bad1.dat'), /email/);
    expectUsageError(cli('make-etp', '--email', EMAIL, '--pin', 'XYZ', '--password', PASSWORD, '--out', 'bad2.dat'), /PIN|pin/);
    expect(() => readFileSync(join(dir, 'bad1.dat'))).toThrow();
    expect(() => readFileSync(join(dir, 'bad2.dat'))).toThrow();
  });
});

describe('file problems: one line, exit 1, never a stack', () => {
  it('a missing file', () => {
    expect(expectOneLineFailure(cli('inspect', 'no-such.dat'), 'INVALID_ARGUMENT')).toMatch(/cannot read no-such\.dat: no such file/);
  });

  it('a directory', () => {
    mkdirSync(join(dir, 'a-folder'));
    expect(expectOneLineFailure(cli('inspect', 'a-folder'), 'INVALID_ARGUMENT')).toMatch(/cannot read a-folder: it is a directory/);
  });

  it.skipIf(process.platform === 'win32')('a FIFO is refused at once, not waited on', () => {
    expect(spawnSync('mkfifo', [join(dir, 'a-fifo')]).status).toBe(0);
    expect(expectOneLineFailure(cli('inspect', 'a-fifo'), 'INVALID_ARGUMENT')).toMatch(/cannot read a-fifo: not a regular file/);
  });

  it('a file that is none of the three forms is MALFORMED', () => {
    writeFileSync(
      join(dir, 'garbage.bin'),
      Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff),
    );
    expect(expectOneLineFailure(cli('inspect', 'garbage.bin'), 'MALFORMED')).toMatch(
      /garbage\.bin is not an ETP\.DAT, a frame or an activation mail/,
    );
    writeFileSync(join(dir, 'empty.dat'), new Uint8Array(0));
    expectOneLineFailure(cli('inspect', 'empty.dat'), 'MALFORMED');
  });

  it('a file name with a line break still gives one line', () => {
    expect(expectOneLineFailure(cli('inspect', 'two\nlines'), 'INVALID_ARGUMENT')).toMatch(/cannot read two\\nlines/);
  });
});

describe('make-etp writes a real ETP.DAT, and inspect reads it in all three forms', () => {
  it('make-etp, then inspect of the file: found ETP.DAT, with the email and PIN given', () => {
    const made = makeEtp('ETP.DAT');
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^wrote ETP\.DAT: ETP\.DAT of \d+ bytes for alice@example\.com, PIN 2100000A$/m);
    expect(made.out).toMatch(/enterprise-activation inspect ETP\.DAT/);
    expect(made.out).not.toContain(PASSWORD);
    // A real one: the library decodes it, and it holds no secret in clear.
    const bytes = new Uint8Array(readFileSync(join(dir, 'ETP.DAT')));
    expect(decodeEtpDat(bytes.slice()).header).toMatchObject({ email: EMAIL, pin: PIN });
    expect(Buffer.from(bytes).includes(PASSWORD)).toBe(false);

    const shown = inspectJson('ETP.DAT');
    expect(shown).toMatchObject({ found: 'ETP.DAT', email: EMAIL, pin: PIN, protocol: 1, suite: 'CPACE-X25519-SHA512', shareBytes: 32 });
    expect(shown.frame).toBeUndefined();
    expect(JSON.stringify(shown)).not.toContain(PASSWORD);
  });

  it('the same --seed writes the same bytes; the default output name is ETP.DAT', () => {
    mkdirSync(join(dir, 'default-name'));
    expect(makeEtp('same-1.dat', 'seed-A').code).toBe(0);
    expect(makeEtp('same-2.dat', 'seed-A').code).toBe(0);
    expect(readFileSync(join(dir, 'same-1.dat')).equals(readFileSync(join(dir, 'same-2.dat')))).toBe(true);
    const r = spawnSync(process.execPath, [CLI, 'make-etp', '--email', EMAIL, '--pin', PIN, '--password', PASSWORD], {
      cwd: join(dir, 'default-name'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(decodeEtpDat(new Uint8Array(readFileSync(join(dir, 'default-name', 'ETP.DAT')))).header.email).toBe(EMAIL);
  });

  it('refuses to overwrite a file without --force, and replaces it with --force', () => {
    expect(makeEtp('keep.dat', 'first').code).toBe(0);
    const first = readFileSync(join(dir, 'keep.dat'));
    expect(expectOneLineFailure(makeEtp('keep.dat', 'second'), 'INVALID_ARGUMENT')).toMatch(
      /cannot write keep\.dat: it exists \(use --force to replace it\)/,
    );
    expect(readFileSync(join(dir, 'keep.dat')).equals(first)).toBe(true);
    expect(makeEtp('keep.dat', 'second', '--force').code).toBe(0);
    expect(readFileSync(join(dir, 'keep.dat')).equals(first)).toBe(false);
  });

  it('inspect of a frame of type etp-dat: found frame', () => {
    expect(makeEtp('for-frame.dat', 'frame').code).toBe(0);
    const etpDat = new Uint8Array(readFileSync(join(dir, 'for-frame.dat')));
    const { header } = decodeEtpDat(etpDat.slice());
    const frame = {
      v: PROTOCOL_VERSION,
      type: 'etp-dat',
      sid: header.nonce,
      seq: 0,
      pin: header.pin,
      to: `mailto:${header.email}`,
      body: etpDat,
    } as const;
    writeFileSync(join(dir, 'request.frame'), encodeFrame(frame));
    expect(inspectJson('request.frame')).toMatchObject({
      found: 'frame',
      frame: { type: 'etp-dat', seq: 0, to: `mailto:${EMAIL}` },
      email: EMAIL,
      pin: PIN,
    });
    // A frame of another type carries no ETP.DAT: said in one line.
    writeFileSync(
      join(dir, 'other.frame'),
      encodeFrame({ ...frame, type: 'key-verified', to: 'srp:S0000001', body: new Uint8Array([1, 2, 3]) }),
    );
    expect(expectOneLineFailure(cli('inspect', 'other.frame'), 'MALFORMED')).toMatch(
      /other\.frame is a key-verified frame, which carries no ETP\.DAT/,
    );
  });

  it('inspect of an activation mail (.eml): found mail', async () => {
    expect(makeEtp('for-mail.dat', 'mail').code).toBe(0);
    const etpDat = new Uint8Array(readFileSync(join(dir, 'for-mail.dat')));
    const mail = await buildEtpMail({ etpDat, from: `${PIN}@relay.example`, date: new Date(0) });
    writeFileSync(join(dir, 'request.eml'), mail);
    expect(inspectJson('request.eml')).toMatchObject({ found: 'mail', email: EMAIL, pin: PIN });
    // A mail without the attachment: one line, MALFORMED.
    writeFileSync(join(dir, 'plain.eml'), 'From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nJust a note.\r\n');
    expect(expectOneLineFailure(cli('inspect', 'plain.eml'), 'MALFORMED')).toMatch(/no ETP\.DAT attachment/);
  });

  it('an ETP.DAT with a duplicate key (strict decoding) is MALFORMED, in one line', () => {
    expect(makeEtp('for-dup.dat', 'dup').code).toBe(0);
    const etp = decodeEtpDat(new Uint8Array(readFileSync(join(dir, 'for-dup.dat'))));
    // The outer map written by hand with `header` twice; cbor-x would keep the last one.
    const entries: [string, unknown][] = [
      ['format', 'ETP.DAT'],
      ['v', 1],
      ['header', etp.headerBytes],
      ['share', etp.share],
      ['body', { nonce: etp.sealedBody.nonce, ciphertext: etp.sealedBody.ciphertext }],
      ['header', etp.headerBytes],
    ];
    writeFileSync(
      join(dir, 'dup.dat'),
      concatBytes(Uint8Array.of(0xa0 | entries.length), ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])),
    );
    expect(expectOneLineFailure(cli('inspect', 'dup.dat'), 'MALFORMED')).toMatch(/duplicate map key/);
  });
});
