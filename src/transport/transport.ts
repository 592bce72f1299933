/**
 * The transport interface: how frames move between a handset and a server. It is deliberately
 * small, so that an emulator can wrap its own radio, socket or mailbox in a few lines
 * (docs/transports.md). Frames are opaque bytes; routing lives inside them (the frame's `to`).
 */

/**
 * What a transport can say about where a frame came from. Most transports know nothing and pass
 * nothing; the relay client fills it in from what the relay vouched for (docs/security.md).
 */
export interface FrameMeta {
  /**
   * True when the relay vouched for this frame with a MAC under the receiving server's relay key,
   * and the transport checked that MAC. A server may refuse unvouched activation requests.
   */
  readonly vouched?: boolean;
  /**
   * An opaque, stable label of the frame's network source as the relay saw it (never an address
   * in clear), for rate limiting per source. Only set together with `vouched`.
   */
  readonly source?: string;
}

/** Receives each frame that arrives, with what the transport knows of its origin. */
export type FrameHandler = (frame: Uint8Array, meta?: FrameMeta) => void;

/**
 * How frames move between a handset and a server: the one interface {@link Handset} and the
 * simulator need from the outside world. Ready-made ones: {@link createMemoryTransportPair} (in
 * memory, for tests), {@link createRelayTransport} (HTTP and WebSocket relay client),
 * {@link withFaults} (wraps another to lose, delay, duplicate or corrupt frames) and
 * {@link combineTransports}. An emulator wraps its own radio, socket or mailbox in a few lines.
 *
 * @example
 * ```ts
 * // A transport over an emulator's own message port.
 * function portTransport(port: MessagePort): Transport {
 *   const handlers = new Set<FrameHandler>();
 *   port.onmessage = (e) => { for (const h of handlers) h(new Uint8Array(e.data)); };
 *   return {
 *     async send(frame) { port.postMessage(frame); },
 *     onFrame(handler) { handlers.add(handler); return () => handlers.delete(handler); },
 *     async close() { port.close(); },
 *   };
 * }
 * ```
 */
export interface Transport {
  /** Sends one frame. Resolves once the transport has taken it (not when the peer has read it). */
  send(frame: Uint8Array): Promise<void>;
  /** Registers a handler for arriving frames; returns a function that removes it. */
  onFrame(handler: FrameHandler): () => void;
  /** Stops sending and receiving; pending sends may be dropped. Idempotent. */
  close(): Promise<void>;
}
