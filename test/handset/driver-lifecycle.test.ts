/**
 * The `Handset` driver's own promises (src/handset/handset.ts, docs/handset.md "Driver",
 * docs/reliability.md "Restarts"): what `activate`, `resume`, `cancel`, `close` and `suspend`
 * settle and when, what they tell the server, and that the driver's one timer is armed and cleared
 * through the injected `TimerApi` (no timer left behind on stop or cancel, no handle it was not
 * given). The transport and the timers are scripted here: every frame sent, every timer call and
 * every detach is recorded, nothing runs unless the test says so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { Handset } from '../../src/handset/handset.js';
import type { ActivationResult } from '../../src/handset/io.js';
import type { HandsetState } from '../../src/handset/state.js';
import { decodeFrame, type MessageType } from '../../src/wire/frame.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { type Pair, activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const KEY = new Uint8Array(32).fill(0x41);
const CREDENTIALS = { email: EMAIL, password: PASSWORD };

type TimerCall = { readonly op: 'set'; readonly handle: number; readonly ms: number } | { readonly op: 'clear'; readonly handle: unknown };

/** A handset on a scripted transport and scripted timers. */
interface Scripted {
  readonly handset: Handset;
  /** Types of the frames the handset sent, in order. */
  readonly sent: MessageType[];
  readonly timerCalls: TimerCall[];
  /** How many times the handset detached from the transport. */
  readonly detached: () => number;
  /** Handles set and neither cleared nor fired. */
  readonly armed: () => number[];
  /** Fires the timer armed last. */
  readonly fire: () => void;
}

function scripted(options: { state?: HandsetState; now?: () => number } = {}): Scripted {
  const sent: MessageType[] = [];
  const timerCalls: TimerCall[] = [];
  const callbacks = new Map<number, () => void>();
  let detaches = 0;
  let next = 100;
  const state = options.state;
  const handset = new Handset({
    config: state?.config ?? HANDSET_CONFIG,
    ...(state ? { state } : {}),
    provider: allAlgorithms,
    random: seededRandom('driver-lifecycle'),
    now: options.now ?? (() => T0),
    transport: {
      send: (bytes) => {
        sent.push(decodeFrame(bytes).type);
        return Promise.resolve();
      },
      onFrame: () => () => {
        detaches++;
      },
      close: () => Promise.resolve(),
    },
    timers: {
      setTimeout: (fn, ms) => {
        const handle = next++;
        callbacks.set(handle, fn);
        timerCalls.push({ op: 'set', handle, ms });
        return handle;
      },
      clearTimeout: (handle) => {
        timerCalls.push({ op: 'clear', handle });
        callbacks.delete(handle as number);
      },
    },
  });
  return {
    handset,
    sent,
    timerCalls,
    detached: () => detaches,
    armed: () => [...callbacks.keys()],
    fire: () => {
      const handle = [...callbacks.keys()].at(-1);
      if (handle === undefined) throw new Error('no timer is armed');
      const fn = callbacks.get(handle)!;
      callbacks.delete(handle);
      fn();
    },
  };
}

type Outcome<T> = { settled: 'pending' } | { settled: 'resolved'; value: T } | { settled: 'rejected'; error: unknown };

/** How `promise` stands once every queued microtask and a macrotask turn have run. */
async function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  let result: Outcome<T> = { settled: 'pending' };
  promise.then(
    (value) => (result = { settled: 'resolved', value }),
    (error: unknown) => (result = { settled: 'rejected', error }),
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  return result;
}

/** The error `promise` rejected with (fails when it resolved or is still pending). */
async function rejection(promise: Promise<unknown>): Promise<ActivationError> {
  const o = await outcome(promise);
  expect(o.settled).toBe('rejected');
  const error = (o as { error?: unknown }).error;
  expect(error).toBeInstanceOf(ActivationError);
  return error as ActivationError;
}

let run: Pair;
const stateIn = (phase: HandsetState['phase']): HandsetState => {
  const state = run.states.find((s) => s.phase === phase);
  if (!state) throw new Error(`the run has no ${phase} state`);
  return state;
};

beforeAll(() => {
  run = activatePair();
  expect(run.handset.phase).toBe('complete');
});

