/**
 * `startBesServer`: a BES simulator behind the reference relay, as one long-running server on a
 * host and port (`enterprise-activation serve`, issue 15). Handsets anywhere reach it the way they
 * reach any relay (`createRelayTransport` with the server's URL): over HTTP long-poll or WebSocket,
 * and with `smtp` their ETP.DATs travel as mail through an SMTP server of its own first, the real
 * network's path (docs/transports.md, "The mail path"). With `ui` it serves the emulator page too
 * (emulator-page.ts) and the administrator's API behind it (admin-api.ts).
 *
 * A composition root, like relay-server.ts: the relay (its limits, its token for the simulator, the
 * extra `GET /metrics`), the simulator (its users, its log feeding the {@link ActivationTracker}),
 * the connection between them (a WebSocket on loopback, with the relay's vouch required on every
 * ETP.DAT), the mail path, and closing it all in order with a summary. Node only.
 */
import { randomBytes } from 'node:crypto';
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { BesSimulator } from '../simulator/bes-simulator.js';
import { combineTransports } from '../transport/combine.js';
import { createRelayTransport, type RelayTransport, type WebSocketConstructorLike } from '../transport/http-relay-transport.js';
import { deriveVouchKey } from '../transport/relay-vouch.js';
import type { Transport } from '../transport/transport.js';
import { createMailboxMonitor, type MailboxMonitor } from '../node/mail/mailbox-monitor.js';
import { startMailServer, type MailServer } from '../node/mail/mail-server.js';
import { loadPeer } from '../node/optional-peers.js';
import { startRelayServer, type RelayServer, type RelayStats } from '../node/relay-server.js';
import type { RelayLimits } from '../node/relay/relay-limits.js';
import { ActivationTracker, type ActivationOutcome } from './activation-tracker.js';
import { createAdminApi, type AdminApi } from './admin-api.js';
import { allMailboxes } from './all-mailboxes.js';
import { emulatorPageEndpoints, PAGE_PATH, readEmulatorScript } from './emulator-page.js';
import { createServeMetrics } from './serve-metrics.js';

/** One account of a {@link startBesServer} server. */
export interface BesServerUser {
  /** The user's email address, what the handset's user types. */
  readonly email: string;
  /** The activation password (at least 8 characters, as the simulator requires). */
  readonly password: string;
  /** Default: the part of the address before `@`. */
  readonly displayName?: string;
}

/** Options of {@link startBesServer}. */
export interface BesServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on. Default 0 (any free port: read {@link BesServer.port}). */
  readonly port?: number;
  /** The accounts, each with its activation password (e.g. `fleetUsers(...)` of `/simulator`). */
  readonly users: readonly BesServerUser[];
  /** How long each activation password stays valid, in hours. Default the simulator's (48). */
  readonly passwordLifetimeHours?: number;
  /** The simulator's cryptography. Default: noble (`nobleProvider`); `createNodeCryptoProvider()` is faster. */
  readonly provider?: CryptoProvider;
  /**
   * How long an activation that proved the password may take before another may use the password
   * (the simulator's `claimTimeoutMs`, ms); also when the server counts a silent activation as
   * aborted (`TIMEOUT`). Default 10 minutes.
   */
  readonly claimTimeoutMs?: number;
  /** Receives the simulator's secret-free log events (`BesSimulatorOptions.log`). */
  readonly simulatorLog?: (event: string, detail?: Record<string, unknown>) => void;
  /** The relay's limits (see `RelayLimits`; the defaults are `DEFAULT_RELAY_LIMITS`). */
  readonly limits?: Partial<RelayLimits>;
  /** Lets web pages from these origins use the relay (see `RelayServerOptions.cors`). */
  readonly cors?: { readonly origins: readonly string[] | '*' };
  /** Take ETP.DATs by mail: an SMTP server on loopback, any port, and a monitor over its mailboxes. Default false. */
  readonly smtp?: boolean;
  /** How often the mail is looked at (ms), with `smtp`. Default 250. */
  readonly mailPollMs?: number;
  /** Receives one line per notable event of the relay (refusals, failures). */
  readonly log?: (line: string) => void;
  /**
   * Serve the emulator page too (`serve --ui`, docs/fleet.md "The emulator page"): at `/ui` a
   * handset's Enterprise Activation screen that runs the library in the browser, beside an
   * administrator's view, whose API needs the token of {@link BesServer.ui}. Default false.
   */
  readonly ui?: boolean;
}

