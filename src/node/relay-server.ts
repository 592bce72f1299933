/**
 * The reference relay: an HTTP + WebSocket server that stands in for the BlackBerry Infrastructure
 * (docs/transports.md, "The relay protocol"). Handsets receive as `pin:<PIN>`, servers as
 * `srp:<SRP identifier>` and register the addresses and domains they serve; frames are routed by
 * their cleartext `to`. An ETP.DAT to `mailto:` goes out over SMTP when a mail server is configured
 * (the real network's path), else straight to the server that serves that address.
 *
 * With `cors`, web pages from the listed origins may use it too (docs/transports.md, "In a
 * browser").
 *
 * It faces strangers: every resource is bounded by {@link RelayLimits} (docs/reliability.md,
 * "Relay limits"), servers authenticate with tokens, handsets with receive keys, and no request
 * of any shape may take the process down (docs/security.md). Without any token it runs in an open
 * demo mode, for loopback demos only.
 *
 * Node only (node:http, and ws, an optional peer loaded at the first start). It keeps everything in
 * memory.
 *
 * This file wires the parts together: the routing core (relay/relay-router.ts), the HTTP and
 * WebSocket endpoints (relay/http-handlers.ts, relay/websocket-handler.ts), the SMTP path and the
 * server's life from listening to close().
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { Frame } from '../wire/frame.js';
import { decodeEtpDat } from '../wire/messages/etp-dat.js';
import { MAX_FRAME_MESSAGE_BYTES } from '../transport/relay-protocol.js';
import { buildEtpMail } from './mail/etp-mail.js';
import { isMailAddress } from './mail/mail-address.js';
import { submitMail } from './mail/smtp-submitter.js';
import { loadPeer } from './optional-peers.js';
import { CorsPolicy } from './relay/cors.js';
import { createHttpHandler, type RelayEndpoint } from './relay/http-handlers.js';
import { HttpResponder } from './relay/http-responses.js';
import { LongPolls } from './relay/long-polls.js';
import { PeerSockets } from './relay/peer-sockets.js';
import { describeRelayLimits, type RelayLimits } from './relay/relay-limits.js';
import { RelayRouter, type FrameAnswer, type RelayServerConfig, type RelayStats, type SendContext } from './relay/relay-router.js';
import { createUpgradeHandler, refuseUpgrade } from './relay/websocket-handler.js';

export type { RelayStats, RelayServerConfig } from './relay/relay-router.js';
export type { RelayLimits } from './relay/relay-limits.js';
export type { RelayEndpoint, RelayEndpointAnswer, RelayEndpointRequest } from './relay/http-handlers.js';
export { MAX_ENDPOINT_BODY_BYTES } from './relay/http-handlers.js';
export { DEFAULT_RELAY_LIMITS } from './relay/relay-limits.js';

/**
 * Where {@link startRelayServer} mails ETP.DATs (`RelayServerOptions.smtp`), as the BlackBerry
 * Infrastructure did (../shared/reference/blackberry-activation-facts.md, "ETP.DAT and routing").
 */
export interface RelaySmtpOptions {
  /** SMTP server host. */
  readonly host: string;
  /** SMTP server port, 1-65535. */
  readonly port: number;
  /** Domain of the sender address `<PIN>@<mailDomain>`. Default `relay.invalid`. */
  readonly mailDomain?: string;
  /** SMTP timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
  /**
   * The recipient domains the relay mails to (required): an ETP.DAT for any other domain is
   * refused (403), so the relay is no open mail relay.
   */
  readonly allowedDomains: readonly string[];
}