describe('resume()', () => {
  it('a restored activated handset: resolves at once with the result the activation gave', async () => {
    const sealed = scripted({ state: run.handset }).handset.snapshot(KEY);
    const restored = Handset.restore(sealed, KEY, {
      transport: { send: () => Promise.resolve(), onFrame: () => () => undefined, close: () => Promise.resolve() },
      provider: allAlgorithms,
    });
    const o = await outcome(restored.resume());
    expect(o).toEqual({ settled: 'resolved', value: run.result });
    expect((o as { value: ActivationResult }).value.email).toBe(EMAIL);
  });

  it.each<readonly [HandsetState['phase'], () => HandsetState | undefined]>([
    ['idle', () => undefined],
    [
      'failed',
      () => ({ ...stateIn('idle'), phase: 'failed', failure: { code: 'TIMEOUT', message: 'no answer' }, email: EMAIL }) as HandsetState,
    ],
    ['deactivated', () => ({ ...stateIn('idle'), identity: run.handset.identity, phase: 'deactivated', email: EMAIL }) as HandsetState],
  ])('%s: no activation is running, it rejects with INVALID_STATE', async (phase, state) => {
    const { handset } = scripted({ state: state() });
    expect(handset.state.phase).toBe(phase);
    const err = await rejection(handset.resume());
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe('no activation is running');
    expect(err.cause).toEqual({ phase });
  });

  it('a restored running activation: a second resume() is refused, the first still gets the outcome', async () => {
    const { handset } = scripted({ state: stateIn('awaiting-policy') });
    const first = handset.resume();
    const err = await rejection(handset.resume());
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe('already waiting for this activation');
    expect((await outcome(first)).settled).toBe('pending');
    handset.cancel();
    expect((await rejection(first)).code).toBe('ABORTED');
  });
});

describe('activate()', () => {
  it('while one is running: refused with INVALID_STATE, and the running one still settles', async () => {
    const { handset, sent } = scripted();
    const first = handset.activate(CREDENTIALS);
    const err = await rejection(handset.activate(CREDENTIALS));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe('an activation is already running');
    expect(sent).toEqual(['etp-dat']);
    handset.cancel();
    expect((await rejection(first)).code).toBe('ABORTED');
  });

  it('an address the handset refuses: rejects with that error, and the next activate() runs', async () => {
    const { handset, sent } = scripted();
    const err = await rejection(handset.activate({ email: 'not an address', password: PASSWORD }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'email' });
    const second = handset.activate(CREDENTIALS);
    expect((await outcome(second)).settled).toBe('pending');
    expect(sent).toEqual(['etp-dat']);
  });

  it('a clock that throws: rejects with an ActivationError (INVALID_ARGUMENT), never the raw error', async () => {
    const { handset, sent } = scripted({
      now: () => {
        throw new TypeError('the clock is broken');
      },
    });
    const err = await rejection(handset.activate(CREDENTIALS));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('activation could not start');
    expect(sent).toEqual([]);
  });

  it('after close() or suspend(): refused with INVALID_STATE, nothing sent', async () => {
    for (const stop of ['close', 'suspend'] as const) {
      const { handset, sent } = scripted();
      await handset[stop]();
      const err = await rejection(handset.activate(CREDENTIALS));
      expect(err.code).toBe('INVALID_STATE');
      expect(err.message).toBe('the handset is closed');
      expect(sent).toEqual([]);
      expect(handset.state.phase).toBe('idle');
    }
  });
});

describe('cancel()', () => {
  it('a running activation rejects with ABORTED; the server is told and the timer cleared', async () => {
    const { handset, sent, armed } = scripted();
    const activation = handset.activate(CREDENTIALS);
    expect(armed()).toHaveLength(1);
    handset.cancel();
    expect((await rejection(activation)).code).toBe('ABORTED');
    expect(sent).toEqual(['etp-dat', 'error']);
    expect(armed()).toEqual([]);
    expect(handset.state.phase).toBe('failed');
  });

  it('asked by a status listener in the middle of a step: taken after that step, in order', async () => {
    const { handset, sent, armed, timerCalls } = scripted();
    handset.on('status', (s) => {
      if (s.id === 'activating') handset.cancel();
    });
    const activation = handset.activate(CREDENTIALS);
    expect((await rejection(activation)).code).toBe('ABORTED');
    // The ETP.DAT goes out and its timer is armed before the cancel is taken, which clears it.
    expect(sent).toEqual(['etp-dat', 'error']);
    expect(timerCalls.map((c) => c.op)).toEqual(['set', 'clear']);
    expect(armed()).toEqual([]);
  });
});

