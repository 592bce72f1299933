/**
 * A {@link Transport} over the HTTP relay (docs/transports.md, "The relay protocol"): what a
 * handset or a server uses to reach the relay, the stand-in for the BlackBerry Infrastructure.
 * Runtime-agnostic: it needs only a `fetch` (global by default) and, in `mode: 'websocket'`, a
 * `WebSocket` constructor (global by default; pass `ws`'s on Node 20).
 *
 * - `send(frame)` POSTs the frame; the relay routes it by the frame's `to`.
 * - Frames for `address` arrive through a long-poll loop (or a WebSocket), started by the first
 *   `onFrame` (or at once with `receive: 'immediately'`) and stopped by `close()`.
 * - A server with `serves` registers them with `POST /v1/register` before it receives (and again
 *   after a failure).
 * - A handset (`pin:`) makes an Ed25519 receive key pair: its POSTs carry the public key, so that
 *   the relay binds the session of its ETP.DAT to it, and its polls and WebSocket present a fresh
 *   signed credential, so that only it receives that session's frames (docs/transports.md,
 *   "Authentication").
 * - A server with a `token` checks the relay's vouch on each frame and hands it to its handlers
 *   with `{ vouched: true, source }`.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ActivationError } from '../errors/activation-error.js';
import type { FrameHandler, FrameMeta, Transport } from './transport.js';
import {
  FRAME_CONTENT_TYPE,
  FRAMES_PATH,
  MAX_BATCH_BYTES,
  MAX_FRAME_MESSAGE_BYTES,
  MAX_POLL_WAIT_SECONDS,
  RECEIVE_KEY_HEADER,
  RECEIVE_QUERY,
  REGISTER_PATH,
  VOUCHED_BATCH_CONTENT_TYPE,
  WEBSOCKET_PATH,
  decodeFrameBatch,
  decodeVouchedBatch,
  decodeVouchedFrame,
  mediaType,
  normalizeServes,
  parseRelayAddress,
  receiveCredentialMessage,
  relayEndpointUrl,
  type VouchedFrame,
} from './relay-protocol.js';
import { checkVouch, deriveVouchKey } from './relay-vouch.js';
import { toBase64Url } from '../util/base64url.js';

/**
 * An event handler of {@link WebSocketLike}, taking an `E`. Written as a method type so that its
 * parameter is compared both ways: the browser's handlers take a `MessageEvent`, the `ws`
 * package's its own event classes, and both must fit, while the transport only reads what `E`
 * names (and checks `data` itself).
 */
export type WebSocketHandler<E> = {
  /** Handles one event. */
  bivarianceHack(event: E): void;
}['bivarianceHack'];

/** The part of the WHATWG WebSocket API the transport uses (the `ws` package's class fits). */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed, as in the WHATWG API. */
  readonly readyState: number;
  /** Set to `'arraybuffer'` by the transport, so that frames arrive as bytes. */
  binaryType: string;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Closes the connection. */
  close(code?: number, reason?: string): void;
  /** Called once the connection is open. */
  onopen: WebSocketHandler<unknown> | null;
  /** Called with each message; `event.data` holds it. */
  onmessage: WebSocketHandler<{ readonly data: unknown }> | null;
  /** Called when the connection has closed. */
  onclose: WebSocketHandler<unknown> | null;
  /** Called on a connection error (a close follows). */
  onerror: WebSocketHandler<unknown> | null;
}
/** A WebSocket constructor: the global `WebSocket` in browsers, Deno, Bun and Node 22, or the `ws` package's class on Node 20. */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** Options of {@link createRelayTransport}: where the relay is, who this peer is, how to receive. */
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
  /** Receive-side problems (failed polls, handler exceptions, relay error messages, bad vouches). Never thrown. */
  readonly onError?: (error: ActivationError) => void;
  /** Randomness for a handset's receive key. Default `crypto.getRandomValues`. */
  readonly random?: (n: number) => Uint8Array;
  /** Clock for receive credentials (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

/** The {@link Transport} that {@link createRelayTransport} returns, with its address and an explicit start. */
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