/** Options of {@link startRelayServer}: where to listen, who may use the relay, and its bounds. All optional. */
export interface RelayServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on, 0-65535. Default 0 (any free port; read it from {@link RelayServer.port}). */
  readonly port?: number;
  /** Forward ETP.DAT frames as mail to this SMTP server. */
  readonly smtp?: RelaySmtpOptions;
  /** Every bound on memory, connections, rates and time; see {@link RelayLimits} for the defaults. */
  readonly limits?: Partial<RelayLimits>;
  /** Frames held per address (same as `limits.maxQueueFrames`). */
  readonly maxQueue?: number;
  /** Most address slots (same as `limits.maxAddresses`). */
  readonly maxAddresses?: number;
  /**
   * Server tokens: SRP identifier → token. With any token (here or in `servers`) configured, only
   * configured servers may receive as `srp:` or register what they serve, each with
   * `authorization: Bearer <token>` (or `?token=` on the WebSocket), and what the relay delivers
   * to them carries a vouch (docs/transports.md, "Authentication").
   */
  readonly tokens?: Readonly<Record<string, string>>;
  /** Configured servers with the `serves` entries bound to them: no other server may register those. */
  readonly servers?: Readonly<Record<string, RelayServerConfig>>;
  /**
   * Lets web pages from `origins` (e.g. `'http://127.0.0.1:5173'`, or `'*'` for any) use the
   * frame endpoints: preflights are answered and responses carry `access-control-allow-origin`.
   * A WebSocket upgrade whose `Origin` is not allowed is refused (403). Default: off (no CORS
   * headers, no `OPTIONS`, no `Origin` check).
   */
  readonly cors?: { readonly origins: readonly string[] | '*' };
  /** Receives one line per notable event (refusals, SMTP failures). A throwing logger is ignored. */
  readonly log?: (message: string) => void;
  /**
   * Extra read-only endpoints, path → answer (e.g. `{ '/metrics': ... }`, as `enterprise-activation
   * serve` adds its Prometheus metrics): answered to `GET` only (else 405, unless `postEndpoints` has the path), after the relay's own
   * paths, with no CORS headers. A path is `/` and 1 to 64 of `A-Za-z0-9._~/-`, and not one of the
   * relay's (`/v1/frames`, `/v1/register`, `/v1/health`). An endpoint that throws is answered 500,
   * its message never shown. Default: none.
   */
  readonly endpoints?: Readonly<Record<string, RelayEndpoint>>;
  /**
   * Extra endpoints that take a body, path → answer (`enterprise-activation serve --ui` adds its
   * administrator's commands): answered to `POST` only, with the body read first (at most
   * `MAX_ENDPOINT_BODY_BYTES`, else 413). Paths as for `endpoints`; a path may be in both (GET
   * and POST), else other methods get 405 with `Allow`. The relay authenticates nobody here: an
   * endpoint that changes state checks its caller itself. Default: none.
   */
  readonly postEndpoints?: Readonly<Record<string, RelayEndpoint>>;
}

/** A running relay, as {@link startRelayServer} returns it. */
export interface RelayServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one chosen when `port` was 0). */
  readonly port: number;
  /** Counters of what it routed and refused, live. */
  readonly stats: Readonly<RelayStats>;
  /** The limits in force. */
  readonly limits: RelayLimits;
  /** Frames waiting for `address` (`pin:…`, `srp:…`, or `mailto:…` for held mail). */
  queueLength(address: string): number;
  /** Address slots, queued bytes, receive bindings, `serves` entries and open connections now. */
  usage(): { addresses: number; bytes: number; bindings: number; serves: number; connections: number };
  /** Answers every long-poll, closes every WebSocket and connection, stops listening. Idempotent. */
  close(): Promise<void>;
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { field });
}

const ENDPOINT_PATH = /^\/[A-Za-z0-9._~/-]{1,64}$/;
const RELAY_PATHS: ReadonlySet<string> = new Set(['/v1/frames', '/v1/register', '/v1/health']);

/** The extra endpoints as a map, each path checked (see {@link RelayServerOptions.endpoints}). */
function checkEndpoints(
  endpoints: RelayServerOptions['endpoints'],
  field: 'endpoints' | 'postEndpoints' = 'endpoints',
): ReadonlyMap<string, RelayEndpoint> | undefined {
  if (endpoints === undefined) return undefined;
  if (typeof endpoints !== 'object' || endpoints === null) throw invalid(`${field} must map paths to functions`, field);
  const map = new Map<string, RelayEndpoint>();
  for (const [path, endpoint] of Object.entries(endpoints)) {
    if (!ENDPOINT_PATH.test(path) || RELAY_PATHS.has(path)) throw invalid(`endpoint path ${JSON.stringify(path)} is not allowed`, field);
    if (typeof endpoint !== 'function') throw invalid(`endpoint ${path} must be a function`, field);
    map.set(path, endpoint);
  }
  return map;
}

