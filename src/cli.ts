#!/usr/bin/env node
/**
 * The `enterprise-activation` command (Node only, ESM only).
 *
 *   enterprise-activation inspect FILE     what an ETP.DAT, a frame or an activation mail holds
 *   enterprise-activation make-etp ...     writes a real ETP.DAT, so that there is one to inspect
 *
 * Only the cleartext header of an ETP.DAT can be shown: the handset's network routing (relay,
 * carrier UID, previous SRP id), its keys and device details are in the sealed body, which only a
 * server that proved the activation password can open (docs/protocol.md, message 1).
 *
 * Exit codes: 0 success; 1 the command failed (a file that cannot be read or written, input that
 * is not what it should be); 2 the command line is wrong (unknown option, missing or extra
 * argument, bad value), with the usage on stderr. Every failure is an ActivationError inside, and
 * the one line printed is its message and code; never a stack.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ActivationError, isActivationError } from './errors/activation-error.js';
import { p521Suite } from './crypto/cpace/p521-suite.js';
import { x25519Suite } from './crypto/cpace/x25519-suite.js';
import { createNobleProvider } from './crypto/noble-provider.js';
import { aes256Cbc } from './crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from './crypto/transport-key/tdes-ede2-cbc.js';
import { seededRandom, systemRandom } from './crypto/seeded-random.js';
import { resolveHandsetConfig } from './handset/config.js';
import { handsetStep } from './handset/machine.js';
import { initialHandsetState } from './handset/state.js';
import { MAX_ETP_MAIL_BYTES, parseEtpMail } from './node/mail/etp-mail.js';
import { bytesToHex } from './util/bytes.js';
import { decodeEtpDat, type EtpDat } from './wire/messages/etp-dat.js';
import { decodeFrame, type Frame } from './wire/frame.js';

const NAME = 'enterprise-activation';

const USAGE = `usage: ${NAME} <command> [options]

commands:
  inspect FILE   show the cleartext header of an ETP.DAT, of a frame that carries one,
                 or of an activation mail (.eml) with an ETP.DAT attachment
  make-etp       write a real ETP.DAT for an email address, PIN and activation password

options:
  -h, --help     show this help; "${NAME} <command> --help" shows a command's
  -v, --version  print the version

exit codes: 0 success, 1 the command failed, 2 bad command line`;

const INSPECT_USAGE = `usage: ${NAME} inspect FILE

Prints, as JSON, the cleartext header of the ETP.DAT in FILE and what FILE is ("found"):
  "ETP.DAT"  an ETP.DAT file
  "frame"    a frame (CBOR) of type etp-dat, as a handset sends it to the relay
  "mail"     an activation mail (RFC 5322, .eml) with an ETP.DAT attachment
The handset's keys, device and routing are in the sealed body, which is never shown.

options:
  -h, --help   show this help`;

const MAKE_ETP_USAGE = `usage: ${NAME} make-etp --email ADDRESS --pin PIN --password PASSWORD [--out FILE] [--seed TEXT] [--force]

Writes the ETP.DAT a handset sends to activate ADDRESS with the activation password PASSWORD
(the first message of Enterprise Activation), made by the library's own handset.

options:
  --email ADDRESS      the email address the user types
  --pin PIN            the device PIN, 8 hex digits (e.g. 2100000A)
  --password PASSWORD  the activation password (for tests: it stays in your shell history)
  --out FILE           where to write it (default ETP.DAT); an existing file is kept
  --force              replace FILE if it exists
  --seed TEXT          reproducible output from a seeded random source (tests only: the
                       keys in it are as secret as TEXT)
  -h, --help           show this help`;

/** The error for a wrong command line: exit 2, with `usage` on stderr. */
function usageError(message: string, usage: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'command line', usage });
}

function isUsageError(err: ActivationError): boolean {
  return err.cause?.operation === 'command line';
}

/** A file name as one printable line, whatever it contains. */
function shown(file: string): string {
  return JSON.stringify(file).slice(1, -1);
}

const FILE_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  EEXIST: 'it exists (use --force to replace it)',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
};

function fileError(action: 'read' | 'write', file: string, err: unknown): ActivationError {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'unknown';
  const reason = FILE_REASONS[code] ?? `error ${code}`;
  return new ActivationError('INVALID_ARGUMENT', `cannot ${action} ${shown(file)}: ${reason}`, {
    operation: `${action} file`,
    reason: code,
  });
}

