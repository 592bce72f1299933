/**
 * The relay's WebSocket endpoint (`/v1/ws`, docs/transports.md, "Endpoints"): checks the upgrade
 * (path, `Origin` when CORS is on, address and token), then receives frames as binary messages
 * and pushes the peer's frames to it: what was queued at once, the rest as they arrive.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocketServer } from 'ws';
import { WEBSOCKET_PATH } from '../../transport/relay-protocol.js';
import type { CorsPolicy } from './cors.js';
import { bearerToken } from './http-handlers.js';
import type { LongPolls } from './long-polls.js';
import { WS_OPEN, type PeerSockets } from './peer-sockets.js';
import { RelayRefusal } from './relay-refusal.js';
import type { FrameAnswer, Receiver, RelayRouter } from './relay-router.js';

export interface WebSocketHandlerOptions {
  /** A `noServer` WebSocket server that completes the upgrades. */
  readonly wss: WebSocketServer;
  readonly router: RelayRouter;
  /** Routes one sent frame (or mails it) and says what to answer; rejects with RelayRefusal to refuse it. */
  readonly acceptFrame: (bytes: Uint8Array) => Promise<FrameAnswer>;
  readonly sockets: PeerSockets;
  readonly polls: LongPolls;
  /** Undefined: CORS off (no `Origin` check). */
  readonly cors: CorsPolicy | undefined;
  /** True once the relay shuts down. */
  readonly isClosing: () => boolean;
}

function refuseUpgrade(socket: Duplex, status: number): void {
  socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  socket.destroy();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

/** The `upgrade` listener of the relay's node:http server. */
export function createUpgradeHandler(options: WebSocketHandlerOptions): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { wss, router, acceptFrame, sockets, polls, cors, isClosing } = options;

  return (req, socket, head) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (isClosing()) return refuseUpgrade(socket, 503);
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
      });
    } catch (err) {
      return refuseUpgrade(socket, err instanceof RelayRefusal ? err.status : 400);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const { address, serves } = receiver;
      try {
        router.admitPeer(address.address);
      } catch {
        ws.close(1013, 'relay full');
        return;
      }
      sockets.add(address.address, ws);
      ws.on('error', () => undefined);
      ws.on('close', () => sockets.remove(address.address, ws));
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          ws.send(JSON.stringify({ error: 'MALFORMED', message: 'frames are binary messages' }));
          return;
        }
        acceptFrame(toBytes(data))
          .then((result) => {
            if (result.status >= 400 && ws.readyState === WS_OPEN) ws.send(JSON.stringify({ error: result.error, message: result.message }));
          })
          .catch((err) => {
            if (ws.readyState === WS_OPEN) {
              ws.send(JSON.stringify({ error: err instanceof RelayRefusal ? err.code : 'INTERNAL', message: err instanceof Error ? err.message : 'failed' }));
            }
          });
      });
      if (address.kind === 'srp') router.register(address, serves);
      // Whatever waited for this peer goes out now.
      for (const frame of router.take(address.address)) ws.send(frame, { binary: true });
      polls.flush(address.address);
    });
  };
}
