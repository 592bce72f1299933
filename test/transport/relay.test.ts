import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelayServer, type RelayServer } from '../../src/node/relay-server.js';
import { createRelayTransport, type RelayTransport, type WebSocketConstructorLike } from '../../src/transport/http-relay-transport.js';
import { decodeFrameBatch, FRAME_CONTENT_TYPE } from '../../src/transport/relay-protocol.js';
import { ActivationError, isActivationError } from '../../src/errors/activation-error.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { PIN, SRP, collect, makeEtpFrame, makeFrame, waitFor, withDeadline } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function relay(options: Parameters<typeof startRelayServer>[0] = {}): Promise<RelayServer> {
  const r = await startRelayServer(options);
  cleanups.push(() => r.close());
  return r;
}

function client(options: Parameters<typeof createRelayTransport>[0]): RelayTransport {
  const t = createRelayTransport({ pollWaitSeconds: 5, backoff: { initialMs: 20, maxMs: 100 }, ...options });
  cleanups.push(() => t.close());
  return t;
}

const wsCtor = WebSocket as unknown as WebSocketConstructorLike;

/** The URL of a relay that was started and closed again: nothing listens there. */
async function closedUrl(): Promise<string> {
  const r = await startRelayServer();
  await r.close();
  return r.url;
}

