/**
 * Composes transports: frames arrive from several (e.g. a mailbox monitor and the relay) and
 * go out through one (the relay). This is how a server takes ETP.DAT mails from a mailbox and
 * everything else from the relay, and answers over the relay.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { FrameHandler, Transport } from './transport.js';

/** Options of {@link combineTransports}: where frames come from, and where they go. */
export interface CombineOptions {
  /** Transports whose arriving frames are delivered to the combined transport's handlers. */
  readonly receive: readonly Transport[];
  /** The transport that `send()` uses. It only receives if it is also listed in `receive`. */
  readonly send: Transport;
}

/** One transport made of several; `close()` closes each of them once. */
export function combineTransports(options: CombineOptions): Transport {
  if (!options || !Array.isArray(options.receive) || !options.send) {
    throw new ActivationError('INVALID_ARGUMENT', 'combineTransports needs receive transports and a send transport', { field: 'options' });
  }
  const receive = [...new Set(options.receive)];
  const sender = options.send;
  let closed = false;
  return {
    async send(frame: Uint8Array): Promise<void> {
      if (closed) throw new ActivationError('TRANSPORT_ERROR', 'transport is closed', { operation: 'send' });
      await sender.send(frame);
    },
    onFrame(handler: FrameHandler): () => void {
      const offs = receive.map((t) => t.onFrame(handler));
      return () => {
        for (const off of offs) off();
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const all = [...new Set<Transport>([...receive, sender])];
      await Promise.allSettled(all.map((t) => t.close()));
    },
  };
}
