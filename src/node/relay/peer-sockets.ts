/**
 * The WebSockets connected to the relay, by peer address: a frame for a peer goes at once to its
 * newest open socket that may take it (the one authenticated with the session's receive key, when
 * the session is bound; sockets with a receive key before those without) and is not backed up.
 * A socket whose unsent bytes exceed the backpressure threshold gets nothing more; its frames wait
 * in the queue (bounded) and are pumped to it once it has read (docs/reliability.md, "Relay limits").
 */
import type { WebSocket } from 'ws';
import type { QueuedFrame, Receiver, RelayRouter } from './relay-router.js';

/** `WebSocket.OPEN`. */
export const WS_OPEN = 1;

export interface PeerSocket {
  readonly ws: WebSocket;
  readonly receiver: Receiver;
}

export class PeerSockets {
  /** By canonical peer address, oldest first. */
  private readonly byAddress = new Map<string, PeerSocket[]>();
  private router: RelayRouter | undefined;

  constructor(private readonly backpressureBytes: number) {}

  /** The router whose queues {@link pump} drains (set once both exist). */
  attach(router: RelayRouter): void {
    this.router = router;
  }

  add(peer: PeerSocket): void {
    const address = peer.receiver.address.address;
    let sockets = this.byAddress.get(address);
    if (!sockets) {
      sockets = [];
      this.byAddress.set(address, sockets);
    }
    sockets.push(peer);
  }

  remove(peer: PeerSocket): void {
    const address = peer.receiver.address.address;
    const sockets = this.byAddress.get(address);
    if (!sockets) return;
    const i = sockets.indexOf(peer);
    if (i >= 0) sockets.splice(i, 1);
    if (sockets.length === 0) this.byAddress.delete(address);
  }

  /** True when `peer` is open and not backed up. */
  writable(peer: PeerSocket): boolean {
    return peer.ws.readyState === WS_OPEN && peer.ws.bufferedAmount <= this.backpressureBytes;
  }

  /** Sends `item` to the newest socket of `address` that may take it; false when none can now. */
  push(address: string, item: QueuedFrame, requiredKey: string | undefined): boolean {
    const sockets = this.byAddress.get(address);
    if (!sockets || !this.router) return false;
    let anonymous: PeerSocket | undefined;
    // Newest first.
    for (const peer of [...sockets].reverse()) {
      const key = peer.receiver.receiveKey;
      if (requiredKey !== undefined && key !== requiredKey) continue;
      if (!this.writable(peer)) continue;
      if (key === undefined && requiredKey === undefined && address.startsWith('pin:')) {
        anonymous ??= peer;
        continue;
      }
      peer.ws.send(this.router.encodeFor(peer.receiver, item), { binary: true });
      return true;
    }
    if (anonymous) {
      anonymous.ws.send(this.router.encodeFor(anonymous.receiver, item), { binary: true });
      return true;
    }
    return false;
  }

  /** Sends `peer` what waits for it, as far as its buffer allows. */
  pump(peer: PeerSocket): void {
    if (!this.router) return;
    while (this.writable(peer)) {
      const [item] = this.router.takeFor(peer.receiver.address.address, peer.receiver, 1);
      if (!item) return;
      peer.ws.send(this.router.encodeFor(peer.receiver, item), { binary: true });
    }
  }

  /** Pumps every socket (a timer calls it, so frames held back by backpressure go out once the peer reads). */
  pumpAll(): void {
    for (const sockets of this.byAddress.values()) for (const peer of [...sockets]) this.pump(peer);
  }

  /** Every socket. */
  *all(): IterableIterator<PeerSocket> {
    for (const sockets of this.byAddress.values()) yield* sockets;
  }

  /** Cuts every socket off (the relay shuts down). */
  terminateAll(): void {
    for (const peer of [...this.all()]) peer.ws.terminate();
  }
}