/** The body of `res`, read as a stream and refused (MALFORMED) beyond `cap` bytes, whatever `content-length` says. */
async function readCapped(res: Response, cap: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const tooLarge = (): ActivationError =>
    new ActivationError('MALFORMED', `the relay answered more than ${cap} bytes`, { operation: 'relay', reason: 'too large' });
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > cap) throw tooLarge();
    return bytes;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
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

/**
 * A {@link Transport} through an HTTP relay (the reference one is `startRelayServer` in
 * `enterprise-activation/node`): frames are POSTed, and frames for this peer's `address` arrive
 * by long-poll or, with `mode: 'websocket'`, over a WebSocket. Works in browsers, Node, Deno and
 * Bun; it needs only `fetch` (and a WebSocket constructor in WebSocket mode).
 *
 * @throws An {@link ActivationError} `INVALID_ARGUMENT` for a bad option: a `url` that is not http(s), an
 * `address` that is not `pin:<PIN>` or `srp:<id>`, `serves` on a handset, no `fetch`, no WebSocket in WebSocket mode.
 *
 * @example
 * ```ts
 * // Handset side: reach the relay by HTTP; the relay routes by the frame's `to`.
 * const transport = createRelayTransport({ url: 'http://127.0.0.1:8080', address: 'pin:2100000A' });
 * const handset = new Handset({ config, transport });
 * await handset.activate({ email: 'alice@example.com', password: 'bb8800pw' });
 * await transport.close();
 *
 * // Server side: register the domains it serves, check the relay's vouches with the shared token.
 * const serverSide = createRelayTransport({
 *   url: 'http://127.0.0.1:8080', address: 'srp:S0000001', serves: ['example.com'], token: process.env.RELAY_TOKEN,
 * });
 * new BesSimulator().attach(serverSide);
 * ```
 */
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
    if (n === undefined)
      throw new ActivationError('INVALID_ARGUMENT', 'serves entries must be email addresses or domains', { field: 'serves' });
    serves.push(n);
  }
  if (serves.length > 0 && parsed.kind !== 'srp') {
    throw new ActivationError('INVALID_ARGUMENT', 'only a server (srp:) address can serve email addresses', { field: 'serves' });
  }
  const wait = options.pollWaitSeconds ?? 25;
  if (!Number.isFinite(wait) || wait < 0 || wait > MAX_POLL_WAIT_SECONDS) {
    throw new ActivationError('INVALID_ARGUMENT', `pollWaitSeconds must be from 0 to ${MAX_POLL_WAIT_SECONDS}`, {
      field: 'pollWaitSeconds',
    });
  }
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new ActivationError('INVALID_ARGUMENT', 'no fetch available', { field: 'fetch' });
  const mode = options.mode ?? 'poll';
  // The WebSocket constructor in WebSocket mode (checked here); none in poll mode.
  const WebSocketCtor =
    mode === 'websocket' ? (options.webSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket) : undefined;
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
  const now = options.now ?? Date.now;
  // A handset's receive key: made once per transport; the secret never leaves this closure.
  let receiveSecret: Uint8Array | undefined;
  let receivePublic: string | undefined;
  if (parsed.kind === 'pin') {
    const random = options.random ?? ((n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    receiveSecret = random(32);
    if (!(receiveSecret instanceof Uint8Array) || receiveSecret.length !== 32) {
      throw new ActivationError('INVALID_ARGUMENT', 'random(32) must give 32 bytes', { field: 'random' });
    }
    receivePublic = toBase64Url(ed25519.getPublicKey(receiveSecret));
  }
  /**
   * The relay's clock minus ours: a credential must be within ±120 s of the relay's time, and a
   * device clock may be off by more, so a refused credential resets it from the relay's `Date`.
   */
  let clockOffsetMs = 0;
  const adjustClock = (res: Response): void => {
    const relayTime = Date.parse(res.headers.get('date') ?? '');
    if (Number.isFinite(relayTime)) clockOffsetMs = relayTime - now();
  };
  /** A fresh receive credential `<pub>.<unix-seconds>.<sig>` for this address, signed with `secret` (receiveSecret). */
  const credential = (secret: Uint8Array): string => {
    const seconds = Math.floor((now() + clockOffsetMs) / 1000);
    return `${receivePublic}.${seconds}.${toBase64Url(ed25519.sign(receiveCredentialMessage(address, seconds), secret))}`;
  };
  const receiveHeaders = (): Record<string, string> =>
    receiveSecret ? { authorization: `Receive ${credential(receiveSecret)}` } : authHeaders;
  const vouchingKey = options.token ? deriveVouchKey(options.token) : undefined;

  const endpoint = (path: string, query: Record<string, string>): string => {
    const url = relayEndpointUrl(base, path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.href;
  };

  const handlers = new Set<FrameHandler>();
  const lifetime = new AbortController();
  /** One controller per request, aborted by close(): no listener piles up on a shared signal. */
  const inflight = new Set<AbortController>();
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

  const deliver = (frame: Uint8Array, meta?: FrameMeta): void => {
    if (closed) return;
    for (const handler of [...handlers]) {
      try {
        if (meta) handler(frame, meta);
        else handler(frame);
      } catch (err) {
        report(transportError('a frame handler threw', { reason: describe(err) }));
      }
    }
  };

  /** Checks the relay's vouch (constant time) and delivers the frame with it; a bad one is dropped and reported. */
  const deliverVouched = (item: VouchedFrame): void => {
    if (!vouchingKey || !checkVouch(vouchingKey, item.frame, item.source, item.vouch)) {
      report(
        new ActivationError('MALFORMED', 'a frame from the relay carried a vouch that does not verify; dropped', {
          operation: 'relay',
          reason: 'bad vouch',
        }),
      );
      return;
    }
    deliver(item.frame, { vouched: true, source: item.source });
  };

  /** A fetch with its own abort controller, aborted by close() or after `timeoutMs`. */
  async function request<T>(
    url: string,
    init: RequestInit,
    use: (res: Response, signal: AbortSignal) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    const controller = new AbortController();
    inflight.add(controller);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetchFn(url, { ...init, signal: controller.signal });
      return await use(res, controller.signal);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      inflight.delete(controller);
    }
  }

  /** Registers `serves` (servers only): `POST /v1/register`. Throws TRANSPORT_ERROR when refused. */
  async function register(): Promise<void> {
    if (serves.length === 0) return;
    await request(
      endpoint(REGISTER_PATH, {}),
      { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders }, body: JSON.stringify({ address, serves }) },
      async (res) => {
        const text = await readCapped(res, 4096)
          .then((b) => new TextDecoder().decode(b))
          .catch(() => '');
        if (res.status < 200 || res.status > 299) {
          let reason = text.slice(0, 200);
          try {
            const body = JSON.parse(text) as { message?: string };
            if (typeof body.message === 'string') reason = body.message.slice(0, 200);
          } catch {
            // not JSON: keep the text
          }
          throw transportError(`the relay refused the registration (${res.status})`, { operation: 'register', status: res.status, reason });
        }
      },
      sendTimeoutMs,
    );
  }

  const backoffMs = (failures: number): number => Math.min(maxBackoff, initialBackoff * 2 ** Math.min(failures - 1, 20));

  async function pollLoop(): Promise<void> {
    let failures = 0;
    let registered = false;
    const url = endpoint(FRAMES_PATH, { address, wait: String(wait) });
    while (!closed) {
      try {
        if (!registered) {
          await register();
          registered = true;
        }
        // The relay answers within `wait`; a relay that does not is cut off 15 s later.
        await request(
          url,
          { method: 'GET', headers: receiveHeaders() },
          async (res) => {
            if (res.status === 204) {
              await res.body?.cancel().catch(() => undefined);
              failures = 0;
              return;
            }
            if (res.status !== 200) {
              if (res.status === 401 && receiveSecret) adjustClock(res);
              const text = await readCapped(res, 4096)
                .then((b) => new TextDecoder().decode(b))
                .catch(() => '');
              throw transportError(`relay answered ${res.status} to a poll`, { status: res.status, reason: text.slice(0, 200) });
            }
            const body = await readCapped(res, MAX_BATCH_BYTES);
            const type = mediaType(res.headers.get('content-type'));
            if (type === VOUCHED_BATCH_CONTENT_TYPE) {
              const items = decodeVouchedBatch(body);
              failures = 0;
              for (const item of items) deliverVouched(item);
              return;
            }
            const frames = decodeFrameBatch(body);
            failures = 0;
            for (const frame of frames) deliver(frame);
          },
          (wait + 15) * 1000,
        );
      } catch (err) {
        if (closed) break;
        failures++;
        registered = false;
        report(err instanceof ActivationError ? err : transportError('polling the relay failed', { reason: describe(err) }));
        if (failures >= maxFailures) {
          report(transportError('polling stopped after repeated failures', { failures }));
          break;
        }
        await sleep(backoffMs(failures), lifetime.signal);
      }
    }
  }

  async function socketLoop(SocketClass: WebSocketConstructorLike): Promise<void> {
    let failures = 0;
    const socketUrl = (): string => {
      const query: Record<string, string> = { address };
      if (options.token) query.token = options.token;
      if (receiveSecret) query[RECEIVE_QUERY] = credential(receiveSecret);
      return endpoint(WEBSOCKET_PATH, query).replace(/^http/, 'ws');
    };
    while (!closed) {
      let registeredNow = true;
      try {
        await register();
      } catch (err) {
        registeredNow = false;
        report(err instanceof ActivationError ? err : transportError('registering with the relay failed', { reason: describe(err) }));
      }
      const opened =
        !registeredNow || closed
          ? false
          : await new Promise<boolean>((resolve) => {
              let ws: WebSocketLike;
              try {
                ws = new SocketClass(socketUrl());
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
                let bytes: Uint8Array | undefined;
                if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
                else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
                else if (typeof data === 'string') report(transportError('the relay reported an error', { reason: data.slice(0, 200) }));
                if (bytes === undefined || bytes.length > MAX_FRAME_MESSAGE_BYTES) return;
                if (vouchingKey) {
                  let item: VouchedFrame | undefined;
                  try {
                    item = decodeVouchedFrame(bytes);
                  } catch {
                    item = undefined; // a plain frame: the relay does not vouch for this server (open mode)
                  }
                  if (item) return deliverVouched(item);
                }
                deliver(bytes);
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
      if (!opened && receiveSecret) {
        // Perhaps our credential's time was refused: take the relay's clock for the next try.
        await request(
          endpoint('/v1/health', {}),
          { method: 'GET' },
          async (res) => {
            adjustClock(res);
            await res.body?.cancel().catch(() => undefined);
          },
          sendTimeoutMs,
        ).catch(() => undefined);
      }
      await sleep(opened ? initialBackoff : backoffMs(failures), lifetime.signal);
    }
  }

  const start = (): void => {
    if (started || closed) return;
    started = true;
    loop = (WebSocketCtor !== undefined ? socketLoop(WebSocketCtor) : pollLoop()).catch((err) => {
      report(transportError('the receive loop failed', { reason: describe(err) }));
    });
  };

  async function post(frame: Uint8Array): Promise<void> {
    const controller = new AbortController();
    inflight.add(controller);
    const timer = setTimeout(() => controller.abort(), sendTimeoutMs);
    try {
      let res: Response;
      const headers: Record<string, string> = { 'content-type': FRAME_CONTENT_TYPE, ...authHeaders };
      if (receivePublic) headers[RECEIVE_KEY_HEADER] = receivePublic;
      try {
        res = await fetchFn(endpoint(FRAMES_PATH, {}), {
          method: 'POST',
          headers,
          body: frame.slice() as Uint8Array<ArrayBuffer>,
          signal: controller.signal,
        });
      } catch (err) {
        if (closed) throw transportError('transport is closed', { operation: 'send' });
        throw transportError(controller.signal.aborted ? 'sending to the relay timed out' : 'could not reach the relay', {
          operation: 'send',
          reason: describe(err),
        });
      }
      const text = await readCapped(res, 4096)
        .then((b) => new TextDecoder().decode(b))
        .catch(() => '');
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
      inflight.delete(controller);
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
      for (const controller of inflight) controller.abort();
      handlers.clear();
      socket?.close(1000, 'closed');
      await loop;
    },
  };
  if (options.receive === 'immediately') start();
  return transport;
}
