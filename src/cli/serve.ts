/**
 * `enterprise-activation serve`: a BES simulator behind the relay as one long-running process
 * (`startBesServer` of `/node`), for handsets, fleets and people to activate against (issue 15).
 * Runs until SIGINT or SIGTERM, then closes everything and prints a summary; a second signal ends
 * it at once (exit 1).
 */
import { randomBytes } from 'node:crypto';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../node/relay/relay-limits.js';
import { startBesServer, type BesServer, type BesServerSummary, type BesServerUser } from '../serve/bes-server.js';
import { fleetEmail, fleetUsers, MAX_FLEET_USERS } from '../simulator/fleet-users.js';
import { NAME, parse, shown, usageError, wholeOption } from './command-line.js';
import { readRegularFile } from './files.js';
import { MAX_USERS_FILE_BYTES, parseUsersFile } from './users-file.js';

export const SERVE_USAGE = `usage: ${NAME} serve [options]

Runs a BES simulator behind the reference relay (HTTP long-poll and WebSocket), until Ctrl-C
(SIGINT) or SIGTERM, then prints a summary. Handsets connect with createRelayTransport({ url }).
GET /metrics gives Prometheus metrics (activations by outcome, phase latencies, queues),
GET /v1/health a health check. With --ui, /ui is a page that looks and behaves like a handset's
Enterprise Activation screen (the library running in the browser), beside an administrator's
view of the simulator; open the page address it prints (it carries the administrator's token).

options:
  --host ADDRESS       address to listen on (default 127.0.0.1)
  --port PORT          port to listen on, 0 for any free one (default 8080)
  --users N            generate N accounts, user00001@DOMAIN and on (default 10, at most ${MAX_FLEET_USERS})
  --seed TEXT          the generated accounts' passwords derive from TEXT, as a fleet derives
                       them (fleetPassword of enterprise-activation/simulator); default: a
                       random seed, printed at start
  --domain DOMAIN      the generated accounts' domain (default example.com)
  --users-file FILE    the accounts from FILE instead: JSON [{"email","password","displayName"?}]
                       or CSV with a header line naming email,password[,displayName]
  --smtp               take ETP.DATs by mail, through an SMTP server of its own on loopback
  --limit NAME=VALUE   set a relay limit (repeatable); the limits in force are printed at start
  --cors ORIGIN        let web pages from ORIGIN use the relay (repeatable; * for any)
  --ui                 serve the emulator page at /ui, with its administrator's view
  --json               print the start and the summary as JSON lines (for tools)
  -h, --help           show this help`;

const DEFAULT_PORT = 8080;
/** How often a status line is printed while activations happen (ms). */
const STATUS_EVERY_MS = 10_000;

function integerOption(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  return wholeOption(value, name, min, max, SERVE_USAGE) ?? fallback;
}

function parseLimits(given: readonly string[] | undefined): Partial<RelayLimits> {
  const limits: Partial<Record<keyof RelayLimits, number>> = {};
  for (const entry of given ?? []) {
    const m = /^([A-Za-z]+)=(\d{1,12})$/.exec(entry);
    const name = m?.[1];
    if (m === null || name === undefined || !(name in DEFAULT_RELAY_LIMITS))
      throw usageError(
        `--limit ${shown(entry)}: not NAME=VALUE with a relay limit's name (${Object.keys(DEFAULT_RELAY_LIMITS).join(', ')})`,
        SERVE_USAGE,
      );
    limits[name as keyof RelayLimits] = Number(m[2]);
  }
  return limits;
}

interface Accounts {
  readonly users: BesServerUser[];
  /** How they were made, for the start message (never a password). */
  readonly described: string;
  /** The seed, when the command chose it (so that a fleet can be given it). */
  readonly chosenSeed?: string;
}

function accounts(values: { users?: string; seed?: string; domain?: string; 'users-file'?: string }): Accounts {
  if (values['users-file'] !== undefined) {
    if (values.users !== undefined || values.seed !== undefined || values.domain !== undefined)
      throw usageError('--users-file takes the accounts from the file: leave out --users, --seed and --domain', SERVE_USAGE);
    const file = values['users-file'];
    const text = Buffer.from(readRegularFile(file, MAX_USERS_FILE_BYTES, 'an accounts file')).toString('utf8');
    const users = parseUsersFile(text);
    return { users, described: `${users.length} from ${shown(file)}` };
  }
  const count = integerOption(values.users, 'users', 1, MAX_FLEET_USERS, 10);
  const chosenSeed = values.seed === undefined ? Buffer.from(randomBytes(12)).toString('base64url') : undefined;
  const seed = values.seed ?? chosenSeed ?? '';
  const domain = values.domain ?? 'example.com';
  const users: BesServerUser[] = fleetUsers({ count, seed, domain });
  const range = count > 1 ? `${fleetEmail(1, domain)} .. ${fleetEmail(count, domain)}` : fleetEmail(1, domain);
  return {
    users,
    described: `${count} generated (${range}, passwords from the seed)`,
    ...(chosenSeed !== undefined ? { chosenSeed } : {}),
  };
}

