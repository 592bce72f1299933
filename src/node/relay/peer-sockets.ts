/**
 * The WebSockets connected to the relay, by peer address: a frame for a peer goes to its newest
 * open socket at once.
 */
import type { WebSocket } from 'ws';

/** `WebSocket.OPEN`. */
export const WS_OPEN = 1;

export class PeerSockets {
  /** By canonical peer address, oldest first. */
  private readonly byAddress = new Map<string, WebSocket[]>();

  add(address: string, ws: WebSocket): void {
    let sockets = this.byAddress.get(address);
    if (!sockets) {
      sockets = [];
      this.byAddress.set(address, sockets);
    }
    sockets.push(ws);
  }

  remove(address: string, ws: WebSocket): void {
    const sockets = this.byAddress.get(address);
    const i = sockets ? sockets.indexOf(ws) : -1;
    if (i >= 0) sockets!.splice(i, 1);
  }

  /** Sends `frame` to the newest open socket of `address`; false when it has none. */
  push(address: string, frame: Uint8Array): boolean {
    const sockets = this.byAddress.get(address) ?? [];
    for (let i = sockets.length - 1; i >= 0; i--) {
      const ws = sockets[i]!;
      if (ws.readyState === WS_OPEN) {
        ws.send(frame, { binary: true });
        return true;
      }
    }
    return false;
  }

  /** Cuts every socket off (the relay shuts down). */
  terminateAll(): void {
    for (const sockets of this.byAddress.values()) {
      for (const ws of sockets) ws.terminate();
    }
  }
}
