/**
 * The relay's HTTP endpoints (docs/transports.md, "Endpoints"): `POST /v1/frames` sends a frame,
 * `GET /v1/frames` long-polls for frames, `GET /v1/health` answers ok. With CORS on, every answer
 * carries the CORS headers and preflights for the frame endpoints are answered.
 */
import type http from 'node:http';
import { FRAME_CONTENT_TYPE, FRAMES_PATH, MAX_FRAME_MESSAGE_BYTES, MAX_POLL_WAIT_SECONDS } from '../../transport/relay-protocol.js';
import { CORS_MAX_AGE_SECONDS, type CorsPolicy } from './cors.js';
import type { HttpResponder } from './http-responses.js';
import type { LongPolls } from './long-polls.js';
import { RelayRefusal } from './relay-refusal.js';
import type { FrameAnswer, RelayRouter } from './relay-router.js';

export interface HttpHandlerOptions {
  readonly router: RelayRouter;
  /** Routes one sent frame (or mails it) and says what to answer; rejects with RelayRefusal to refuse it. */
  readonly acceptFrame: (bytes: Uint8Array) => Promise<FrameAnswer>;
  readonly polls: LongPolls;
  readonly responder: HttpResponder;
  /** Undefined: CORS off. */
  readonly cors: CorsPolicy | undefined;
  /** True once the relay shuts down. */
  readonly isClosing: () => boolean;
  readonly log: (message: string) => void;
}

/** The token of an `authorization: Bearer <token>` header. */
export function bearerToken(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

/** The request body, at most `limit` bytes (else RelayRefusal 413). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RelayRefusal(413, 'MALFORMED', `a frame is at most ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', () => reject(new RelayRefusal(400, 'MALFORMED', 'the request body could not be read')));
  });
}

/** The `request` listener of the relay's node:http server. */
export function createHttpHandler(options: HttpHandlerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { router, acceptFrame, polls, responder, cors, isClosing, log } = options;

  async function handlePost(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== FRAME_CONTENT_TYPE && type !== 'application/octet-stream') {
      throw new RelayRefusal(415, 'MALFORMED', `the body must be ${FRAME_CONTENT_TYPE}`);
    }
    const bytes = await readBody(req, MAX_FRAME_MESSAGE_BYTES);
    const result = await acceptFrame(bytes);
    if (result.status >= 400) return responder.sendError(res, result.status, result.error ?? 'ERROR', result.message ?? 'refused');
    responder.send(res, result.status);
  }

  function handlePoll(url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const { address, serves } = router.checkReceiver({
      address: url.searchParams.get('address'),
      serves: url.searchParams.get('serves'),
      token: bearerToken(req),
    });
    const waitParam = url.searchParams.get('wait');
    const wait = waitParam === null ? 25 : Number(waitParam);
    if (!Number.isFinite(wait) || wait < 0) throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'wait must be a number of seconds');
    const waitMs = Math.min(wait, MAX_POLL_WAIT_SECONDS) * 1000;
    router.admitPeer(address.address);
    if (address.kind === 'srp') router.register(address, serves);
    polls.accept(address.address, res, waitMs);
  }

  /**
   * With `cors` on: CORS headers for this request, set before any answer (writeHead merges them),
   * so every response (batches, 204s, errors) carries them. Returns true when the request is a
   * preflight for the frame endpoints, answered here.
   */
  function applyCors(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean {
    if (cors === undefined) return false;
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const allowed = cors.allowOrigin(origin);
    if (cors.variesByOrigin) res.setHeader('vary', 'Origin');
    if (allowed !== undefined) res.setHeader('access-control-allow-origin', allowed);
    if (req.method !== 'OPTIONS' || pathname !== FRAMES_PATH || isClosing()) return false;
    if (allowed !== undefined) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, authorization');
      res.setHeader('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
    }
    res.setHeader('allow', 'GET, POST, OPTIONS');
    responder.send(res, 204);
    return true;
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const run = async (): Promise<void> => {
      if (applyCors(req, res, url.pathname)) return;
      if (isClosing()) throw new RelayRefusal(503, 'CLOSING', 'the relay is shutting down');
      if (url.pathname === FRAMES_PATH) {
        if (req.method === 'POST') return handlePost(req, res);
        if (req.method === 'GET') return handlePoll(url, req, res);
        res.setHeader('allow', cors === undefined ? 'GET, POST' : 'GET, POST, OPTIONS');
        throw new RelayRefusal(405, 'INVALID_ARGUMENT', 'use GET or POST');
      }
      if (url.pathname === '/v1/health' && req.method === 'GET') return responder.send(res, 200, JSON.stringify({ status: 'ok' }));
      throw new RelayRefusal(404, 'NOT_FOUND', 'no such endpoint');
    };
    run().catch((err) => {
      if (err instanceof RelayRefusal) return responder.sendError(res, err.status, err.code, err.message);
      log(`relay: request failed (${err instanceof Error ? err.name : typeof err})`);
      responder.sendError(res, 500, 'INTERNAL', 'the relay failed');
    });
  };
}
