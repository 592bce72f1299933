/**
 * Activations through lossy, duplicating, reordering, delaying and corrupting links. With short
 * retry settings each run must end, either with "Activation Complete" or with an ActivationError,
 * well within its deadline: the protocol never hangs on a bad network.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { withFaults, type FaultOptions } from '../../src/transport/fault-injector.js';
import type { Transport } from '../../src/transport/transport.js';
import { startRelayServer } from '../../src/node/relay-server.js';
import { createRelayTransport } from '../../src/transport/http-relay-transport.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { Handset } from '../../src/handset/handset.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { PIN, SRP, withDeadline } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const RETRY = { replyTimeoutMs: 200, retries: 8 };
const DEADLINE_MS = 45_000;

type Outcome = { ok: true; ms: number } | { ok: false; code: string; ms: number };

/** Runs one activation between a handset and a simulator over the given two ends. */
async function activate(handsetEnd: Transport, serverEnd: Transport): Promise<Outcome> {
  const sim = new BesSimulator({ srp: SRP, relay: 'relay.test' });
  sim.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
  sim.attach(serverEnd);
  const handset = new Handset({
    config: { pin: PIN, routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' }, retry: RETRY },
    transport: handsetEnd,
  });
  const start = Date.now();
  try {
    await withDeadline(handset.activate({ email: 'alice@example.com', password: 'bb8800pw' }), DEADLINE_MS, 'activation');
    return { ok: true, ms: Date.now() - start };
  } catch (err) {
    // Anything but an ActivationError (a deadline, a TypeError) fails the test.
    if (!isActivationError(err)) throw err;
    return { ok: false, code: err.code, ms: Date.now() - start };
  } finally {
    await handset.close();
    sim.close();
    await handsetEnd.close();
    await serverEnd.close();
  }
}

type Faults = Omit<FaultOptions, 'seed'>;

async function overMemory(seed: string, faults: Faults): Promise<Outcome> {
  const [h, s] = createMemoryTransportPair();
  // Both directions are faulted: the handset's sends and the server's sends.
  return activate(withFaults(h, { seed: `${seed}/h`, ...faults }), withFaults(s, { seed: `${seed}/s`, ...faults }));
}

const SEEDS = ['s1', 's2', 's3'];

const MATRIX: Array<{ name: string; faults: Faults; mustComplete?: boolean }> = [
  { name: 'no faults', faults: {}, mustComplete: true },
  { name: 'duplicate 30%', faults: { duplicate: 0.3 }, mustComplete: true },
  { name: 'duplicate 100%', faults: { duplicate: 1 }, mustComplete: true },
  { name: 'loss 5%', faults: { loss: 0.05 } },
  { name: 'loss 20%', faults: { loss: 0.2 } },
  { name: 'loss 50%', faults: { loss: 0.5 } },
  { name: 'reorder 20%', faults: { reorder: 0.2 } },
  { name: 'reorder 50%', faults: { reorder: 0.5 } },
  { name: 'delay 0-40 ms', faults: { delayMs: [0, 40] } },
  { name: 'corrupt 5%', faults: { corrupt: 0.05 } },
  { name: 'mixed: loss 10%, duplicate 10%, reorder 10%, delay 0-20 ms', faults: { loss: 0.1, duplicate: 0.1, reorder: 0.1, delayMs: [0, 20] } },
];

describe('activation through injected faults', () => {
  const summary: string[] = [];
  // Visible in the test output; handy when tuning the retry policy.
  afterAll(() => console.log(`fault-injection outcomes:\n${summary.join('\n')}`));

  for (const { name, faults, mustComplete } of MATRIX) {
    it(`${name}: completes or fails with an ActivationError, never hangs`, async () => {
      const outcomes: Outcome[] = [];
      for (const seed of SEEDS) outcomes.push(await overMemory(`${name}/${seed}`, faults));
      summary.push(`${name}: ${outcomes.map((o) => (o.ok ? `ok ${o.ms}ms` : `${o.code} ${o.ms}ms`)).join(', ')}`);
      for (const o of outcomes) {
        expect(o.ms).toBeLessThan(DEADLINE_MS);
        if (!o.ok) expect(['TIMEOUT', 'PROTOCOL_ERROR', 'WRONG_PASSWORD', 'DECRYPT_FAILED', 'MALFORMED', 'ABORTED', 'BAD_SIGNATURE', 'UNKNOWN_USER', 'POLICY_REJECTED', 'NO_ACTIVATION_PASSWORD']).toContain(o.code);
        if (mustComplete) expect(o).toMatchObject({ ok: true });
      }
    });
  }

  it('total loss fails with TIMEOUT after the retries, in bounded time', async () => {
    const o = await overMemory('blackhole', { loss: 1 });
    expect(o).toMatchObject({ ok: false, code: 'TIMEOUT' });
    // 1 send + 8 retries, 200 ms each.
    expect(o.ms).toBeGreaterThanOrEqual(9 * 200 - 50);
    expect(o.ms).toBeLessThan(9 * 200 + 2000);
  });

  it('a scripted loss of the first reply is recovered by retransmission', async () => {
    const [h, s] = createMemoryTransportPair();
    const server = withFaults(s, { seed: 'script', script: [{ frame: 1, action: 'drop' }] });
    const o = await activate(h, server);
    expect(o.ok).toBe(true);
    expect(server.stats.dropped).toBe(1);
  });

  it('works over the HTTP relay with faults on both peers', async () => {
    const relay = await startRelayServer();
    cleanups.push(() => relay.close());
    const outcomes: Outcome[] = [];
    for (const seed of ['r1', 'r2']) {
      const serverEnd = withFaults(createRelayTransport({ url: relay.url, address: `srp:${SRP}`, serves: ['example.com'], pollWaitSeconds: 5 }), {
        seed: `${seed}/s`,
        loss: 0.1,
        duplicate: 0.1,
        reorder: 0.1,
      });
      const handsetEnd = withFaults(createRelayTransport({ url: relay.url, address: `pin:${PIN}`, pollWaitSeconds: 5 }), {
        seed: `${seed}/h`,
        loss: 0.1,
        duplicate: 0.1,
        reorder: 0.1,
      });
      outcomes.push(await activate(handsetEnd, serverEnd));
    }
    summary.push(`relay: ${outcomes.map((o) => (o.ok ? `ok ${o.ms}ms` : `${o.code} ${o.ms}ms`)).join(', ')}`);
    for (const o of outcomes) expect(o.ms).toBeLessThan(DEADLINE_MS);
  });
});
