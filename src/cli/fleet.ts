/**
 * `enterprise-activation fleet`: many handsets activating against an in-process simulator or a
 * `serve`, with a live progress line and a summary of latency percentiles per phase, failures by
 * code, throughput and peak memory (`runFleet` of `/node`; issue 15).
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { availableParallelism } from 'node:os';
import { runFleet } from '../fleet/run-fleet.js';
import type { FleetProgress, FleetReport } from '../fleet/fleet-report.js';
import { FLEET_PHASES } from '../fleet/phase-clock.js';
import { NAME, parse, positiveOption, shown, usageError, wholeOption } from './command-line.js';

export const FLEET_USAGE = `usage: ${NAME} fleet [options]

Activates many simulated handsets (PINs, accounts and passwords derived from --seed) against an
in-process BES simulator or a running "${NAME} serve", then prints latency percentiles per
phase (p50/p90/p99/max), failures by error code, throughput and peak memory.

options:
  --target TARGET      memory (an in-process simulator, the default) or the URL of a serve
                       (asked for its health first: nothing answering there stops the fleet at once)
  --devices N          how many handsets (default 100)
  --duration SECONDS   keep starting handsets for this long instead of a count
  --concurrency N      activations in flight at once (default 10)
  --rate R             start R activations per second instead (at most --concurrency in flight)
  --seed TEXT          the seed of the devices; a serve's accounts need the same (default "fleet")
  --domain DOMAIN      the accounts' domain (default example.com)
  --workers N          worker threads to spread the handsets over, 0 for none (default: one per
                       core, here ${availableParallelism()}; with --target memory each has its own simulator)
  --node-crypto        handsets (and the memory target) on node:crypto instead of noble
  --poll               with a URL target, HTTP long-polling instead of WebSocket
  --json               the summary as JSON on stdout (progress still on stderr)
  -h, --help           show this help

exit codes: 0 every activation completed, 1 some failed (or the fleet could not run), 2 bad
command line`;

/** `--name`'s whole number from `min` to `max`; undefined when not given. */
function whole(value: string | undefined, name: string, min: number, max: number): number | undefined {
  return wholeOption(value, name, min, max, FLEET_USAGE);
}

/** `--name`'s number above 0, at most `max`; undefined when not given. */
function positive(value: string | undefined, name: string, max: number): number | undefined {
  return positiveOption(value, name, max, FLEET_USAGE);
}

function progressLine(p: FleetProgress, total: number | undefined): string {
  const of = total === undefined ? '' : `/${total}`;
  return `${p.done}${of} done, ${p.failed} failed, ${p.inFlight} in flight, ${p.perSecond.toFixed(1)}/s, p50 ${p.p50} ms, p99 ${p.p99} ms`;
}

function summary(report: FleetReport): string[] {
  const rows = FLEET_PHASES.map((phase) => {
    const l = report.phases[phase];
    return `  ${phase.padEnd(24)} ${String(l.p50).padStart(7)} ${String(l.p90).padStart(7)} ${String(l.p99).padStart(7)} ${String(l.max).padStart(7)}`;
  });
  const failures = Object.entries(report.failures)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    `${NAME} fleet against ${report.target}: ${report.completed} completed, ${report.failed} failed in ${(report.durationMs / 1000).toFixed(1)} s (${report.perSecond}/s)`,
    `  phase (ms)                   p50     p90     p99     max`,
    ...rows,
    ...(failures === '' ? [] : [`  failures by code: ${failures}`]),
    `  peak RSS: ${(report.peakRssBytes / 1048576).toFixed(0)} MiB`,
  ];
}

export async function fleet(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      target: { type: 'string' },
      devices: { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      domain: { type: 'string' },
      'node-crypto': { type: 'boolean' },
      workers: { type: 'string' },
      poll: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    FLEET_USAGE,
  );
  if (values.help) {
    console.log(FLEET_USAGE);
    return 0;
  }
  const [extra] = positionals;
  if (extra !== undefined) throw usageError(`fleet takes no arguments, only options (got ${shown(extra)})`, FLEET_USAGE);
  if (values.devices !== undefined && values.duration !== undefined)
    throw usageError('give --devices or --duration, not both', FLEET_USAGE);
  const devices = whole(values.devices, 'devices', 1, 1_000_000);
  const duration = positive(values.duration, 'duration', 86_400);
  const concurrency = whole(values.concurrency, 'concurrency', 1, 10_000);
  const rate = positive(values.rate, 'rate', 100_000);
  const workers = whole(values.workers, 'workers', 0, 64) ?? Math.min(64, availableParallelism());
  const target = values.target ?? 'memory';
  const total = duration === undefined ? (devices ?? 100) : undefined;

  // Progress on stderr: one line redrawn on a terminal, a line every 5 s otherwise.
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const onProgress = (p: FleetProgress): void => {
    if (tty) process.stderr.write(`\r\u001b[2K${progressLine(p, total)}`);
    else if (p.elapsedMs - lastPrinted >= 5000) {
      lastPrinted = p.elapsedMs;
      process.stderr.write(`${progressLine(p, total)}\n`);
    }
  };
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  let report: FleetReport;
  try {
    report = await runFleet({
      target,
      seed: values.seed ?? 'fleet',
      ...(devices !== undefined ? { devices } : {}),
      ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(rate !== undefined ? { rate } : {}),
      ...(values.domain !== undefined ? { domain: values.domain } : {}),
      ...(values['node-crypto'] === true ? { crypto: 'node' as const } : {}),
      workers,
      ...(values.poll === true ? { mode: 'poll' as const } : {}),
      onProgress,
      signal: controller.signal,
    });
  } catch (err) {
    if (isActivationError(err, 'INVALID_ARGUMENT')) throw usageError(err.message, FLEET_USAGE);
    throw err instanceof ActivationError ? err : new ActivationError('INVALID_STATE', 'the fleet could not run', { operation: 'fleet' });
  } finally {
    process.off('SIGINT', stop);
    if (tty) process.stderr.write('\n');
  }
  if (values.json) console.log(JSON.stringify(report));
  else for (const line of summary(report)) console.log(line);
  return report.failed === 0 ? 0 : 1;
}
