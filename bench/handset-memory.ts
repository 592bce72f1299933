/**
 * Heap per idle activated handset (issue 14): N handsets activate against one simulator, then the
 * simulator, the transports and the drivers that ran are dropped, and what a fleet of idle
 * handsets keeps is measured in layers: the machines' states, the records in their record stores,
 * and the drivers rebuilt on the states. Also the state's size as CBOR (what a snapshot seals).
 *
 * Run: `node --expose-gc --import tsx bench/handset-memory.ts [N] [--breakdown]` (N defaults to
 * 200). `--breakdown` then activates N more and says where each one's heap goes (the driver,
 * suspended, with its state and record store), by the path from the `Handset`
 * (bench/heap-breakdown.ts: a heap snapshot and its dominator tree).
 */
import { encodeCbor } from '../src/codec/cbor.js';
import { withoutRecords } from '../src/handset/handset.js';
import { Handset, SYNC_ORDER, createMemoryTransportPair, seededRandom, type HandsetState, type Transport } from '../src/index.js';
import { BesSimulator } from '../src/simulator/index.js';
import type { RecordStore } from '../src/sync/record-store.js';
import { heapBreakdown } from './heap-breakdown.js';

const args = process.argv.slice(2);
const breakdown = args.includes('--breakdown');
const N = Number(args.find((a) => !a.startsWith('--')) ?? 200);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');
const gc = collect;

/** Heap in use once what the last run left pending (microtasks, timers) has run and been collected. */
async function heap(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** A transport that carries nothing: an idle handset listens and sends no frame. */
const silent = (): Transport => ({ send: async () => undefined, onFrame: () => () => undefined, close: async () => undefined });

interface Kept {
  /** The machine's own state (no records). */
  readonly state: HandsetState;
  /** Where its records are. */
  readonly recordStore: RecordStore;
}

/** Activates `n` handsets; each driver, suspended, goes into `drivers` when given. */
async function activateAll(n: number, drivers?: Handset[]): Promise<Kept[]> {
  const server = new BesSimulator({ random: seededRandom('server') });
  const kept: Kept[] = [];
  for (let i = 0; i < n; i++) {
    const email = `user${i}@example.com`;
    server.addUser({ email, displayName: `User ${i}`, activationPassword: 'pw123456' });
    const [h, s] = createMemoryTransportPair();
    server.attach(s);
    const handset = new Handset({
      config: {
        pin: (0x21000000 + i).toString(16).toUpperCase(),
        routing: { relay: 'relay.example', uid: `U${i}` },
        device: { model: '8800', os: '4.5.0' },
      },
      transport: h,
      random: seededRandom(`h${i}`),
    });
    await handset.activate({ email, password: 'pw123456' });
    handset.suspend();
    kept.push({ state: withoutRecords(handset.state).state, recordStore: handset.recordStore });
    drivers?.push(handset);
  }
  server.close();
  return kept;
}

async function recordCount(store: RecordStore): Promise<number> {
  let n = 0;
  for (const database of SYNC_ORDER) n += await store.count(database);
  return n;
}

// A first round compiles and caches what every activation uses: not the handsets' cost.
await activateAll(20);
const base = await heap();

const fleet = { kept: await activateAll(N), drivers: [] as Handset[] };
const records = await recordCount(fleet.kept[0]!.recordStore);
const cbor = fleet.kept.reduce((n, k) => n + encodeCbor(k.state).length, 0) / N;
const all = (await heap()) - base;
fleet.drivers = fleet.kept.map(
  (k) => new Handset({ config: k.state.config, state: k.state, transport: silent(), recordStore: k.recordStore }),
);
const withDrivers = (await heap()) - base;
fleet.drivers.length = 0;
const states = fleet.kept.map((k) => k.state);
fleet.kept.length = 0;
const statesOnly = (await heap()) - base;
states.length = 0;
// What the runs left behind that no handset holds (the simulator's, the runtime's): subtracted.
const residue = (await heap()) - base;

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`${N} activated idle handsets, ${records} records each (the simulator's default data set)`);
console.log(`state (machine)        ${kib((statesOnly - residue) / N)} per handset`);
console.log(`state as CBOR          ${cbor.toFixed(0)} bytes per handset`);
console.log(`records (MemoryRecordStore) ${((all - statesOnly) / N / Math.max(records, 1)).toFixed(0)} bytes per record`);
console.log(`state + records        ${kib((all - residue) / N)} per handset`);
console.log(`+ a driver (Handset)   ${kib((withDrivers - residue) / N)} per handset`);
console.log(`left by the runs       ${kib(residue / N)} per activation (not a handset's)`);
if (breakdown) {
  // The activation drivers themselves, suspended, each holding its own state and record store.
  const drivers: Handset[] = [];
  await activateAll(N, drivers);
  const paths = heapBreakdown('Handset');
  console.log(`\nwhere a driver's heap goes (${paths.objects} Handset objects, retained ${paths.retained.toFixed(0)} bytes each):`);
  for (const [path, bytes] of paths.byPath.slice(0, 30))
    console.log(`${bytes.toFixed(0).padStart(8)}  ${path === '' ? '(the Handset)' : path}`);
}
