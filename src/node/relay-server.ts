/**
 * The reference relay: an HTTP + WebSocket server that stands in for the BlackBerry Infrastructure
 * (docs/transports.md, "The relay protocol"). Handsets register as `pin:<PIN>`, servers as
 * `srp:<SRP identifier>` with the addresses and domains they serve; frames are routed by their
 * cleartext `to`. An ETP.DAT to `mailto:` goes out over SMTP when a mail server is configured
 * (the real network's path), else straight to the server that serves that address.
 *
 * With `cors`, web pages from the listed origins may use it too (docs/transports.md, "In a
 * browser").
 *
 * Node only (node:http, ws). For tests and demos: it keeps everything in memory.
 */
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import { MAX_FRAME_BYTES } from '../wire/cbor.js';
import { decodeFrame, type Frame } from '../wire/frame.js';
import {
  FRAME_BATCH_CONTENT_TYPE,
  FRAME_CONTENT_TYPE,
  FRAMES_PATH,
  MAX_BATCH_FRAMES,
  MAX_POLL_WAIT_SECONDS,
  WEBSOCKET_PATH,
  encodeFrameBatch,
  normalizeServes,
  parseRelayAddress,
  type RelayAddress,
} from '../transport/relay-protocol.js';
import { buildEtpMail } from './mail/etp-mail.js';
import { submitMail } from './mail/smtp-submitter.js';

export interface RelaySmtpOptions {
  readonly host: string;
  readonly port: number;
  /** Domain of the sender address `<PIN>@<mailDomain>`. Default `relay.invalid`. */
  readonly mailDomain?: string;
  /** SMTP timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
}

export interface RelayServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Forward ETP.DAT frames as mail to this SMTP server. */
  readonly smtp?: RelaySmtpOptions;
  /** Frames held per address for a peer that is not connected; the oldest go first. Default 1000. */
  readonly maxQueue?: number;
  /** Most addresses (peers and unrouted mail addresses) the relay keeps queues for. Default 10 000. */
  readonly maxAddresses?: number;
  /**
   * SRP authentication keys: SRP identifier → token. A server whose SRP id is listed here must
   * present `authorization: Bearer <token>` (or `?token=` on the WebSocket) to receive or to
   * register the addresses it serves. SRP ids not listed are open.
   */
  readonly tokens?: Readonly<Record<string, string>>;
  /**
   * Lets web pages from `origins` (e.g. `'http://127.0.0.1:5173'`, or `'*'` for any) use the
   * frame endpoints: preflights are answered and responses carry `access-control-allow-origin`.
   * A WebSocket upgrade whose `Origin` is not allowed is refused (403). Default: off (no CORS
   * headers, no `OPTIONS`, no `Origin` check).
   */
  readonly cors?: { readonly origins: readonly string[] | '*' };
  readonly log?: (message: string) => void;
}

export interface RelayStats {
  /** Frames accepted (POST or WebSocket) with a valid header. */
  received: number;
  /** Frames refused as undecodable. */
  malformed: number;
  /** Frames handed to a connected peer (WebSocket push or long-poll answer). */
  delivered: number;
  /** Frames put in a queue. */
  queued: number;
  /** Frames dropped from a full queue (the oldest). */
  dropped: number;
  /** `mailto:` frames held because no server serves the address yet. */
  held: number;
  /** ETP.DAT mails submitted over SMTP / failed. */
  mailed: number;
  mailFailed: number;
  /** Requests refused for a missing or wrong token. */
  unauthorized: number;
}

export interface RelayServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly stats: Readonly<RelayStats>;
  /** Frames waiting for `address` (`pin:…`, `srp:…`, or `mailto:…` for held mail). */
  queueLength(address: string): number;
  /** Answers every long-poll, closes every WebSocket and connection, stops listening. Idempotent. */
  close(): Promise<void>;
}

interface Waiter {
  readonly res: http.ServerResponse;
  readonly timer: ReturnType<typeof setTimeout>;
}

interface Peer {
  readonly address: string;
  queue: Uint8Array[];
  waiter: Waiter | undefined;
  flushScheduled: boolean;
  readonly sockets: WebSocket[];
}

