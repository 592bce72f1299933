/**
 * The relay's HTTP endpoints (docs/transports.md, "Endpoints"): `POST /v1/frames` sends a frame,
 * `GET /v1/frames` long-polls for frames, `POST /v1/register` registers what a server serves,
 * `GET /v1/health` answers ok. With CORS on, every answer carries the CORS headers and preflights
 * for the frame and register endpoints are answered.
 *
 * Every request is parsed defensively: a request target that is not a plain path, or anything else
 * that throws, is answered 400 (or the socket is closed); nothing a client sends reaches the process.
 */
import type http from 'node:http';
import {
  FRAME_CONTENT_TYPE,
  FRAMES_PATH,
  MAX_FRAME_MESSAGE_BYTES,
  MAX_POLL_WAIT_SECONDS,
  MAX_REGISTER_BYTES,
  RECEIVE_KEY_HEADER,
  REGISTER_PATH,
  mediaType,
  parseRelayAddress,
} from '../../transport/relay-protocol.js';
import { CORS_MAX_AGE_SECONDS, type CorsPolicy } from './cors.js';
import type { HttpResponder } from './http-responses.js';
import type { LongPolls } from './long-polls.js';
import { parseReceiveKey, receiveCredentialOf } from './receive-auth.js';
import { RelayRefusal } from './relay-refusal.js';
import type { FrameAnswer, RelayRouter, SendContext } from './relay-router.js';

export interface HttpHandlerOptions {
  readonly router: RelayRouter;
  /** Routes one sent frame (or mails it) and says what to answer; rejects with RelayRefusal to refuse it. */
  readonly acceptFrame: (bytes: Uint8Array, context: SendContext) => Promise<FrameAnswer>;
  readonly polls: LongPolls;
  readonly responder: HttpResponder;
  /** Undefined: CORS off. */
  readonly cors: CorsPolicy | undefined;
  /** True once the relay shuts down. */
  readonly isClosing: () => boolean;
  readonly log: (message: string) => void;
  /** Extra read-only endpoints (`GET` only), by path: see `RelayServerOptions.endpoints`. */
  readonly endpoints?: ReadonlyMap<string, RelayEndpoint>;
  /** Extra endpoints that take a body (`POST` only), by path: see `RelayServerOptions.postEndpoints`. */
  readonly postEndpoints?: ReadonlyMap<string, RelayEndpoint>;
}

/** The most bytes of body a `POST` to an extra endpoint may carry (else 413). */
export const MAX_ENDPOINT_BODY_BYTES = 16 * 1024;

/** What a {@link RelayEndpoint} is given of its request. */
export interface RelayEndpointRequest {
  /** `GET` for `endpoints`, `POST` for `postEndpoints`. */
  readonly method: 'GET' | 'POST';
  /** The query string, parsed. */
  readonly query: URLSearchParams;
  /** A request header by its name (any case), as Node reads it (most repeated headers joined by `, `); undefined when absent. */
  header(name: string): string | undefined;
  /** The body: empty for `GET`, at most {@link MAX_ENDPOINT_BODY_BYTES} for `POST`. */
  readonly body: Uint8Array;
}

/** What a {@link RelayEndpoint} answers: a text body, its media type, and a status (default 200). */
export interface RelayEndpointAnswer {
  /** HTTP status, 200 to 599. Default 200. */
  readonly status?: number;
  /** The `content-type` of the body, e.g. `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  /** The body, as text. */
  readonly body: string;
  /**
   * More response headers (e.g. `content-security-policy`): lower-case names, values without line
   * breaks. The relay's own (`content-type`, `content-length`, `cache-control`) win over these.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An extra endpoint of the relay (`/metrics` of `enterprise-activation serve`, and with `--ui` its
 * page and administrator's API). Endpoints that ignore the request may take no parameter.
 */
export type RelayEndpoint = (request: RelayEndpointRequest) => RelayEndpointAnswer | Promise<RelayEndpointAnswer>;

const HEADER_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const HEADER_VALUE = /^[\t\x20-\x7e]{0,4096}$/;

/** True when `headers` is absent or a plain map of well-formed header names to one-line values. */
function wellFormedHeaders(headers: unknown): boolean {
  if (headers === undefined) return true;
  if (typeof headers !== 'object' || headers === null) return false;
  return Object.entries(headers).every(([name, value]) => HEADER_NAME.test(name) && typeof value === 'string' && HEADER_VALUE.test(value));
}

/**
 * The path and query of a request target in origin form (`/v1/frames?…`); undefined for anything
 * else (absolute form, `*`, bad ports, garbage), which the relay answers 400.
 */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//') || target.length > 8192) return undefined;
  try {
    return new URL(target, 'http://relay.invalid');
  } catch {
    return undefined;
  }
}

