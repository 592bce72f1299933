/**
 * A {@link Transport} over the HTTP relay (docs/transports.md, "The relay protocol"): what a
 * handset or a server uses to reach the relay, the stand-in for the BlackBerry Infrastructure.
 * Runtime-agnostic: it needs only a `fetch` (global by default) and, in `mode: 'websocket'`, a
 * `WebSocket` constructor (global by default; pass `ws`'s on Node 20).
 *
 * - `send(frame)` POSTs the frame; the relay routes it by the frame's `to`.
 * - Frames for `address` arrive through a long-poll loop (or a WebSocket), started by the first
 *   `onFrame` (or at once with `receive: 'immediately'`) and stopped by `close()`.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { FrameHandler, Transport } from './transport.js';
import {
  FRAME_CONTENT_TYPE,
  FRAMES_PATH,
  MAX_POLL_WAIT_SECONDS,
  WEBSOCKET_PATH,
  decodeFrameBatch,
  normalizeServes,
  parseRelayAddress,
} from './relay-protocol.js';

/** The part of the WHATWG WebSocket API the transport uses (the `ws` package's class fits). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  // `any`: browser and `ws` event types differ; the transport checks `data` itself.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

export interface RelayTransportOptions {
  /** Base URL of the relay, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** This peer's address: `pin:<PIN>` for a handset, `srp:<SRP identifier>` for a server. */
  readonly address: string;
  /** For a server: the email addresses and domains whose activation requests it takes. */
  readonly serves?: readonly string[];
  /** Shared secret configured on the relay for this SRP identifier (sent as `Bearer`). */
  readonly token?: string;
  /** How long each long-poll may wait on the relay, in seconds (0..30). Default 25. */
  readonly pollWaitSeconds?: number;
  /** `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** `'poll'` (HTTP long-poll, default) or `'websocket'`. */
  readonly mode?: 'poll' | 'websocket';
  /** WebSocket constructor for `mode: 'websocket'`. Default `globalThis.WebSocket`. */
  readonly webSocket?: WebSocketConstructorLike;
  /** When to start receiving: on the first `onFrame` (default) or at once. */
  readonly receive?: 'on-handler' | 'immediately';
  /** How long a `send` may take before it fails with TRANSPORT_ERROR (ms). Default 30 000. */
  readonly sendTimeoutMs?: number;
  /** Back-off between failed polls / reconnects: doubles from `initialMs` up to `maxMs`. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly maxFailures?: number };
  /** Receive-side problems (failed polls, handler exceptions, relay error messages). Never thrown. */
  readonly onError?: (error: ActivationError) => void;
}

export interface RelayTransport extends Transport {
  /** This peer's canonical address. */
  readonly address: string;
  /** Starts receiving now (normally the first `onFrame` does it). */
  start(): void;
}

const WS_OPEN = 1;

