/**
 * The administrator's API of `serve --ui` (src/serve/admin-api.ts), called as the relay calls its
 * endpoints: nothing without the token, JSON bodies only, typed errors, passwords going in and
 * never coming out, the lifecycle commands reaching the simulator, and the event feed in order.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_API_PATH, MAX_FEED_EVENTS, MAX_LISTED_ACCOUNTS, createAdminApi, type AdminApi } from '../../src/serve/admin-api.js';
import type { RelayEndpointAnswer, RelayEndpointRequest } from '../../src/node/relay-server.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';

const TOKEN = 'a-token-of-thirty-two-characters';

function setup(users = 2): { api: AdminApi; sim: BesSimulator } {
  // The simulator feeds the API, made after it: the callback reads it through this holder.
  const holder: { api?: AdminApi } = {};
  const sim = new BesSimulator({ onAdminEvent: (e) => holder.api?.adminEvent(e) });
  for (let i = 1; i <= users; i++)
    sim.addUser({ email: `user${i}@example.com`, displayName: `User ${i}`, activationPassword: `password-${i}` });
  const api = createAdminApi({ simulator: sim, token: TOKEN });
  holder.api = api;
  return { api, sim };
}

function request(options: {
  method?: 'GET' | 'POST';
  query?: string;
  headers?: Record<string, string>;
  body?: unknown;
  token?: string | null;
}): RelayEndpointRequest {
  const headers: Record<string, string> = {
    ...(options.token !== null ? { authorization: `Bearer ${options.token ?? TOKEN}` } : {}),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  return {
    method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
    query: new URLSearchParams(options.query ?? ''),
    header: (name) => headers[name.toLowerCase()],
    body: new TextEncoder().encode(
      typeof options.body === 'string' ? options.body : options.body === undefined ? '' : JSON.stringify(options.body),
    ),
  };
}

async function call(
  api: AdminApi,
  path: string,
  options: Parameters<typeof request>[0] = {},
): Promise<{ status: number; json: Record<string, unknown>; answer: RelayEndpointAnswer }> {
  const endpoint = (options.body !== undefined || options.method === 'POST' ? api.postEndpoints : api.endpoints)[
    `${ADMIN_API_PATH}/${path}`
  ];
  if (endpoint === undefined) throw new Error(`no endpoint ${path}`);
  const answer = await endpoint(request(options));
  return { status: answer.status ?? 200, json: JSON.parse(answer.body) as Record<string, unknown>, answer };
}

describe('the administrator API of serve --ui', () => {
  it('answers nothing without the token, or with a wrong one, on every endpoint', async () => {
    const { api, sim } = setup();
    for (const token of [null, 'wrong', `${TOKEN}x`, TOKEN.slice(1)]) {
      for (const [path, body] of [
        ['accounts', undefined],
        ['events', undefined],
        ['password', { email: 'user1@example.com', password: 'new-password-1' }],
        ['command', { email: 'user1@example.com', command: 'wipe' }],
      ] as const) {
        const r = await call(api, path, { token, ...(body !== undefined ? { body } : {}) });
        expect(r.status, `${path} ${token}`).toBe(401);
        expect(r.json).toEqual({ error: 'UNAUTHORIZED', message: 'the administrator token is missing or wrong' });
        expect(r.answer.headers).toEqual({ 'www-authenticate': 'Bearer' });
      }
    }
    // Nothing was done: user1's password is the first one still.
    expect(sim.adminLog()).toEqual([]);
    expect((await call(api, 'accounts', { headers: { authorization: `bearer   ${TOKEN}` } })).status).toBe(200);
  });

  it('refuses a token shorter than 16 characters when made', () => {
    expect(() => createAdminApi({ simulator: new BesSimulator(), token: 'short' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('lists accounts with their statuses, at most MAX_LISTED_ACCOUNTS, searched by address, never a password', async () => {
    const { api } = setup(MAX_LISTED_ACCOUNTS + 5);
    const all = await call(api, 'accounts');
    expect(all.json.total).toBe(MAX_LISTED_ACCOUNTS + 5);
    const listed = all.json.accounts as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(MAX_LISTED_ACCOUNTS);
    expect(listed[0]).toMatchObject({ email: 'user1@example.com', status: 'Initializing', failedAttempts: 0, hasPassword: true });
    expect(all.answer.body).not.toContain('password-1');
    const found = await call(api, 'accounts', { query: 'q=USER5' });
    expect((found.json.accounts as Array<{ email: string }>).map((a) => a.email)).toEqual([
      'user5@example.com',
      ...Array.from({ length: 6 }, (_, i) => `user${50 + i}@example.com`),
    ]);
  });

  it('sets an activation password with its lifetime and tells the feed, without the password', async () => {
    const { api, sim } = setup();
    const r = await call(api, 'password', { body: { email: 'User2@Example.com', password: 'brand-new-pw', lifetimeHours: 2 } });
    expect(r.status).toBe(200);
    expect(r.json.account).toMatchObject({ email: 'user2@example.com', status: 'Initializing', hasPassword: true });
    expect(r.answer.body).not.toContain('brand-new-pw');
    const expires = (r.json.account as { passwordExpiresAt: number }).passwordExpiresAt;
    expect(expires - Date.now()).toBeGreaterThan(1.9 * 3600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(2 * 3600_000);
    const feed = await call(api, 'events');
    expect(feed.json).toEqual({
      events: [expect.objectContaining({ seq: 1, type: 'admin-command', email: 'user2@example.com', command: 'set-activation-password' })],
      last: 1,
      missed: 0,
    });
    expect(feed.answer.body).not.toContain('brand-new-pw');
    expect(sim.account('user2@example.com')?.status).toBe('Initializing');
  });

  it('answers typed errors: unknown user 404, bad input 400, non-JSON 400, never echoing the password', async () => {
    const { api } = setup();
    const unknown = await call(api, 'password', { body: { email: 'nobody@example.com', password: 'whatever-pw' } });
    expect(unknown).toMatchObject({ status: 404, json: { error: 'UNKNOWN_USER' } });
    const short = await call(api, 'password', { body: { email: 'user1@example.com', password: 'short7!' } });
    expect(short).toMatchObject({ status: 400, json: { error: 'INVALID_ARGUMENT' } });
    expect(short.answer.body).not.toContain('short7!');
    expect(await call(api, 'password', { body: { email: 'user1@example.com', password: 'x'.repeat(65) } })).toMatchObject({ status: 400 });
    expect(
      await call(api, 'password', { body: { email: 'user1@example.com', password: 'long-enough', lifetimeHours: '2' } }),
    ).toMatchObject({
      status: 400,
      json: { error: 'INVALID_ARGUMENT' },
    });
    expect(await call(api, 'password', { body: '{not json' })).toMatchObject({ status: 400, json: { error: 'MALFORMED' } });
    expect(await call(api, 'password', { body: '[1]' })).toMatchObject({ status: 400, json: { error: 'MALFORMED' } });
    const form = await call(api, 'password', {
      body: { email: 'user1@example.com', password: 'long-enough' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form).toMatchObject({ status: 400, json: { error: 'MALFORMED', message: 'the body must be application/json' } });
    expect(await call(api, 'command', { body: { email: 'user1@example.com', command: 'format-c' } })).toMatchObject({
      status: 400,
      json: { error: 'INVALID_ARGUMENT' },
    });
    expect(await call(api, 'events', { query: 'after=-1' })).toMatchObject({ status: 400, json: { error: 'INVALID_ARGUMENT' } });
  });

  it('carries out the lifecycle commands on the simulator and says whether a device was reached', async () => {
    const { api, sim } = setup();
    const expire = await call(api, 'command', { body: { email: 'user1@example.com', command: 'expire-activation-password' } });
    expect(expire.json).toMatchObject({
      command: 'expire-activation-password',
      sent: false,
      account: { status: 'Activation password expired' },
    });
    expect(sim.account('user1@example.com')?.hasPassword).toBe(false);
    // No activated device: the commands that need one reach none.
    for (const command of ['regenerate-key', 'resend-service-books', 'resend-it-policy', 'wipe']) {
      const r = await call(api, 'command', { body: { email: 'user2@example.com', command } });
      expect(r.json, command).toMatchObject({ command, sent: false });
    }
    const commands = sim.adminLog().flatMap((e) => (e.type === 'admin-command' ? [e.command] : []));
    expect(commands).toEqual(['expire-activation-password', 'wipe']);
  });

  it('feeds events after a given one, the ends of activations among them, and says how many it dropped', async () => {
    const { api } = setup();
    api.logEvent('ETP.DAT accepted', { pin: '2100000A' }, 1);
    api.logEvent('activation failed', { pin: '2100000A', code: 'WRONG_PASSWORD' }, 2);
    api.logEvent('activation failed', { pin: '2100000A', code: 'not a code\nat all' }, 3);
    api.logEvent('activation complete', { pin: '2100000B' }, 4);
    api.logEvent('activation complete', {}, 5); // no PIN: not an activation this feed can name
    api.logEvent('ETP.DAT received', { pin: '2100000A' }, 6);
    const all = await call(api, 'events');
    expect(all.json.events).toEqual([
      { seq: 1, type: 'activation', at: 1, pin: '2100000A', outcome: 'started' },
      { seq: 2, type: 'activation', at: 2, pin: '2100000A', outcome: 'failed', code: 'WRONG_PASSWORD' },
      { seq: 3, type: 'activation', at: 3, pin: '2100000A', outcome: 'failed' },
      { seq: 4, type: 'activation', at: 4, pin: '2100000B', outcome: 'complete' },
    ]);
    expect((await call(api, 'events', { query: 'after=3' })).json).toEqual({
      events: [expect.objectContaining({ seq: 4 })],
      last: 4,
      missed: 0,
    });
    expect((await call(api, 'events', { query: 'after=4' })).json).toEqual({ events: [], last: 4, missed: 0 });

    for (let i = 0; i < MAX_FEED_EVENTS + 10; i++) api.logEvent('activation complete', { pin: '2100000C' }, 10 + i);
    const late = await call(api, 'events', { query: 'after=4' });
    expect(late.json.missed).toBe(10); // 514 events, the last 500 kept: 5 to 14 are gone
    expect((late.json.events as unknown[]).length).toBe(MAX_FEED_EVENTS);
    expect(late.json.last).toBe(MAX_FEED_EVENTS + 14);
  });
});
