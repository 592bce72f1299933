/**
 * The test pair: a {@link Handset} and a `BesSimulator` on one {@link VirtualClock}, joined by an
 * in-memory transport (with link faults when asked), seeded so that every run is the same. Built
 * from the public pieces only (the `Handset` driver, `BesSimulator`, `createMemoryTransportPair`,
 * `withFaults`): what a test sees is what an emulator would see.
 */
import { isActivationError, ActivationError } from '../errors/activation-error.js';
import { Handset } from '../handset/handset.js';
import type { HandsetConfig } from '../handset/config.js';
import type { ActivationResult } from '../handset/io.js';
import type { Status } from '../handset/status.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { createNobleProvider } from '../crypto/noble-provider.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { x25519Suite, p521Suite } from '../crypto/cpace/index.js';
import { aes256Cbc } from '../crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../crypto/transport-key/tdes-ede2-cbc.js';
import { InMemoryPolicyEnforcer } from '../policy/enforcer.js';
import { BesSimulator, type BesSimulatorOptions } from '../simulator/bes-simulator.js';
import { MAX_FAILED_ATTEMPTS } from '../simulator/accounts.js';
import { MemoryRecordStore } from '../sync/record-store.js';
import { SYNC_ORDER, type SyncDatabase } from '../sync/databases.js';
import { createMemoryTransportPair } from '../transport/memory-transport.js';
import { withFaults, type FaultOptions } from '../transport/fault-injector.js';
import type { Transport } from '../transport/transport.js';
import { decodeFrame } from '../wire/frame.js';
import type { ActivationRun, SeenFrame } from './activation-run.js';
import { PRESETS, presetSetup, type PresetName, type PresetSetup } from './presets.js';
import { VirtualClock } from './virtual-clock.js';

/** The user a pair's server knows unless told otherwise. */
export const DEFAULT_TEST_USER = Object.freeze({
  email: 'alice@example.com',
  displayName: 'Alice Example',
  password: 'bb8800-activate',
});

/** The device a pair's handset is unless told otherwise (an 8800 on OS 4.5). */
export const DEFAULT_TEST_DEVICE: HandsetConfig = Object.freeze({
  pin: '2100000A',
  routing: Object.freeze({ relay: 'relay.blackberry.test', uid: 'U00000001' }),
  device: Object.freeze({ model: '8800', os: '4.5.0.110' }),
});

/** What the `wrong-password` preset has the user type. */
export const WRONG_TEST_PASSWORD = 'not-the-password';

/** The PIN of the device the `second-device` preset activates first. */
const FIRST_DEVICE_PIN = '2100000B';
/** The PIN of the device that types the wrong password for the `locked-out` preset. */
const GUESSING_DEVICE_PIN = '2100000C';

/**
 * Link faults of a pair: `withFaults` options without the scheduler (the pair's clock schedules);
 * the seed defaults to one made from the pair's.
 */
export type LinkFaults = Omit<FaultOptions, 'seed' | 'schedule'> & { readonly seed?: string };

/** Options of {@link createActivationPair}. All optional: the default pair activates. */
export interface ActivationPairOptions {
  /** Scenario presets ({@link PRESETS}), applied in order; the other options override them. */
  readonly preset?: PresetName | readonly PresetName[];
  /** The user's email address (default {@link DEFAULT_TEST_USER}). */
  readonly email?: string;
  /** The user's activation password on the server (default {@link DEFAULT_TEST_USER}). */
  readonly password?: string;
  /** The user's display name. */
  readonly displayName?: string;
  /** The device: fields over {@link DEFAULT_TEST_DEVICE}. */
  readonly handset?: Partial<HandsetConfig>;
  /** Simulator options over the presets' (its `now` and `timers` are always the pair's clock). */
  readonly server?: Omit<BesSimulatorOptions, 'now' | 'timers'>;
  /** Faults on the link, seen from the handset (`direction` `send`, `receive` or `both`). */
  readonly link?: LinkFaults;
  /** Seed of every random choice (handset, server, link). Default "enterprise-activation/testing". */
  readonly seed?: string;
  /** Where the virtual clock starts (ms since the epoch); default 2024-01-01T00:00:00Z. */
  readonly start?: number;
}

/** Options of one {@link ActivationPair.activate}. */
export interface ActivateOptions {
  /** The email address the user types (default: the pair's user). */
  readonly email?: string;
  /** The activation password the user types (default: the pair's, or a wrong one under `wrong-password`). */
  readonly password?: string;
  /** How many times in a row the user activates; the run returned is the last one's. Default 1. */
  readonly times?: number;
}

