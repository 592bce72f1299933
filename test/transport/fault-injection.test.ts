/**
 * Activations through lossy, duplicating, reordering, delaying and corrupting links. Every one of
 * these links is faulty but recoverable: given enough retransmissions (docs/reliability.md,
 * "Timeouts and retransmission") each run must end in "Activation Complete". A damaged frame is
 * dropped by its checksum and sent again, so corruption never surfaces as an error code. Only a
 * link that delivers nothing ends, and then only in TIMEOUT, after every retry.
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

type Retry = { replyTimeoutMs: number; retries: number };
const RETRY: Retry = { replyTimeoutMs: 200, retries: 8 };
/** A safety net against a hang only; no assertion is about time. */
const DEADLINE_MS = 45_000;

type Outcome = { ok: true } | { ok: false; code: string; cause: Record<string, unknown> | undefined };

/** Runs one activation between a handset and a simulator over the given two ends. */
async function activate(handsetEnd: Transport, serverEnd: Transport, retry: Retry = RETRY): Promise<Outcome> {
  const sim = new BesSimulator({ srp: SRP, relay: 'relay.test' });
  sim.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
  sim.attach(serverEnd);
  const handset = new Handset({
    config: { pin: PIN, routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' }, retry },
    transport: handsetEnd,
  });
  try {
    await withDeadline(handset.activate({ email: 'alice@example.com', password: 'bb8800pw' }), DEADLINE_MS, 'activation');
    return { ok: true };
  } catch (err) {
    // Anything but an ActivationError (a deadline, a TypeError) fails the test.
    if (!isActivationError(err)) throw err;
    return { ok: false, code: err.code, cause: err.cause as Record<string, unknown> | undefined };
  } finally {
    await handset.close();
    sim.close();
    await handsetEnd.close();
    await serverEnd.close();
  }
}

type Faults = Omit<FaultOptions, 'seed'>;

async function overMemory(seed: string, faults: Faults, retry?: Retry): Promise<Outcome> {
  const [h, s] = createMemoryTransportPair();
  // Both directions are faulted: the handset's sends and the server's sends.
  return activate(withFaults(h, { seed: `${seed}/h`, ...faults }), withFaults(s, { seed: `${seed}/s`, ...faults }), retry);
}

const describeOutcome = (o: Outcome) => (o.ok ? 'ok' : o.code);

const SEEDS = ['s1', 's2', 's3'];

/**
 * Every row is recoverable given enough retransmissions. Over the in-memory link a reply takes
 * microseconds (the delay row at most 80 ms), so a short reply timeout keeps the file fast, and 40
 * retries make running out practically impossible: at 50% loss each way a request and its reply
 * both arrive one time in four, so 8 retries would leave about 7% per message; 40 leave about
 * 1 in 100,000.
 */
const MATRIX_RETRY: Retry = { replyTimeoutMs: 50, retries: 40 };
const MATRIX: Array<{ name: string; faults: Faults; retry?: Retry }> = [
  { name: 'no faults', faults: {} },
  { name: 'duplicate 30%', faults: { duplicate: 0.3 } },
  { name: 'duplicate 100%', faults: { duplicate: 1 } },
  { name: 'loss 5%', faults: { loss: 0.05 } },
  { name: 'loss 20%', faults: { loss: 0.2 } },
  { name: 'loss 50%', faults: { loss: 0.5 } },
  { name: 'reorder 20%', faults: { reorder: 0.2 } },
  { name: 'reorder 50%', faults: { reorder: 0.5 } },
  { name: 'delay 0-40 ms', faults: { delayMs: [0, 40] }, retry: { replyTimeoutMs: 100, retries: 40 } },
  { name: 'corrupt 5%', faults: { corrupt: 0.05 } },
  { name: 'corrupt 30%', faults: { corrupt: 0.3 } },
  {
    name: 'mixed: loss 10%, duplicate 10%, reorder 10%, delay 0-20 ms',
    faults: { loss: 0.1, duplicate: 0.1, reorder: 0.1, delayMs: [0, 20] },
  },
];

describe('activation through injected faults', () => {
  const summary: string[] = [];
  // Visible in the test output; handy when tuning the retry policy.
  afterAll(() => console.log(`fault-injection outcomes:\n${summary.join('\n')}`));

  for (const { name, faults, retry } of MATRIX) {
    it(`${name}: completes, given enough retransmissions`, async () => {
      const outcomes: Outcome[] = [];
      for (const seed of SEEDS) outcomes.push(await overMemory(`${name}/${seed}`, faults, retry ?? MATRIX_RETRY));
      summary.push(`${name}: ${outcomes.map(describeOutcome).join(', ')}`);
      expect(outcomes.map(describeOutcome)).toEqual(SEEDS.map(() => 'ok'));
    });
  }

  it('total loss fails with TIMEOUT, and only after every retry', async () => {
    const [h, s] = createMemoryTransportPair();
    const handsetEnd = withFaults(h, { seed: 'blackhole/h', loss: 1 });
    const o = await activate(handsetEnd, withFaults(s, { seed: 'blackhole/s', loss: 1 }));
    expect(o).toMatchObject({ ok: false, code: 'TIMEOUT', cause: { retries: RETRY.retries } });
    // The ETP.DAT once and then once per retry.
    expect(handsetEnd.stats.sent).toBe(1 + RETRY.retries);
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
      const serverEnd = withFaults(
        createRelayTransport({ url: relay.url, address: `srp:${SRP}`, serves: ['example.com'], pollWaitSeconds: 5 }),
        {
          seed: `${seed}/s`,
          loss: 0.1,
          duplicate: 0.1,
          reorder: 0.1,
        },
      );
      const handsetEnd = withFaults(createRelayTransport({ url: relay.url, address: `pin:${PIN}`, pollWaitSeconds: 5 }), {
        seed: `${seed}/h`,
        loss: 0.1,
        duplicate: 0.1,
        reorder: 0.1,
      });
      outcomes.push(await activate(handsetEnd, serverEnd));
    }
    summary.push(`relay: ${outcomes.map(describeOutcome).join(', ')}`);
    expect(outcomes.map(describeOutcome)).toEqual(['ok', 'ok']);
  });
});