interface RouteResult {
  readonly status: number;
  readonly error?: string;
  readonly message?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const WS_OPEN = 1;

/** How long a browser may cache a preflight answer (seconds). */
const CORS_MAX_AGE_SECONDS = 600;

/** `scheme://host[:port]` of an http(s) origin, as a browser sends it; undefined when it is not one. */
function serializeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

export async function startRelayServer(options: RelayServerOptions = {}): Promise<RelayServer> {
  const host = options.host ?? '127.0.0.1';
  const maxQueue = options.maxQueue ?? 1000;
  const maxAddresses = options.maxAddresses ?? 10_000;
  if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new ActivationError('INVALID_ARGUMENT', 'maxQueue must be a positive integer', { field: 'maxQueue' });
  if (!Number.isInteger(maxAddresses) || maxAddresses < 1) {
    throw new ActivationError('INVALID_ARGUMENT', 'maxAddresses must be a positive integer', { field: 'maxAddresses' });
  }
  const tokens = new Map(Object.entries(options.tokens ?? {}));
  let corsOrigins: '*' | Set<string> | undefined;
  if (options.cors !== undefined) {
    const origins: unknown = options.cors?.origins;
    if (origins === '*') {
      corsOrigins = '*';
    } else if (Array.isArray(origins)) {
      corsOrigins = new Set();
      for (const o of origins) {
        const origin = typeof o === 'string' ? serializeOrigin(o) : undefined;
        if (!origin) throw new ActivationError('INVALID_ARGUMENT', 'cors.origins must list http(s) origins like http://127.0.0.1:8080, or be *', { field: 'cors' });
        corsOrigins.add(origin);
      }
    } else {
      throw new ActivationError('INVALID_ARGUMENT', 'cors.origins must be a list of origins or *', { field: 'cors' });
    }
  }
  /** The `access-control-allow-origin` value for a request's `Origin`, or undefined (no CORS headers). */
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (corsOrigins === undefined) return undefined;
    if (corsOrigins === '*') return '*';
    return origin !== undefined && corsOrigins.has(origin) ? origin : undefined;
  };
  const smtp = options.smtp;
  const mailDomain = smtp?.mailDomain ?? 'relay.invalid';
  const log = (message: string): void => {
    try {
      options.log?.(message);
    } catch {
      // ignore a failing logger
    }
  };
  const stats: RelayStats = { received: 0, malformed: 0, delivered: 0, queued: 0, dropped: 0, held: 0, mailed: 0, mailFailed: 0, unauthorized: 0 };
  const peers = new Map<string, Peer>();
  /** Held `mailto:` frames, by lower-cased email address. */
  const heldMail = new Map<string, Uint8Array[]>();
  /** Email address or domain (lower case) → the `srp:` address that serves it. */
  const servedBy = new Map<string, string>();
  const pendingMail = new Set<Promise<unknown>>();
  let closing = false;

  // ---- queues and delivery -------------------------------------------------------------------

  const addressCount = (): number => peers.size + heldMail.size;

  const getPeer = (address: string): Peer => {
    let peer = peers.get(address);
    if (!peer) {
      if (addressCount() >= maxAddresses) throw new HttpError(503, 'RELAY_FULL', 'the relay keeps no more addresses');
      peer = { address, queue: [], waiter: undefined, flushScheduled: false, sockets: [] };
      peers.set(address, peer);
    }
    return peer;
  };

  const openSocket = (peer: Peer): WebSocket | undefined => {
    for (let i = peer.sockets.length - 1; i >= 0; i--) {
      const ws = peer.sockets[i]!;
      if (ws.readyState === WS_OPEN) return ws;
    }
    return undefined;
  };

