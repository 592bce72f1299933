/**
 * The heap part of the benchmark, run by bench/memory.ts in a process of its own started with
 * `--expose-gc` (a collection before each reading; the timing part's garbage stays out). Prints
 * one JSON object (MemoryFigures) on stdout.
 *
 * Per idle activated handset: N handsets activated and kept (closed, as an emulator keeps a
 * device), then dropped; the heap difference over N. Per simulator account: a server with a few
 * activated accounts (its one-off costs paid), then the same server with N more (and no
 * handsets); the difference over N. Both once
 * with the simulator's default organizer data and once with none, so that the handset's protocol
 * state and the cost per organizer record come apart.
 */
import type { CryptoProvider, Handset } from '../src/index.js';
import { activate, addUsers, createServer } from './activation.js';
import { CONFIGURATIONS } from './configurations.js';
import { PROVIDERS } from './providers.js';

export interface HeapSample {
  /** Heap per idle activated handset. */
  readonly handsetBytes: number;
  /** Heap per activated simulator account (the account, its finished session, its data). */
  readonly accountBytes: number;
  /** Organizer records each handset received. */
  readonly records: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function heapUsed(): Promise<number> {
  if (gc === undefined) throw new Error('bench/memory-child.ts needs node --expose-gc');
  // Several passes with a turn of the event loop between: finalizers and weak references settle.
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Accounts activated on each server before the first reading: its one-off costs (tables, caches) stay out. */
const SETTLE = 3;

async function sample(count: number, emptyData: boolean): Promise<HeapSample> {
  const configuration = CONFIGURATIONS[0]!;
  // noble: synchronous, so the simulator takes it too.
  const provider = (await PROVIDERS[0]!.create()) as CryptoProvider;
  const server = createServer(configuration, provider, { emptyData });
  addUsers(server, 0, SETTLE);
  for (let i = 0; i < SETTLE; i++) await activate(server, configuration, provider, i);
  const settled = await heapUsed();
  addUsers(server, SETTLE, count);
  const handsets: Handset[] = [];
  let records = 0;
  for (let i = SETTLE; i < SETTLE + count; i++) {
    const totals = new Map<string, number>();
    handsets.push(
      await activate(server, configuration, provider, i, {
        listen: (h) => h.on('sync-progress', ({ database, total }) => totals.set(database, total)),
      }),
    );
    records = [...totals.values()].reduce((a, b) => a + b, 0);
  }
  const withHandsets = await heapUsed();
  handsets.length = 0;
  const withoutHandsets = await heapUsed();
  // Read after the last sample, so that the server is alive for all three.
  server.close();
  return {
    handsetBytes: (withHandsets - withoutHandsets) / count,
    accountBytes: (withoutHandsets - settled) / count,
    records,
  };
}

const count = Number(process.argv[2] ?? 400);
// Warm up outside any sample: the JIT's code and feedback, noble's precomputed tables and lazily
// built module state land in the heap while code gets hot (with one activation only, the figures
// at N = 10 were a quarter higher than at N = 40).
await sample(Math.min(10, count), false);
await sample(Math.min(2, count), true);
const withData = await sample(count, false);
const withoutData = await sample(count, true);
process.stdout.write(`${JSON.stringify({ count, withData, withoutData })}\n`);
