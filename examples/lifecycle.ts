/**
 * Life after activation (docs/lifecycle.md), in process: a handset activates, the administrator
 * rolls its transport key over and resends the IT policy, a second device is activated for the
 * same user and retires the first, and the administrator wipes the second. Prints what each
 * handset and the server's administrator log report, one line each (key ids shortened; never a
 * password or a key).
 *
 *   npx tsx examples/lifecycle.ts
 */
import { Handset, createMemoryTransportPair, type HandsetConfig } from '../src/index.js';
import { BesSimulator, type AdminEvent } from '../src/simulator/index.js';

const EMAIL = 'alice@example.com';

// The server prints its administrator log as it grows.
const server = new BesSimulator({
  name: 'BES01',
  onAdminEvent: (e: AdminEvent) => {
    if (e.type === 'key-rolled-over') console.log(`  [BES] key rolled over for ${e.pin} (reason: ${e.reason})`);
    else if (e.type === 'admin-command') console.log(`  [BES] administrator: ${e.command}${e.pin ? ` (${e.pin})` : ''}`);
    else if (e.type === 'device-retired') console.log(`  [BES] device ${e.pin} retired (${e.reason})`);
    else if (e.type === 'device-command-acknowledged') console.log(`  [BES] ${e.pin} acknowledged ${e.command}`);
  },
});
server.addUser({ email: EMAIL, displayName: 'Alice Example', activationPassword: 'bb8800pw' });

/** A handset on its own in-memory link to the server, printing its events after activation. */
function device(pin: string): Handset {
  const [handsetSide, serverSide] = createMemoryTransportPair();
  server.attach(serverSide);
  const config: HandsetConfig = {
    pin,
    routing: { relay: 'relay.blackberry.test', uid: `U${pin}` },
    device: { model: '8800', os: '4.5.0.110' },
  };
  const handset = new Handset({ config, transport: handsetSide });
  const say = (line: string) => console.log(`  [${pin}] ${line}`);
  handset.on('keyChanged', ({ keyId, algorithm }) => say(`new transport key ${keyId.slice(0, 8)}… (${algorithm})`));
  handset.on('policy', ({ ack, update }) => update && say(`IT policy ${ack.policyId} ${ack.status} and acknowledged`));
  handset.on('deactivated', ({ reason }) => say(`deactivated (${reason}): "${handset.status?.text}"`));
  handset.on('wiped', () => say(`wiped: phase ${handset.state.phase}`));
  return handset;
}

/** Waits (on real time: the memory link delivers at once) until `done()`, or gives up after 5 s. */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 5_000) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

console.log('1. The first device activates');
const first = device('2100000A');
const result = await first.activate({ email: EMAIL, password: 'bb8800pw' });
console.log(`  [2100000A] ${first.status?.text}: ${result.keyAlgorithm}, key ${result.keyId.slice(0, 8)}…`);

console.log('2. The administrator regenerates the device transport key');
let keyChanges = 0;
first.on('keyChanged', () => (keyChanges += 1));
server.regenerateKey(EMAIL);
await until('the key rollover', () => keyChanges === 1);

console.log('3. The administrator resends the IT policy');
let policyUpdates = 0;
first.on('policy', ({ update }) => update && (policyUpdates += 1));
server.resendItPolicy(EMAIL);
await until('the IT policy acknowledged', () => policyUpdates === 1 && server.policyPending(EMAIL) === undefined);

console.log('4. A second device is activated for Alice: the first is retired');
server.setActivationPassword(EMAIL, 'second-device-2');
const second = device('2100000B');
await second.activate({ email: EMAIL, password: 'second-device-2' });
console.log(`  [2100000B] ${second.status?.text}`);
await until('the first device deactivated', () => first.state.phase === 'deactivated');

console.log('5. The administrator wipes the second device');
server.wipe(EMAIL);
await until('the second device wiped', () => second.state.phase === 'idle');
console.log(`  [BES] account: ${server.account(EMAIL)?.status}, device: ${server.account(EMAIL)?.devicePin ?? 'none'}`);

await first.close();
await second.close();
server.close();
