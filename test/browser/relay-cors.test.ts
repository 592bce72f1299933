/**
 * The relay's `cors` option, checked with plain fetch (Node's fetch lets a test set `Origin`, which
 * a browser sets itself): preflights for the frame endpoints, `access-control-allow-origin` on
 * every answer to an allowed origin, nothing for others, and the WebSocket `Origin` check.
 * relay-browser.test.ts shows a real browser honouring these headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelayServer, type RelayServer, type RelayServerOptions } from '../../src/node/relay-server.js';
import { FRAME_CONTENT_TYPE, FRAMES_PATH, WEBSOCKET_PATH } from '../../src/transport/relay-protocol.js';
import { isActivationError } from '../../src/errors/activation-error.js';

const PAGE = 'http://127.0.0.1:5173';
const OTHER = 'http://127.0.0.1:6006';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function relayWith(options: RelayServerOptions = {}): Promise<RelayServer> {
  const relay = await startRelayServer({ host: '127.0.0.1', port: 0, ...options });
  cleanups.push(() => relay.close());
  return relay;
}

function preflight(relay: RelayServer, origin: string, method = 'POST', path = FRAMES_PATH): Promise<Response> {
  return fetch(relay.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
  });
}

/** A poll that answers at once (204: nothing queued). */
function poll(relay: RelayServer, headers: Record<string, string>): Promise<Response> {
  return fetch(`${relay.url}${FRAMES_PATH}?address=pin:2100000A&wait=0`, { headers });
}

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
];

function corsHeadersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CORS_HEADERS) {
    const v = res.headers.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

/** Resolves with the upgrade's outcome: 'open', or the HTTP status the relay refused it with. */
function upgrade(relay: RelayServer, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${relay.url.replace(/^http/, 'ws')}${WEBSOCKET_PATH}?address=pin:2100000A`, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => resolve(-1));
  });
}

describe('relay CORS: off (the default)', () => {
  it('answers OPTIONS with 405 and sends no CORS headers', async () => {
    const relay = await relayWith();
    const pre = await preflight(relay, PAGE);
    expect(pre.status).toBe(405);
    expect(pre.headers.get('allow')).toBe('GET, POST');
    expect(corsHeadersOf(pre)).toEqual({});
    await pre.body?.cancel();

    const res = await poll(relay, { origin: PAGE });
    expect(res.status).toBe(204);
    expect(corsHeadersOf(res)).toEqual({});
    expect(res.headers.get('vary')).toBeNull();
  });

  it('does not check the Origin of a WebSocket upgrade', async () => {
    const relay = await relayWith();
    expect(await upgrade(relay, OTHER)).toBe('open');
  });
});

describe('relay CORS: a list of origins', () => {
  it('answers a preflight from an allowed origin', async () => {
    const relay = await relayWith({ cors: { origins: [PAGE] } });
    for (const method of ['POST', 'GET']) {
      const res = await preflight(relay, PAGE, method);
      expect(res.status).toBe(204);
      expect(corsHeadersOf(res)).toEqual({
        'access-control-allow-origin': PAGE,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type, authorization, x-receive-key',
        'access-control-max-age': '600',
      });
      expect(res.headers.get('vary')).toBe('Origin');
    }
  });

  it('gives a preflight from another origin no CORS headers (the browser then blocks the request)', async () => {
    const relay = await relayWith({ cors: { origins: [PAGE] } });
    for (const origin of [OTHER, 'null', 'http://localhost:5173', 'https://127.0.0.1:5173']) {
      const res = await preflight(relay, origin);
      expect(res.status).toBe(204);
      expect(corsHeadersOf(res), origin).toEqual({});
      expect(res.headers.get('vary')).toBe('Origin');
    }
  });

  it('adds access-control-allow-origin and Vary: Origin to answers for an allowed origin, errors included', async () => {
    const relay = await relayWith({ cors: { origins: [PAGE] } });
    const polled = await poll(relay, { origin: PAGE });
    expect(polled.status).toBe(204);
    expect(polled.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(polled.headers.get('vary')).toBe('Origin');
    // Only a preflight lists methods and headers.
    expect(polled.headers.get('access-control-allow-methods')).toBeNull();

    // An error is readable by the page too, so the transport can report the relay's reason.
    const refused = await fetch(relay.url + FRAMES_PATH, {
      method: 'POST',
      headers: { origin: PAGE, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(refused.status).toBe(415);
    expect(refused.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(await refused.json()).toMatchObject({ error: 'MALFORMED' });

    const malformed = await fetch(relay.url + FRAMES_PATH, {
      method: 'POST',
      headers: { origin: PAGE, 'content-type': FRAME_CONTENT_TYPE },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('access-control-allow-origin')).toBe(PAGE);
    await malformed.body?.cancel();

    const health = await fetch(relay.url + '/v1/health', { headers: { origin: PAGE } });
    expect(health.headers.get('access-control-allow-origin')).toBe(PAGE);
    await health.body?.cancel();
  });

  it('adds no access-control-allow-origin for another origin or without Origin', async () => {
    const relay = await relayWith({ cors: { origins: [PAGE] } });
    for (const headers of [{ origin: OTHER }, {}] as Record<string, string>[]) {
      const res = await poll(relay, headers);
      expect(res.status).toBe(204);
      expect(corsHeadersOf(res)).toEqual({});
      expect(res.headers.get('vary')).toBe('Origin');
    }
    // The request itself is served: CORS is enforced by the browser, not by the relay.
    expect(relay.stats.unauthorized).toBe(0);
  });

  it('matches origins in their serialized form', async () => {
    const relay = await relayWith({ cors: { origins: ['HTTP://127.0.0.1:5173/', 'https://example.test:443'] } });
    expect((await poll(relay, { origin: PAGE })).headers.get('access-control-allow-origin')).toBe(PAGE);
    expect((await poll(relay, { origin: 'https://example.test' })).headers.get('access-control-allow-origin')).toBe('https://example.test');
  });

  it('answers OPTIONS only for the frame endpoints', async () => {
    const relay = await relayWith({ cors: { origins: [PAGE] } });
    const res = await preflight(relay, PAGE, 'GET', '/v1/health');
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    await res.body?.cancel();
    const put = await fetch(relay.url + FRAMES_PATH, { method: 'PUT', headers: { origin: PAGE } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, OPTIONS');
    await put.body?.cancel();
  });

  it('refuses a WebSocket upgrade from another origin (browsers leave that check to the server)', async () => {
    const relay = await relayWith({ cors: { origins: [PAGE] } });
    expect(await upgrade(relay, OTHER)).toBe(403);
    expect(await upgrade(relay, PAGE)).toBe('open');
    expect(await upgrade(relay)).toBe('open'); // not a browser: no Origin
  });
});

describe("relay CORS: '*'", () => {
  it('allows any origin with access-control-allow-origin: *', async () => {
    const relay = await relayWith({ cors: { origins: '*' } });
    const pre = await preflight(relay, OTHER);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type, authorization, x-receive-key');
    const res = await poll(relay, { origin: 'null' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await upgrade(relay, OTHER)).toBe('open');
  });
});

describe('relay CORS: options', () => {
  it.each([
    [{ origins: ['127.0.0.1:5173'] }],
    [{ origins: ['ftp://example.test'] }],
    [{ origins: ['http://127.0.0.1:5173/app'] }],
    [{ origins: ['null'] }],
    [{ origins: 'all' }],
    [{}],
    [null],
  ])('refuses %j', async (cors) => {
    const err = await startRelayServer({ cors: cors as never }).catch((e: unknown) => e);
    expect(isActivationError(err, 'INVALID_ARGUMENT')).toBe(true);
  });
});
