/**
 * The hostile-load suite for the relay (issue 8): each attack runs against a real relay in a child
 * process on 127.0.0.1 (so a crash or an RSS blow-up is seen, not suffered), from its own loopback
 * source address (127.0.0.2 and up), bounded in count and time. After each attack the relay must be
 * up, its RSS under RSS_BOUND, and an honest handset (from 127.0.0.1) must still activate against a
 * BES simulator over it. The figures measured go to docs/reliability.md ("Relay limits").
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createRelayTransport, type RelayTransport } from '../../src/transport/http-relay-transport.js';
import { FRAME_CONTENT_TYPE } from '../../src/transport/relay-protocol.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { Handset } from '../../src/handset/handset.js';
import { encodeFrame } from '../../src/wire/frame.js';
import type { FrameMeta } from '../../src/transport/transport.js';
import { makeFrame, withDeadline } from '../transport/helpers.js';

const SRP = 'S0000001';
const TOKEN = 'hostile-suite-server-token';
const PASSWORD = 'hostile-relay-pw';
/**
 * RSS the relay process must stay under through every attack. The relay under tsx starts at about
 * 110 MiB; the unbounded relay of issue 8 grew by 376 MiB from the big POSTs alone.
 */
const RSS_BOUND = 352 * 1024 * 1024;
const MiB = 1024 * 1024;

const CHILD_OPTIONS = {
  servers: { [SRP]: { token: TOKEN, serves: ['example.com'] } },
  // Defaults except the clocks, shortened so that the suite stays short.
  limits: { headersTimeoutMs: 2000, requestTimeoutMs: 3000, heartbeatMs: 1000 },
};

interface ChildStats {
  rss: number;
  usage: { addresses: number; bytes: number; connections: number };
  stats: Record<string, number>;
}

let child: ChildProcess;
let url = '';
let port = 0;
let sim: BesSimulator;
let server: RelayTransport;
const figures: string[] = [];
let nextUser = 0;

function stats(): Promise<ChildStats> {
  return withDeadline(
    new Promise<ChildStats>((resolve) => {
      child.once('message', (m) => resolve(m as ChildStats));
      child.send('stats');
    }),
    5000,
    'child stats',
  );
}

/** Runs `attack`, then checks the child is up and under the RSS bound, and records the figures. */
async function measured(name: string, attack: () => Promise<void>): Promise<ChildStats> {
  const before = await stats();
  const t0 = Date.now();
  await attack();
  const ms = Date.now() - t0;
  expect(child.exitCode).toBe(null);
  const after = await stats();
  figures.push(
    `${name}: RSS ${(before.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB, queued ${(after.usage.bytes / MiB).toFixed(1)} MiB, ${after.usage.addresses} addresses, ${ms} ms`,
  );
  expect(after.rss).toBeLessThan(RSS_BOUND);
  expect((await fetch(`${url}/v1/health`)).status).toBe(200);
  return after;
}

/** An honest handset with its own PIN activates a new user against the simulator over the relay. */
async function honestActivation(): Promise<void> {
  const n = nextUser++;
  const email = `user${n}@example.com`;
  const pin = `2200${String(n).padStart(4, '0')}`;
  sim.addUser({ email, displayName: `User ${n}`, activationPassword: PASSWORD });
  const transport = createRelayTransport({ url, address: `pin:${pin}`, pollWaitSeconds: 5 });
  const handset = new Handset({
    config: { pin, routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
    transport,
  });
  try {
    const result = await withDeadline(handset.activate({ email, password: PASSWORD }), 25_000, `activation of ${email}`);
    expect(result.email).toBe(email);
    expect(sim.account(email)).toMatchObject({ status: 'Activated', devicePin: pin });
  } finally {
    await handset.close();
    await transport.close();
  }
}

/** An HTTP agent whose connections come from `localAddress`: each attacker is its own source. */
function agentFrom(localAddress: string, maxSockets = 16): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, localAddress } as http.AgentOptions);
}

