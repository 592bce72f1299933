/** Transports: how frames move between a handset and a server (docs/transports.md). */
export type { FrameHandler, FrameMeta, Transport } from './transport.js';
export { createMemoryTransportPair } from './memory-transport.js';
export {
  withFaults,
  type FaultAction,
  type FaultDirection,
  type FaultOptions,
  type FaultStats,
  type FaultyTransport,
  type Scheduler,
  type ScriptedFault,
} from './fault-injector.js';
export {
  createRelayTransport,
  type RelayTransport,
  type RelayTransportOptions,
  type WebSocketConstructorLike,
  type WebSocketLike,
} from './http-relay-transport.js';
export { combineTransports, type CombineOptions } from './combine.js';
export {
  FRAME_BATCH_CONTENT_TYPE,
  FRAME_CONTENT_TYPE,
  FRAMES_PATH,
  MAX_POLL_WAIT_SECONDS,
  WEBSOCKET_PATH,
  decodeFrameBatch,
  encodeFrameBatch,
  normalizeServes,
  parseRelayAddress,
  type RelayAddress,
} from './relay-protocol.js';
