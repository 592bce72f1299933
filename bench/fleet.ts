/**
 * `npm run bench:fleet`: fleet throughput in process, one worker thread against two, side by side
 * in one run (issue 15: two worker threads give at least 1.7x the throughput of one). It runs the
 * BUILT package (`npm run build` first, which the script does): the worker threads load
 * `dist/fleet-worker.js`.
 *
 * Each round runs a warm-up fleet, then one fleet per thread count, alternating which goes first,
 * each `--devices` activations at `--concurrency` in flight on the `memory` target (each thread with
 * its own simulator: the whole activation, both sides, in that thread). Reports completed
 * activations per second per round and the median ratio two / one. The ratio is the figure: on a
 * machine with fewer than two idle cores it says so, whatever the code does.
 *
 *   npm run bench:fleet [-- --devices N] [--rounds N] [--concurrency N] [--crypto noble|node] [--json]
 *
 * `--crypto node` runs both sides on node:crypto (runFleet's `crypto`) instead of noble.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

type NodeEntry = typeof import('../src/node/index.js');

interface Args {
  devices: number;
  rounds: number;
  concurrency: number;
  crypto: 'noble' | 'node';
  json: boolean;
}

function parse(argv: readonly string[]): Args {
  const args: Args = { devices: 400, rounds: 3, concurrency: 20, crypto: 'noble', json: false };
  const usage = 'usage: npm run bench:fleet -- [--devices N] [--rounds N] [--concurrency N] [--crypto noble|node] [--json]';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--devices' || a === '--rounds' || a === '--concurrency') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a whole number of at least 1`);
      args[a.slice(2) as 'devices' | 'rounds' | 'concurrency'] = n;
    } else if (a === '--crypto') {
      const crypto = argv[++i];
      if (crypto !== 'noble' && crypto !== 'node') throw new Error(`--crypto is noble or node; ${usage}`);
      args.crypto = crypto;
    } else throw new Error(`unknown option ${a}; ${usage}`);
  }
  return args;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const args = parse(process.argv.slice(2));
const root = join(import.meta.dirname, '..');
const { runFleet } = (await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href)) as NodeEntry;
const log = (line: string): void => void process.stderr.write(`bench:fleet: ${line}\n`);

/** One timed fleet: its throughput over the whole run and once the threads are warm, and the cores it kept busy. */
interface Run {
  readonly perSecond: number;
  readonly steadyPerSecond: number;
  readonly cores: number;
}

async function timedFleet(workers: 1 | 2, seed: string): Promise<Run> {
  // Progress samples: the steady rate is taken from the first sample at a quarter of the devices
  // to the end, leaving out the threads' start, module load and JIT warm-up (each runFleet starts
  // its own pool, so the warm-up fleet before it warms the machine, not these threads).
  const samples: { done: number; elapsedMs: number }[] = [];
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const report = await runFleet({
    target: 'memory',
    concurrency: args.concurrency,
    crypto: args.crypto,
    workers,
    seed,
    devices: args.devices,
    progressEveryMs: 100,
    onProgress: (p) => samples.push({ done: p.done, elapsedMs: p.elapsedMs }),
  });
  if (report.failed > 0) throw new Error(`bench:fleet: ${report.failed} activations failed: ${JSON.stringify(report.failures)}`);
  const used = process.cpuUsage(cpu);
  const cores = (used.user + used.system) / 1000 / (performance.now() - wall);
  const from = samples.find((s) => s.done >= args.devices / 4);
  const last = samples.at(-1);
  const steadyPerSecond =
    from !== undefined && last !== undefined && last.elapsedMs > from.elapsedMs
      ? Math.round(((last.done - from.done) * 1000) / (last.elapsedMs - from.elapsedMs))
      : report.perSecond;
  return { perSecond: report.perSecond, steadyPerSecond, cores: Math.round(cores * 100) / 100 };
}

/**
 * What the machine itself gives from a second thread: X25519 key agreements (noble, the bulk of an
 * activation's work) for a fixed time in one worker thread, then in two at once; the ratio of the
 * counts. On two real, idle cores it is near 2; where the two CPUs share a physical core or a host
 * that is busy, it is lower, and no fleet can beat it. The fleet's ratio is read against it.
 */
async function machineCeiling(ms: number): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.curves).then(({ x25519 }) => {
      const secret = new Uint8Array(32).fill(7);
      let point = x25519.getPublicKey(secret);
      let count = 0;
      const end = performance.now() + workerData.ms;
      while (performance.now() < end) { point = x25519.getSharedSecret(secret, point); count++; }
      parentPort.postMessage(count);
    });`;
  const curves = pathToFileURL(join(root, 'node_modules', '@noble', 'curves', 'ed25519.js')).href;
  const count = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { curves, ms } });
      w.once('message', (n: number) => void w.terminate().then(() => resolve(n)));
      w.once('error', reject);
    });
  await count(); // warm-up: the first thread of a process pays for loading
  const one = await count();
  const two = await Promise.all([count(), count()]);
  return (two[0] + two[1]) / one;
}

const rounds: { one: Run; two: Run; ratio: number; steadyRatio: number; machineCeiling: number }[] = [];
for (let round = 0; round < args.rounds; round++) {
  const ceiling = await machineCeiling(args.devices >= 100 ? 3000 : 200);
  const runs: Partial<Record<1 | 2, Run>> = {};
  const order: (1 | 2)[] = round % 2 === 0 ? [1, 2] : [2, 1];
  for (const workers of order) {
    // Warm-up: the machine and this thread; not timed.
    const warm = { target: 'memory', concurrency: args.concurrency, crypto: args.crypto, workers } as const;
    await runFleet({ ...warm, seed: `bench-warm-${round}-${workers}`, devices: Math.min(args.devices, 4 * args.concurrency) });
    runs[workers] = await timedFleet(workers, `bench-${round}-${workers}`);
  }
  const one = runs[1]!;
  const two = runs[2]!;
  const r = {
    one,
    two,
    ratio: two.perSecond / one.perSecond,
    steadyRatio: two.steadyPerSecond / one.steadyPerSecond,
    machineCeiling: Math.round(ceiling * 100) / 100,
  };
  rounds.push(r);
  log(
    `round ${round + 1}: one thread ${one.perSecond}/s (steady ${one.steadyPerSecond}/s, ${one.cores} cores busy), ` +
      `two ${two.perSecond}/s (steady ${two.steadyPerSecond}/s, ${two.cores} cores), ${r.ratio.toFixed(2)}x (steady ${r.steadyRatio.toFixed(2)}x); ` +
      `the machine: two threads of plain X25519 give ${r.machineCeiling}x one`,
  );
}

const result = {
  schema: 'enterprise-activation/bench-fleet/2',
  machine: { cpus: availableParallelism(), node: process.version, loadAverage: loadavg()[0] ?? 0 },
  settings: args,
  rounds,
  ratio: median(rounds.map((r) => r.ratio)),
  steadyRatio: median(rounds.map((r) => r.steadyRatio)),
  machineCeiling: median(rounds.map((r) => r.machineCeiling)),
  goal: { description: 'two worker threads / one, throughput (in process)', comparison: '>=', target: 1.7 },
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else
  console.log(
    `fleet throughput (${args.crypto}), two worker threads / one: ${result.ratio.toFixed(2)}x over the whole run, ${result.steadyRatio.toFixed(2)}x once warm (median of ${args.rounds}; goal >= 1.7x); plain X25519 gives ${result.machineCeiling.toFixed(2)}x on ${result.machine.cpus} CPUs, load ${result.machine.loadAverage.toFixed(1)}`,
  );
