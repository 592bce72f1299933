/**
 * Full activations over the HTTP relay on loopback: the handset and the BES simulator each talk
 * only to the relay, which routes the ETP.DAT by the server's registered domain (or address) and
 * everything else by PIN and SRP identifier.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelayServer } from '../../src/node/relay-server.js';
import {
  createRelayTransport,
  type RelayTransportOptions,
  type WebSocketConstructorLike,
} from '../../src/transport/http-relay-transport.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { Handset } from '../../src/handset/handset.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { PIN, SRP, relayHandset, withDeadline } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const SUCCESS_TEXTS = [
  'Activating',
  'Verifying Encryption',
  'Encryption Verified. Waiting for Services',
  'Services Received',
  'Your email address "alice@example.com" is now enabled',
  'Activation Complete',
];

interface Setup {
  relayOptions?: Parameters<typeof startRelayServer>[0];
  server?: Partial<RelayTransportOptions>;
  handset?: Partial<RelayTransportOptions>;
}

async function setup(opts: Setup = {}) {
  const relay = await startRelayServer(opts.relayOptions);
  cleanups.push(() => relay.close());
  const sim = new BesSimulator({ srp: SRP, relay: 'relay.test', name: 'BES01' });
  sim.addUser({ email: 'alice@example.com', displayName: 'Alice Example', activationPassword: 'bb8800pw' });
  const serverTransport = createRelayTransport({
    url: relay.url,
    address: `srp:${SRP}`,
    serves: ['example.com'],
    pollWaitSeconds: 10,
    ...opts.server,
  });
  cleanups.push(() => serverTransport.close());
  sim.attach(serverTransport);
  cleanups.push(() => sim.close());
  const { handset, statuses } = relayHandset(relay.url, cleanups, opts.handset);
  return { relay, sim, handset, statuses };
}

function expectInOrder(statuses: string[], texts: string[]): void {
  let at = -1;
  for (const text of texts) {
    const i = statuses.indexOf(text, at + 1);
    expect(i, `${text} in ${JSON.stringify(statuses)}`).toBeGreaterThan(at);
    at = i;
  }
}

describe('activation over the HTTP relay', () => {
  it('completes with long-polling on both sides', async () => {
    const { relay, sim, handset, statuses } = await setup();
    const result = await withDeadline(handset.activate({ email: 'alice@example.com', password: 'bb8800pw' }), 60_000, 'activation');
    expect(result.email).toBe('alice@example.com');
    expect(result.server.srp).toBe(SRP);
    expectInOrder(statuses, SUCCESS_TEXTS);
    expect(sim.account('alice@example.com')).toMatchObject({ status: 'Activated', devicePin: PIN });
    expect(relay.stats.malformed).toBe(0);
    expect(relay.stats.received).toBeGreaterThan(6);
  });

  it('completes when the server serves the exact address and uses a WebSocket with a token', async () => {
    const { handset, statuses } = await setup({
      relayOptions: { tokens: { [SRP]: 'srp-auth-key' } },
      server: {
        serves: ['alice@example.com'],
        token: 'srp-auth-key',
        mode: 'websocket',
        webSocket: WebSocket as unknown as WebSocketConstructorLike,
      },
    });
    await withDeadline(handset.activate({ email: 'Alice@Example.com', password: 'bb8800pw' }), 60_000, 'activation');
    expect(statuses.at(-1)).toBe('Activation Complete');
  });

  it('completes when the handset sends before the server is listening (held ETP.DAT)', async () => {
    const relay = await startRelayServer();
    cleanups.push(() => relay.close());
    const handsetTransport = createRelayTransport({ url: relay.url, address: `pin:${PIN}`, pollWaitSeconds: 10 });
    cleanups.push(() => handsetTransport.close());
    const handset = new Handset({
      config: { pin: PIN, routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
      transport: handsetTransport,
    });
    cleanups.push(() => handset.close());
    const done = handset.activate({ email: 'alice@example.com', password: 'bb8800pw' });
    await new Promise((r) => setTimeout(r, 200));
    expect(relay.queueLength('mailto:alice@example.com')).toBe(1);
    const sim = new BesSimulator({ srp: SRP, relay: 'relay.test' });
    sim.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
    const serverTransport = createRelayTransport({ url: relay.url, address: `srp:${SRP}`, serves: ['example.com'] });
    cleanups.push(() => serverTransport.close());
    sim.attach(serverTransport);
    cleanups.push(() => sim.close());
    const result = await withDeadline(done, 60_000, 'activation');
    expect(result.server.srp).toBe(SRP);
  });

  it('a wrong password fails with WRONG_PASSWORD', async () => {
    const { handset, sim } = await setup();
    const err = await withDeadline(
      handset.activate({ email: 'alice@example.com', password: 'nope' }).catch((e: unknown) => e),
      60_000,
      'activation',
    );
    expect(isActivationError(err, 'WRONG_PASSWORD')).toBe(true);
    expect(sim.account('alice@example.com')?.failedAttempts).toBe(1);
  });
});
