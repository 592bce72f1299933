import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import type { HandsetInput } from '../../src/handset/io.js';
import { type HandsetEnv, handsetStep } from '../../src/handset/machine.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { frameOf } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { type ExchangeOptions, type ExchangeResult, runExchange } from './harness.js';

function frameHex(run: ExchangeResult): string[] {
  return run.frames.map(
    (f) => `${f.direction}/${f.index}/${f.at}:${bytesToHex(f.sent)}:${f.delivered === null ? 'dropped' : bytesToHex(f.delivered)}`,
  );
}

/** The transcript as text, with every byte string as hex (errors by code and message). */
function transcriptText(run: ExchangeResult): string {
  return JSON.stringify(run.transcript, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return `hex:${bytesToHex(value)}`;
    if (value instanceof Error) return { name: value.name, message: value.message, ...(value as object) };
    return value;
  });
}

const suites = ['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'] as const;

describe('deterministic runs', () => {
  it.each(suites)('identical seeds and clock give byte-identical transcripts (%s)', (suite) => {
    const options: ExchangeOptions = {
      handsetConfig: { ...HANDSET_CONFIG, suites: [suite] },
      handsetSeed: 'det-handset',
      serverSeed: 'det-server',
      now: T0 + 12_345,
    };
    const a = runExchange(options);
    const b = runExchange(options);
    expect(a.stoppedBy).toBe('key-established');
    expect(a.frames.length).toBe(5);
    expect(frameHex(b)).toEqual(frameHex(a));
    expect(transcriptText(b)).toBe(transcriptText(a));
    expect(bytesToHex(b.state.transportKey!.key)).toBe(bytesToHex(a.state.transportKey!.key));
    expect(b.undelivered.map(bytesToHex)).toEqual(a.undelivered.map(bytesToHex));

    // Another handset seed: another session id, share, body, key ... every frame differs.
    const c = runExchange({ ...options, handsetSeed: 'det-handset-2' });
    expect(c.stoppedBy).toBe('key-established');
    expect(c.frames.length).toBe(a.frames.length);
    for (let i = 0; i < a.frames.length; i++) {
      expect(bytesToHex(c.frames[i]!.sent), `frame ${i}`).not.toBe(bytesToHex(a.frames[i]!.sent));
    }
    expect(bytesToHex(frameOf(c.frames[0]!.sent).sid)).not.toBe(bytesToHex(frameOf(a.frames[0]!.sent).sid));
    // (The transport key is the server's choice: it depends on the server's random source only.)

    // Another server seed: the handset's first frame is the same, the server's answers differ.
    const d = runExchange({ ...options, serverSeed: 'det-server-2' });
    expect(bytesToHex(d.frames[0]!.sent)).toBe(bytesToHex(a.frames[0]!.sent));
    expect(bytesToHex(d.frames[1]!.sent)).not.toBe(bytesToHex(a.frames[1]!.sent));
    expect(bytesToHex(d.state.transportKey!.key)).not.toBe(bytesToHex(a.state.transportKey!.key));
  });

  it('the clock is part of the transcript: timeouts happen at the same instants', () => {
    const options: ExchangeOptions = { handsetSeed: 'det-timeout', tamper: (f, d) => (d === 'to-server' ? null : f) };
    const a = runExchange(options);
    const b = runExchange(options);
    expect(a.error?.code).toBe('TIMEOUT');
    expect(a.frames.map((f) => f.at)).toEqual([T0, T0 + 15_000, T0 + 30_000, T0 + 45_000, T0 + 60_000]);
    expect(transcriptText(b)).toBe(transcriptText(a));
  });

  it('a full run to Activation Complete is reproducible too', () => {
    const a = runExchange({ handsetSeed: 'det-full', until: 'end' });
    const b = runExchange({ handsetSeed: 'det-full', until: 'end' });
    expect(a.stoppedBy).toBe('complete');
    expect(frameHex(b)).toEqual(frameHex(a));
  });
});

/** Recursively freezes plain objects, arrays and typed arrays' holders (typed arrays cannot be frozen). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** A deep copy that keeps typed arrays as independent copies. */
function snapshot(state: HandsetState): HandsetState {
  return structuredClone(state);
}

describe('handsetStep never mutates the state it is given', () => {
  it('every state along a whole activation stays equal to its snapshot, and frozen states work', () => {
    const { sim, clock } = createServer({
      serverSeed: 'immutability',
      users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD }],
    });
    const env: HandsetEnv = { provider: nobleProvider, random: seededRandom('immutability-handset') };
    let state = initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG));
    const checked: string[] = [];

    const step = (input: HandsetInput) => {
      const before = snapshot(state);
      deepFreeze(state); // a write to the given state would throw in strict mode
      const result = handsetStep(state, input, env);
      // Compared as clones: cbor-x leaves a cached `dataView` property on byte arrays it decoded
      // (see the report), which a clone drops on both sides.
      expect(snapshot(state)).toEqual(before);
      // Byte arrays cannot be frozen: compare them byte for byte too.
      expect(JSON.stringify(state, hexReplacer)).toBe(JSON.stringify(before, hexReplacer));
      checked.push(`${input.type}:${state.phase}->${result.state.phase}`);
      state = result.state;
      return result.outputs;
    };

    const queue: Uint8Array[] = [];
    const deliver = (outputs: ReturnType<typeof step>) => {
      // The server gets a copy, as over a network (its decoder must not touch the handset's state).
      for (const o of outputs) if (o.type === 'send') queue.push(...sim.receive(o.bytes.slice()));
    };
    deliver(step({ type: 'activate', email: EMAIL, password: PASSWORD, now: clock.now }));
    // A timer before the deadline, a duplicate and a garbage frame: all must leave the given state alone.
    step({ type: 'timer', now: clock.now + 1 });
    step({ type: 'frame', bytes: new Uint8Array([1, 2, 3]), now: clock.now });
    while (queue.length > 0 && state.phase !== 'awaiting-policy') {
      const bytes = queue.shift()!;
      deliver(step({ type: 'frame', bytes, now: clock.now }));
      step({ type: 'frame', bytes, now: clock.now }); // the same frame again: a duplicate
    }
    expect(state.phase).toBe('awaiting-policy');
    expect(state.transportKey).toBeDefined();
    // A timeout with retransmission, then a cancel.
    step({ type: 'timer', now: clock.now + 15_000 });
    step({ type: 'cancel', now: clock.now + 15_001 });
    expect(state.phase).toBe('failed');
    expect(checked).toContain('activate:idle->awaiting-server-share');
    expect(checked).toContain('frame:awaiting-server-share->awaiting-key');
    expect(checked).toContain('frame:awaiting-key->awaiting-policy');
  });

  it('a failed step (invalid input) leaves the state untouched', () => {
    const state = deepFreeze(initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG)));
    const before = snapshot(state);
    const env: HandsetEnv = { provider: nobleProvider, random: seededRandom('x') };
    expect(() => handsetStep(state, { type: 'activate', email: 'bad', password: PASSWORD, now: T0 }, env)).toThrow();
    expect(state).toEqual(before);
  });
});

function hexReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? `hex:${bytesToHex(value)}` : value;
}