/** The SMTP path, when configured: where to submit mail and the domains it may go to. */
interface MailPath {
  readonly smtp: RelaySmtpOptions;
  readonly allowedDomains: ReadonlySet<string>;
}

function checkOptions(options: RelayServerOptions): { host: string; port: number; mail: MailPath | undefined } {
  if (typeof options !== 'object' || options === null) throw invalid('startRelayServer takes an options object', 'options');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw invalid('host must be a host name or address', 'host');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid('port must be an integer from 0 to 65535', 'port');
  let mail: MailPath | undefined;
  if (options.smtp !== undefined) {
    const smtp = options.smtp;
    if (
      typeof smtp !== 'object' ||
      smtp === null ||
      typeof smtp.host !== 'string' ||
      !Number.isInteger(smtp.port) ||
      smtp.port < 1 ||
      smtp.port > 65535
    ) {
      throw invalid('smtp needs a host and a port', 'smtp');
    }
    if (!Array.isArray(smtp.allowedDomains) || smtp.allowedDomains.length === 0) {
      throw invalid('smtp.allowedDomains must list the recipient domains the relay may mail to', 'smtp.allowedDomains');
    }
    const allowedDomains = new Set<string>();
    for (const d of smtp.allowedDomains) {
      const domain = typeof d === 'string' ? d.trim().toLowerCase() : '';
      if (!DOMAIN.test(domain)) throw invalid('smtp.allowedDomains must list domain names', 'smtp.allowedDomains');
      allowedDomains.add(domain);
    }
    mail = { smtp, allowedDomains };
  }
  return { host, port, mail };
}

/**
 * Starts the reference relay: an HTTP and WebSocket server that routes frames between handsets
 * and servers by each frame's cleartext `to`, our stand-in for the BlackBerry Infrastructure
 * (docs/transports.md, "The relay protocol"). Handsets and servers reach it with
 * `createRelayTransport` (from `enterprise-activation`). Node only; it needs the optional peer dependency `ws` (and
 * `nodemailer` with `smtp`). Without any token it runs in an open demo mode, for loopback only.
 *
 * @throws An {@link ActivationError} `INVALID_ARGUMENT` for a bad option (e.g. a port outside 0-65535),
 *   `UNSUPPORTED` when `ws` (or `nodemailer`) is not installed.
 *
 * @example
 * ```ts
 * import { startRelayServer } from 'enterprise-activation/node';
 * import { createRelayTransport } from 'enterprise-activation';
 *
 * const relay = await startRelayServer({ tokens: { S0000001: 'server-secret' } });
 * const serverSide = createRelayTransport({
 *   url: relay.url, address: 'srp:S0000001', token: 'server-secret', serves: ['example.com'],
 * });
 * const handsetSide = createRelayTransport({ url: relay.url, address: 'pin:2100000A' });
 * // ...attach a BesSimulator to serverSide, a Handset to handsetSide, activate...
 * await relay.close();
 * ```
 */
