/**
 * The demo behind `npm start`: one handset activates against the reference BES simulator, in
 * process, and prints every status line as the handset shows it.
 *
 *   npm start                                   # activates, ends with "Activation Complete"
 *   npm start -- --password wrong               # shows the failure and exits 1
 *   npm start -- --suite p521 --cipher 3des     # the NIST P-521 suite and Triple DES
 */
import { parseArgs } from 'node:util';
import { Handset, createMemoryTransportPair, isActivationError, type CPaceSuiteId, type TransportKeyAlgorithm } from '../src/index.js';
import { BesSimulator } from '../src/simulator/index.js';

const { values } = parseArgs({
  options: {
    email: { type: 'string', default: 'alice@example.com' },
    password: { type: 'string', default: 'bb8800pw' },
    suite: { type: 'string', default: 'x25519' },
    cipher: { type: 'string', default: 'any' },
    quiet: { type: 'boolean', default: false },
  },
});

const suites: Record<string, CPaceSuiteId> = { x25519: 'CPACE-X25519-SHA512', p521: 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512' };
const ciphers: Record<string, TransportKeyAlgorithm[]> = { any: ['AES-256-CBC', 'TDES-EDE2-CBC'], aes: ['AES-256-CBC'], '3des': ['TDES-EDE2-CBC'] };
const suite = suites[values.suite];
const serverCiphers = ciphers[values.cipher];
if (!suite || !serverCiphers) {
  console.error('usage: npm start -- [--email a@b] [--password pw] [--suite x25519|p521] [--cipher any|aes|3des]');
  process.exit(2);
}

// The server: an Exchange BES with one user whose administrator set the activation password "bb8800pw".
const server = new BesSimulator({ name: 'BES01', srp: 'S0000001', ciphers: serverCiphers });
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
  transport: handsetSide,
});

let lastSync = '';
handset.on('status', (status) => {
  if (status.id === 'synchronizing') {
    // One line per database, updated in place on a terminal.
    const line = `  ${status.text}`;
    if (status.progress && status.progress.received === status.progress.total) console.log(line);
    else if (!values.quiet && process.stdout.isTTY) process.stdout.write(`${line}\r`);
    lastSync = line;
    return;
  }
  console.log(status.text);
});

try {
  const result = await handset.activate({ email: values.email, password: values.password });
  console.log('');
  console.log(`Transport key: ${result.keyAlgorithm} (id ${result.keyId})`);
  console.log(`Server: ${result.server.name}, ${result.server.version} [SRP ${result.server.srp}]`);
  void lastSync;
  await handset.close();
  process.exit(0);
} catch (err) {
  console.error(isActivationError(err) ? `Activation failed (${err.code}): ${err.message}` : err);
  await handset.close();
  process.exit(1);
}
