/**
 * The demo behind `npm start`: one handset activates against the reference BES simulator, in
 * process, and prints every status line as the handset shows it, the IT policy step included.
 *
 *   npm start                                   # activates, ends with "Activation Complete"
 *   npm start -- --password wrong               # shows the failure once and exits 1
 *   npm start -- --suite p521 --cipher 3des     # the NIST P-521 suite and Triple DES
 *   npm start -- --json                         # a machine-readable transcript on stdout
 *   npm start -- --help                         # the options
 *
 * Exit codes: 0 activated, 1 the activation failed, 2 a wrong command line.
 */
import { parseArgs } from 'node:util';
import {
  Handset,
  createMemoryTransportPair,
  isActivationError,
  type CPaceSuiteId,
  type Transport,
  type TransportKeyAlgorithm,
} from '../src/index.js';
import { aes256Cbc, p521Suite, tdesEde2Cbc, x25519Suite } from '../src/crypto/index.js';
import { createNobleProvider } from '../src/crypto/noble-provider.js';
import { BesSimulator } from '../src/simulator/index.js';
import { decodeFrame } from '../src/wire/index.js';

const USAGE = `usage: npm start -- [options]

Activates a handset against the BES simulator, in process, and shows each step.

options:
  --email ADDRESS         the address the user types (default alice@example.com)
  --password PASSWORD     the activation password typed (default bb8800pw, the right one)
  --suite x25519|p521     the CPace suite (default x25519)
  --cipher any|aes|3des   the transport key algorithms the server allows (default any)
  --json                  print a machine-readable transcript (statuses, IT policy, frames) as JSON
  --quiet                 no in-place progress lines on a terminal
  -h, --help              show this help

exit codes: 0 activated, 1 the activation failed, 2 bad command line`;

/** A wrong command line: one line saying what, then the usage, on stderr; exit 2. */
function usageError(message: string): never {
  console.error(`demo: ${message}`);
  console.error('');
  console.error(USAGE);
  process.exit(2);
}