/** Reads a regular file of at most MAX_ETP_MAIL_BYTES (a mail is the largest of the three forms). */
function readInput(file: string): Uint8Array {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO (which would wait for a writer) is refused below instead.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fileError('read', file, err);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fileError('read', file, { code: 'EISDIR' });
    if (!stat.isFile()) {
      throw new ActivationError('INVALID_ARGUMENT', `cannot read ${shown(file)}: not a regular file`, {
        operation: 'read file',
        reason: 'not a file',
      });
    }
    if (stat.size > MAX_ETP_MAIL_BYTES) {
      throw new ActivationError(
        'MALFORMED',
        `${shown(file)} has ${stat.size} bytes, more than the ${MAX_ETP_MAIL_BYTES} an activation mail may have`,
        {
          operation: 'read file',
          reason: 'oversized',
          size: stat.size,
        },
      );
    }
    return new Uint8Array(readFileSync(fd));
  } catch (err) {
    throw isActivationError(err) ? err : fileError('read', file, err);
  } finally {
    closeSync(fd);
  }
}

/** Parses a command's options; every parseArgs failure becomes a usage error with one line. */
function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs' messages are one sentence plus advice; keep the sentence (cut at the first full stop that ends one).
    const text = err instanceof Error ? err.message.replace(/\.(?:\s|$)[\s\S]*/, '').replace(/\s+/g, ' ') : 'bad arguments';
    throw usageError(text.charAt(0).toLowerCase() + text.slice(1), usage);
  }
}

type Found = 'ETP.DAT' | 'frame' | 'mail';

/** A mail starts with a header field: a name of printable characters, then a colon. */
function looksLikeMail(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  return /^[\x21-\x39\x3b-\x7e]{1,76}:/.test(head);
}

async function identify(file: string, bytes: Uint8Array): Promise<{ found: Found; etp: EtpDat; frame?: Frame }> {
  let asEtpDat: ActivationError;
  try {
    return { found: 'ETP.DAT', etp: decodeEtpDat(bytes.slice()) };
  } catch (err) {
    if (!isActivationError(err)) throw err;
    asEtpDat = err;
  }
  let frame: Frame | undefined;
  try {
    frame = decodeFrame(bytes.slice()); // copies: cbor-x tags the buffers it decodes
  } catch {
    frame = undefined;
  }
  if (frame !== undefined) {
    if (frame.type !== 'etp-dat') {
      throw new ActivationError('MALFORMED', `${shown(file)} is a ${frame.type} frame, which carries no ETP.DAT`, {
        operation: 'inspect',
        type: frame.type,
      });
    }
    try {
      return { found: 'frame', etp: decodeEtpDat(frame.body.slice()), frame };
    } catch (err) {
      const why = isActivationError(err) ? `: ${err.message}` : '';
      throw new ActivationError('MALFORMED', `${shown(file)} is an etp-dat frame whose ETP.DAT is damaged${why}`, { operation: 'inspect' });
    }
  }
  if (looksLikeMail(bytes)) {
    // MALFORMED with its own message when it is not one. mailparser is an optional peer, loaded
    // only here: without it, this is ActivationError('UNSUPPORTED') naming the package to install.
    const mail = await parseEtpMail(bytes);
    return { found: 'mail', etp: decodeEtpDat(mail.etpDat.slice()) };
  }
  throw new ActivationError(
    'MALFORMED',
    `${shown(file)} is not an ETP.DAT, a frame or an activation mail (read as an ETP.DAT, ${asEtpDat.message})`,
    {
      operation: 'inspect',
    },
  );
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } }, INSPECT_USAGE);
  if (values.help) {
    console.log(INSPECT_USAGE);
    return 0;
  }
  const [file, ...others] = positionals;
  if (file === undefined) throw usageError('inspect needs a FILE', INSPECT_USAGE);
  if (others.length > 0) throw usageError(`inspect takes one FILE, not ${positionals.length}`, INSPECT_USAGE);
  const { found, etp, frame } = await identify(file, readInput(file));
  const { header } = etp;
  console.log(
    JSON.stringify(
      {
        found,
        ...(frame === undefined ? {} : { frame: { type: frame.type, seq: frame.seq, to: frame.to } }),
        // Field by field, so that nothing is printed that the header does not define.
        protocol: header.protocol,
        pin: header.pin,
        email: header.email,
        nonce: bytesToHex(header.nonce),
        suite: header.suite,
        suites: header.suites,
        ciphers: header.ciphers,
        shareBytes: etp.share.length,
        sealedBodyBytes: etp.sealedBody.ciphertext.length,
      },
      null,
      2,
    ),
  );
  return 0;
}

