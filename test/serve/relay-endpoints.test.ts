/**
 * The relay's extra GET endpoints (`RelayServerOptions.endpoints`, what `serve`'s `/metrics` is):
 * answered to GET only, never over the relay's own paths, and an endpoint that fails says nothing
 * of why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/node/relay-server.js';

const open: RelayServer[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

async function relay(endpoints: NonNullable<Parameters<typeof startRelayServer>[0]>['endpoints']): Promise<RelayServer> {
  const r = await startRelayServer({ endpoints });
  open.push(r);
  return r;
}

describe('relay endpoints', () => {
  it('answers GET with the endpoint text, its media type and status', async () => {
    let calls = 0;
    const r = await relay({
      '/metrics': () => ({ contentType: 'text/plain; version=0.0.4', body: `calls ${++calls}\n` }),
      '/busy': async () => ({ status: 503, contentType: 'text/plain', body: 'busy' }),
    });
    const res = await fetch(`${r.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('calls 1\n');
    expect(await (await fetch(`${r.url}/metrics?x=1`)).text()).toBe('calls 2\n');
    expect((await fetch(`${r.url}/busy`)).status).toBe(503);
  });

  it('refuses other methods with 405 and Allow: GET, and unknown paths stay 404', async () => {
    const r = await relay({ '/metrics': () => ({ contentType: 'text/plain', body: 'x' }) });
    const post = await fetch(`${r.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect((await fetch(`${r.url}/metric`)).status).toBe(404);
    expect((await fetch(`${r.url}/v1/health`)).status).toBe(200);
  });

  it('answers 500 without the reason when an endpoint throws or answers nonsense', async () => {
    const lines: string[] = [];
    const r = await startRelayServer({
      log: (l) => lines.push(l),
      endpoints: {
        '/throws': () => {
          throw new Error('secret detail');
        },
        '/rejects': () => Promise.reject(new Error('secret detail')),
        '/nonsense': () => ({ status: 99, contentType: 'text/plain', body: 'x' }) as never,
        '/no-body': () => ({ contentType: 'text/plain' }) as never,
      },
    });
    open.push(r);
    for (const path of ['/throws', '/rejects', '/nonsense', '/no-body']) {
      const res = await fetch(r.url + path);
      expect(res.status, path).toBe(500);
      const text = await res.text();
      expect(text).not.toContain('secret');
      expect(JSON.parse(text)).toEqual({ error: 'ERROR', message: 'the endpoint failed' });
    }
    expect(lines.join('\n')).not.toContain('secret');
    expect((await fetch(`${r.url}/v1/health`)).status).toBe(200);
  });

  it('refuses, before listening, paths that are the relay own or not plain, and endpoints that are not functions', async () => {
    for (const path of ['/v1/frames', '/v1/register', '/v1/health', 'metrics', '/', '/a b', `/${'x'.repeat(65)}`, '/%2e']) {
      await expect(
        startRelayServer({ endpoints: { [path]: () => ({ contentType: 'text/plain', body: '' }) } }),
        path,
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
    await expect(startRelayServer({ endpoints: { '/x': 'text' as never } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startRelayServer({ endpoints: 'x' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
