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

/**
 * Two connected in-memory transports, `[handsetSide, serverSide]`: what one sends, the other
 * receives on a later microtask, in order, as a copy. No network, no loss: the quickest way to
 * run a {@link Handset} against a `BesSimulator` in a test or an emulator. Wrap a side in
 * {@link withFaults} for loss, delay and corruption.
 *
 * @example
 * ```ts
 * const [handsetSide, serverSide] = createMemoryTransportPair();
 * server.attach(serverSide);
 * const handset = new Handset({ config, transport: handsetSide });
 * ```
 */
export function createMemoryTransportPair(): [Transport, Transport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
