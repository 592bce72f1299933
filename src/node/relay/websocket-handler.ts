/**
 * The relay's WebSocket endpoint (`/v1/ws`, docs/transports.md, "Endpoints"): checks the upgrade
 * (path, `Origin` when CORS is on, address, token or receive credential), then receives frames as
 * binary messages and pushes the peer's frames to it: what was queued at once, the rest as they
 * arrive, as far as the socket's backpressure allows.
 *
 * Each socket is rate-limited (messages per second) and gets a bounded number of error answers
 * before it is closed, so a flood of junk cannot make the relay buffer replies
 * (docs/reliability.md, "Relay limits"). Any failure while parsing the upgrade refuses it; none
 * can escape to the process.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocketServer } from 'ws';
import { RECEIVE_QUERY, WEBSOCKET_PATH } from '../../transport/relay-protocol.js';
import type { CorsPolicy } from './cors.js';
import { bearerToken, parseRequestTarget } from './http-handlers.js';
import type { LongPolls } from './long-polls.js';
import { WS_OPEN, type PeerSocket, type PeerSockets } from './peer-sockets.js';
import { RateLimiter } from './rate-limiter.js';
import { receiveCredentialOf } from './receive-auth.js';
import { RelayRefusal } from './relay-refusal.js';
import type { FrameAnswer, Receiver, RelayRouter, SendContext } from './relay-router.js';

export interface WebSocketHandlerOptions {
  /** A `noServer` WebSocket server that completes the upgrades. */
  readonly wss: WebSocketServer;
  readonly router: RelayRouter;
  /** Routes one sent frame (or mails it) and says what to answer; rejects with RelayRefusal to refuse it. */
  readonly acceptFrame: (bytes: Uint8Array, context: SendContext) => Promise<FrameAnswer>;
  readonly sockets: PeerSockets;
  readonly polls: LongPolls;
  /** Undefined: CORS off (no `Origin` check). */
  readonly cors: CorsPolicy | undefined;
  /** True once the relay shuts down. */
  readonly isClosing: () => boolean;
  readonly log: (message: string) => void;
}

export function refuseUpgrade(socket: Duplex, status: number): void {
  try {
    if (socket.writable)
      socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  } catch {
    // the socket is gone already
  }
  socket.destroy();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/** The `upgrade` listener of the relay's node:http server. */
export function createUpgradeHandler(options: WebSocketHandlerOptions): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { wss, router, acceptFrame, sockets, polls, cors, isClosing, log } = options;
  const { wsMessagesPerSecond, wsMaxErrorReplies } = router.limits;

  function connect(peer: PeerSocket, ip: string): void {
    const { ws, receiver } = peer;
    const address = receiver.address.address;
    const context: SendContext = { ip, receiveKey: receiver.receiveKey };
    // One bucket per socket: burst of two seconds' worth, then the steady rate. Not for a configured
    // server (it proved its token at the upgrade): its one socket carries the frames of every
    // handset it serves, and the bound that keeps a stranger's socket in check throttled a whole
    // `serve` to about seven activations a second, refusing the rest (issue 15, a 10,000-handset
    // fleet). In the open demo mode anyone may be a server, so the bound applies to all.
    const trusted = receiver.address.kind === 'srp' && router.authenticated;
    const rate = new RateLimiter(2 * wsMessagesPerSecond, wsMessagesPerSecond / 1000, 1);
    let errors = 0;
    /** Answers an error while the peer may have some; closes it after `wsMaxErrorReplies`. */
    const refuse = (error: string, message: string): void => {
      errors++;
      if (errors > wsMaxErrorReplies) {
        if (ws.readyState === WS_OPEN) {
          ws.close(1008, 'too many errors');
          // A peer that keeps sending instead of answering the close does not get ws's 30 s.
          setTimeout(() => ws.terminate(), 1000).unref();
        }
        return;
      }
      if (sockets.writable(peer)) ws.send(JSON.stringify({ error, message }));
    };
    router.receiverLive(address, 1);
    sockets.add(peer);
    ws.on('error', () => undefined);
    ws.on('close', () => {
      sockets.remove(peer);
      router.receiverLive(address, -1);
    });
    ws.on('message', (data, isBinary) => {
      if (ws.readyState !== WS_OPEN) return;
      if (!trusted && !rate.take('socket', Date.now())) return refuse('RATE_LIMITED', 'too many messages');
      if (!isBinary) return refuse('MALFORMED', 'frames are binary messages');
      acceptFrame(toBytes(data), context)
        .then((result) => {
          if (result.status >= 400 && ws.readyState === WS_OPEN) refuse(result.error ?? 'ERROR', result.message ?? 'refused');
        })
        .catch((err) => {
          if (ws.readyState === WS_OPEN)
            refuse(err instanceof RelayRefusal ? err.code : 'INTERNAL', err instanceof RelayRefusal ? err.message : 'failed');
        });
    });
    // Whatever waited for this peer goes out now, as far as the socket takes it.
    sockets.pump(peer);
    polls.flush(address);
  }

  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    if (isClosing()) return refuseUpgrade(socket, 503);
    const url = parseRequestTarget(req.url);
    if (!url) return refuseUpgrade(socket, 400);
    if (url.pathname !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404);
    // Browsers do not apply CORS to WebSockets; they send Origin and leave the check to the server.
    // Clients that send no Origin (Node, native code) are not browsers and pass.
    if (cors !== undefined && typeof req.headers.origin === 'string' && cors.allowOrigin(req.headers.origin) === undefined) {
      return refuseUpgrade(socket, 403);
    }
    let receiver: Receiver;
    try {
      receiver = router.checkReceiver({
        address: url.searchParams.get('address'),
        serves: url.searchParams.get('serves'),
        token: bearerToken(req) ?? url.searchParams.get('token') ?? undefined,
        credential: receiveCredentialOf(req.headers.authorization) ?? url.searchParams.get(RECEIVE_QUERY) ?? undefined,
      });
      router.admitPeer(receiver.address.address);
    } catch (err) {
      return refuseUpgrade(socket, err instanceof RelayRefusal ? err.status : 400);
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        connect({ ws, receiver }, ip);
      } catch (err) {
        log(`relay: WebSocket setup failed (${err instanceof Error ? err.name : typeof err})`);
        ws.terminate();
      }
    });
  }

  return (req, socket, head) => {
    try {
      upgrade(req, socket, head);
    } catch (err) {
      // Last resort: no upgrade request of any shape may take the relay down.
      log(`relay: upgrade failed (${err instanceof Error ? err.name : typeof err})`);
      refuseUpgrade(socket, 400);
    }
  };
}