/** The emulator page of a server started with `ui` ({@link BesServerOptions.ui}). */
export interface BesServerUi {
  /** The page: `<url>/ui`. */
  readonly url: string;
  /**
   * The administrator's token, made at this start: the page's administrator view sends it with
   * every call (`#admin=<token>` at the end of the page's address gives it to the page). Whoever
   * has it can set passwords and wipe devices: print it only where the operator reads it.
   */
  readonly adminToken: string;
}

/** What a server did, for its final report (and for `GET /metrics`'s readers, the same figures). */
export interface BesServerSummary {
  /** Time since the server started, ms. */
  readonly uptimeMs: number;
  /** Accounts on the simulator. */
  readonly accounts: number;
  /** Activations ended, by outcome, and those in progress. */
  readonly activations: Readonly<Record<ActivationOutcome, number>> & { readonly inProgress: number };
  /** Failed, refused and aborted activations by error code. */
  readonly failures: Readonly<Record<string, number>>;
  /** The relay's counters. */
  readonly relay: Readonly<RelayStats>;
  /** The process's peak resident set size, bytes. */
  readonly peakRssBytes: number;
}

/** A running server, as {@link startBesServer} returns it. */
export interface BesServer {
  /** The relay's base URL, what handsets take as `url` (e.g. `http://127.0.0.1:41234`). */
  readonly url: string;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one chosen when `port` was 0). */
  readonly port: number;
  /** Where Prometheus scrapes: `<url>/metrics`. */
  readonly metricsUrl: string;
  /** The health endpoint: `<url>/v1/health`. */
  readonly healthUrl: string;
  /** The SMTP server's port, with `smtp`. */
  readonly smtpPort: number | undefined;
  /** The emulator page and its administrator's token, with `ui`. */
  readonly ui: BesServerUi | undefined;
  /**
   * The status of an account (`'Activated'`, `'Pending'`, ...; see the simulator's `Account`), or
   * undefined for an unknown address.
   */
  accountStatus(email: string): string | undefined;
  /** The relay in front of it. */
  readonly relay: RelayServer;
  /** The limits in force. */
  readonly limits: RelayLimits;
  /** The figures so far. */
  summary(): BesServerSummary;
  /** The metrics in Prometheus text format (what `GET /metrics` answers). */
  metrics(): Promise<string>;
  /** Stops taking frames, closes the simulator, the relay and the mail server; resolves with the final summary. Idempotent. */
  close(): Promise<BesServerSummary>;
}

/** The simulator's default `claimTimeoutMs` (10 minutes). */
const DEFAULT_CLAIM_TIMEOUT_MS = 10 * 60_000;

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'startBesServer', field });
}

/** The domains of the users' addresses: what the simulator tells the relay it serves. */
function domainsOf(users: readonly BesServerUser[]): string[] {
  const domains = new Set<string>();
  for (const user of users) {
    const at = typeof user?.email === 'string' ? user.email.lastIndexOf('@') : -1;
    if (at < 1) throw invalid('every user needs an email address', 'users');
    domains.add(user.email.slice(at + 1).toLowerCase());
  }
  return [...domains];
}

/**
 * Starts a BES simulator behind a relay on `host`:`port` (see the module comment). Rejects with
 * ActivationError('INVALID_ARGUMENT') for bad options or users (nothing is left listening), and
 * ('UNSUPPORTED') when an optional peer it needs (ws, prom-client; nodemailer, smtp-server and
 * mailparser with `smtp`) is not installed, or, with `ui`, when the build has no page script.
 */