function readOptions() {
  try {
    return parseArgs({
      options: {
        email: { type: 'string', default: 'alice@example.com' },
        password: { type: 'string', default: 'bb8800pw' },
        suite: { type: 'string', default: 'x25519' },
        cipher: { type: 'string', default: 'any' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    // parseArgs' message is one sentence plus advice (and its error carries a stack): keep the sentence.
    const text = err instanceof Error ? err.message.split(/\.(\s|$)/)[0]! : 'bad arguments';
    return usageError(text.charAt(0).toLowerCase() + text.slice(1));
  }
}

const values = readOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const suites: Record<string, CPaceSuiteId> = { x25519: 'CPACE-X25519-SHA512', p521: 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512' };
const ciphers: Record<string, TransportKeyAlgorithm[]> = {
  any: ['AES-256-CBC', 'TDES-EDE2-CBC'],
  aes: ['AES-256-CBC'],
  '3des': ['TDES-EDE2-CBC'],
};
const suite = Object.hasOwn(suites, values.suite) ? suites[values.suite] : undefined;
const serverCiphers = Object.hasOwn(ciphers, values.cipher) ? ciphers[values.cipher] : undefined;
if (!suite) usageError(`unknown suite '${values.suite}' (x25519 or p521)`);
if (!serverCiphers) usageError(`unknown cipher '${values.cipher}' (any, aes or 3des)`);

// The transcript --json prints: what was shown and what crossed the link, never a password or a key.
type Entry =
  | { time: number; kind: 'status'; id: string; text: string }
  | { time: number; kind: 'policy'; name: string; status: string; rules: number; rejected: number }
  | { time: number; kind: 'frame'; direction: 'to-server' | 'to-handset'; type: string; seq: number; size: number };
const transcript: Entry[] = [];
let start = performance.now(); // reset when the user starts the activation: times are from there, in ms
const now = () => Math.round(performance.now() - start);

/** Passes frames through unchanged and notes each one's type, sequence number and size. */
function recorded(inner: Transport): Transport {
  const note = (direction: 'to-server' | 'to-handset', bytes: Uint8Array) => {
    try {
      const { type, seq } = decodeFrame(bytes.slice()); // a copy: cbor-x tags what it decodes
      transcript.push({ time: now(), kind: 'frame', direction, type, seq, size: bytes.length });
    } catch {
      transcript.push({ time: now(), kind: 'frame', direction, type: 'undecodable', seq: -1, size: bytes.length });
    }
  };
  return {
    send: (frame) => (note('to-server', frame), inner.send(frame)),
    onFrame: (handler) => inner.onFrame((frame, meta) => (note('to-handset', frame), handler(frame, meta))),
    close: () => inner.close(),
  };
}

// Both sides can run every suite and cipher: the default provider has X25519 and AES-256 only, so
// that browser bundles carry P-521 and Triple DES only when they ask for them.
const provider = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });

// The server: an Exchange BES with one user whose administrator set the activation password "bb8800pw".
const server = new BesSimulator({ name: 'BES01', srp: 'S0000001', ciphers: serverCiphers, provider });
server.addUser({ email: 'alice@example.com', displayName: 'Alice Example', activationPassword: 'bb8800pw' });

// The network: an in-memory link between handset and server.
const [handsetSide, serverSide] = createMemoryTransportPair();
server.attach(serverSide);

const handset = new Handset({
  config: {
    pin: '2100000A',
    routing: { relay: 'relay.blackberry.test', uid: 'U00000001' },
    device: { model: '8800', os: '4.5.0.110' },
    suites: [suite],
  },
  transport: recorded(handsetSide),
  provider,
});

/** A line for a person; nothing in --json mode, where stdout is the JSON alone. */
const say = (line: string) => {
  if (!values.json) console.log(line);
};

let failureText: string | undefined;
handset.on('status', (status) => {
  transcript.push({ time: now(), kind: 'status', id: status.id, text: status.text });
  if (status.id === 'activation-failed') {
    failureText = status.text; // told once, by the catch below, with the error's code
    return;
  }
  if (status.id === 'synchronizing') {
    // One line per database, updated in place on a terminal.
    const line = `  ${status.text}`;
    if (status.progress && status.progress.received === status.progress.total) say(line);
    else if (!values.json && !values.quiet && process.stdout.isTTY) process.stdout.write(`${line}\r`);
    return;
  }
  say(status.text);
});

// The IT policy step of phase 3 (docs/it-policy.md): the handset applied the signed policy and acknowledged it.
handset.on('policy', ({ ack }) => {
  transcript.push({
    time: now(),
    kind: 'policy',
    name: ack.policyId,
    status: ack.status,
    rules: ack.applied.length,
    rejected: ack.rejected.length,
  });
  say(
    ack.status === 'applied'
      ? `IT policy ${ack.policyId} applied, ${ack.applied.length} rules`
      : `IT policy ${ack.policyId} rejected: ${ack.rejected.length} rules could not be applied`,
  );
});

let exitCode = 0;
try {
  start = performance.now();
  const result = await handset.activate({ email: values.email, password: values.password });
  const summary = {
    keyAlgorithm: result.keyAlgorithm,
    server: { name: result.server.name, version: result.server.version, srp: result.server.srp },
  };
  if (values.json) console.log(JSON.stringify({ ok: true, email: result.email, result: summary, transcript }, null, 2));
  say('');
  say(`Transport key: ${result.keyAlgorithm} (id ${result.keyId})`);
  say(`Server: ${result.server.name}, ${result.server.version} [SRP ${result.server.srp}]`);
} catch (err) {
  exitCode = 1;
  const error = isActivationError(err)
    ? { code: err.code, message: err.message }
    : { code: 'UNEXPECTED', message: err instanceof Error ? err.name : typeof err };
  if (values.json) console.log(JSON.stringify({ ok: false, email: values.email, error, transcript }, null, 2));
  // The handset's own failure text when it showed one, else the error's message; then the code.
  else console.error(`${failureText ?? `Activation failed: ${error.message}`} [${error.code}]`);
}
await handset.close();
process.exit(exitCode);
