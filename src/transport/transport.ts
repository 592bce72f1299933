/**
 * The transport interface: how frames move between a handset and a server. It is deliberately
 * small, so that an emulator can wrap its own radio, socket or mailbox in a few lines
 * (docs/transports.md). Frames are opaque bytes; routing lives inside them (the frame's `to`).
 */

/** Receives each frame that arrives. */
export type FrameHandler = (frame: Uint8Array) => void;

export interface Transport {
  /** Sends one frame. Resolves once the transport has taken it (not when the peer has read it). */
  send(frame: Uint8Array): Promise<void>;
  /** Registers a handler for arriving frames; returns a function that removes it. */
  onFrame(handler: FrameHandler): () => void;
  /** Stops sending and receiving; pending sends may be dropped. Idempotent. */
  close(): Promise<void>;
}
