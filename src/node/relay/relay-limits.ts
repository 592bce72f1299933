/**
 * The relay's limits: every bound on memory, connections, rates and time in one options object
 * with safe defaults (docs/reliability.md, "Relay limits"). The relay faces strangers, so each
 * resource a request can make it hold has a ceiling here; the defaults are far above what honest
 * handsets and servers need and far below what would hurt the host.
 */
import { ActivationError } from '../../errors/activation-error.js';
import { MAX_FRAME_MESSAGE_BYTES, MAX_POLL_WAIT_SECONDS } from '../../transport/relay-protocol.js';

/** Every bound of the relay on memory, connections, rates and time (`RelayServerOptions.limits`); defaults in {@link DEFAULT_RELAY_LIMITS}. */
export interface RelayLimits {
  /** Frames queued per address; the oldest go first. Default 1000. */
  readonly maxQueueFrames: number;
  /** Bytes queued per address; the oldest frames go first. Default 4 MiB. */
  readonly maxQueueBytes: number;
  /** Bytes queued over all addresses; the least recently used idle addresses lose theirs first. Default 64 MiB. */
  readonly maxTotalQueueBytes: number;
  /** How long a queued frame waits for its peer before it is dropped (ms). Default 10 min. */
  readonly frameTtlMs: number;
  /** Addresses (peers and held mail) the relay keeps; the least recently used idle one is evicted for a new one. Default 10 000. */
  readonly maxAddresses: number;
  /** How long an idle, empty address slot lives (ms). Default 10 min. */
  readonly addressTtlMs: number;
  /** `serves` entries one server may register. Default 100. */
  readonly maxServesPerServer: number;
  /** `serves` entries in total. Default 10 000. */
  readonly maxServes: number;
  /** (PIN, session) → receive key bindings kept; the oldest go first. Default 10 000. */
  readonly maxReceiveBindings: number;
  /** How long a receive binding lives (ms). Default 1 h. */
  readonly receiveBindingTtlMs: number;
  /** ETP.DATs per PIN per minute (token bucket; the burst is the same number). Default 10. */
  readonly etpDatPerPinPerMinute: number;
  /** ETP.DATs per source IP per minute (token bucket). Default 60. */
  readonly etpDatPerSourcePerMinute: number;
  /** Waiting long-polls per address (one per receiver identity). Default 4. */
  readonly maxPollsPerAddress: number;
  /** TCP connections in total. Default 1024. */
  readonly maxConnections: number;
  /** TCP connections per source IP. Default 128. */
  readonly maxConnectionsPerSource: number;
  /** WebSocket ping interval; a peer that has not answered the previous ping is cut off (ms). Default 30 000. */
  readonly heartbeatMs: number;
  /** Bytes a WebSocket may have unsent before the relay stops pushing to it (frames wait in the queue). Default 1 MiB. */
  readonly backpressureBytes: number;
  /**
   * Messages per second one WebSocket may send (token bucket, burst twice that). Default 100. A
   * configured server's socket (one that proved its token) is not bound by it: it carries every
   * handset's frames.
   */
  readonly wsMessagesPerSecond: number;
  /** Error answers one WebSocket gets before the relay closes it. Default 10. */
  readonly wsMaxErrorReplies: number;
  /** Time to receive a request's headers (ms). Default 10 000. */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request (ms). Default 15 000. */
  readonly requestTimeoutMs: number;
  /** Keep-alive time between requests (ms). Default 5 000. */
  readonly keepAliveTimeoutMs: number;
  /** An HTTP socket with no traffic this long is closed (ms); must exceed the longest long-poll. Default 40 000. */
  readonly idleTimeoutMs: number;
}

/** The limits the relay uses for each one not given (docs/reliability.md, "Relay limits"). Our figures. */
export const DEFAULT_RELAY_LIMITS: RelayLimits = Object.freeze({
  maxQueueFrames: 1000,
  maxQueueBytes: 4 * 1024 * 1024,
  maxTotalQueueBytes: 64 * 1024 * 1024,
  frameTtlMs: 10 * 60_000,
  maxAddresses: 10_000,
  addressTtlMs: 10 * 60_000,
  maxServesPerServer: 100,
  maxServes: 10_000,
  maxReceiveBindings: 10_000,
  receiveBindingTtlMs: 60 * 60_000,
  etpDatPerPinPerMinute: 10,
  etpDatPerSourcePerMinute: 60,
  maxPollsPerAddress: 4,
  maxConnections: 1024,
  maxConnectionsPerSource: 128,
  heartbeatMs: 30_000,
  backpressureBytes: 1024 * 1024,
  wsMessagesPerSecond: 100,
  wsMaxErrorReplies: 10,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: (MAX_POLL_WAIT_SECONDS + 10) * 1000,
});

/** Lower bounds a limit must meet for the relay to work at all. */
const MINIMUM: Partial<Record<keyof RelayLimits, number>> = {
  maxQueueBytes: MAX_FRAME_MESSAGE_BYTES,
  maxTotalQueueBytes: MAX_FRAME_MESSAGE_BYTES,
  idleTimeoutMs: (MAX_POLL_WAIT_SECONDS + 1) * 1000,
};

/**
 * Merges `given` over the defaults and checks each value: a positive integer (at least the
 * minimum the protocol needs). ActivationError('INVALID_ARGUMENT') names the bad field.
 */
export function resolveRelayLimits(
  given: Partial<RelayLimits> | undefined,
  legacy: { maxQueue?: number; maxAddresses?: number } = {},
): RelayLimits {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new ActivationError('INVALID_ARGUMENT', 'limits must be an object', { field: 'limits' });
  }
  const merged: Record<string, unknown> = { ...DEFAULT_RELAY_LIMITS };
  if (legacy.maxQueue !== undefined) merged.maxQueueFrames = legacy.maxQueue;
  if (legacy.maxAddresses !== undefined) merged.maxAddresses = legacy.maxAddresses;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!(key in DEFAULT_RELAY_LIMITS))
      throw new ActivationError('INVALID_ARGUMENT', `unknown relay limit ${key.slice(0, 40)}`, { field: 'limits' });
    if (value !== undefined) merged[key] = value;
  }
  for (const key of Object.keys(DEFAULT_RELAY_LIMITS) as (keyof RelayLimits)[]) {
    const value = merged[key];
    const min = MINIMUM[key] ?? 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      const field = key === 'maxQueueFrames' && legacy.maxQueue !== undefined && given?.maxQueueFrames === undefined ? 'maxQueue' : key;
      throw new ActivationError('INVALID_ARGUMENT', `${field} must be an integer of at least ${min}`, { field });
    }
  }
  const limits = merged as unknown as RelayLimits;
  if (limits.maxQueueBytes > limits.maxTotalQueueBytes) {
    throw new ActivationError('INVALID_ARGUMENT', 'maxQueueBytes must not exceed maxTotalQueueBytes', { field: 'maxQueueBytes' });
  }
  return Object.freeze(limits);
}

/** One line per limit, for the start-up log. */
export function describeRelayLimits(limits: RelayLimits): string {
  return Object.entries(limits)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