function summaryLines(summary: BesServerSummary): string[] {
  const a = summary.activations;
  const failures = Object.entries(summary.failures)
    .sort((x, y) => y[1] - x[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    `${NAME} serve: stopped after ${(summary.uptimeMs / 1000).toFixed(1)} s`,
    `  activations: ${a.complete} complete, ${a.failed} failed, ${a.refused} refused, ${a.aborted} aborted, ${a.inProgress} in progress`,
    ...(failures === '' ? [] : [`  failures by code: ${failures}`]),
    `  relay: ${summary.relay.received} frames received, ${summary.relay.delivered} delivered, ${summary.relay.dropped} dropped, ${summary.relay.malformed} malformed, ${summary.relay.rateLimited} rate-limited`,
    `  peak RSS: ${(summary.peakRssBytes / 1048576).toFixed(0)} MiB`,
  ];
}

/** Resolves at the first SIGINT or SIGTERM; a second one ends the process at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (seen) {
        process.exit(1);
      }
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The page's address with the administrator's token in its fragment, which no request carries. */
function pageAddress(ui: { url: string; adminToken: string }): string {
  return `${ui.url}#admin=${ui.adminToken}`;
}

/** True for the loopback addresses (`--host`'s default among them). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      help: { type: 'boolean', short: 'h' },
      host: { type: 'string' },
      port: { type: 'string' },
      users: { type: 'string' },
      seed: { type: 'string' },
      domain: { type: 'string' },
      'users-file': { type: 'string' },
      smtp: { type: 'boolean' },
      limit: { type: 'string', multiple: true },
      cors: { type: 'string', multiple: true },
      ui: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    SERVE_USAGE,
  );
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const [extra] = positionals;
  if (extra !== undefined) throw usageError(`serve takes no arguments, only options (got ${shown(extra)})`, SERVE_USAGE);
  const port = integerOption(values.port, 'port', 0, 65535, DEFAULT_PORT);
  const limits = parseLimits(values.limit);
  const { users, described, chosenSeed } = accounts(values);
  const cors = values.cors === undefined ? undefined : { origins: values.cors.includes('*') ? ('*' as const) : values.cors };

  let server: BesServer;
  try {
    server = await startBesServer({
      host: values.host ?? '127.0.0.1',
      port,
      users,
      limits,
      ...(cors !== undefined ? { cors } : {}),
      smtp: values.smtp === true,
      ui: values.ui === true,
    });
  } catch (err) {
    // A bad limit, address or account is a bad command line: say which, with the usage.
    if (isActivationError(err, 'INVALID_ARGUMENT')) throw usageError(err.message, SERVE_USAGE);
    if (err instanceof Error && (err as { code?: unknown }).code === 'EADDRINUSE')
      throw new ActivationError('TRANSPORT_ERROR', `port ${port} is in use (choose another with --port, or 0 for any)`, {
        operation: 'serve',
      });
    throw err;
  }
  const signal = untilSignal();
  const start = {
    event: 'listening',
    url: server.url,
    metrics: server.metricsUrl,
    health: server.healthUrl,
    accounts: users.length,
    ...(chosenSeed !== undefined ? { seed: chosenSeed } : {}),
    ...(server.smtpPort !== undefined ? { smtpPort: server.smtpPort } : {}),
    ...(server.ui !== undefined ? { ui: pageAddress(server.ui) } : {}),
    limits: server.limits,
  };
  if (values.json) {
    console.log(JSON.stringify(start));
  } else {
    console.log(`${NAME} serve: listening on ${server.url}`);
    console.log(`  accounts: ${described}`);
    if (chosenSeed !== undefined) console.log(`  seed: ${chosenSeed}  (give it to a fleet, or choose one with --seed)`);
    console.log(`  metrics: ${server.metricsUrl}   health: ${server.healthUrl}`);
    if (server.smtpPort !== undefined) console.log(`  smtp: 127.0.0.1:${server.smtpPort} (ETP.DATs travel by mail)`);
    if (server.ui !== undefined) {
      console.log(`  emulator page: ${pageAddress(server.ui)}`);
      console.log('    (the address carries the administrator token: whoever has it can set passwords and wipe devices)');
    }
    if (server.ui !== undefined && !isLoopback(server.host))
      console.log(
        `  WARNING: --ui on ${server.host}: the page and its token travel unencrypted (plain HTTP); keep it to loopback or a trusted network`,
      );
    console.log(
      `  limits: ${Object.entries(server.limits)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    console.log('Ctrl-C or SIGTERM stops it with a summary.');
  }
  // A status line every few seconds while something happens (not with --json: tools read /metrics).
  let last = '';
  const status = values.json
    ? undefined
    : setInterval(() => {
        const a = server.summary().activations;
        const line = `  ${a.complete} complete, ${a.failed + a.refused + a.aborted} failed, ${a.inProgress} in progress`;
        if (line !== last) console.log(line);
        last = line;
      }, STATUS_EVERY_MS);
  status?.unref();

  const received = await signal;
  if (status !== undefined) clearInterval(status);
  const summary = await server.close();
  if (values.json) console.log(JSON.stringify({ event: 'summary', signal: received, ...summary }));
  else for (const line of summaryLines(summary)) console.log(line);
  return 0;
}
