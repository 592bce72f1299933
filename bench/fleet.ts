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
 *   npm run bench:fleet [-- --devices N] [--rounds N] [--concurrency N] [--json]
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type NodeEntry = typeof import('../src/node/index.js');

interface Args {
  devices: number;
  rounds: number;
  concurrency: number;
  json: boolean;
}

function parse(argv: readonly string[]): Args {
  const args: Args = { devices: 400, rounds: 3, concurrency: 20, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--devices' || a === '--rounds' || a === '--concurrency') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a whole number of at least 1`);
      args[a.slice(2) as 'devices' | 'rounds' | 'concurrency'] = n;
    } else throw new Error(`unknown option ${a}; usage: npm run bench:fleet -- [--devices N] [--rounds N] [--concurrency N] [--json]`);
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

const rounds: { one: number; two: number; ratio: number }[] = [];
for (let round = 0; round < args.rounds; round++) {
  const perSecond: Record<1 | 2, number> = { 1: 0, 2: 0 };
  const order: (1 | 2)[] = round % 2 === 0 ? [1, 2] : [2, 1];
  for (const workers of order) {
    const fleet = { target: 'memory', concurrency: args.concurrency, workers } as const;
    // Warm-up: the threads start, load the build and JIT-compile it; not timed.
    await runFleet({ ...fleet, seed: `bench-warm-${round}-${workers}`, devices: Math.min(args.devices, 4 * args.concurrency) });
    const report = await runFleet({ ...fleet, seed: `bench-${round}-${workers}`, devices: args.devices });
    if (report.failed > 0) throw new Error(`bench:fleet: ${report.failed} activations failed: ${JSON.stringify(report.failures)}`);
    perSecond[workers] = report.perSecond;
  }
  rounds.push({ one: perSecond[1], two: perSecond[2], ratio: perSecond[2] / perSecond[1] });
  log(`round ${round + 1}: one thread ${perSecond[1]}/s, two ${perSecond[2]}/s, ${(perSecond[2] / perSecond[1]).toFixed(2)}x`);
}

const result = {
  schema: 'enterprise-activation/bench-fleet/1',
  machine: { cpus: availableParallelism(), node: process.version, loadAverage: loadavg()[0] ?? 0 },
  settings: args,
  rounds,
  ratio: median(rounds.map((r) => r.ratio)),
  goal: { description: 'two worker threads / one, throughput (in process)', comparison: '>=', target: 1.7 },
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else
  console.log(
    `fleet throughput, two worker threads / one: ${result.ratio.toFixed(2)}x (median of ${args.rounds}; goal >= 1.7x) on ${result.machine.cpus} CPUs, load ${result.machine.loadAverage.toFixed(1)}`,
  );
