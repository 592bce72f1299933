/**
 * Micro benchmarks: how fast the pieces are (CPace, sealing, decoding) and what a simulator
 * snapshot weighs. Run with `npx tsx bench/micro.ts`; `npm run bench` is the whole activation
 * against its crypto floor (docs/performance.md). Numbers depend on the machine.
 */
import { performance } from 'node:perf_hooks';
import { Handset, createMemoryTransportPair, nobleProvider, seededRandom, type CPaceSuiteId } from '../src/index.js';
import { aes256Cbc, cpaceStart, tdesEde2Cbc, x25519Suite, p521Suite } from '../src/crypto/index.js';
import { createNobleProvider } from '../src/crypto/noble-provider.js';
import { decodeEtpDat, decodeFrame } from '../src/wire/index.js';
import { BesSimulator } from '../src/simulator/index.js';
import * as v from 'valibot';
import { passesGuard } from '../src/codec/schema-guard.js';
import { decodeCbor, encodeCbor } from '../src/codec/cbor.js';
import { DEFAULT_DATA_COUNTS, generateUserData } from '../src/simulator/user-data/generate-user-data.js';
import { SYNC_ORDER } from '../src/sync/databases.js';
import { syncRecordSchema } from '../src/sync/records.js';

// Every suite and cipher on both sides: the default provider has X25519 and AES-256 only.
const provider = createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });

function bench(name: string, iterations: number, fn: () => void): void {
  for (let i = 0; i < Math.min(5, iterations); i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  const ms = performance.now() - start;
  console.log(
    `${name.padEnd(48)} ${(ms / iterations).toFixed(3).padStart(10)} ms/op ${((iterations * 1000) / ms).toFixed(1).padStart(10)} ops/s`,
  );
}

async function activation(suite: CPaceSuiteId, i: number): Promise<Uint8Array> {
  const server = new BesSimulator({ random: seededRandom(`s${i}`), services: { pageSize: 50 }, provider });
  server.addUser({ email: 'a@example.com', displayName: 'A', activationPassword: 'pw123456' });
  const [h, s] = createMemoryTransportPair();
  server.attach(s);
  let etp: Uint8Array | undefined;
  s.onFrame((f) => (etp ??= f));
  const handset = new Handset({
    config: { pin: '2100000A', routing: { relay: 'r', uid: 'u' }, device: { model: 'm', os: '1' }, suites: [suite] },
    transport: h,
    random: seededRandom(`h${i}`),
    provider,
  });
  await handset.activate({ email: 'a@example.com', password: 'pw123456' });
  await handset.close();
  return etp!;
}

const random = seededRandom('bench');
const ci = new Uint8Array(40);
const sid = new Uint8Array(16);
const prs = new TextEncoder().encode('pw123456');
console.log('CPace');
bench('cpaceStart X25519 (generator + share)', 200, () => cpaceStart(x25519Suite, { prs, ci, sid }, random));
bench('cpaceStart P-521 (generator + share)', 20, () => cpaceStart(p521Suite, { prs, ci, sid }, random));

console.log('Message protection (1 KiB payload)');
const payload = new Uint8Array(1024);
const aesKey = nobleProvider.transportCipher('AES-256-CBC').generateKey(random);
const desKey = provider.transportCipher('TDES-EDE2-CBC').generateKey(random);
const ad = new Uint8Array(32);
bench('seal+open AES-256-CBC', 500, () =>
  nobleProvider.openMessage(aesKey, nobleProvider.sealMessage('AES-256-CBC', aesKey, payload, ad, random), ad),
);
bench('seal+open TDES-EDE2-CBC', 100, () =>
  provider.openMessage(desKey, provider.sealMessage('TDES-EDE2-CBC', desKey, payload, ad, random), ad),
);

console.log('Whole activations, in process, to Activation Complete (default data set)');
let frame: Uint8Array | undefined;
for (const suite of ['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'] as const) {
  const n = suite === 'CPACE-X25519-SHA512' ? 20 : 5;
  const start = performance.now();
  for (let i = 0; i < n; i++) frame = await activation(suite, i);
  const ms = (performance.now() - start) / n;
  console.log(`${`activation ${suite}`.padEnd(48)} ${ms.toFixed(1).padStart(10)} ms/op`);
}

console.log('Decoding');
const etpDat = decodeFrame(frame!).body;
bench('decodeFrame (ETP.DAT frame)', 5000, () => decodeFrame(frame!));
bench('decodeEtpDat', 5000, () => decodeEtpDat(etpDat));

console.log('Checking a decoded organizer record (the default data set, as cbor-x decodes it)');
{
  // docs/performance.md quotes these: valibot's run against the schema guard that decoding asks
  // first (src/codec/schema-guard.ts), per record of the 102 a default activation syncs.
  const data = generateUserData({
    seed: 'micro@example.com',
    counts: DEFAULT_DATA_COUNTS,
    owner: { email: 'micro@example.com', displayName: 'Micro' },
    now: 1_700_000_000_000,
  });
  const records = SYNC_ORDER.flatMap((d): readonly unknown[] => data[d]).map((r) => decodeCbor(encodeCbor(r), 'record'));
  const perRecord = (name: string, check: (record: unknown) => boolean): void => {
    const all = (): void => {
      for (const r of records) if (!check(r)) throw new Error(`${name} refused a generated record`);
    };
    for (let i = 0; i < 20; i++) all();
    const rounds = 200;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) all();
    const us = ((performance.now() - start) * 1000) / (rounds * records.length);
    console.log(`${`${name}, ${records.length} records`.padEnd(48)} ${us.toFixed(2).padStart(10)} us/record`);
  };
  perRecord('valibot safeParse', (r) => v.safeParse(syncRecordSchema, r, { abortEarly: true }).success);
  perRecord('schema guard', (r) => passesGuard(syncRecordSchema, r));
}