/** Every suite and cipher, so that the presets can reach Triple DES and P-521 on both sides. */
let allAlgorithms: CryptoProvider | undefined;
function provider(): CryptoProvider {
  allAlgorithms ??= createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
  return allAlgorithms;
}

/** What the pair collects during one run. */
class RunRecorder {
  readonly statuses: Status[] = [];
  readonly frames: SeenFrame[] = [];
  constructor(readonly startedAt: number) {}
}

type Outcome = { readonly ok: true; readonly result: ActivationResult } | { readonly ok: false; readonly error: ActivationError };

/** Merges the presets' setups in order: later ones win, `server.services` merged field by field. */
function mergeSetups(setups: readonly PresetSetup[]): PresetSetup {
  let merged: PresetSetup = {};
  for (const s of setups) {
    merged = {
      ...merged,
      ...s,
      server: { ...merged.server, ...s.server, services: { ...merged.server?.services, ...s.server?.services } },
      link: s.link || merged.link ? { ...merged.link, ...s.link } : undefined,
      unsupportedRules: [...(merged.unsupportedRules ?? []), ...(s.unsupportedRules ?? [])],
    };
  }
  return merged;
}

/**
 * A handset and a simulator on one virtual clock, for a test. Build it with
 * {@link createActivationPair}; run activations with {@link ActivationPair.activate}; close it at
 * the end.
 */
export class ActivationPair {
  /** The clock of everything in the pair: move it with `advance` to let timers fire. */
  readonly clock: VirtualClock;
  /** The server: use its administrator API (`account`, `setActivationPassword`, `wipe`, ...) freely. */
  readonly server: BesSimulator;
  /** The user the server knows (the password is the test's own fixture). */
  readonly user: { readonly email: string; readonly displayName: string; readonly password: string };
  /** The presets this pair was built with. */
  readonly presets: readonly PresetName[];
  /** Other devices the presets activated (`second-device`: the user's first device). */
  readonly otherHandsets: Handset[] = [];

  #handset: Handset;
  readonly #setup: PresetSetup;
  readonly #seed: string;
  readonly #link: LinkFaults | undefined;
  readonly #config: HandsetConfig;
  readonly #recordStore = new MemoryRecordStore();
  readonly #closers: (() => unknown)[] = [];
  #recorder: RunRecorder | undefined;
  #before: Promise<void> | undefined;
  #handsets = 0;

  /** Use {@link createActivationPair}. */
  constructor(options: ActivationPairOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ActivationError('INVALID_ARGUMENT', 'the pair options must be an object', { field: 'options' });
    }
    const presets = options.preset === undefined ? [] : typeof options.preset === 'string' ? [options.preset] : [...options.preset];
    for (const name of presets) {
      if (!Object.hasOwn(PRESETS, name)) {
        throw new ActivationError('INVALID_ARGUMENT', `unknown preset '${String(name)}' (see PRESET_NAMES)`, { field: 'preset' });
      }
    }
    this.presets = Object.freeze(presets);
    this.clock = new VirtualClock(options.start);
    this.#seed = options.seed ?? 'enterprise-activation/testing';
    this.#setup = mergeSetups(presets.map((name) => presetSetup(name, this.clock.now())));
    this.user = Object.freeze({
      email: options.email ?? DEFAULT_TEST_USER.email,
      displayName: options.displayName ?? DEFAULT_TEST_USER.displayName,
      password: options.password ?? DEFAULT_TEST_USER.password,
    });
    const services = { ...this.#setup.server?.services, ...options.server?.services };
    this.server = new BesSimulator({
      random: seededRandom(`${this.#seed}/server`),
      provider: provider(),
      ...this.#setup.server,
      ...options.server,
      services,
      now: this.clock.now,
      timers: this.clock.timers,
    });
    this.server.addUser({ email: this.user.email, displayName: this.user.displayName, activationPassword: this.user.password });
    this.#closers.push(() => this.server.close());
    const link = options.link ?? this.#setup.link;
    this.#link = link;
    this.#config = { ...DEFAULT_TEST_DEVICE, ...options.handset };
    try {
      this.#handset = this.#newHandset(this.#config, this.#connect(true));
    } catch (err) {
      // A bad handset option: nobody gets this pair to close, so the server lets go of its link here.
      this.server.close();
      throw err;
    }
  }

  /** The handset under test (a new one after a restart). */
  get handset(): Handset {
    return this.#handset;
  }

