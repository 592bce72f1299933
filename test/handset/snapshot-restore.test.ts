/**
 * Handset snapshots through the public API (docs/reliability.md, "Restarts"; docs/security.md):
 * `handset.snapshot(key)` seals the whole device state and `Handset.restore(bytes, key, options)`
 * continues from exactly that state, in every phase; a snapshot sealed by an earlier version is
 * read as the phases are now; a snapshot taken while waiting for the server's share restores as
 * failed (`INVALID_STATE`); and a snapshot that is not one this handset can continue from is
 * refused with a typed error, before anything is used.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { Handset, type TimerApi, withoutRecords } from '../../src/handset/handset.js';
import type { RecordStore } from '../../src/sync/record-store.js';
import type { HandsetState } from '../../src/handset/state.js';
import { openSnapshot, sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { concatBytes, utf8ToBytes } from '../../src/util/bytes.js';
import { userData } from '../phases/helpers.js';
import { caught } from '../support/errors.js';
import { EMAIL, PASSWORD } from '../support/fixtures.js';
import { Pair, activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const KEY = new Uint8Array(32).fill(0x2c);
/** Timers that never fire: these tests look at restored states, not at what they do next. */
const NO_TIMERS: TimerApi = { setTimeout: () => 0, clearTimeout: () => undefined };

type Phase = HandsetState['phase'];

/** A driver holding `state` (the provider of the Pair, which offers every suite and cipher). */
function holding(state: HandsetState): Handset {
  return new Handset({
    config: state.config,
    state,
    transport: createMemoryTransportPair()[0],
    timers: NO_TIMERS,
    provider: allAlgorithms,
  });
}

function restore(snapshot: Uint8Array, key = KEY, recordStore?: RecordStore): Handset {
  return Handset.restore(snapshot, key, {
    transport: createMemoryTransportPair()[0],
    timers: NO_TIMERS,
    provider: allAlgorithms,
    ...(recordStore ? { recordStore } : {}),
  });
}

/** The machine's own state in a driver: without the records `Handset.state` shows from its store. */
const stateOf = (h: Handset): HandsetState => withoutRecords(h.state).state;

/** `state` in a driver, sealed, and restored on the same record store (snapshots carry no records). */
function roundTrip(state: HandsetState): Handset {
  const h = holding(state);
  return restore(h.snapshot(KEY), KEY, h.recordStore);
}

/** `state` sealed as it is, as an earlier version wrote it (no conversion to what is stored now). */
function sealedAsIs(state: unknown, seed = 'as-is'): Uint8Array {
  return sealSnapshot('handset', state, KEY, allAlgorithms, { random: seededRandom(seed) });
}

function refusal(fn: () => unknown): ActivationError {
  const err = caught(fn);
  if (!(err instanceof ActivationError)) throw new Error(`expected an ActivationError, got ${String(err)}`);
  return err;
}

/** One state of each phase a real run passes through (the first of each), and a failed one. */
let run: Pair;
let failed: HandsetState;
const first = (phase: Phase): HandsetState => {
  const state = run.states.find((s) => s.phase === phase);
  if (!state) throw new Error(`the run has no ${phase} state`);
  return state;
};

beforeAll(() => {
  run = new Pair({ users: [{ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD }] });
  run.server.setUserData(EMAIL, userData({ contacts: 1, calendar: 1 }));
  run.activate();
  run.drive();
  expect(run.handset.phase).toBe('complete');
  failed = activatePair({
    password: 'not the password 1',
    users: [{ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD }],
  }).handset;
  expect(failed.phase).toBe('failed');
});

describe('a restored handset holds exactly the state that was sealed', () => {
  const phases: Phase[] = ['idle', 'awaiting-key', 'awaiting-policy', 'applying-policy', 'awaiting-services', 'syncing', 'complete'];

  it.each(phases)('%s', (phase) => {
    const state = first(phase);
    expect(stateOf(roundTrip(state))).toStrictEqual(state);
  });

  it('failed (a wrong password): nothing is added, not even an empty organizer', () => {
    expect('organizer' in failed).toBe(false);
    const restored = roundTrip(failed).state;
    expect(restored).toStrictEqual(failed);
    expect(restored.failure?.code).toBe('WRONG_PASSWORD');
  });

  it('applying-policy-update (a pushed policy waiting for the enforcer)', () => {
    const complete = first('complete');
    const pendingPolicy = first('applying-policy').pendingPolicy;
    const state = { ...complete, phase: 'applying-policy-update', pendingPolicy } as HandsetState;
    expect(stateOf(roundTrip(state))).toStrictEqual(state);
  });

  it('deactivated, and idle after a wipe, keep the device organizer data (in the record store)', () => {
    const { identity, config, version } = first('complete');
    const organizer = run.records;
    const deactivated = { version, config, identity, organizer, phase: 'deactivated', email: EMAIL } as HandsetState;
    const idle = { version, config, identity, organizer, phase: 'idle' } as HandsetState;
    for (const state of [deactivated, idle]) expect(roundTrip(state).state).toStrictEqual(state);
  });
});