  const answer = (res: http.ServerResponse, status: number, body?: Uint8Array | string, contentType?: string): void => {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    const headers: Record<string, string | number> = { 'cache-control': 'no-store' };
    if (closing) headers.connection = 'close';
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    }
    res.writeHead(status, headers);
    res.end(body);
  };

  const answerError = (res: http.ServerResponse, status: number, error: string, message: string): void => {
    answer(res, status, JSON.stringify({ error, message }));
  };

  /** Answers a poll with what is queued for the peer (200 and a batch), or 204 when nothing is. */
  const sendBatch = (peer: Peer, res: http.ServerResponse): void => {
    if (res.headersSent || res.writableEnded || res.destroyed) return; // the client left: keep the frames
    if (peer.queue.length === 0) return answer(res, 204);
    const batch = peer.queue.splice(0, MAX_BATCH_FRAMES);
    stats.delivered += batch.length;
    answer(res, 200, encodeFrameBatch(batch), FRAME_BATCH_CONTENT_TYPE);
  };

  /** Answers a peer's waiting long-poll, if there is one. */
  const flush = (peer: Peer): void => {
    const waiter = peer.waiter;
    if (!waiter) return;
    peer.waiter = undefined;
    clearTimeout(waiter.timer);
    sendBatch(peer, waiter.res);
  };

  const scheduleFlush = (peer: Peer): void => {
    if (peer.flushScheduled) return;
    peer.flushScheduled = true;
    setImmediate(() => {
      peer.flushScheduled = false;
      flush(peer);
    });
  };

  const push = (queue: Uint8Array[], frame: Uint8Array, what: string): void => {
    queue.push(frame);
    if (queue.length > maxQueue) {
      queue.shift();
      stats.dropped++;
      log(`relay: queue of ${what} is full; dropped its oldest frame`);
    }
  };

  /** Delivers to a connected peer at once, or queues for its next poll. */
  const enqueue = (address: string, frame: Uint8Array): void => {
    const peer = getPeer(address);
    const ws = openSocket(peer);
    if (ws) {
      ws.send(frame, { binary: true });
      stats.delivered++;
      return;
    }
    stats.queued++;
    push(peer.queue, frame, address);
    if (peer.waiter) scheduleFlush(peer);
  };

  const serverFor = (email: string): string | undefined => {
    const exact = servedBy.get(email);
    if (exact) return exact;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return servedBy.get(domain);
  };

  /** Records what a server serves and moves held mail for those addresses to it. */
  const register = (srp: RelayAddress, serves: readonly string[]): void => {
    if (serves.length === 0) return;
    for (const entry of serves) {
      const before = servedBy.get(entry);
      if (before !== srp.address) {
        servedBy.set(entry, srp.address);
        log(`relay: ${srp.address} serves ${entry}${before ? ` (was ${before})` : ''}`);
      }
    }
    for (const [email, frames] of [...heldMail]) {
      if (serverFor(email) !== srp.address) continue;
      heldMail.delete(email);
      for (const frame of frames) enqueue(srp.address, frame);
    }
  };

  // ---- routing -------------------------------------------------------------------------------

  async function forwardByMail(frame: Frame, bytes: Uint8Array, email: string): Promise<RouteResult> {
    const from = `${frame.pin}@${mailDomain}`;
    let raw: Uint8Array;
    try {
      raw = await buildEtpMail({ frameBytes: bytes, from, to: email });
    } catch (err) {
      stats.malformed++;
      return { status: 400, error: 'MALFORMED', message: isActivationError(err) ? err.message : 'the ETP.DAT could not be mailed' };
    }
    const sending = submitMail({ host: smtp!.host, port: smtp!.port, timeoutMs: smtp!.timeoutMs, raw, from, to: email, name: mailDomain });
    pendingMail.add(sending);
    try {
      await sending;
      stats.mailed++;
      log(`relay: mailed ETP.DAT of ${frame.pin} to ${email}`);
      return { status: 202 };
    } catch (err) {
      stats.mailFailed++;
      log(`relay: mailing ETP.DAT of ${frame.pin} to ${email} failed (${isActivationError(err) ? String(err.cause?.reason ?? err.message) : 'error'})`);
      return { status: 502, error: 'TRANSPORT_ERROR', message: 'the relay could not hand the activation request to the mail server' };
    } finally {
      pendingMail.delete(sending);
    }
  }

  async function route(bytes: Uint8Array): Promise<RouteResult> {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      stats.malformed++;
      return { status: 400, error: 'MALFORMED', message: isActivationError(err) ? err.message : 'undecodable frame' };
    }
    stats.received++;
    const colon = frame.to.indexOf(':');
    const scheme = frame.to.slice(0, colon);
    if (scheme === 'mailto') {
      const email = frame.to.slice(colon + 1).trim().toLowerCase();
      if (normalizeServes(email) === undefined || !email.includes('@')) {
        stats.malformed++;
        return { status: 400, error: 'MALFORMED', message: 'the mailto: address is not an email address' };
      }
      if (smtp && frame.type === 'etp-dat') return forwardByMail(frame, bytes, frame.to.slice(colon + 1).trim());
      const target = serverFor(email);
      if (target) {
        enqueue(target, bytes);
      } else {
        let queue = heldMail.get(email);
        if (!queue) {
          if (addressCount() >= maxAddresses) throw new HttpError(503, 'RELAY_FULL', 'the relay keeps no more addresses');
          queue = [];
          heldMail.set(email, queue);
        }
        stats.held++;
        push(queue, bytes, `mailto:${email}`);
        log(`relay: no server serves ${email} yet; holding the ${frame.type}`);
      }
      return { status: 202 };
    }
    const address = parseRelayAddress(frame.to);
    if (!address) {
      stats.malformed++;
      return { status: 400, error: 'MALFORMED', message: 'the frame is addressed to no valid pin: or srp: address' };
    }
    enqueue(address.address, bytes);
    return { status: 202 };
  }

  // ---- requests ------------------------------------------------------------------------------

  /** Parses and checks `address`, the token and `serves` of a receiving peer. */
  const receiver = (params: URLSearchParams, token: string | undefined): { address: RelayAddress; serves: string[] } => {
    const address = parseRelayAddress(params.get('address') ?? '');
    if (!address) throw new HttpError(400, 'INVALID_ARGUMENT', 'address must be pin:<8 hex digits> or srp:<SRP identifier>');
    if (address.kind === 'srp') {
      const expected = tokens.get(address.id);
      if (expected !== undefined && (token === undefined || !safeEqual(token, expected))) {
        stats.unauthorized++;
        throw new HttpError(401, 'UNAUTHORIZED', 'a valid token is required for this SRP identifier');
      }
    }
    const servesParam = params.get('serves');
    const serves: string[] = [];
    if (servesParam) {
      if (address.kind !== 'srp') throw new HttpError(400, 'INVALID_ARGUMENT', 'only a server (srp:) can serve email addresses');
      for (const entry of servesParam.split(',')) {
        const n = normalizeServes(entry);
        if (n === undefined) throw new HttpError(400, 'INVALID_ARGUMENT', 'serves must list email addresses or domains');
        serves.push(n);
      }
    }
    return { address, serves };
  };

  const readBody = (req: http.IncomingMessage, limit: number): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          reject(new HttpError(413, 'MALFORMED', `a frame is at most ${limit} bytes`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      req.on('error', () => reject(new HttpError(400, 'MALFORMED', 'the request body could not be read')));
    });

  async function handlePost(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== FRAME_CONTENT_TYPE && type !== 'application/octet-stream') {
      throw new HttpError(415, 'MALFORMED', `the body must be ${FRAME_CONTENT_TYPE}`);
    }
    const bytes = await readBody(req, MAX_FRAME_BYTES + 4096);
    const result = await route(bytes);
    if (result.status >= 400) return answerError(res, result.status, result.error ?? 'ERROR', result.message ?? 'refused');
    answer(res, result.status);
  }

  function handlePoll(url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const { address, serves } = receiver(url.searchParams, bearer(req));
    const waitParam = url.searchParams.get('wait');
    const wait = waitParam === null ? 25 : Number(waitParam);
    if (!Number.isFinite(wait) || wait < 0) throw new HttpError(400, 'INVALID_ARGUMENT', 'wait must be a number of seconds');
    const waitMs = Math.min(wait, MAX_POLL_WAIT_SECONDS) * 1000;
    const peer = getPeer(address.address);
    if (address.kind === 'srp') register(address, serves);
    if (peer.waiter) flush(peer); // a newer poll replaces the older one, which is answered now
    if (peer.queue.length > 0 || waitMs === 0) return sendBatch(peer, res);
    const waiter: Waiter = {
      res,
      timer: setTimeout(() => {
        if (peer.waiter === waiter) flush(peer);
      }, waitMs),
    };
    peer.waiter = waiter;
    res.on('close', () => {
      if (peer.waiter === waiter) {
        clearTimeout(waiter.timer);
        peer.waiter = undefined;
      }
    });
  }

  /**
   * With `cors` on: CORS headers for this request, set before any answer (writeHead merges them),
   * so every response (batches, 204s, errors) carries them. Returns true when the request is a
   * preflight for the frame endpoints, answered here.
   */
  const applyCors = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean => {
    if (corsOrigins === undefined) return false;
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const allowed = allowOrigin(origin);
    if (corsOrigins !== '*') res.setHeader('vary', 'Origin');
    if (allowed !== undefined) res.setHeader('access-control-allow-origin', allowed);
    if (req.method !== 'OPTIONS' || pathname !== FRAMES_PATH || closing) return false;
    if (allowed !== undefined) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, authorization');
      res.setHeader('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
    }
    res.setHeader('allow', 'GET, POST, OPTIONS');
    answer(res, 204);
    return true;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const run = async (): Promise<void> => {
      if (applyCors(req, res, url.pathname)) return;
      if (closing) throw new HttpError(503, 'CLOSING', 'the relay is shutting down');
      if (url.pathname === FRAMES_PATH) {
        if (req.method === 'POST') return handlePost(req, res);
        if (req.method === 'GET') return handlePoll(url, req, res);
        res.setHeader('allow', corsOrigins === undefined ? 'GET, POST' : 'GET, POST, OPTIONS');
        throw new HttpError(405, 'INVALID_ARGUMENT', 'use GET or POST');
      }
      if (url.pathname === '/v1/health' && req.method === 'GET') return answer(res, 200, JSON.stringify({ status: 'ok' }));
      throw new HttpError(404, 'NOT_FOUND', 'no such endpoint');
    };
    run().catch((err) => {
      if (err instanceof HttpError) return answerError(res, err.status, err.code, err.message);
      log(`relay: request failed (${err instanceof Error ? err.name : typeof err})`);
      answerError(res, 500, 'INTERNAL', 'the relay failed');
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = (MAX_POLL_WAIT_SECONDS + 30) * 1000;

  // ---- WebSocket -----------------------------------------------------------------------------

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES + 4096 });

  const refuseUpgrade = (socket: Duplex, status: number): void => {
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  };

  const toBytes = (data: RawData): Uint8Array => {
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (closing) return refuseUpgrade(socket, 503);
    if (url.pathname !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404);
    // Browsers do not apply CORS to WebSockets; they send Origin and leave the check to the server.
    // Clients that send no Origin (Node, native code) are not browsers and pass.
    if (corsOrigins !== undefined && typeof req.headers.origin === 'string' && allowOrigin(req.headers.origin) === undefined) {
      return refuseUpgrade(socket, 403);
    }
    let peerInfo: { address: RelayAddress; serves: string[] };
    try {
      peerInfo = receiver(url.searchParams, bearer(req) ?? url.searchParams.get('token') ?? undefined);
    } catch (err) {
      return refuseUpgrade(socket, err instanceof HttpError ? err.status : 400);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const { address, serves } = peerInfo;
      let peer: Peer;
      try {
        peer = getPeer(address.address);
      } catch {
        ws.close(1013, 'relay full');
        return;
      }
      peer.sockets.push(ws);
      ws.on('error', () => undefined);
      ws.on('close', () => {
        const i = peer.sockets.indexOf(ws);
        if (i >= 0) peer.sockets.splice(i, 1);
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          ws.send(JSON.stringify({ error: 'MALFORMED', message: 'frames are binary messages' }));
          return;
        }
        route(toBytes(data))
          .then((result) => {
            if (result.status >= 400 && ws.readyState === WS_OPEN) ws.send(JSON.stringify({ error: result.error, message: result.message }));
          })
          .catch((err) => {
            if (ws.readyState === WS_OPEN) {
              ws.send(JSON.stringify({ error: err instanceof HttpError ? err.code : 'INTERNAL', message: err instanceof Error ? err.message : 'failed' }));
            }
          });
      });
      if (address.kind === 'srp') register(address, serves);
      // Whatever waited for this peer goes out now.
      const queued = peer.queue.splice(0);
      for (const frame of queued) ws.send(frame, { binary: true });
      stats.delivered += queued.length;
      if (peer.waiter) flush(peer);
    });
  });

  // ---- start and stop ------------------------------------------------------------------------

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void => reject(new ActivationError('TRANSPORT_ERROR', 'the relay could not listen', { operation: 'listen', reason: err.name }));
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  server.on('error', (err) => log(`relay: server error ${err.name}`));
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`relay: listening on ${url}${smtp ? `, mailing ETP.DAT to ${smtp.host}:${smtp.port}` : ''}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    stats,
    queueLength(address: string): number {
      if (address.startsWith('mailto:')) return heldMail.get(address.slice(7).toLowerCase())?.length ?? 0;
      const a = parseRelayAddress(address);
      return a ? (peers.get(a.address)?.queue.length ?? 0) : 0;
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        for (const peer of peers.values()) {
          if (peer.waiter) {
            clearTimeout(peer.waiter.timer);
            const res = peer.waiter.res;
            peer.waiter = undefined;
            answer(res, 204);
          }
          for (const ws of peer.sockets) ws.terminate();
        }
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