  /**
   * The user activates (`times` times in a row), and the clock runs until the activation ends:
   * resolves to the {@link ActivationRun} of the last one. Never rejects for a failed activation:
   * the failure is the run's `error`.
   *
   * @throws An {@link ActivationError} `TIMEOUT` when the run neither ends nor has anything left to
   * happen (a harness problem, not an activation outcome), `INVALID_ARGUMENT` for a bad `times`.
   */
  async activate(options: ActivateOptions = {}): Promise<ActivationRun> {
    if (options === null || typeof options !== 'object') {
      throw new ActivationError('INVALID_ARGUMENT', 'the activate options must be an object', { field: 'options' });
    }
    const times = options.times ?? 1;
    if (!Number.isSafeInteger(times) || times < 1) {
      throw new ActivationError('INVALID_ARGUMENT', 'times must be a whole number from 1', { field: 'times' });
    }
    this.#before ??= this.#runBefore();
    await this.#before;
    let run = await this.#activateOnce(options);
    for (let i = 1; i < times; i++) run = await this.#activateOnce(options);
    return run;
  }

  /** Stops the handsets and detaches the server. The pair cannot be used afterwards. */
  async close(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close();
  }

  async #activateOnce(options: ActivateOptions): Promise<ActivationRun> {
    const recorder = new RunRecorder(this.clock.now());
    this.#recorder = recorder;
    const password = options.password ?? (this.#setup.wrongPassword ? WRONG_TEST_PASSWORD : this.user.password);
    // Set by the promise callbacks below (an object, so that the compiler sees it may change).
    const ended: { outcome?: Outcome } = {};
    /** Only the promise of the handset now under test counts (a suspended one rejects). */
    let current: Promise<ActivationResult> | undefined;
    const follow = (promise: Promise<ActivationResult>): void => {
      current = promise;
      promise.then(
        (result) => {
          if (current === promise) ended.outcome = { ok: true, result };
        },
        (err: unknown) => {
          if (current !== promise) return;
          const error = isActivationError(err)
            ? err
            : new ActivationError('INVALID_STATE', 'the activation failed with something else than an ActivationError');
          ended.outcome = { ok: false, error };
        },
      );
    };
    if (this.#setup.restartAt) {
      const off = this.#handset.on(this.#setup.restartAt, () => {
        off();
        // After the step that emitted the event, as a power loss between two steps.
        queueMicrotask(() => follow(this.#restart()));
      });
    }
    follow(this.#handset.activate({ email: options.email ?? this.user.email, password }));
    await this.clock.runUntil(() => ended.outcome !== undefined);
    this.#recorder = undefined;
    const synced = {} as Record<SyncDatabase, number>;
    for (const database of SYNC_ORDER) synced[database] = (await this.#handset.records(database)).length;
    const outcome = ended.outcome;
    if (outcome === undefined) throw new ActivationError('INVALID_STATE', 'the run ended without an outcome');
    return {
      ok: outcome.ok,
      result: outcome.ok ? outcome.result : undefined,
      error: outcome.ok ? undefined : outcome.error,
      statuses: recorder.statuses,
      frames: recorder.frames,
      synced,
      elapsedMs: this.clock.now() - recorder.startedAt,
    };
  }

  /** The handset loses power now and comes back from a snapshot taken at that moment: returns its `resume()`. */
  #restart(): Promise<ActivationResult> {
    const old = this.#handset;
    const storageKey = seededRandom(`${this.#seed}/storage-key`)(32);
    const snapshot = old.snapshot(storageKey);
    old.suspend();
    const restored = Handset.restore(snapshot, storageKey, this.#handsetParts(this.#connect(true)));
    this.#watch(restored, true);
    this.#handset = restored;
    return restored.resume();
  }

  /** What the presets do before the first activation. */
  async #runBefore(): Promise<void> {
    const { email, password } = this.user;
    switch (this.#setup.before) {
      case 'expire-password':
        this.server.expireActivationPassword(email);
        break;
      case 'lock-out': {
        const guesser = this.#newHandset({ ...this.#config, pin: GUESSING_DEVICE_PIN }, this.#connect(false), false);
        for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) await this.#settle(guesser.activate({ email, password: WRONG_TEST_PASSWORD }));
        await guesser.close();
        break;
      }
      case 'first-device': {
        const first = this.#newHandset({ ...this.#config, pin: FIRST_DEVICE_PIN }, this.#connect(false), false);
        this.otherHandsets.push(first);
        await this.#settle(first.activate({ email, password }));
        // The password is deleted once a device is activated (docs/server.md, "Activated"): re-activation
        // on another device is the administrator setting one again (docs/lifecycle.md).
        this.server.setActivationPassword(email, password);
        break;
      }
      default:
        break;
    }
  }