/** The ETP.DAT the library's handset sends first for these credentials. */
function makeEtpDat(email: string, pin: string, password: string, seed: string | undefined): Uint8Array {
  // Every suite and cipher, as a handset that supports them all offers them (bundle size is no
  // concern for a command; the lean default provider would offer X25519 and AES-256 only).
  const provider = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
  const config = resolveHandsetConfig(
    {
      pin,
      routing: { relay: 'relay.invalid', uid: 'U00000001' },
      device: { model: NAME, os: version() },
    },
    provider,
  );
  const random = seed === undefined ? systemRandom : seededRandom(seed);
  const { outputs } = handsetStep(initialHandsetState(config), { type: 'activate', email, password, now: 0 }, { provider, random });
  for (const output of outputs) {
    if (output.type === 'failed') throw output.error;
    if (output.type === 'send') return decodeFrame(output.bytes.slice()).body;
  }
  throw new ActivationError('INVALID_STATE', 'the handset sent no ETP.DAT', { operation: 'make-etp' });
}

function makeEtp(args: string[]): number {
  const { values, positionals } = parse(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      email: { type: 'string' },
      pin: { type: 'string' },
      password: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean' },
    },
    MAKE_ETP_USAGE,
  );
  if (values.help) {
    console.log(MAKE_ETP_USAGE);
    return 0;
  }
  const [extra] = positionals;
  if (extra !== undefined) throw usageError(`make-etp takes no arguments, only options (got ${shown(extra)})`, MAKE_ETP_USAGE);
  const required = (name: 'email' | 'pin' | 'password'): string => {
    const value = values[name];
    if (value === undefined) throw usageError(`make-etp needs --${name}`, MAKE_ETP_USAGE);
    return value;
  };
  const email = required('email');
  const pin = required('pin');
  const password = required('password');
  let etpDat: Uint8Array;
  try {
    etpDat = makeEtpDat(email, pin, password, values.seed);
  } catch (err) {
    // A bad email, PIN or password is a bad command line: say which, with the usage.
    if (isActivationError(err, 'INVALID_ARGUMENT')) throw usageError(err.message, MAKE_ETP_USAGE);
    throw err;
  }
  const out = values.out ?? 'ETP.DAT';
  try {
    writeFileSync(out, etpDat, { flag: values.force ? 'w' : 'wx' });
  } catch (err) {
    throw fileError('write', out, err);
  }
  const header = decodeEtpDat(etpDat.slice()).header;
  console.log(`wrote ${shown(out)}: ETP.DAT of ${etpDat.length} bytes for ${header.email}, PIN ${header.pin}`);
  console.log(`see it with: ${NAME} inspect ${shown(out)}`);
  return 0;
}

let cachedVersion: string | undefined;

/** The package's version, from the package.json next to dist/ (or src/). */
function version(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') return (cachedVersion = pkg.version);
  } catch {
    // handled below
  }
  throw new ActivationError('INVALID_STATE', 'the package version could not be read', { operation: 'version' });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect':
      return inspect(rest);
    case 'make-etp':
      return makeEtp(rest);
    case undefined:
      throw usageError('no command given', USAGE);
  }
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, USAGE);
  const [unknown] = positionals;
  if (unknown !== undefined) throw usageError(`unknown command ${shown(unknown)}`, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(version());
    return 0;
  }
  throw usageError('no command given', USAGE);
}

/** Runs the command; the one place where a failure becomes a line on stderr and an exit code. */
async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (caught) {
    const err = isActivationError(caught)
      ? caught
      : new ActivationError('INVALID_STATE', `unexpected failure (${caught instanceof Error ? caught.name : typeof caught})`, {
          operation: 'cli',
        });
    console.error(`${NAME}: ${err.message.replace(/\s+/g, ' ')} [${err.code}]`);
    if (isUsageError(err)) {
      console.error('');
      console.error(String(err.cause?.usage));
      return 2;
    }
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