console.log('Memory');
const before = process.memoryUsage().heapUsed;
const many: Promise<Uint8Array>[] = [];
for (let i = 0; i < 50; i++) many.push(activation('CPACE-X25519-SHA512', 1000 + i));
await Promise.all(many);
const after = process.memoryUsage().heapUsed;
console.log(`${'50 concurrent activations, heap growth'.padEnd(48)} ${((after - before) / 1048576).toFixed(1).padStart(10)} MiB`);

console.log('Snapshots');
{
  // One server, 300 activated devices: what a sealed simulator snapshot weighs and costs
  // (docs/architecture.md quotes it).
  const server = new BesSimulator({ random: seededRandom('snapshot-bench'), provider });
  const [h, s] = createMemoryTransportPair();
  server.attach(s);
  for (let i = 0; i < 300; i++) {
    const email = `user${i}@example.com`;
    server.addUser({ email, displayName: `User ${i}`, activationPassword: 'pw123456' });
    const pin = (0x21000000 + i).toString(16).toUpperCase();
    const handset = new Handset({
      config: { pin, routing: { relay: 'r', uid: 'u' }, device: { model: 'm', os: '1' } },
      transport: h,
      random: seededRandom(`snapshot-bench/${i}`),
      provider,
    });
    await handset.activate({ email, password: 'pw123456' });
    await handset.close();
  }
  const key = new Uint8Array(32).fill(9);
  let sealed: Uint8Array = new Uint8Array(0);
  bench('simulator snapshot, 300 activated sessions', 5, () => (sealed = server.snapshot(key)));
  bench('simulator restore, 300 activated sessions', 5, () => BesSimulator.restore(sealed, key, { provider }));
  console.log(`${'simulator snapshot size, 300 activated sessions'.padEnd(48)} ${(sealed.length / 1024).toFixed(0).padStart(10)} KiB`);
  server.close();
}