describe('close()', () => {
  it('cancels a running activation (ABORTED, the server told), clears the timer and detaches once', async () => {
    const { handset, sent, armed, detached } = scripted();
    const activation = handset.activate(CREDENTIALS);
    await handset.close();
    expect((await rejection(activation)).code).toBe('ABORTED');
    expect(sent).toEqual(['etp-dat', 'error']);
    expect(armed()).toEqual([]);
    expect(detached()).toBe(1);
    await handset.close();
    expect(detached()).toBe(1);
    expect(sent).toEqual(['etp-dat', 'error']);
  });

  it('cancels a restored activation that nobody resumed, and tells the server', async () => {
    const { handset, sent, armed, detached } = scripted({ state: stateIn('awaiting-policy') });
    expect(armed()).toHaveLength(1);
    await handset.close();
    expect(sent).toEqual(['error']);
    expect(handset.state.phase).toBe('failed');
    expect(handset.state.failure?.code).toBe('ABORTED');
    expect(armed()).toEqual([]);
    expect(detached()).toBe(1);
  });

  it('an activated handset: nothing to cancel, nothing sent, state kept', async () => {
    const { handset, sent, detached } = scripted({ state: run.handset });
    await handset.close();
    expect(sent).toEqual([]);
    expect(handset.state).toBe(run.handset);
    expect(detached()).toBe(1);
  });
});

describe('suspend()', () => {
  it('as a power loss: the pending promise rejects with INVALID_STATE, nobody is told, the state stays, the timer is cleared', async () => {
    const { handset, sent, armed, detached, timerCalls } = scripted();
    const activation = handset.activate(CREDENTIALS);
    const before = handset.state;
    expect(before.phase).toBe('awaiting-server-share');
    const [handle] = armed();
    handset.suspend();
    const err = await rejection(activation);
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe('the handset was suspended');
    expect(err.cause).toEqual({ phase: 'awaiting-server-share' });
    expect(sent).toEqual(['etp-dat']);
    expect(handset.state).toBe(before);
    expect(timerCalls.at(-1)).toEqual({ op: 'clear', handle });
    expect(armed()).toEqual([]);
    expect(detached()).toBe(1);
  });

  it('a second suspend() or close() touches nothing: no second detach, no timer call', async () => {
    const { handset, detached, timerCalls } = scripted();
    void handset.activate(CREDENTIALS).catch(() => undefined);
    handset.suspend();
    const calls = timerCalls.length;
    handset.suspend();
    await handset.close();
    expect(detached()).toBe(1);
    expect(timerCalls).toHaveLength(calls);
  });

  it('afterwards the handset takes no input: cancel, regenerateKey and devicePasswordEntered change nothing', () => {
    for (const state of [stateIn('awaiting-policy'), run.handset]) {
      const { handset, sent } = scripted({ state });
      handset.suspend();
      handset.cancel();
      handset.regenerateKey();
      handset.devicePasswordEntered(false);
      expect(handset.state).toBe(state);
      expect(sent).toEqual([]);
    }
  });
});

describe('the timer', () => {
  it('is given to the TimerApi and taken back only by the handles it returned; a fired timer retransmits', async () => {
    const { handset, sent, timerCalls, fire } = scripted();
    const activation = handset.activate(CREDENTIALS);
    expect(timerCalls).toEqual([{ op: 'set', handle: 100, ms: 15_000 }]);
    fire();
    expect(sent).toEqual(['etp-dat', 'etp-dat']);
    handset.cancel();
    expect((await rejection(activation)).code).toBe('ABORTED');
    const given = new Set(timerCalls.flatMap((c) => (c.op === 'set' ? [c.handle] : [])));
    const cleared = timerCalls.flatMap((c) => (c.op === 'clear' ? [c.handle] : []));
    expect(cleared.length).toBeGreaterThan(0);
    expect(cleared.filter((h) => !given.has(h as number))).toEqual([]);
  });

  it('a restored running activation arms its timer at the deadline it was waiting for; when it fires the request is sent again', () => {
    const state = stateIn('awaiting-policy');
    const deadline = state.session?.deadline;
    expect(deadline).toBeGreaterThan(T0);
    const { sent, timerCalls, fire } = scripted({ state });
    expect(timerCalls).toEqual([{ op: 'set', handle: 100, ms: deadline! - T0 }]);
    fire();
    expect(sent).toHaveLength(1);
  });

  it('suspend() clears the armed handle, and only it', () => {
    const { handset, timerCalls } = scripted({ state: stateIn('awaiting-policy') });
    handset.suspend();
    expect(timerCalls).toEqual([
      { op: 'set', handle: 100, ms: expect.any(Number) },
      { op: 'clear', handle: 100 },
    ]);
  });
});
