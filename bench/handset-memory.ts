/**
 * Heap per idle activated handset (issue 14): N handsets activate against one simulator, then the
 * simulator, the transports and the drivers are dropped and what is left is measured in three
 * layers: the machine's states, the records (in their record stores), and the drivers rebuilt on
 * the states. Run: `node --expose-gc --import tsx bench/handset-memory.ts [N]`.
 */
import { encodeCbor } from '../src/codec/cbor.js';
import { Handset, createMemoryTransportPair, seededRandom, type HandsetState, type Transport } from '../src/index.js';
import { BesSimulator } from '../src/simulator/index.js';

const N = Number(process.argv[2] ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

async function heap(): Promise<number> {
  // Pending microtasks and timers of the run hold on to what they close over: let them run first.
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** A transport that carries nothing: an idle handset listens and sends no frame. */
function silent(): Transport {
  return { send: async () => undefined, onFrame: () => () => undefined, close: async () => undefined } as unknown as Transport;
}

type Kept = { state: HandsetState; store?: unknown };

async function activateAll(n: number): Promise<Kept[]> {
  const server = new BesSimulator({ random: seededRandom('server') });
  const kept: Kept[] = [];
  for (let i = 0; i < n; i++) {
    const email = `user${i}@example.com`;
    server.addUser({ email, displayName: `User ${i}`, activationPassword: 'pw123456' });
    const [h, s] = createMemoryTransportPair();
    server.attach(s);
    const pin = (0x21000000 + i).toString(16).toUpperCase();
    const handset = new Handset({
      config: { pin, routing: { relay: 'relay.example', uid: `U${i}` }, device: { model: '8800', os: '4.5.0' } },
      transport: h,
      random: seededRandom(`h${i}`),
    });
    await handset.activate({ email, password: 'pw123456' });
    handset.suspend();
    const store = (handset as unknown as { recordStore?: unknown }).recordStore;
    kept.push({ state: handset.state, ...(store ? { store } : {}) });
  }
  server.close();
  return kept;
}

function recordsIn(k: Kept): number {
  const sync = (k.state as { sync?: { store?: Record<string, unknown[]> } }).sync;
  if (sync?.store) return Object.values(sync.store).reduce((n, r) => n + r.length, 0);
  const store = k.store as { count?: (db: string) => number } | undefined;
  if (!store?.count) return 0;
  return ['calendar', 'contacts', 'tasks', 'memos', 'emailSettings', 'messages', 'options'].reduce((n, db) => n + (store.count!(db) as number), 0);
}

// A first round compiles and caches what every activation uses: not the handsets' cost.
await activateAll(20);
const base = (await heap());
let kept: Kept[] | undefined = await activateAll(N);
const records = recordsIn(kept[0]!);
const cborBytes = process.env.NOCBOR ? 0 : kept.reduce((n, k) => n + encodeCbor(k.state).length, 0) / N;
const withAll = (await heap()) - base;
// The drivers: rebuilt on the states, listening on a transport that carries nothing.
let drivers: Handset[] | undefined = process.env.NODRV ? [] : kept.map((k) => new Handset({ config: k.state.config, state: k.state, transport: silent(), ...(k.store ? { recordStore: k.store } : {}) } as never));
const withDrivers = (await heap()) - base;
drivers = undefined;
// The states alone: the records dropped.
let states: HandsetState[] | undefined = kept.map((k) => {
  const s = k.state as HandsetState & { sync?: { store?: unknown } };
  return (s.sync?.store ? { ...s, sync: { ...s.sync, store: {} } } : s) as HandsetState;
});
kept = undefined;
const statesOnly = (await heap()) - base;
states = undefined;
const kib = (b: number) => (b / 1024).toFixed(1);
console.log(`N = ${N} activated idle handsets, ${records} records each`);
console.log(`states + records:            ${kib(withAll / N)} KiB per handset`);
console.log(`states + records + drivers:  ${kib(withDrivers / N)} KiB per handset`);
console.log(`states alone:                ${kib(statesOnly / N)} KiB per handset`);
console.log(`records:                     ${((withAll - statesOnly) / N / Math.max(records, 1)).toFixed(0)} bytes per record`);
console.log(`state as CBOR:               ${cborBytes.toFixed(0)} bytes per handset`);
void drivers;
void states;
console.log(`after dropping all:          ${kib(((await heap()) - base) / N)} KiB per handset`);
