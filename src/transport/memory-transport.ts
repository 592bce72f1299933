/**
 * An in-memory linked pair of transports: what one side sends, the other receives, asynchronously
 * (on a later microtask) and in order, as a network would deliver it.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { FrameHandler, Transport } from './transport.js';

class MemoryEnd implements Transport {
  peer: MemoryEnd | undefined;
  private readonly handlers = new Set<FrameHandler>();
  private closed = false;

  async send(frame: Uint8Array): Promise<void> {
    if (this.closed) throw new ActivationError('TRANSPORT_ERROR', 'transport is closed', { operation: 'send' });
    const peer = this.peer;
    const copy = frame.slice();
    queueMicrotask(() => peer?.deliver(copy));
  }

  onFrame(handler: FrameHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }

  private deliver(frame: Uint8Array): void {
    if (this.closed) return;
    for (const handler of [...this.handlers]) handler(frame);
  }
}

/** Two connected transports: `[handsetSide, serverSide]`. */
export function createMemoryTransportPair(): [Transport, Transport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
