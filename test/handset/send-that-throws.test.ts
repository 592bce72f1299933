/**
 * A transport whose `send` throws at once, instead of returning a rejected promise, loses the
 * frame and nothing more (docs/handset.md, "Driver"; docs/transports.md): the driver treats it
 * exactly as a rejected send. The request is sent again on its timer, and when the retries run
 * out the activation fails with TIMEOUT, as it does when every send rejects. Before the fix the
 * exception escaped the step: `activate()` rejected with INVALID_ARGUMENT while the handset stayed
 * in `awaiting-server-share` with no timer armed, waiting for ever.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { Handset } from '../../src/handset/handset.js';
import type { Transport } from '../../src/transport/transport.js';
import { decodeFrame, type MessageType } from '../../src/wire/frame.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { allAlgorithms } from '../support/providers.js';

type Failure = 'rejects' | 'throws' | 'returns nothing';

/** Sends that all fail in the given way; the frames tried are recorded. */
function failing(how: Failure, tried: MessageType[]): Transport {
  return {
    send: (bytes) => {
      tried.push(decodeFrame(bytes).type);
      if (how === 'rejects') return Promise.reject(new Error('link down'));
      if (how === 'throws') throw new Error('link down');
      return undefined as unknown as Promise<void>;
    },
    onFrame: () => () => undefined,
    close: () => Promise.resolve(),
  };
}

interface Outcome {
  readonly tried: MessageType[];
  readonly phaseAfterActivate: string;
  readonly armedAfterActivate: number;
  readonly error: ActivationError;
  readonly phase: string;
  readonly failure: string | undefined;
  readonly armedAtEnd: number;
}

/** Activates over a transport whose sends all fail `how`, firing each timer at its time until the activation settles. */
async function activateOver(how: Failure): Promise<Outcome> {
  const tried: MessageType[] = [];
  let now = T0;
  const armed = new Map<number, { fn: () => void; at: number }>();
  let next = 1;
  const handset = new Handset({
    config: { ...HANDSET_CONFIG, retry: { replyTimeoutMs: 1_000, retries: 2 } },
    transport: failing(how, tried),
    provider: allAlgorithms,
    random: seededRandom('send-that-throws'),
    now: () => now,
    timers: {
      setTimeout: (fn, ms) => {
        armed.set(next, { fn, at: now + ms });
        return next++;
      },
      clearTimeout: (handle) => void armed.delete(handle as number),
    },
  });
  let settled: ActivationError | undefined;
  const activation = handset.activate({ email: EMAIL, password: PASSWORD }).then(
    () => new ActivationError('INVALID_STATE', 'the activation completed over a dead link'),
    (err: ActivationError) => err,
  );
  void activation.then((err) => (settled = err));
  await Promise.resolve();
  const phaseAfterActivate = handset.state.phase;
  const armedAfterActivate = armed.size;
  for (let round = 0; round < 10 && settled === undefined && armed.size > 0; round++) {
    const [handle, timer] = [...armed.entries()][0]!;
    armed.delete(handle);
    now = timer.at;
    timer.fn();
    await Promise.resolve();
  }
  const error = await Promise.race([activation, Promise.resolve(new ActivationError('INVALID_STATE', 'still waiting'))]);
  return {
    tried,
    phaseAfterActivate,
    armedAfterActivate,
    error,
    phase: handset.state.phase,
    failure: handset.state.failure?.code,
    armedAtEnd: armed.size,
  };
}

describe('a send that throws at once is a lost frame, as a rejected send is', () => {
  it('a rejected send: the request is sent again on its timer, then the activation fails with TIMEOUT', async () => {
    const outcome = await activateOver('rejects');
    expect(outcome.phaseAfterActivate).toBe('awaiting-server-share');
    expect(outcome.armedAfterActivate).toBe(1);
    expect(outcome.tried).toEqual(['etp-dat', 'etp-dat', 'etp-dat']);
    expect(outcome.error.code).toBe('TIMEOUT');
    expect([outcome.phase, outcome.failure, outcome.armedAtEnd]).toEqual(['failed', 'TIMEOUT', 0]);
  });

  it.each(['throws', 'returns nothing'] as const)('a send that %s: the same, frame for frame', async (how) => {
    const [expected, outcome] = [await activateOver('rejects'), await activateOver(how)];
    expect(outcome).toStrictEqual(expected);
  });
});