describe('a snapshot taken while waiting for the server share restores as failed (INVALID_STATE)', () => {
  const failure = { code: 'INVALID_STATE', message: 'the activation was interrupted before the server answered: start it again' };

  it('the device keeps its identity; the session, its scalar and the address typed are gone', () => {
    const waiting = first('awaiting-server-share');
    const restored = roundTrip(waiting).state;
    expect(restored).toStrictEqual({
      version: 4,
      config: waiting.config,
      identity: waiting.identity,
      phase: 'failed',
      failure,
      status: restored.status,
    });
    expect(restored.status?.id).toBe('activation-failed');
  });

  it("it keeps the device's organizer data, IT policy key binding and password failures", () => {
    const waiting = first('awaiting-server-share');
    const organizer = run.records;
    const policyKey = new Uint8Array(32).fill(9);
    const state = { ...waiting, organizer, policyKey, passwordFailures: 2 } as HandsetState;
    const restored = roundTrip(state).state;
    expect(restored).toStrictEqual({
      version: 4,
      config: waiting.config,
      identity: waiting.identity,
      organizer,
      policyKey,
      passwordFailures: 2,
      phase: 'failed',
      failure,
      status: restored.status,
    });
  });
});

describe('a snapshot sealed by an earlier version is read as the phases are now', () => {
  it('a policy waiting for the enforcer in awaiting-policy (before applying-policy was a phase) restores as applying-policy', () => {
    const applying = first('applying-policy');
    const old = { ...applying, phase: 'awaiting-policy' };
    expect(stateOf(restore(sealedAsIs(old)))).toStrictEqual(applying);
  });

  it('a policy update waiting for the enforcer in complete restores as applying-policy-update', () => {
    const pendingPolicy = first('applying-policy').pendingPolicy;
    const old = { ...first('complete'), pendingPolicy };
    expect(stateOf(restore(sealedAsIs(old)))).toStrictEqual({ ...first('complete'), phase: 'applying-policy-update', pendingPolicy });
  });

  it('an awaiting-policy or complete state whose pendingPolicy was written as undefined waits as it did', () => {
    for (const phase of ['awaiting-policy', 'complete'] as const) {
      const state = first(phase);
      const restored = stateOf(restore(sealedAsIs({ ...state, pendingPolicy: undefined })));
      expect(restored).toStrictEqual(state);
    }
  });

  it("the device's organizer data stored before issue 12 is read in the current shape (categories split on commas)", () => {
    const { identity, config } = first('complete');
    const contact = run.records.contacts![0]!;
    const old = {
      version: 3,
      config,
      identity,
      phase: 'idle',
      organizer: { contacts: [{ ...contact, categories: ['Business, Personal', ' VIP '] }] },
    };
    const restored = restore(sealedAsIs(old)).state;
    expect((restored.organizer?.contacts?.[0] as { categories?: unknown } | undefined)?.categories).toEqual([
      'Business',
      'Personal',
      'VIP',
    ]);
  });
});

describe('a snapshot this handset cannot continue from is refused, typed', () => {
  const sealed = (): Uint8Array => holding(first('complete')).snapshot(KEY);

  it('a configuration that a new handset would refuse: MALFORMED, with the reason', () => {
    const state = first('complete');
    const err = refusal(() => restore(sealedAsIs({ ...state, config: { ...state.config, pin: 'not-hex!' } })));
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toBe('handset snapshot: invalid configuration');
    expect(err.cause).toEqual({ operation: 'open snapshot', reason: 'INVALID_ARGUMENT' });
  });

  it('a state its phase does not allow (another version, or damage before sealing): MALFORMED, naming the field', () => {
    const { serviceBooks: _books, ...complete } = first('complete');
    const err = refusal(() => restore(sealedAsIs(complete)));
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toBe('handset snapshot: invalid field serviceBooks');
    // Missing, and said so: not a value of the wrong type.
    expect(err.cause).toEqual({ operation: 'decode handset snapshot', field: 'serviceBooks', reason: 'expected "serviceBooks"' });
  });

  it('a layout version this handset does not know (5): MALFORMED', () => {
    const err = refusal(() => restore(sealedAsIs({ ...first('complete'), version: 5 })));
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toBe('handset snapshot: invalid field version');
  });

  it.each([
    ['truncated', (s: Uint8Array) => s.subarray(0, s.length - 1), 'DECRYPT_FAILED'],
    ['cut inside the envelope', (s: Uint8Array) => s.subarray(0, 20), 'MALFORMED'],
    ['a flipped ciphertext byte', (s: Uint8Array) => s.map((b, i) => (i === s.length - 5 ? b ^ 1 : b)), 'DECRYPT_FAILED'],
    ['a flipped magic byte', (s: Uint8Array) => s.map((b, i) => (i === 0 ? b ^ 1 : b)), 'MALFORMED'],
    [
      'relabelled as a simulator snapshot',
      (s: Uint8Array) => {
        const kind = utf8ToBytes('bes-simulator');
        return concatBytes(s.subarray(0, 8), Uint8Array.of(kind.length), kind, s.subarray(9 + s[8]!));
      },
      'MALFORMED',
    ],
  ] as const)('%s: %s', (_what, damage, code) => {
    expect(refusal(() => restore(damage(sealed()))).code).toBe(code);
  });

  it('another storage key: DECRYPT_FAILED', () => {
    expect(refusal(() => restore(sealed(), new Uint8Array(32).fill(0x2d))).code).toBe('DECRYPT_FAILED');
  });

  it('the same sealed bytes open under the right key (the refusals above are not the key or the format)', () => {
    expect(openSnapshot('handset', sealed(), KEY, allAlgorithms)).toMatchObject({ phase: 'complete', version: 4 });
  });
});