function postFrom(agent: http.Agent, frame: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}/v1/frames`,
      { method: 'POST', agent, headers: { 'content-type': FRAME_CONTENT_TYPE, 'content-length': frame.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  });
}

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

function bigFrame(to: string, bytes: number): Uint8Array {
  return encodeFrame({ v: 1, type: 'server-share', sid: new Uint8Array(16), seq: 0, pin: '21000000', to, body: new Uint8Array(bytes) });
}

beforeAll(async () => {
  const fixture = fileURLToPath(new URL('./fixtures/hostile-relay-child.ts', import.meta.url));
  child = fork(fixture, [JSON.stringify(CHILD_OPTIONS)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await withDeadline(
    new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`relay child exited with ${code}`)));
    }),
    20_000,
    'relay child start',
  );
  url = ready.url;
  port = Number(new URL(url).port);
  sim = new BesSimulator({ srp: SRP, relay: 'relay.test', name: 'BES01' });
  server = createRelayTransport({ url, address: `srp:${SRP}`, serves: ['example.com'], token: TOKEN, pollWaitSeconds: 5 });
  // The relay vouches for every frame it delivers to this configured server.
  const unvouched: Uint8Array[] = [];
  server.onFrame((frame: Uint8Array, meta?: FrameMeta) => {
    if (!meta?.vouched) unvouched.push(frame);
  });
  sim.attach(server);
  await honestActivation(); // the baseline
}, 40_000);

afterAll(async () => {
  await sim?.close();
  await server?.close();
  if (child && child.exitCode === null) {
    child.send('close');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  // The measured figures, for docs/reliability.md.
  console.log(`hostile relay figures:\n  ${figures.join('\n  ')}`);
});

describe('hostile load against a relay in a child process', () => {
  it('survives the crash requests (absolute-form targets, bad ports, bad upgrades, garbage, huge headers)', async () => {
    const upgrade =
      'connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const requests = [
      'GET http://x:99999/ HTTP/1.1\r\nhost: x\r\n\r\n',
      `GET http://x:99999/v1/ws HTTP/1.1\r\nhost: x\r\n${upgrade}\r\n`,
      `GET * HTTP/1.1\r\n${upgrade}\r\n`,
      'GET /v1/ws HTTP/1.1\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n',
      `GET / HTTP/1.1\r\nx: ${'a'.repeat(100_000)}\r\n\r\n`,
      '\u0000\u00ff garbage\r\n\r\n',
    ];
    await measured('crash requests', async () => {
      for (const request of requests) {
        await new Promise<void>((resolve) => {
          const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => s.write(request));
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.resume();
          setTimeout(() => s.destroy(), 1000);
        });
        expect(child.exitCode).toBe(null);
      }
    });
  });

  it('300 big POSTs to 300 addresses stay within the byte bounds; an honest handset activates meanwhile', async () => {
    const agent = agentFrom('127.0.0.3', 8);
    // 300 x 1 MB = 300 MB offered: more than four times the 64 MiB total bound (the unbounded relay kept it all).
    const after = await measured('300 x 1 MB POSTs to 300 addresses', async () => {
      const flood = pool(300, 8, (i) => postFrom(agent, bigFrame(`pin:3${String(i).padStart(7, '0')}`, 1_000_000)));
      await honestActivation();
      const statuses = await flood;
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
    });
    agent.destroy();
    expect(after.usage.bytes).toBeLessThanOrEqual(64 * MiB);
  }, 30_000);

  it('a WebSocket that sends big frames to itself and never reads is held back and cut off', async () => {
    await measured('paused WebSocket reader sending 60 x 1 MB to itself', async () => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws?address=pin:33000000`, { localAddress: '127.0.0.4' });
      ws.on('error', () => undefined);
      await new Promise((resolve) => ws.once('open', resolve));
      (ws as unknown as { _socket: net.Socket })._socket.pause();
      const frame = bigFrame('pin:33000000', 1_000_000);
      for (let i = 0; i < 60; i++) ws.send(frame);
      const closed = new Promise((resolve) => ws.once('close', resolve));
      // Two heartbeats without a pong: the relay has cut it off. A paused socket does not notice
      // until it reads again; a socket the relay had kept would stay open after this.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const socket = (ws as unknown as { _socket: net.Socket })._socket;
      socket.resume();
      await withDeadline(closed, 10_000, 'the relay cutting the dead reader off');
    });
  }, 20_000);

  it('10,000 tiny POSTs to new pin: addresses do not lock honest peers out', async () => {
    const agent = agentFrom('127.0.0.5', 16);
    await measured('10,000 tiny POSTs to new pin: addresses', async () => {
      const flood = pool(10_000, 16, (i) => postFrom(agent, makeFrame(`pin:4${String(i).padStart(7, '0')}`)));
      await honestActivation();
      const statuses = await flood;
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
    });
    agent.destroy();
  }, 30_000);

  it('a junk WebSocket flood gets a few errors and a close', async () => {
    await measured('3 sockets x 30,000 junk messages', async () => {
      const codes = await Promise.all(
        [0, 1, 2].map(async () => {
          const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws?address=pin:34000000`, { localAddress: '127.0.0.6' });
          ws.on('error', () => undefined);
          let replies = 0;
          ws.on('message', () => replies++);
          await new Promise((resolve) => ws.once('open', resolve));
          const closed = new Promise<number>((resolve) => ws.once('close', resolve));
          // Batches of 500 with a turn of the event loop between them: the client then reads the
          // relay's close (1008) as it comes. One synchronous loop of 30,000 sends can outlast the
          // relay's 1 s grace on a loaded machine, and its reset then discards the unread close (1006).
          for (let i = 0; i < 30_000 && ws.readyState === WebSocket.OPEN; i++) {
            ws.send('junk');
            if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
          }
          const code = await withDeadline(closed, 10_000, 'close');
          expect(replies).toBeLessThanOrEqual(10);
          return code;
        }),
      );
      expect(codes).toEqual([1008, 1008, 1008]);
    });
  });

  it('slowloris sockets are closed within the header timeout; honest handsets still activate', async () => {
    await measured('100 slowloris sockets', async () => {
      const t0 = Date.now();
      const sockets = Array.from({ length: 100 }, () => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.7' }, () =>
          s.write('GET /v1/health HTTP/1.1\r\nhost: x\r\n'),
        );
        s.on('error', () => undefined);
        return s;
      });
      const drip = setInterval(() => sockets.forEach((s) => !s.destroyed && s.write('x-a: b\r\n')), 200);
      const allClosed = Promise.all(sockets.map((s) => new Promise((resolve) => s.once('close', resolve))));
      await honestActivation();
      await withDeadline(allClosed, 10_000, 'slowloris sockets closed');
      clearInterval(drip);
      expect(Date.now() - t0).toBeLessThan(6000);
    });
  }, 20_000);

  it('a serves takeover is refused and the configured server keeps the domain', async () => {
    await measured('serves takeover', async () => {
      const register = (address: string, token?: string) =>
        fetch(`${url}/v1/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ address, serves: ['example.com'] }),
        }).then((r) => r.status);
      expect(await register('srp:EVIL')).toBe(401);
      expect(await register(`srp:${SRP}`, 'guess')).toBe(401);
      expect((await fetch(`${url}/v1/frames?address=srp:EVIL&serves=example.com&wait=0`)).status).toBe(400);
      expect((await fetch(`${url}/v1/frames?address=srp:EVIL&wait=0`)).status).toBe(401);
      await honestActivation();
    });
  });

  it('an attacker receiving as the victim PIN during an activation gets nothing of it', async () => {
    await measured('PIN hijack during an activation', async () => {
      const victimPin = `2200${String(nextUser).padStart(4, '0')}`;
      const stolen: Uint8Array[] = [];
      const own = createRelayTransport({ url, address: `pin:${victimPin}`, pollWaitSeconds: 1 });
      own.onFrame((f) => stolen.push(f));
      const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws?address=pin:${victimPin}`, { localAddress: '127.0.0.8' });
      ws.on('message', (d) => stolen.push(new Uint8Array(d as Buffer)));
      ws.on('error', () => undefined);
      await new Promise((resolve) => ws.once('open', resolve));
      let polling = true;
      const polls = (async () => {
        while (polling) {
          const res = await fetch(`${url}/v1/frames?address=pin:${victimPin}&wait=1`).catch(() => undefined);
          if (res?.status === 200) stolen.push(new Uint8Array(await res.arrayBuffer()));
          else await res?.arrayBuffer();
        }
      })();
      try {
        await honestActivation();
      } finally {
        polling = false;
        await polls;
        ws.terminate();
        await own.close();
      }
      expect(stolen).toEqual([]);
    });
  });
});
