/**
 * The fleet's check of a URL target before any device starts (src/fleet/target-check.ts): a relay
 * that answers passes, under a path prefix too; a refused port, a silent server and another web
 * server are each one TRANSPORT_ERROR at once, named by `cause.reason`, with no credential of the
 * URL in the message. Then runFleet itself: against a dead URL it rejects before starting a device.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFleetTarget } from '../../src/fleet/target-check.js';
import { runFleet } from '../../src/fleet/run-fleet.js';
import { expectRejection } from '../support/errors.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A server on loopback answering with `handler`; resolves with its base URL. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port that was just free: nothing listens there. */
async function deadUrl(): Promise<string> {
  const url = await listen(() => undefined);
  const server = servers.pop()!;
  await new Promise((r) => server.close(r));
  return url;
}

describe('checkFleetTarget', () => {
  it("passes when GET /v1/health answers 2xx, under the URL's path prefix", async () => {
    const asked: string[] = [];
    const url = await listen((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      res.writeHead(req.url === '/relay/v1/health' ? 200 : 404).end('{"status":"ok"}');
    });
    await expect(checkFleetTarget(`${url}/relay/`)).resolves.toBeUndefined();
    await expect(checkFleetTarget(`${url}/relay?x=1`)).resolves.toBeUndefined();
    expect(asked).toEqual(['GET /relay/v1/health', 'GET /relay/v1/health']);
  });

  it('refuses a port where nothing listens: TRANSPORT_ERROR, reason unreachable', async () => {
    const url = await deadUrl();
    const err = await expectRejection(checkFleetTarget(url), 'TRANSPORT_ERROR');
    expect(err.message).toContain(`${url}/v1/health`);
    expect(err.cause).toMatchObject({ operation: 'checkFleetTarget', field: 'url', reason: 'unreachable' });
  });

  it('refuses a server that does not answer in time: reason timeout', async () => {
    const url = await listen(() => undefined); // takes the request, never answers
    const err = await expectRejection(checkFleetTarget(url, 200), 'TRANSPORT_ERROR');
    expect(err.message).toMatch(/within 200 ms/);
    expect(err.cause).toMatchObject({ reason: 'timeout' });
  });

  it('refuses a web server that is not a relay, and a redirect: reason not-a-relay with the status', async () => {
    const notFound = await listen((_, res) => res.writeHead(404).end('no'));
    const err = await expectRejection(checkFleetTarget(notFound), 'TRANSPORT_ERROR');
    expect(err.cause).toMatchObject({ reason: 'not-a-relay', status: 404 });
    const moved = await listen((_, res) => res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end());
    await expect(checkFleetTarget(moved)).rejects.toMatchObject({ code: 'TRANSPORT_ERROR', cause: { status: 302 } });
  });

  it("never puts the URL's user name or password in its message", async () => {
    const url = (await deadUrl()).replace('http://', 'http://admin:hunter2@');
    const err = await expectRejection(checkFleetTarget(url), 'TRANSPORT_ERROR');
    expect(err.message).not.toMatch(/hunter2|admin/);
    expect(JSON.stringify(err.cause)).not.toMatch(/hunter2|admin/);
  });

  it('refuses a url or a timeout it cannot use with INVALID_ARGUMENT, not a TypeError', async () => {
    for (const url of ['', 'ftp://h', 'http://', 'not a url', 'http://exa mple', 'http://[::1', 7, undefined]) {
      const err = await expectRejection(checkFleetTarget(url as string), 'INVALID_ARGUMENT');
      expect(err.cause).toMatchObject({ field: 'url' });
    }
    for (const timeout of [0, -1, NaN, Infinity, '5']) {
      const err = await expectRejection(checkFleetTarget('http://127.0.0.1:9', timeout as number), 'INVALID_ARGUMENT');
      expect(err.cause).toMatchObject({ field: 'timeoutMs' });
    }
  });
});

describe('runFleet with a URL target', () => {
  it('rejects with TRANSPORT_ERROR before starting a device when no relay answers', async () => {
    const progress: unknown[] = [];
    const err = await expectRejection(
      runFleet({ target: await deadUrl(), seed: 'tc', devices: 1000, concurrency: 100, onProgress: (p) => progress.push(p) }),
      'TRANSPORT_ERROR',
    );
    expect(err.message).toMatch(/is a serve running there\?/);
    expect(progress).toEqual([]);
  });
});