/** The token of an `authorization: Bearer <token>` header. */
export function bearerToken(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

/** The request body, at most `limit` bytes (else RelayRefusal 413, and the connection closes after the answer). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      return reject(new RelayRefusal(413, 'TOO_LARGE', `the body is at most ${limit} bytes`, true));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.pause();
        reject(new RelayRefusal(413, 'TOO_LARGE', `the body is at most ${limit} bytes`, true));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.on('error', () => {
      if (!done) reject(new RelayRefusal(400, 'MALFORMED', 'the request body could not be read'));
      done = true;
    });
  });
}

/** The `request` listener of the relay's node:http server. */
export function createHttpHandler(options: HttpHandlerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { router, acceptFrame, polls, responder, cors, isClosing, log, endpoints, postEndpoints } = options;

  async function handlePost(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = mediaType(req.headers['content-type']);
    if (type !== FRAME_CONTENT_TYPE && type !== 'application/octet-stream') {
      throw new RelayRefusal(415, 'MALFORMED', `the body must be ${FRAME_CONTENT_TYPE}`);
    }
    const keyHeader = req.headers[RECEIVE_KEY_HEADER];
    const receiveKey = typeof keyHeader === 'string' ? parseReceiveKey(keyHeader.trim()) : undefined;
    if (keyHeader !== undefined && receiveKey === undefined)
      throw new RelayRefusal(400, 'INVALID_ARGUMENT', `${RECEIVE_KEY_HEADER} must be an Ed25519 public key in base64url`);
    const bytes = await readBody(req, MAX_FRAME_MESSAGE_BYTES);
    const result = await acceptFrame(bytes, { ip: req.socket.remoteAddress ?? 'unknown', receiveKey });
    if (result.status >= 400) return responder.sendError(res, result.status, result.error ?? 'ERROR', result.message ?? 'refused');
    responder.send(res, result.status);
  }

  async function handleRegister(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = mediaType(req.headers['content-type']);
    if (type !== 'application/json') throw new RelayRefusal(415, 'MALFORMED', 'the body must be application/json');
    const bytes = await readBody(req, MAX_REGISTER_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new RelayRefusal(400, 'MALFORMED', 'the body is not JSON');
    }
    const { address: a, serves } = (typeof body === 'object' && body !== null ? body : {}) as { address?: unknown; serves?: unknown };
    const address = typeof a === 'string' ? parseRelayAddress(a) : undefined;
    if (!address || address.kind !== 'srp') throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'address must be srp:<SRP identifier>');
    if (!Array.isArray(serves) || !serves.every((s) => typeof s === 'string')) {
      throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'serves must be a list of email addresses and domains');
    }
    router.register(address, serves as string[], bearerToken(req));
    responder.send(res, 204);
  }

  function handlePoll(url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const receiver = router.checkReceiver({
      address: url.searchParams.get('address'),
      serves: url.searchParams.get('serves'),
      token: bearerToken(req),
      credential: receiveCredentialOf(req.headers.authorization),
    });
    const waitParam = url.searchParams.get('wait');
    const wait = waitParam === null ? 25 : Number(waitParam);
    if (!Number.isFinite(wait) || wait < 0) throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'wait must be a number of seconds');
    const waitMs = Math.min(wait, MAX_POLL_WAIT_SECONDS) * 1000;
    router.admitPeer(receiver.address.address);
    polls.accept(receiver, res, waitMs);
  }

  /**
   * With `cors` on: CORS headers for this request, set before any answer (writeHead merges them),
   * so every response (batches, 204s, errors) carries them. Returns true when the request is a
   * preflight for the frame or register endpoints, answered here.
   */
  function applyCors(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean {
    if (cors === undefined) return false;
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const allowed = cors.allowOrigin(origin);
    if (cors.variesByOrigin) res.setHeader('vary', 'Origin');
    if (allowed !== undefined) {
      res.setHeader('access-control-allow-origin', allowed);
      // The relay client corrects its clock for receive credentials from `Date`, not exposed by default.
      res.setHeader('access-control-expose-headers', 'date');
    }
    if (req.method !== 'OPTIONS' || (pathname !== FRAMES_PATH && pathname !== REGISTER_PATH) || isClosing()) return false;
    if (allowed !== undefined) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', `content-type, authorization, ${RECEIVE_KEY_HEADER}`);
      res.setHeader('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
    }
    res.setHeader('allow', pathname === FRAMES_PATH ? 'GET, POST, OPTIONS' : 'POST, OPTIONS');
    responder.send(res, 204);
    return true;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = parseRequestTarget(req.url);
    if (!url) throw new RelayRefusal(400, 'MALFORMED', 'the request target must be a path', true);
    if (applyCors(req, res, url.pathname)) return;
    if (isClosing()) throw new RelayRefusal(503, 'CLOSING', 'the relay is shutting down');
    if (url.pathname === FRAMES_PATH) {
      if (req.method === 'POST') return handlePost(req, res);
      if (req.method === 'GET') return handlePoll(url, req, res);
      res.setHeader('allow', cors === undefined ? 'GET, POST' : 'GET, POST, OPTIONS');
      throw new RelayRefusal(405, 'INVALID_ARGUMENT', 'use GET or POST');
    }
    if (url.pathname === REGISTER_PATH) {
      if (req.method === 'POST') return handleRegister(req, res);
      res.setHeader('allow', cors === undefined ? 'POST' : 'POST, OPTIONS');
      throw new RelayRefusal(405, 'INVALID_ARGUMENT', 'use POST');
    }
    if (url.pathname === '/v1/health' && req.method === 'GET') return responder.send(res, 200, JSON.stringify({ status: 'ok' }));
    const getEndpoint = endpoints?.get(url.pathname);
    const postEndpoint = postEndpoints?.get(url.pathname);
    if (getEndpoint !== undefined && req.method === 'GET') return answerEndpoint(getEndpoint, req, url, new Uint8Array(0), res);
    if (postEndpoint !== undefined && req.method === 'POST')
      return answerEndpoint(postEndpoint, req, url, await readBody(req, MAX_ENDPOINT_BODY_BYTES), res);
    if (getEndpoint !== undefined || postEndpoint !== undefined) {
      const allow = [...(getEndpoint ? ['GET'] : []), ...(postEndpoint ? ['POST'] : [])].join(', ');
      res.setHeader('allow', allow);
      throw new RelayRefusal(405, 'INVALID_ARGUMENT', `use ${allow.replace(', ', ' or ')}`);
    }
    throw new RelayRefusal(404, 'NOT_FOUND', 'no such endpoint');
  }

  /** Runs an extra endpoint; whatever it throws or returns that is not an answer is a plain 500 (never its message). */
  async function answerEndpoint(
    endpoint: RelayEndpoint,
    req: http.IncomingMessage,
    url: URL,
    body: Uint8Array,
    res: http.ServerResponse,
  ): Promise<void> {
    let answer: RelayEndpointAnswer;
    const request: RelayEndpointRequest = {
      method: req.method === 'POST' ? 'POST' : 'GET',
      query: url.searchParams,
      header: (name) => {
        const value = req.headers[name.toLowerCase()];
        return typeof value === 'string' ? value : undefined;
      },
      body,
    };
    try {
      answer = await endpoint(request);
    } catch {
      log('an endpoint failed');
      throw new RelayRefusal(500, 'ERROR', 'the endpoint failed');
    }
    const status = answer.status ?? 200;
    if (
      !Number.isInteger(status) ||
      status < 200 ||
      status > 599 ||
      typeof answer.body !== 'string' ||
      typeof answer.contentType !== 'string' ||
      !wellFormedHeaders(answer.headers)
    ) {
      log('an endpoint gave no answer');
      throw new RelayRefusal(500, 'ERROR', 'the endpoint failed');
    }
    responder.send(res, status, answer.body, answer.contentType, answer.headers);
  }

  const fail = (req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void => {
    try {
      if (err instanceof RelayRefusal) {
        // A refusal that leaves the body unread (413, a bad target) closes the connection once answered.
        if (err.closeConnection) {
          res.setHeader('connection', 'close');
          res.on('finish', () => {
            // Half-close and discard what the client still sends for a moment, so that it reads
            // the answer instead of a reset; then cut it off.
            const socket = req.socket;
            socket.end();
            req.resume();
            setTimeout(() => socket.destroy(), 2000).unref();
          });
        }
        return responder.sendError(res, err.status, err.code, err.message);
      }
      log(`relay: request failed (${err instanceof Error ? err.name : typeof err})`);
      responder.sendError(res, 500, 'INTERNAL', 'the relay failed');
    } catch {
      req.socket.destroy();
    }
  };

  return (req, res) => {
    try {
      handle(req, res).catch((err) => fail(req, res, err));
    } catch (err) {
      fail(req, res, err);
    }
  };
}
