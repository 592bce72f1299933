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
 *
 * This file wires the parts together: the routing core (relay/relay-router.ts), the HTTP and
 * WebSocket endpoints (relay/http-handlers.ts, relay/websocket-handler.ts), the SMTP path and the
 * server's life from listening to close().
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { Frame } from '../wire/frame.js';
import { MAX_FRAME_MESSAGE_BYTES, MAX_POLL_WAIT_SECONDS } from '../transport/relay-protocol.js';
import { buildEtpMail } from './mail/etp-mail.js';
import { submitMail } from './mail/smtp-submitter.js';
import { CorsPolicy } from './relay/cors.js';
import { createHttpHandler } from './relay/http-handlers.js';
import { HttpResponder } from './relay/http-responses.js';
import { LongPolls } from './relay/long-polls.js';
import { PeerSockets } from './relay/peer-sockets.js';
import { RelayRouter, type FrameAnswer, type RelayStats } from './relay/relay-router.js';
import { createUpgradeHandler } from './relay/websocket-handler.js';

export type { RelayStats } from './relay/relay-router.js';

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

export async function startRelayServer(options: RelayServerOptions = {}): Promise<RelayServer> {
  const host = options.host ?? '127.0.0.1';
  const smtp = options.smtp;
  const mailDomain = smtp?.mailDomain ?? 'relay.invalid';
  const log = (message: string): void => {
    try {
      options.log?.(message);
    } catch {
      // ignore a failing logger
    }
  };
  const sockets = new PeerSockets();
  // The router reaches connected peers through their WebSockets and waiting long-polls (`polls`
  // is created below; the router calls `queued` only once frames flow).
  const router = new RelayRouter({
    maxQueue: options.maxQueue,
    maxAddresses: options.maxAddresses,
    tokens: options.tokens,
    mailEtpDat: Boolean(smtp),
    log,
    delivery: {
      push: (address, frame) => sockets.push(address, frame),
      queued: (address) => polls.wake(address),
    },
  });
  const cors = CorsPolicy.fromOption(options.cors);
  let closing = false;
  const isClosing = (): boolean => closing;
  const responder = new HttpResponder(isClosing);
  const polls = new LongPolls(router, responder);
  const pendingMail = new Set<Promise<unknown>>();

  // ---- the SMTP path ---------------------------------------------------------------------------

  async function forwardByMail(frame: Frame, bytes: Uint8Array, email: string): Promise<FrameAnswer> {
    const from = `${frame.pin}@${mailDomain}`;
    let raw: Uint8Array;
    try {
      raw = await buildEtpMail({ frameBytes: bytes, from, to: email });
    } catch (err) {
      router.countMail('unmailable');
      return { status: 400, error: 'MALFORMED', message: isActivationError(err) ? err.message : 'the ETP.DAT could not be mailed' };
    }
    const sending = submitMail({ host: smtp!.host, port: smtp!.port, timeoutMs: smtp!.timeoutMs, raw, from, to: email, name: mailDomain });
    pendingMail.add(sending);
    try {
      await sending;
      router.countMail('mailed');
      log(`relay: mailed ETP.DAT of ${frame.pin} to ${email}`);
      return { status: 202 };
    } catch (err) {
      router.countMail('failed');
      log(`relay: mailing ETP.DAT of ${frame.pin} to ${email} failed (${isActivationError(err) ? String(err.cause?.reason ?? err.message) : 'error'})`);
      return { status: 502, error: 'TRANSPORT_ERROR', message: 'the relay could not hand the activation request to the mail server' };
    } finally {
      pendingMail.delete(sending);
    }
  }

  /** Routes one sent frame (POST body or WebSocket message), mailing an ETP.DAT on the SMTP path. */
  async function acceptFrame(bytes: Uint8Array): Promise<FrameAnswer> {
    const decision = router.route(bytes);
    if (decision.kind === 'mail') return forwardByMail(decision.frame, bytes, decision.email);
    return decision.answer;
  }

  // ---- servers ---------------------------------------------------------------------------------

  const server = http.createServer(createHttpHandler({ router, acceptFrame, polls, responder, cors, isClosing, log }));
  server.headersTimeout = 10_000;
  server.requestTimeout = (MAX_POLL_WAIT_SECONDS + 30) * 1000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_MESSAGE_BYTES });
  server.on('upgrade', createUpgradeHandler({ wss, router, acceptFrame, sockets, polls, cors, isClosing }));

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
    stats: router.stats,
    queueLength(address: string): number {
      return router.queueLength(address);
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
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