export async function startRelayServer(options: RelayServerOptions = {}): Promise<RelayServer> {
  const { host, port: requestedPort, mail } = checkOptions(options);
  // The optional peers, before anything is bound: a missing one is ActivationError('UNSUPPORTED').
  const { WebSocketServer } = await loadPeer('ws', 'startRelayServer');
  if (mail) await loadPeer('nodemailer', 'startRelayServer with smtp');
  const mailDomain = mail?.smtp.mailDomain ?? 'relay.invalid';
  const log = (message: string): void => {
    try {
      options.log?.(message);
    } catch {
      // ignore a failing logger
    }
  };
  // The router reaches connected peers through their WebSockets and waiting long-polls. `sockets`
  // and `polls` are made below, from the router's limits; the router calls `push` and `queued`
  // only once frames flow, after both exist. (The annotation breaks the inference cycle.)
  const router: RelayRouter = new RelayRouter({
    maxQueue: options.maxQueue,
    maxAddresses: options.maxAddresses,
    limits: options.limits,
    tokens: options.tokens,
    servers: options.servers,
    mailEtpDat: mail !== undefined,
    log,
    delivery: {
      push: (address, item, requiredKey) => sockets.push(address, item, requiredKey),
      queued: (address) => polls.wake(address),
    },
  });
  const limits = router.limits;
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw invalid('headersTimeoutMs must not exceed requestTimeoutMs', 'headersTimeoutMs');
  const sockets = new PeerSockets(limits.backpressureBytes);
  sockets.attach(router);
  const cors = CorsPolicy.fromOption(options.cors);
  const endpoints = checkEndpoints(options.endpoints);
  const postEndpoints = checkEndpoints(options.postEndpoints, 'postEndpoints');
  let closing = false;
  const isClosing = (): boolean => closing;
  const responder = new HttpResponder(isClosing);
  const polls = new LongPolls(router, responder, limits.maxPollsPerAddress);
  const pendingMail = new Set<Promise<unknown>>();

  // ---- the SMTP path ---------------------------------------------------------------------------

  /**
   * Mails an ETP.DAT, but only to the address its header names (the one the user typed), only if
   * that is one plain addr-spec (mail/mail-address.ts) and only in an allowed domain: the relay is
   * no open mail relay (docs/security.md). When a configured server serves the recipient, the
   * mail carries the relay's vouch for that server's mailbox monitor.
   */
  async function forwardByMail(mail: MailPath, frame: Frame, bytes: Uint8Array, email: string, context: SendContext): Promise<FrameAnswer> {
    const refuse = (message: string): FrameAnswer => {
      router.countMail('refused');
      return { status: 403, error: 'FORBIDDEN', message };
    };
    let headerEmail: string;
    try {
      headerEmail = decodeEtpDat(frame.body).header.email;
    } catch (err) {
      router.countMail('unmailable');
      return { status: 400, error: 'MALFORMED', message: isActivationError(err) ? err.message : 'the ETP.DAT could not be read' };
    }
    const recipient = email.trim();
    if (recipient.toLowerCase() !== headerEmail.trim().toLowerCase()) return refuse('the mailto: address is not the one in the ETP.DAT');
    if (!isMailAddress(recipient)) return refuse('the recipient is not one plain email address');
    if (!mail.allowedDomains.has(recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase()))
      return refuse('the relay does not mail to that domain');
    const from = `${frame.pin}@${mailDomain}`;
    const key = router.vouchKeyFor(recipient);
    let raw: Uint8Array;
    try {
      raw = await buildEtpMail({
        frameBytes: bytes,
        from,
        to: recipient,
        ...(key ? { vouch: { key, source: router.sourceLabel(context.ip) } } : {}),
      });
    } catch (err) {
      router.countMail('unmailable');
      return { status: 400, error: 'MALFORMED', message: isActivationError(err) ? err.message : 'the ETP.DAT could not be mailed' };
    }
    const { smtp } = mail;
    const sending = submitMail({ host: smtp.host, port: smtp.port, timeoutMs: smtp.timeoutMs, raw, from, to: recipient, name: mailDomain });
    pendingMail.add(sending);
    try {
      await sending;
      router.countMail('mailed');
      log(`relay: mailed ETP.DAT of ${frame.pin} to ${recipient}`);
      return { status: 202 };
    } catch (err) {
      router.countMail('failed');
      log(
        `relay: mailing ETP.DAT of ${frame.pin} to ${recipient} failed (${isActivationError(err) ? String(err.cause?.reason ?? err.message) : 'error'})`,
      );
      return { status: 502, error: 'TRANSPORT_ERROR', message: 'the relay could not hand the activation request to the mail server' };
    } finally {
      pendingMail.delete(sending);
    }
  }

  /** Routes one sent frame (POST body or WebSocket message), mailing an ETP.DAT on the SMTP path. */
  async function acceptFrame(bytes: Uint8Array, context: SendContext): Promise<FrameAnswer> {
    const decision = router.route(bytes, context);
    if (decision.kind !== 'mail') return decision.answer;
    // The router hands an ETP.DAT back for mailing only with `mailEtpDat`, set only with a mail path.
    if (mail === undefined) throw new ActivationError('INVALID_STATE', 'the relay has no mail path', { operation: 'route frame' });
    return forwardByMail(mail, decision.frame, bytes, decision.email, context);
  }

  // ---- servers ---------------------------------------------------------------------------------

  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (default 30 s: slowloris sockets lived 38-68 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
    createHttpHandler({ router, acceptFrame, polls, responder, cors, isClosing, log, endpoints, postEndpoints }),
  );
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;

  // Connections per source: a stranger gets its share, never the whole relay.
  const perSource = new Map<string, number>();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const n = perSource.get(ip) ?? 0;
    if (n >= limits.maxConnectionsPerSource) {
      socket.destroy();
      return;
    }
    perSource.set(ip, n + 1);
    connections++;
    socket.once('close', () => {
      connections--;
      const left = (perSource.get(ip) ?? 1) - 1;
      if (left <= 0) perSource.delete(ip);
      else perSource.set(ip, left);
    });
  });
  // Requests Node itself cannot parse (bad request lines, huge headers, timeouts) end here, not in the process.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && !socket.destroyed && err.code !== 'ECONNRESET') {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      socket.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_MESSAGE_BYTES });
  const onUpgrade = createUpgradeHandler({ wss, router, acceptFrame, sockets, polls, cors, isClosing, log });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch {
      refuseUpgrade(socket, 400);
    }
  });

  // ---- timers: heartbeat, backpressure pump, expiry ------------------------------------------

  const alive = new WeakMap<WebSocket, boolean>();
  const heartbeat = setInterval(() => {
    for (const { ws } of [...sockets.all()]) {
      if (alive.get(ws) === false) {
        ws.terminate(); // no pong since the last ping: dead, or not reading
        continue;
      }
      if (!alive.has(ws)) ws.on('pong', () => alive.set(ws, true));
      alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  }, limits.heartbeatMs);
  const pump = setInterval(() => sockets.pumpAll(), 200);
  const sweep = setInterval(() => router.sweep(), Math.max(200, Math.min(limits.frameTtlMs, limits.addressTtlMs, 60_000) / 4));
  for (const t of [heartbeat, pump, sweep]) t.unref();

  // ---- start and stop ------------------------------------------------------------------------

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new ActivationError('TRANSPORT_ERROR', 'the relay could not listen', { operation: 'listen', reason: err.name }));
    server.once('error', onError);
    server.listen(requestedPort, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  }).catch((err: unknown) => {
    for (const t of [heartbeat, pump, sweep]) clearInterval(t);
    throw err;
  });
  server.on('error', (err) => log(`relay: server error ${err.name}`));
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(
    `relay: listening on ${url}${mail ? `, mailing ETP.DAT to ${mail.smtp.host}:${mail.smtp.port} for ${[...mail.allowedDomains].join(', ')}` : ''}`,
  );
  log(`relay: limits ${describeRelayLimits(limits)}`);
  if (!router.authenticated) {
    log(
      'relay: WARNING: no server tokens configured: open demo mode, any client may register and receive as any srp: address; for loopback demos only',
    );
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    stats: router.stats,
    limits,
    queueLength(address: string): number {
      return router.queueLength(address);
    },
    usage() {
      return { ...router.usage, connections };
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        for (const t of [heartbeat, pump, sweep]) clearInterval(t);
        polls.closeAll();
        sockets.terminateAll();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await Promise.allSettled([...pendingMail]);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        log('relay: closed');
      })();
      return closed;
    },
  };
}