export async function startBesServer(options: BesServerOptions): Promise<BesServer> {
  if (typeof options !== 'object' || options === null) throw invalid('startBesServer takes an options object', 'options');
  const users = options.users;
  if (!Array.isArray(users) || users.length === 0) throw invalid('users must list at least one account', 'users');
  const domains = domainsOf(users);
  const started = performance.now();
  // The page's script before anything is made: a build without it cannot serve the page.
  const script = options.ui === true ? readEmulatorScript() : undefined;
  const metrics = await createServeMetrics();
  const { WebSocket } = await loadPeer('ws', 'startBesServer');
  const tracker = new ActivationTracker(metrics.observer);
  // An activation silent for longer than the simulator waits for it is over (see ActivationTracker.expire).
  const claimTimeoutMs = options.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;
  const expire = (): void => void tracker.expire(performance.now(), claimTimeoutMs);

  const chained = options.simulatorLog;
  // Made before the simulator, which feeds it; it holds the simulator once there is one.
  let admin: AdminApi | undefined;
  const simulator: BesSimulator = new BesSimulator({
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.claimTimeoutMs !== undefined ? { claimTimeoutMs: options.claimTimeoutMs } : {}),
    requireRelayVouch: true,
    // Per source, the relay in front counts ETP.DATs (its `etpDatPerSourcePerMinute`, printed at
    // start and set with `--limit`): one bound, one knob. The simulator's own count per source
    // would refuse a fleet from one machine however the relay's limits were set (a 10,000-handset
    // fleet had 440 of its first 530 refused). Its count per PIN stays.
    etpRateLimit: { perSource: false },
    log: (event, detail) => {
      tracker.event(event, detail, performance.now());
      admin?.logEvent(event, detail, Date.now());
      chained?.(event, detail);
    },
    onAdminEvent: (event) => admin?.adminEvent(event),
  });
  const adminToken = script !== undefined ? Buffer.from(randomBytes(24)).toString('base64url') : undefined;
  if (adminToken !== undefined) admin = createAdminApi({ simulator, token: adminToken });
  // Accounts first: a bad address or password is refused before any port is bound.
  for (const user of users) {
    simulator.addUser({
      email: user.email,
      displayName: user.displayName ?? user.email.slice(0, user.email.indexOf('@')),
      activationPassword: user.password,
      ...(options.passwordLifetimeHours !== undefined ? { passwordLifetimeHours: options.passwordLifetimeHours } : {}),
    });
  }

  const token = Buffer.from(randomBytes(32)).toString('base64url');
  const srp = simulator.identity.srp;
  let mail: MailServer | undefined;
  let relay: RelayServer | undefined;
  let transport: Transport | undefined;
  let detach: (() => void) | undefined;
  try {
    if (options.smtp === true) mail = await startMailServer({ host: '127.0.0.1', port: 0 });
    relay = await startRelayServer({
      host: options.host,
      port: options.port,
      limits: options.limits,
      servers: { [srp]: { token, serves: domains } },
      ...(options.cors !== undefined ? { cors: options.cors } : {}),
      ...(mail !== undefined ? { smtp: { host: '127.0.0.1', port: mail.port, allowedDomains: domains } } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
      endpoints: {
        '/metrics': async () => {
          expire();
          return { contentType: metrics.contentType, body: await metrics.scrape() };
        },
        ...(script !== undefined ? emulatorPageEndpoints(script) : {}),
        ...admin?.endpoints,
      },
      ...(admin !== undefined ? { postEndpoints: admin.postEndpoints } : {}),
    });
    const relayEnd: RelayTransport = createRelayTransport({
      url: relay.url,
      address: `srp:${srp}`,
      token,
      serves: domains,
      mode: 'websocket',
      webSocket: WebSocket as unknown as WebSocketConstructorLike,
      // The relay is in this process: give up only after a long outage, not after the default few failures.
      backoff: { initialMs: 50, maxMs: 2000, maxFailures: 1000 },
    });
    let monitor: MailboxMonitor | undefined;
    if (mail !== undefined) {
      monitor = createMailboxMonitor({ mailbox: allMailboxes(mail), pollMs: options.mailPollMs ?? 250, vouchKey: deriveVouchKey(token) });
      transport = combineTransports({ receive: [monitor, relayEnd], send: relayEnd });
    } else {
      transport = relayEnd;
    }
    detach = simulator.attach(transport);
  } catch (err) {
    await transport?.close().catch(() => undefined);
    await relay?.close();
    await mail?.close();
    simulator.close();
    throw err;
  }
  const liveRelay = relay;
  metrics.attach({ relay: liveRelay, tracker, accounts: () => users.length });

  const summary = (): BesServerSummary => {
    expire();
    const counts = tracker.counts();
    return {
      uptimeMs: Math.round(performance.now() - started),
      accounts: users.length,
      activations: { ...counts.outcomes, inProgress: counts.inProgress },
      failures: counts.codes,
      relay: { ...liveRelay.stats },
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  };
  let closing: Promise<BesServerSummary> | undefined;
  const liveTransport = transport;
  return {
    url: liveRelay.url,
    host: liveRelay.host,
    port: liveRelay.port,
    metricsUrl: `${liveRelay.url}/metrics`,
    healthUrl: `${liveRelay.url}/v1/health`,
    smtpPort: mail?.port,
    ui: adminToken !== undefined ? { url: `${liveRelay.url}${PAGE_PATH}`, adminToken } : undefined,
    accountStatus: (email) => simulator.account(email)?.status,
    relay: liveRelay,
    limits: liveRelay.limits,
    summary,
    metrics: () => {
      expire();
      return metrics.scrape();
    },
    close() {
      closing ??= (async () => {
        detach?.();
        await liveTransport.close().catch(() => undefined);
        simulator.close();
        await liveRelay.close();
        await mail?.close();
        return summary();
      })();
      return closing;
    },
  };
}
