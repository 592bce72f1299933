/** `enterprise-activation make-etp`: a real ETP.DAT, made by the library's own handset, so that there is one to inspect. */
import { writeFileSync } from 'node:fs';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { p521Suite } from '../crypto/cpace/p521-suite.js';
import { x25519Suite } from '../crypto/cpace/x25519-suite.js';
import { createNobleProvider } from '../crypto/noble-provider.js';
import { aes256Cbc } from '../crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../crypto/transport-key/tdes-ede2-cbc.js';
import { seededRandom, systemRandom } from '../crypto/seeded-random.js';
import { resolveHandsetConfig } from '../handset/config.js';
import { handsetStep } from '../handset/machine.js';
import { initialHandsetState } from '../handset/state.js';
import { decodeEtpDat } from '../wire/messages/etp-dat.js';
import { decodeFrame } from '../wire/frame.js';
import { NAME, parse, shown, usageError } from './command-line.js';
import { fileError } from './files.js';
import { version } from './version.js';

export const MAKE_ETP_USAGE = `usage: ${NAME} make-etp --email ADDRESS --pin PIN --password PASSWORD [--out FILE] [--seed TEXT] [--force]

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

export function makeEtp(args: string[]): number {
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
