/**
 * The BES simulator as a user drives it (docs/simulator.md quotes this file): make one, add
 * accounts, let a handset activate over an in-memory transport, use the administrator's API,
 * drive it without I/O through `receive`, take a snapshot and restore it, act as another server
 * version. Prints one line per step; never a password or a key.
 *
 *   npx tsx examples/simulator.ts
 */
import { Handset, createMemoryTransportPair, createPolicy, isActivationError, seededRandom, type HandsetConfig } from '../src/index.js';
import { BesSimulator, defaultServiceBooks, generateUserData, type AdminEvent } from '../src/simulator/index.js';

// --- make one ---
// A clock of our own: real time plus an offset we can move, so that expiry shows without waiting.
let offsetMs = 0;
const server = new BesSimulator({
  name: 'BES01',
  version: 'BES for Domino 4.1 SP6 MR4',
  random: seededRandom('example'),
  now: () => Date.now() + offsetMs,
  onAdminEvent: (e: AdminEvent) => console.log(`  [admin] ${e.type === 'admin-command' ? e.command : e.type}`),
});
// --- end ---
console.log(`1. ${server.identity.name}: ${server.identity.version}, issues ${server.policy.ciphers.join(', ')}`);

// --- accounts ---
server.addUser({ email: 'alice@example.com', displayName: 'Alice Example', activationPassword: 'bb8800pw' });
server.addUser({ email: 'bob@example.com', displayName: 'Bob Example' }); // no password yet
const bobPassword = server.generateActivationPassword(); // 10 characters, from the injected random source
server.setActivationPassword('bob@example.com', bobPassword, 1); // valid for 1 hour
const bob = server.account('bob@example.com');
console.log(`  ${bob?.status}, has password: ${bob?.hasPassword}`); // "Initializing, has password: true"
// --- end ---
console.log(`2. bob: expires in ${Math.round(((bob?.passwordExpiresAt ?? 0) - Date.now() - offsetMs) / 60_000)} minutes`);

// --- errors ---
try {
  server.addUser({ email: 'carol@example.com', displayName: 'Carol', activationPassword: 'short' });
} catch (err) {
  if (!isActivationError(err)) throw err;
  console.log(`  ${err.code} (${String(err.cause?.field)})`); // "INVALID_ARGUMENT (password)"
}
// --- end ---

/** A handset on its own in-memory link to the server. */
function device(pin: string, attach: (serverSide: ReturnType<typeof createMemoryTransportPair>[1]) => void): Handset {
  const [handsetSide, serverSide] = createMemoryTransportPair();
  attach(serverSide);
  const config: HandsetConfig = {
    pin,
    routing: { relay: 'relay.blackberry.test', uid: `U${pin}` },
    device: { model: '8800', os: '4.5.0.110' },
  };
  return new Handset({ config, transport: handsetSide });
}

/** Waits (on real time: the memory link delivers at once) until `done()`, or gives up after 5 s. */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 5_000) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

console.log('3. A wrong password, then the right one');
// --- attach ---
const handset = device('2100000A', (serverSide) => server.attach(serverSide));
await handset.activate({ email: 'alice@example.com', password: 'not-the-password' }).catch((err: unknown) => {
  console.log(`  handset: ${isActivationError(err) ? err.code : 'error'}`); // WRONG_PASSWORD
});
console.log(`  failed attempts: ${server.account('alice@example.com')?.failedAttempts}`); // 1 (5 lock the password)
const result = await handset.activate({ email: 'alice@example.com', password: 'bb8800pw' });
console.log(`  ${server.account('alice@example.com')?.status} on ${server.account('alice@example.com')?.devicePin}`); // Activated on 2100000A
// --- end ---
console.log(`  handset: ${handset.status?.text}, ${result.keyAlgorithm}`);

console.log('4. The administrator');
// --- admin ---
const acknowledged = new Promise<void>((resolve) => handset.on('policy', ({ update }) => update && resolve()));
const sent = server.updatePolicy('no-camera', { 'Disable Camera': true }); // devices sent to now
console.log(`  policy sent to ${sent}, pending: ${server.policyPending('alice@example.com')?.policyId}`); // no-camera
await acknowledged;
await until('the acknowledgement', () => server.policyPending('alice@example.com') === undefined);
console.log(`  books sent again: ${server.resendServiceBooks('alice@example.com')}`); // true: Alice has a device
server.regenerateKey('alice@example.com'); // a key rollover: admin event key-rolled-over once the device accepts
await until('the key rollover', () => server.adminLog('alice@example.com').some((e) => e.type === 'key-rolled-over'));
// --- end ---

