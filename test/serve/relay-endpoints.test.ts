/**
 * The relay's extra endpoints (`RelayServerOptions.endpoints`, what `serve`'s `/metrics` is, and
 * `postEndpoints`, what `serve --ui`'s administrator's commands are): GET ones answered to GET
 * only, POST ones to POST only with a bounded body, never over the relay's own paths, and an
 * endpoint that fails says nothing of why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ENDPOINT_BODY_BYTES, startRelayServer, type RelayServer } from '../../src/node/relay-server.js';

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

  it('gives POST endpoints the body, the query and the headers, and answers with extra headers under its own', async () => {
    const seen: Array<{ method: string; body: string; q: string | null; auth: string | undefined }> = [];
    const r = await startRelayServer({
      endpoints: { '/thing': () => ({ contentType: 'text/plain', body: 'got' }) },
      postEndpoints: {
        '/thing': (req) => {
          seen.push({
            method: req.method,
            body: Buffer.from(req.body).toString('utf8'),
            q: req.query.get('q'),
            auth: req.header('Authorization'),
          });
          return {
            status: 201,
            contentType: 'application/json',
            body: '{"ok":true}',
            headers: { 'x-frame-options': 'DENY', 'cache-control': 'max-age=9999' },
          };
        },
      },
    });
    open.push(r);
    const res = await fetch(`${r.url}/thing?q=1`, { method: 'POST', body: '{"a":1}', headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(seen).toEqual([{ method: 'POST', body: '{"a":1}', q: '1', auth: 'Bearer t' }]);
    expect(await (await fetch(`${r.url}/thing`)).text()).toBe('got');
    const put = await fetch(`${r.url}/thing`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses a POST body over the bound with 413 before the endpoint runs, and GET on a POST-only path with 405', async () => {
    let calls = 0;
    const r = await startRelayServer({
      postEndpoints: {
        '/cmd': () => {
          calls++;
          return { contentType: 'application/json', body: '{}' };
        },
      },
    });
    open.push(r);
    const big = await fetch(`${r.url}/cmd`, { method: 'POST', body: 'x'.repeat(MAX_ENDPOINT_BODY_BYTES + 1) });
    expect(big.status).toBe(413);
    expect(calls).toBe(0);
    expect((await fetch(`${r.url}/cmd`, { method: 'POST', body: 'x'.repeat(MAX_ENDPOINT_BODY_BYTES) })).status).toBe(200);
    expect(calls).toBe(1);
    const get = await fetch(`${r.url}/cmd`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers 500 when an endpoint gives headers that are not well formed', async () => {
    const r = await startRelayServer({
      endpoints: {
        '/split': () => ({ contentType: 'text/plain', body: 'x', headers: { 'x-a': 'b\r\nset-cookie: c' } }),
        '/name': () => ({ contentType: 'text/plain', body: 'x', headers: { 'X A': 'b' } }),
        '/value': () => ({ contentType: 'text/plain', body: 'x', headers: { 'x-a': 1 as never } }),
      },
    });
    open.push(r);
    for (const path of ['/split', '/name', '/value']) {
      const res = await fetch(r.url + path);
      expect(res.status, path).toBe(500);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses postEndpoints with bad paths or values before listening', async () => {
    await expect(startRelayServer({ postEndpoints: { '/v1/frames': () => ({ contentType: 'a', body: '' }) } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      cause: { field: 'postEndpoints' },
    });
    await expect(startRelayServer({ postEndpoints: { '/x': 1 as never } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