  /** Runs the clock until `promise` settles, whichever way. */
  async #settle(promise: Promise<unknown>): Promise<void> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    await this.clock.runUntil(() => done);
  }

  /** A new link to the server: the handset's end, faulted and observed (recorded when `record`). */
  #connect(record: boolean): Transport {
    const [handsetSide, serverSide] = createMemoryTransportPair();
    if (!this.#setup.silent) this.#closers.push(this.server.attach(serverSide));
    const faulted = this.#link
      ? withFaults(handsetSide, { seed: `${this.#seed}/link`, ...this.#link, schedule: this.clock.schedule })
      : handsetSide;
    this.#closers.push(() => faulted.close());
    return this.#observed(faulted, record);
  }

  /** Passes frames through, noting each (type, sequence number, size, time; never the body) in the run. */
  #observed(inner: Transport, record: boolean): Transport {
    const note = (direction: SeenFrame['direction'], bytes: Uint8Array): void => {
      this.clock.noteActivity();
      const recorder = this.#recorder;
      if (!record || !recorder) return;
      const at = this.clock.now() - recorder.startedAt;
      try {
        // A copy: the decoder may tag what it decodes.
        const { type, seq } = decodeFrame(bytes.slice());
        recorder.frames.push({ direction, type, seq, size: bytes.length, at });
      } catch {
        recorder.frames.push({ direction, type: 'undecodable', size: bytes.length, at });
      }
    };
    return {
      send: (frame) => {
        note('to-server', frame);
        return inner.send(frame);
      },
      onFrame: (handler) =>
        inner.onFrame((frame, meta) => {
          note('to-handset', frame);
          handler(frame, meta);
        }),
      close: () => inner.close(),
    };
  }

  #handsetParts(transport: Transport) {
    return {
      transport,
      random: seededRandom(`${this.#seed}/handset/${++this.#handsets}`),
      now: this.clock.now,
      timers: this.clock.timers,
      provider: provider(),
      enforcer: new InMemoryPolicyEnforcer({ unsupported: this.#setup.unsupportedRules ?? [] }),
      recordStore: this.#recordStore,
    };
  }

  #newHandset(config: HandsetConfig, transport: Transport, record = true): Handset {
    const parts = this.#handsetParts(transport);
    const handset = new Handset({ ...parts, config, recordStore: record ? parts.recordStore : new MemoryRecordStore() });
    this.#watch(handset, record);
    return handset;
  }

  /** Notes the handset's outputs as activity for the clock, and its statuses in the run (when `record`). */
  #watch(handset: Handset, record: boolean): void {
    handset.on('output', () => this.clock.noteActivity());
    if (record) handset.on('status', (status) => this.#recorder?.statuses.push(status));
    this.#closers.push(() => handset.close());
  }
}

/**
 * A handset and a simulator on one virtual clock, ready to activate: the server knows the user,
 * the presets are applied, nothing has been sent yet.
 *
 * @throws An {@link ActivationError} `INVALID_ARGUMENT` for an unknown preset or a bad option.
 *
 * @example
 * ```ts
 * import { createActivationPair } from 'enterprise-activation/testing';
 *
 * const pair = createActivationPair({ preset: 'tdes-only' });
 * const run = await pair.activate();
 * run.result?.keyAlgorithm; // 'TDES-EDE2-CBC'
 * await pair.close();
 * ```
 */
export function createActivationPair(options: ActivationPairOptions = {}): ActivationPair {
  return new ActivationPair(options);
}

/**
 * The common case in one line: builds a pair, activates, closes the pair, and resolves to the
 * run. Never rejects for a failed activation: read `run.ok` and `run.error`, or use the matchers.
 *
 * @example
 * ```ts
 * import { activate } from 'enterprise-activation/testing';
 * import 'enterprise-activation/testing/vitest';
 *
 * expect(await activate()).toShowStatuses(['activating', 'activation-complete']);
 * expect(await activate({ preset: 'locked-out' })).toFailWith('LOCKED_OUT');
 * ```
 */
export async function activate(options: ActivationPairOptions & ActivateOptions = {}): Promise<ActivationRun> {
  const pair = createActivationPair(options);
  try {
    return await pair.activate(options);
  } finally {
    await pair.close();
  }
}