console.log('5. Bob waits too long');
// --- expiry ---
offsetMs += 2 * 3_600_000; // two hours later, by the simulator's clock
console.log(`  ${server.account('bob@example.com')?.status}`); // "Activation password expired"
// --- end ---

console.log('6. Sans-I/O: the caller moves the bytes');
// --- receive ---
let clock = Date.now(); // this server's time moves only when we move it
const quiet = new BesSimulator({ random: seededRandom('quiet'), now: () => clock });
quiet.addUser({ email: 'dana@example.com', displayName: 'Dana', activationPassword: 'bb8800pw' });
const dana = device('2100000D', (serverSide) =>
  serverSide.onFrame((bytes) => {
    for (const reply of quiet.receive(bytes)) void serverSide.send(reply);
  }),
);
await dana.activate({ email: 'dana@example.com', password: 'wrong-password' }).catch(() => {});
clock += 3 * 60_000; // an attempt that never proved the password is reported after 2 minutes
const due = quiet.poll(); // the frames due now (policy updates, commands): the caller sends them
const [failed] = quiet.adminLog('dana@example.com');
console.log(`  ${due.length} frames due; ${failed?.type}: ${failed?.type === 'attempt-failed' ? failed.reason : ''}`); // attempt-failed: unconfirmed
await dana.activate({ email: 'dana@example.com', password: 'bb8800pw' });
console.log(`  ${quiet.account('dana@example.com')?.status}`); // Activated
// --- end ---

console.log('7. A snapshot, and a server that continues from it');
// --- snapshot ---
const storageKey = seededRandom('storage key')(32); // keep it secret: it opens the snapshot
const sealed = server.snapshot(storageKey, { generation: 1 });
const restarted = BesSimulator.restore(sealed, storageKey, { minGeneration: 1 });
console.log(`  ${restarted.account('alice@example.com')?.status}, policy ${restarted.itPolicy.id}`); // Activated, policy no-camera
// --- end ---

console.log('8. Server versions');
// --- versions ---
const groupWise = new BesSimulator({ version: 'BES for Novell GroupWise 4.1' });
console.log(`  ${groupWise.identity.version}: ${groupWise.capabilities.transportKeyAlgorithms.join(', ')}`); // AES-256-CBC only
try {
  new BesSimulator({ version: 'BES for Novell GroupWise 4.1', ciphers: ['TDES-EDE2-CBC'] });
} catch (err) {
  if (isActivationError(err)) console.log(`  ${err.code}: ${err.message}`); // INVALID_ARGUMENT: ... cannot issue TDES-EDE2-CBC ...
}
// --- end ---

console.log('9. IT policy and service books');
// --- services ---
const configured = new BesSimulator({
  besDomain: 'bes.example.com',
  services: {
    policy: createPolicy('strict', 'BES 5.0', Date.now(), { 'Password Required': true, 'Minimum Password Length': 8 }),
    serviceBooks: (account, identity) =>
      defaultServiceBooks({ srp: identity.srp, besDomain: identity.besDomain, email: account.email, omit: ['BBIM'] }),
    pageSize: 10, // records per sync page
  },
});
// --- end ---
const sample = configured.addUser({ email: 'frank@example.com', displayName: 'Frank' });
const books = configured.services.serviceBooks(sample, configured.identity);
console.log(`  policy ${configured.itPolicy.id}, ${books.length} books: ${books.map((b) => b.cid).join(', ')}`);

console.log('10. Organizer data');
// --- user data ---
server.addUser({ email: 'erin@example.com', displayName: 'Erin', activationPassword: 'bb8800pw' });
const data = generateUserData({
  seed: 'erin',
  counts: { contacts: 3, calendar: 2 },
  owner: { email: 'erin@example.com', displayName: 'Erin' },
  now: Date.now(),
});
server.setUserData('erin@example.com', data); // sent at Erin's activation instead of the default set
// --- end ---
console.log(`  erin: ${data.contacts?.length ?? 0} contacts, ${data.calendar?.length ?? 0} events`);

console.log("11. The administrator wipes Alice's device");
// --- wipe ---
const wiped = new Promise<void>((resolve) => handset.on('wiped', () => resolve()));
server.wipe('alice@example.com'); // device-command wipe; the account loses its device at once
await wiped;
console.log(`  ${server.account('alice@example.com')?.status}`); // No activation password
// --- end ---

server.close();
