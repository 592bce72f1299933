/**
 * `startBesServer` (src/serve/bes-server.ts): a BES simulator behind the relay, reached the
 * way any handset reaches a relay. Activations over long-poll, WebSocket and the SMTP path; the
 * outcomes and phase latencies in its Prometheus metrics and its summary; closing it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Handset } from '../../src/handset/handset.js';
import { startBesServer, type BesServer } from '../../src/serve/bes-server.js';
import { createRelayTransport, type WebSocketConstructorLike } from '../../src/transport/http-relay-transport.js';
import { fleetUsers } from '../../src/simulator/fleet-users.js';
import { isActivationError, type ActivationError } from '../../src/errors/activation-error.js';
import { waitFor, withDeadline } from '../transport/helpers.js';
import { runFleet } from '../../src/fleet/run-fleet.js';
import { DEFAULT_SOURCE_RATE_LIMIT } from '../../src/simulator/admission.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const USERS = fleetUsers({ count: 4, seed: 'bes-server-test' });

async function server(options: Partial<Parameters<typeof startBesServer>[0]> = {}): Promise<BesServer> {
  const s = await startBesServer({ users: USERS, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** Activates user `i` on a fresh handset over the server's relay; resolves with the result or the error. */
async function activate(s: BesServer, i: number, password = USERS[i]!.password, mode: 'poll' | 'websocket' = 'poll') {
  const pin = (0x2100b000 + i).toString(16).toUpperCase();
  const transport = createRelayTransport({
    url: s.url,
    address: `pin:${pin}`,
    pollWaitSeconds: 5,
    ...(mode === 'websocket' ? { mode, webSocket: WebSocket as unknown as WebSocketConstructorLike } : {}),
  });
  const handset = new Handset({
    config: { pin, routing: { relay: 'relay.test', uid: `U${i}` }, device: { model: '8800', os: '4.5.0' } },
    transport,
  });
  const failuresBefore = s.summary().activations.failed;
  try {
    const result = await withDeadline(
      handset.activate({ email: USERS[i]!.email, password }).catch((e: ActivationError) => e),
      60_000,
      'activation',
    );
    // A handset that finds a wrong password tells the server (an error frame) after its activate()
    // has failed: keep it open until the server has counted it, as a real one stays on the network.
    if (isActivationError(result, 'WRONG_PASSWORD'))
      await waitFor(() => s.summary().activations.failed > failuresBefore, 10_000, 'the failure counted');
    return result;
  } finally {
    await handset.close();
    await transport.close();
  }
}

/** The value of one sample line of the Prometheus text, e.g. `name{label="x"}`. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('startBesServer', () => {
  it('activates handsets over long-poll and WebSocket, counts a wrong password, and shows it all in /metrics', async () => {
    const s = await server();
    const ok1 = await activate(s, 0);
    const ok2 = await activate(s, 1, undefined, 'websocket');
    const wrong = await activate(s, 2, 'not-the-password');
    expect(isActivationError(ok1)).toBe(false);
    expect(isActivationError(ok2)).toBe(false);
    expect(isActivationError(wrong, 'WRONG_PASSWORD')).toBe(true);
    expect(s.accountStatus(USERS[0]!.email)).toBe('Activated');
    expect(s.accountStatus('nobody@example.com')).toBeUndefined();

    const res = await fetch(s.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'enterprise_activation_activations_total{outcome="complete",code=""}')).toBe(2);
    expect(sample(text, 'enterprise_activation_activations_total{outcome="failed",code="WRONG_PASSWORD"}')).toBe(1);
    for (const phase of ['activation', 'encryption-verification', 'services', 'synchronization', 'total'])
      expect(sample(text, `enterprise_activation_phase_seconds_count{phase="${phase}"}`), phase).toBe(2);
    expect(sample(text, 'enterprise_activation_accounts')).toBe(4);
    expect(sample(text, 'enterprise_activation_activations_in_progress')).toBe(0);
    expect(sample(text, 'enterprise_activation_relay_frames{what="received"}')).toBeGreaterThan(20);
    expect(text).toMatch(/^enterprise_activation_process_resident_memory_bytes \d+/m);
    // No password, in any form, in what a scraper reads.
    for (const u of USERS) expect(text).not.toContain(u.password);

    const health = await fetch(s.healthUrl);
    expect(health.status).toBe(200);

    const summary = await s.close();
    expect(summary.activations).toEqual({ complete: 2, failed: 1, refused: 0, aborted: 0, inProgress: 0 });
    expect(summary.failures).toEqual({ WRONG_PASSWORD: 1 });
    expect(summary.accounts).toBe(4);
    expect(summary.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(await s.close()).toBe(summary);
    await expect(fetch(s.healthUrl)).rejects.toThrow();
  });

  it('takes ETP.DATs by mail with smtp: the relay mails them to its SMTP server, the simulator reads the mailboxes', async () => {
    const s = await server({ smtp: true, mailPollMs: 50 });
    expect(s.smtpPort).toBeGreaterThan(0);
    const result = await activate(s, 3);
    expect(isActivationError(result)).toBe(false);
    expect(s.relay.stats.mailed).toBe(1);
    expect(s.summary().activations.complete).toBe(1);
  });

  it(
    'bounds ETP.DATs per source at the relay only: a fleet from one machine over the simulator burst is not refused',
    { timeout: 120_000 },
    async () => {
      // More ETP.DATs from one source than the simulator's own per-source burst (60) would admit.
      const devices = DEFAULT_SOURCE_RATE_LIMIT.burst + 10;
      const s = await startBesServer({
        users: fleetUsers({ count: devices, seed: 'one-source' }),
        limits: { etpDatPerSourcePerMinute: 10_000 },
      });
      cleanups.push(() => s.close());
      const report = await runFleet({ target: s.url, seed: 'one-source', devices, concurrency: 10, mode: 'poll' });
      expect(report).toMatchObject({ completed: devices, failed: 0 });
      expect(s.summary().activations.refused).toBe(0);
    },
  );

  it('refuses bad users before it listens, with INVALID_ARGUMENT', async () => {
    for (const users of [[], [{ email: 'nobody', password: 'long-enough-1' }], [{ email: 'a@example.com', password: 'short' }]]) {
      await expect(startBesServer({ users })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(startBesServer(undefined as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('hands its limits to the relay and refuses an unknown one', async () => {
    const s = await server({ limits: { etpDatPerSourcePerMinute: 100_000 } });
    expect(s.limits.etpDatPerSourcePerMinute).toBe(100_000);
    await expect(startBesServer({ users: USERS, limits: { noSuchLimit: 1 } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
