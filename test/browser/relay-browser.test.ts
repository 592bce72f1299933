/**
 * The handset side in a real browser over the real relay: the relay and the BES simulator run in
 * Node, a page on another origin (its own node:http server) runs the handset with the browser's
 * fetch (long-poll) and then its native WebSocket, across origins, through the relay's `cors`
 * option. A page on an origin the relay does not allow cannot use it. Everything binds to
 * 127.0.0.1. Needs Debian's chromium (.ci/run installs it); without it the tests fail in CI (`CI=true`) and
 * are skipped elsewhere, with a warning (test/browser/chromium.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, bundleForBrowser, chromiumAvailable, chromiumRequired, runBrowserTests } from './chromium.js';
import { startRelayServer, type RelayServer } from '../../src/node/relay-server.js';
import { createRelayTransport } from '../../src/transport/http-relay-transport.js';
import { FRAME_CONTENT_TYPE, FRAMES_PATH, WEBSOCKET_PATH } from '../../src/transport/relay-protocol.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import type { RelayRun } from './relay-entry.js';

const SRP = 'S0000001';

const SUCCESS_TEXTS = [
  'Activating',
  'Verifying Encryption',
  'Encryption Verified. Waiting for Services',
  'Services Received',
  'Activation Complete',
];

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

let bundled: Promise<string> | undefined;
/** relay-entry.ts bundled for the browser, once. */
function bundle(): Promise<string> {
  bundled ??= bundleForBrowser('relay-entry.ts');
  return bundled;
}