describe('relay server and relay transport', () => {
  it('exchanges frames between a handset (pin:) and a server (srp:)', async () => {
    const r = await relay();
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const handset = client({ url: r.url, address: `pin:${PIN}` });
    const server = client({ url: r.url, address: `srp:${SRP}` });
    const atHandset = collect(handset);
    const atServer = collect(server);
    const toServer = makeFrame(`srp:${SRP}`, 1, 'handset-confirm');
    const toHandset = makeFrame(`pin:${PIN}`, 0, 'server-share');
    await handset.send(toServer);
    await server.send(toHandset);
    await waitFor(() => atHandset.length === 1 && atServer.length === 1, 5000, 'both frames');
    expect(atServer[0]).toEqual(toServer);
    expect(atHandset[0]).toEqual(toHandset);
    expect(r.stats.received).toBe(2);
  });

  it('delivers frames in order, many at once', async () => {
    const r = await relay();
    const server = client({ url: r.url, address: `srp:${SRP}` });
    const sender = client({ url: r.url, address: 'pin:2100000B' });
    const got = collect(server);
    const sent = Array.from({ length: 150 }, (_, i) => makeFrame(`srp:${SRP}`, i, 'sync-ack'));
    for (const f of sent) await sender.send(f);
    await waitFor(() => got.length === 150, 10_000, '150 frames');
    expect(got.map((f) => decodeFrame(f).seq)).toEqual(sent.map((_, i) => i));
  });

  it('holds frames for a peer that is not polling yet', async () => {
    const r = await relay();
    const server = client({ url: r.url, address: `srp:${SRP}` });
    await server.send(makeFrame(`pin:${PIN}`, 0));
    await server.send(makeFrame(`pin:${PIN}`, 1));
    expect(r.queueLength(`pin:${PIN}`)).toBe(2);
    const handset = client({ url: r.url, address: `pin:${PIN.toLowerCase()}` });
    const got = collect(handset);
    await waitFor(() => got.length === 2, 5000, 'queued frames');
    expect(got.map((f) => decodeFrame(f).seq)).toEqual([0, 1]);
    expect(r.queueLength(`pin:${PIN}`)).toBe(0);
  });

  it('bounds each queue, dropping the oldest frames', async () => {
    const r = await relay({ maxQueue: 3 });
    const server = client({ url: r.url, address: `srp:${SRP}` });
    for (let i = 0; i < 5; i++) await server.send(makeFrame(`pin:${PIN}`, i));
    expect(r.queueLength(`pin:${PIN}`)).toBe(3);
    expect(r.stats.dropped).toBe(2);
    const handset = client({ url: r.url, address: `pin:${PIN}` });
    const got = collect(handset);
    await waitFor(() => got.length === 3);
    expect(got.map((f) => decodeFrame(f).seq)).toEqual([2, 3, 4]);
  });

  it('routes mailto: to the server that serves the domain or the exact address', async () => {
    const r = await relay();
    const byDomain = client({ url: r.url, address: 'srp:S0000001', serves: ['Example.com'] });
    const byEmail = client({ url: r.url, address: 'srp:S0000002', serves: ['boss@other.com'] });
    const gotDomain = collect(byDomain);
    const gotEmail = collect(byEmail);
    await waitFor(() => r.queueLength('srp:S0000001') === 0 && r.queueLength('srp:S0000002') === 0);
    const handset = client({ url: r.url, address: `pin:${PIN}` });
    const a = makeEtpFrame('Alice@EXAMPLE.com').frame;
    const b = makeEtpFrame('boss@other.com').frame;
    await handset.send(a);
    await handset.send(b);
    await waitFor(() => gotDomain.length === 1 && gotEmail.length === 1, 5000, 'routed ETP.DAT frames');
    expect(gotDomain[0]).toEqual(a);
    expect(gotEmail[0]).toEqual(b);
  });

  it('holds mailto: frames until a server registers for the address', async () => {
    const r = await relay();
    const handset = client({ url: r.url, address: `pin:${PIN}` });
    const { frame } = makeEtpFrame('user@late.example');
    await handset.send(frame);
    expect(r.queueLength('mailto:user@late.example')).toBe(1);
    expect(r.stats.held).toBe(1);
    const server = client({ url: r.url, address: `srp:${SRP}`, serves: ['late.example'] });
    const got = collect(server);
    await waitFor(() => got.length === 1, 5000, 'held ETP.DAT');
    expect(got[0]).toEqual(frame);
    expect(r.queueLength('mailto:user@late.example')).toBe(0);
  });

  it('refuses malformed frames with 400 and send() fails with TRANSPORT_ERROR', async () => {
    const r = await relay();
    const res = await fetch(`${r.url}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': FRAME_CONTENT_TYPE },
      body: new Blob([new Uint8Array([1, 2, 3])]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'MALFORMED' });
    const t = client({ url: r.url, address: `pin:${PIN}` });
    const err = await t.send(new Uint8Array([0xff])).catch((e: unknown) => e);
    expect(isActivationError(err, 'TRANSPORT_ERROR')).toBe(true);
    expect((err as ActivationError).cause).toMatchObject({ status: 400 });
    expect(r.stats.malformed).toBe(2);
  });

  it('answers unknown paths, wrong methods, bad addresses and content types', async () => {
    const r = await relay();
    expect((await fetch(`${r.url}/nope`)).status).toBe(404);
    expect((await fetch(`${r.url}/v1/frames`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${r.url}/v1/frames?address=pin:XYZ`)).status).toBe(400);
    expect((await fetch(`${r.url}/v1/frames?address=pin:${PIN}&serves=example.com`)).status).toBe(400);
    expect((await fetch(`${r.url}/v1/frames?address=pin:${PIN}&wait=abc`)).status).toBe(400);
    const res = await fetch(`${r.url}/v1/frames`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
    expect((await fetch(`${r.url}/v1/health`)).status).toBe(200);
  });

  it('long-poll answers 204 when nothing arrives, 200 with a CBOR batch when something does', async () => {
    const r = await relay();
    const t0 = Date.now();
    const empty = await fetch(`${r.url}/v1/frames?address=pin:${PIN}&wait=0.3`);
    expect(empty.status).toBe(204);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const waiting = fetch(`${r.url}/v1/frames?address=pin:${PIN}&wait=10`);
    await new Promise((res) => setTimeout(res, 50));
    const f = makeFrame(`pin:${PIN}`);
    const post = await fetch(`${r.url}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': FRAME_CONTENT_TYPE },
      body: new Blob([f.slice()]),
    });
    expect(post.status).toBe(202);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(decodeFrameBatch(new Uint8Array(await res.arrayBuffer()))).toEqual([f]);
  });

  it('requires the configured token for an SRP identifier', async () => {
    const r = await relay({ tokens: { [SRP]: 'secret-token' } });
    expect((await fetch(`${r.url}/v1/frames?address=srp:${SRP}&wait=0`)).status).toBe(401);
    expect((await fetch(`${r.url}/v1/frames?address=srp:${SRP}&wait=0`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(
      (await fetch(`${r.url}/v1/frames?address=srp:${SRP}&wait=0`, { headers: { authorization: 'Bearer secret-token' } })).status,
    ).toBe(204);
    // With tokens configured, SRP ids that are not configured are refused too (issue 8, finding 2).
    expect((await fetch(`${r.url}/v1/frames?address=srp:S0000009&wait=0`)).status).toBe(401);
    const errors: ActivationError[] = [];
    const denied = client({ url: r.url, address: `srp:${SRP}`, serves: ['example.com'], onError: (e) => errors.push(e) });
    denied.start();
    await waitFor(() => errors.length > 0, 5000, 'a 401 report');
    expect(errors[0]!.cause).toMatchObject({ status: 401 });
    await denied.close();
    const server = client({ url: r.url, address: `srp:${SRP}`, serves: ['example.com'], token: 'secret-token' });
    const got = collect(server);
    const handset = client({ url: r.url, address: `pin:${PIN}` });
    await handset.send(makeEtpFrame('u@example.com').frame);
    await waitFor(() => got.length === 1);
    expect(r.stats.unauthorized).toBeGreaterThanOrEqual(3);
  });

  it('works over WebSocket, pushing queued and new frames and accepting frames to route', async () => {
    const r = await relay();
    const poller = client({ url: r.url, address: `pin:${PIN}` });
    await poller.send(makeFrame(`srp:${SRP}`, 0, 'handset-confirm')); // queued for the server
    const server = client({ url: r.url, address: `srp:${SRP}`, mode: 'websocket', webSocket: wsCtor, serves: ['example.com'] });
    const atServer = collect(server);
    const atHandset = collect(poller);
    await waitFor(() => atServer.length === 1, 5000, 'queued frame over WebSocket');
    await poller.send(makeFrame(`srp:${SRP}`, 1, 'key-verified'));
    await waitFor(() => atServer.length === 2, 5000, 'pushed frame');
    await server.send(makeFrame(`pin:${PIN}`, 0, 'key-issue')); // goes over the socket
    await waitFor(() => atHandset.length === 1, 5000, 'frame routed from the socket');
    expect(atServer.map((f) => decodeFrame(f).seq)).toEqual([0, 1]);
  });

  it('reports a malformed frame sent over WebSocket without closing the socket', async () => {
    const r = await relay();
    const errors: ActivationError[] = [];
    const t = client({ url: r.url, address: `srp:${SRP}`, mode: 'websocket', webSocket: wsCtor, onError: (e) => errors.push(e) });
    const got = collect(t);
    // Wait for the socket to be open: a frame queued after registration is pushed.
    const other = client({ url: r.url, address: `pin:${PIN}` });
    await other.send(makeFrame(`srp:${SRP}`));
    await waitFor(() => got.length === 1, 5000, 'socket open');
    await t.send(new Uint8Array([1, 2, 3]));
    await waitFor(() => errors.length === 1, 5000, 'error report');
    expect(errors[0]!.message).toMatch(/relay reported an error/);
    await other.send(makeFrame(`srp:${SRP}`, 1));
    await waitFor(() => got.length === 2, 5000, 'socket still open');
  });

  it('refuses a WebSocket with a bad address or token', async () => {
    const r = await relay({ tokens: { [SRP]: 'tok' } });
    const status = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('error', () => undefined);
      });
    const base = r.url.replace('http', 'ws');
    expect(await status(`${base}/v1/ws?address=bogus`)).toBe(400);
    expect(await status(`${base}/v1/ws?address=srp:${SRP}`)).toBe(401);
    expect(await status(`${base}/v1/ws?address=srp:${SRP}&token=tok`)).toBe(101);
    expect(await status(`${base}/elsewhere`)).toBe(404);
  });

  it('close() on the transport ends a pending long-poll promptly', async () => {
    const r = await relay();
    const t = createRelayTransport({ url: r.url, address: `pin:${PIN}`, pollWaitSeconds: 30 });
    t.onFrame(() => undefined);
    await new Promise((res) => setTimeout(res, 100));
    const start = Date.now();
    await t.close();
    await t.close();
    expect(Date.now() - start).toBeLessThan(1000);
    await expect(t.send(makeFrame(`srp:${SRP}`))).rejects.toSatisfy((e) => isActivationError(e, 'TRANSPORT_ERROR'));
  });

  it('close() on the relay answers pending long-polls and closes sockets', async () => {
    const r = await startRelayServer();
    const polls = [0, 1, 2].map((i) => fetch(`${r.url}/v1/frames?address=pin:2100000${i}&wait=30`));
    const ws = new WebSocket(`${r.url.replace('http', 'ws')}/v1/ws?address=pin:${PIN}`);
    await new Promise((res) => ws.on('open', res));
    const wsClosed = new Promise((res) => ws.on('close', res));
    await new Promise((res) => setTimeout(res, 50));
    const start = Date.now();
    await r.close();
    const answers = await Promise.all(polls);
    expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
    await wsClosed;
    expect(Date.now() - start).toBeLessThan(2000);
    await r.close();
  });

  it('keeps polling through relay outages without unhandled rejections, and recovers', async () => {
    const r1 = await startRelayServer();
    const port = r1.port;
    const errors: ActivationError[] = [];
    const t = client({ url: r1.url, address: `pin:${PIN}`, onError: (e) => errors.push(e) });
    const got = collect(t);
    await new Promise((res) => setTimeout(res, 50));
    await r1.close();
    await waitFor(() => errors.length >= 2, 5000, 'poll failures');
    expect(errors.every((e) => e.code === 'TRANSPORT_ERROR')).toBe(true);
    const r2 = await relay({ port });
    const sender = client({ url: r2.url, address: `srp:${SRP}` });
    await sender.send(makeFrame(`pin:${PIN}`));
    await waitFor(() => got.length === 1, 5000, 'frame after recovery');
  });

  it('stops polling after maxFailures and reports it', async () => {
    const errors: ActivationError[] = [];
    const t = client({
      url: await closedUrl(),
      address: `pin:${PIN}`,
      backoff: { initialMs: 5, maxMs: 10, maxFailures: 3 },
      onError: (e) => errors.push(e),
    });
    t.start();
    await waitFor(() => errors.some((e) => /stopped/.test(e.message)), 5000, 'stop report');
    expect(errors.length).toBe(4);
  });

  it('send() to an unreachable relay fails with TRANSPORT_ERROR', async () => {
    const t = client({ url: await closedUrl(), address: `pin:${PIN}` });
    const err = await withDeadline(
      t.send(makeFrame(`srp:${SRP}`)).catch((e: unknown) => e),
      5000,
      'send',
    );
    expect(isActivationError(err, 'TRANSPORT_ERROR')).toBe(true);
  });

  it('validates its options', () => {
    expect(() => createRelayTransport({ url: 'nope', address: `pin:${PIN}` })).toThrow(/URL/);
    expect(() => createRelayTransport({ url: 'ftp://x', address: `pin:${PIN}` })).toThrow(/http/);
    expect(() => createRelayTransport({ url: 'http://x', address: 'mailto:a@b.c' })).toThrow(/address/);
    expect(() => createRelayTransport({ url: 'http://x', address: `pin:${PIN}`, serves: ['example.com'] })).toThrow(/server/);
    expect(() => createRelayTransport({ url: 'http://x', address: `srp:${SRP}`, serves: ['not a domain'] })).toThrow(/serves/);
    expect(() => createRelayTransport({ url: 'http://x', address: `pin:${PIN}`, pollWaitSeconds: 31 })).toThrow(/pollWaitSeconds/);
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
      expect(() => createRelayTransport({ url: 'http://x', address: `pin:${PIN}`, mode: 'websocket' })).toThrow(/WebSocket/);
    }
  });
});