function transportError(message: string, detail: Record<string, unknown>): ActivationError {
  return new ActivationError('TRANSPORT_ERROR', message, { operation: 'relay', ...detail });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createRelayTransport(options: RelayTransportOptions): RelayTransport {
  if (!options || typeof options.url !== 'string') {
    throw new ActivationError('INVALID_ARGUMENT', 'createRelayTransport needs the relay url', { field: 'url' });
  }
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new ActivationError('INVALID_ARGUMENT', 'the relay url is not a valid URL', { field: 'url' });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ActivationError('INVALID_ARGUMENT', 'the relay url must be http: or https:', { field: 'url' });
  }
  const parsed = parseRelayAddress(options.address);
  if (!parsed) {
    throw new ActivationError('INVALID_ARGUMENT', 'address must be pin:<8 hex digits> or srp:<SRP identifier>', { field: 'address' });
  }
  const serves: string[] = [];
  for (const entry of options.serves ?? []) {
    const n = normalizeServes(entry);
    if (n === undefined) throw new ActivationError('INVALID_ARGUMENT', 'serves entries must be email addresses or domains', { field: 'serves' });
    serves.push(n);
  }
  if (serves.length > 0 && parsed.kind !== 'srp') {
    throw new ActivationError('INVALID_ARGUMENT', 'only a server (srp:) address can serve email addresses', { field: 'serves' });
  }
  const wait = options.pollWaitSeconds ?? 25;
  if (!Number.isFinite(wait) || wait < 0 || wait > MAX_POLL_WAIT_SECONDS) {
    throw new ActivationError('INVALID_ARGUMENT', `pollWaitSeconds must be from 0 to ${MAX_POLL_WAIT_SECONDS}`, { field: 'pollWaitSeconds' });
  }
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new ActivationError('INVALID_ARGUMENT', 'no fetch available', { field: 'fetch' });
  const mode = options.mode ?? 'poll';
  const WebSocketCtor = options.webSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (mode === 'websocket' && typeof WebSocketCtor !== 'function') {
    throw new ActivationError('INVALID_ARGUMENT', "mode 'websocket' needs a WebSocket (globalThis.WebSocket or the webSocket option)", {
      field: 'webSocket',
    });
  }
  const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  const initialBackoff = options.backoff?.initialMs ?? 100;
  const maxBackoff = options.backoff?.maxMs ?? 2_000;
  const maxFailures = options.backoff?.maxFailures ?? Infinity;
  const address = parsed.address;
  const authHeaders: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};

  const endpoint = (path: string, query: Record<string, string>): string => {
    const url = new URL(base.href);
    url.pathname = url.pathname.replace(/\/$/, '') + path;
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.href;
  };
  const receiveQuery = (): Record<string, string> => (serves.length > 0 ? { address, serves: serves.join(',') } : { address });

  const handlers = new Set<FrameHandler>();
  const lifetime = new AbortController();
  let closed = false;
  let started = false;
  let loop: Promise<void> | undefined;
  let socket: WebSocketLike | undefined;

  const report = (error: ActivationError): void => {
    try {
      options.onError?.(error);
    } catch {
      // An error reporter that throws must not stop the transport.
    }
  };

  const deliver = (frame: Uint8Array): void => {
    if (closed) return;
    for (const handler of [...handlers]) {
      try {
        handler(frame);
      } catch (err) {
        report(transportError('a frame handler threw', { reason: describe(err) }));
      }
    }
  };

  const backoffMs = (failures: number): number => Math.min(maxBackoff, initialBackoff * 2 ** Math.min(failures - 1, 20));

  async function pollLoop(): Promise<void> {
    let failures = 0;
    const url = endpoint(FRAMES_PATH, { ...receiveQuery(), wait: String(wait) });
    while (!closed) {
      try {
        const res = await fetchFn(url, { method: 'GET', headers: authHeaders, signal: lifetime.signal });
        if (res.status === 204) {
          await res.body?.cancel().catch(() => undefined);
          failures = 0;
          continue;
        }
        if (res.status !== 200) {
          const text = await res.text().catch(() => '');
          throw transportError(`relay answered ${res.status} to a poll`, { status: res.status, reason: text.slice(0, 200) });
        }
        const frames = decodeFrameBatch(new Uint8Array(await res.arrayBuffer()));
        failures = 0;
        for (const frame of frames) deliver(frame);
      } catch (err) {
        if (closed) break;
        failures++;
        report(err instanceof ActivationError ? err : transportError('polling the relay failed', { reason: describe(err) }));
        if (failures >= maxFailures) {
          report(transportError('polling stopped after repeated failures', { failures }));
          break;
        }
        await sleep(backoffMs(failures), lifetime.signal);
      }
    }
  }

  async function socketLoop(): Promise<void> {
    let failures = 0;
    const url = endpoint(WEBSOCKET_PATH, options.token ? { ...receiveQuery(), token: options.token } : receiveQuery()).replace(/^http/, 'ws');
    while (!closed) {
      const opened = await new Promise<boolean>((resolve) => {
        let ws: WebSocketLike;
        try {
          ws = new WebSocketCtor!(url);
        } catch (err) {
          report(transportError('could not open the relay WebSocket', { reason: describe(err) }));
          return resolve(false);
        }
        socket = ws;
        let wasOpen = false;
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => {
          wasOpen = true;
          failures = 0;
        };
        ws.onmessage = (event: { data: unknown }) => {
          const data = event.data;
          if (data instanceof ArrayBuffer) deliver(new Uint8Array(data));
          else if (ArrayBuffer.isView(data)) deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
          else if (typeof data === 'string') report(transportError('the relay reported an error', { reason: data.slice(0, 200) }));
        };
        ws.onerror = () => undefined; // a close event follows
        ws.onclose = () => {
          if (socket === ws) socket = undefined;
          lifetime.signal.removeEventListener('abort', onAbort);
          resolve(wasOpen);
        };
        const onAbort = (): void => ws.close(1000, 'closed');
        lifetime.signal.addEventListener('abort', onAbort, { once: true });
      });
      if (closed) break;
      if (!opened) failures++;
      if (failures >= maxFailures) {
        report(transportError('WebSocket reconnection stopped after repeated failures', { failures }));
        break;
      }
      if (!opened) report(transportError('the relay WebSocket could not be opened', { failures }));
      await sleep(opened ? initialBackoff : backoffMs(failures), lifetime.signal);
    }
  }

  const start = (): void => {
    if (started || closed) return;
    started = true;
    loop = (mode === 'websocket' ? socketLoop() : pollLoop()).catch((err) => {
      report(transportError('the receive loop failed', { reason: describe(err) }));
    });
  };

  async function post(frame: Uint8Array): Promise<void> {
    const timeout = new AbortController();
    const onClose = (): void => timeout.abort();
    lifetime.signal.addEventListener('abort', onClose, { once: true });
    const timer = setTimeout(() => timeout.abort(), sendTimeoutMs);
    try {
      let res: Response;
      try {
        res = await fetchFn(endpoint(FRAMES_PATH, {}), {
          method: 'POST',
          headers: { 'content-type': FRAME_CONTENT_TYPE, ...authHeaders },
          body: frame.slice() as Uint8Array<ArrayBuffer>,
          signal: timeout.signal,
        });
      } catch (err) {
        if (closed) throw transportError('transport is closed', { operation: 'send' });
        throw transportError(timeout.signal.aborted ? 'sending to the relay timed out' : 'could not reach the relay', {
          operation: 'send',
          reason: describe(err),
        });
      }
      const text = await res.text().catch(() => '');
      if (res.status < 200 || res.status > 299) {
        let reason = text.slice(0, 200);
        try {
          const body = JSON.parse(text) as { error?: string; message?: string };
          if (typeof body.message === 'string') reason = body.message;
        } catch {
          // not JSON: keep the text
        }
        throw transportError(`the relay refused the frame (${res.status})`, { operation: 'send', status: res.status, reason });
      }
    } finally {
      clearTimeout(timer);
      lifetime.signal.removeEventListener('abort', onClose);
    }
  }

  const transport: RelayTransport = {
    address,
    start,
    async send(frame: Uint8Array): Promise<void> {
      if (closed) throw transportError('transport is closed', { operation: 'send' });
      if (!(frame instanceof Uint8Array)) throw new ActivationError('INVALID_ARGUMENT', 'a frame must be a Uint8Array', { field: 'frame' });
      const ws = socket;
      if (ws && ws.readyState === WS_OPEN) {
        try {
          ws.send(frame);
          return;
        } catch {
          // fall back to HTTP
        }
      }
      await post(frame);
    },
    onFrame(handler: FrameHandler): () => void {
      handlers.add(handler);
      start();
      return () => {
        handlers.delete(handler);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      lifetime.abort();
      handlers.clear();
      socket?.close(1000, 'closed');
      await loop;
    },
  };
  if (options.receive === 'immediately') start();
  return transport;
}