/** A page server on 127.0.0.1: its own origin. `/` loads the bundle when `script` is given. */
async function startPageServer(script?: string): Promise<{ origin: string }> {
  const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>enterprise-activation relay</title>${script ? '<script src="/relay-entry.js"></script>' : ''}`;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    const [status, type, body] =
      path === '/'
        ? [200, 'text/html; charset=utf-8', html]
        : path === '/relay-entry.js' && script
          ? [200, 'text/javascript; charset=utf-8', script]
          : [404, 'text/plain', 'not found'];
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function startRelay(origins: string[]): Promise<RelayServer> {
  const relay = await startRelayServer({ host: '127.0.0.1', port: 0, cors: { origins } });
  cleanups.push(() => relay.close());
  return relay;
}

async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  cleanups.push(() => browser.close());
  return browser;
}

describe('the handset in a browser over the relay (headless Chromium)', () => {
  it.runIf(chromiumRequired)('CI has a browser to run these tests in', () => {
    expect(chromiumAvailable, `${CHROMIUM} must exist in CI (.ci/run installs it)`).toBe(true);
  });

  it.runIf(runBrowserTests)('a page on another origin activates with fetch long-polls, then with a native WebSocket', async () => {
    const script = await bundle();
    // Nothing Node-only made it into the bundle (no node: built-ins, no `ws`).
    expect(script).not.toMatch(/require\(["']node:/);
    expect(script).not.toMatch(/require\(["']ws["']\)/);

    const page = await startPageServer(script);
    const relay = await startRelay([page.origin]);
    expect(new URL(relay.url).origin).not.toBe(page.origin);

    const sim = new BesSimulator({ srp: SRP, relay: 'relay.test', name: 'BES01' });
    sim.addUser({ email: 'alice@example.com', displayName: 'Alice Example', activationPassword: 'bb8800pw' });
    sim.addUser({ email: 'bob@example.com', displayName: 'Bob Example', activationPassword: 'bb9900pw' });
    const serverTransport = createRelayTransport({ url: relay.url, address: `srp:${SRP}`, serves: ['example.com'], pollWaitSeconds: 10 });
    cleanups.push(() => serverTransport.close());
    sim.attach(serverTransport);
    cleanups.push(() => sim.close());

    const browser = await launch();
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // What the page put on the wire: fetches to the frame endpoints, and the WebSocket it opened.
    const traffic = { posts: 0, polls: 0, sockets: [] as string[], socketFramesSent: 0, socketFramesReceived: 0 };
    tab.on('request', (r) => {
      if (!r.url().startsWith(relay.url + FRAMES_PATH)) return;
      if (r.method() === 'POST') traffic.posts++;
      else if (r.method() === 'GET') traffic.polls++;
    });
    tab.on('websocket', (ws) => {
      traffic.sockets.push(ws.url());
      ws.on('framesent', () => traffic.socketFramesSent++);
      ws.on('framereceived', () => traffic.socketFramesReceived++);
    });
    await tab.goto(`${page.origin}/?relay=${encodeURIComponent(relay.url)}`);
    const outcome = await tab.evaluate(() => window.relayActivation);

    expect(errors).toEqual([]);
    expect(outcome.origin).toBe(page.origin);
    expect(outcome.nativeWebSocket).toBe(true);
    const runs = new Map<string, RelayRun>(outcome.runs.map((r) => [r.mode, r]));
    for (const [mode, email] of [
      ['poll', 'alice@example.com'],
      ['websocket', 'bob@example.com'],
    ] as const) {
      const run = runs.get(mode)!;
      expect(run.error, mode).toBeUndefined();
      expect(run.transportErrors, mode).toEqual([]);
      expect(run.keyAlgorithm, mode).toBe('AES-256-CBC');
      expect(
        run.statuses.filter((s) => SUCCESS_TEXTS.includes(s)),
        mode,
      ).toEqual(SUCCESS_TEXTS);
      expect(run.statuses, mode).toContain(`Your email address "${email}" is now enabled`);
      expect(run.statuses.at(-1), mode).toBe('Activation Complete');
      expect(sim.account(email), mode).toMatchObject({ status: 'Activated', devicePin: '2100000A' });
    }
    expect(relay.stats.malformed).toBe(0);
    expect(relay.stats.unauthorized).toBe(0);
    // Poll mode went through fetch (cross-origin POSTs need the preflight), websocket mode through one native socket.
    expect(traffic.posts).toBeGreaterThan(0);
    expect(traffic.polls).toBeGreaterThan(0);
    // One native socket, which carries its receive credential in the query (browsers cannot set
    // headers on a WebSocket): `<public key>.<unix seconds>.<signature>`, base64url.
    expect(traffic.sockets).toHaveLength(1);
    const socketUrl = new URL(traffic.sockets[0]!);
    expect(`${socketUrl.origin}${socketUrl.pathname}`).toBe(`${relay.url.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`);
    expect(socketUrl.searchParams.get('address')).toBe('pin:2100000A');
    expect(socketUrl.searchParams.get('receive')).toMatch(/^[A-Za-z0-9_-]{43}\.\d+\.[A-Za-z0-9_-]{86}$/);
    expect(traffic.socketFramesSent).toBeGreaterThan(0);
    expect(traffic.socketFramesReceived).toBeGreaterThan(0);
  });

  it.runIf(runBrowserTests)('a page on an origin the relay does not allow can neither fetch nor open a WebSocket', async () => {
    const allowed = await startPageServer();
    const other = await startPageServer();
    const relay = await startRelay([allowed.origin]);
    const browser = await launch();
    const tab = await browser.newPage();
    await tab.goto(`${other.origin}/`);
    const probe = await tab.evaluate(
      async ({ relayUrl, framesPath, wsPath, contentType }) => {
        const attempt = async (f: () => Promise<Response>): Promise<string> => {
          try {
            return `status ${(await f()).status}`;
          } catch (err) {
            return err instanceof TypeError ? 'blocked' : String(err);
          }
        };
        // Needs a preflight (its content type is not a simple one): refused, so never sent.
        const post = await attempt(() =>
          fetch(relayUrl + framesPath, { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array([1, 2, 3]) }),
        );
        // A simple request: sent, but the page may not read the answer.
        const poll = await attempt(() => fetch(`${relayUrl}${framesPath}?address=pin:2100000A&wait=0`));
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`${relayUrl.replace(/^http/, 'ws')}${wsPath}?address=pin:2100000A`);
          ws.onopen = () => {
            ws.close();
            resolve('open');
          };
          ws.onclose = () => resolve('refused');
        });
        return { post, poll, socket };
      },
      { relayUrl: relay.url, framesPath: FRAMES_PATH, wsPath: WEBSOCKET_PATH, contentType: FRAME_CONTENT_TYPE },
    );
    expect(probe).toEqual({ post: 'blocked', poll: 'blocked', socket: 'refused' });
    expect(relay.stats.received + relay.stats.malformed).toBe(0);

    // The same probe from the allowed origin gets through (the POSTed bytes are no frame: 400).
    await tab.goto(`${allowed.origin}/`);
    const post = await tab.evaluate(
      async ({ relayUrl, framesPath, contentType }) =>
        (await fetch(relayUrl + framesPath, { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array([1, 2, 3]) }))
          .status,
      { relayUrl: relay.url, framesPath: FRAMES_PATH, contentType: FRAME_CONTENT_TYPE },
    );
    expect(post).toBe(400);
    expect(relay.stats.malformed).toBe(1);
  });
});
