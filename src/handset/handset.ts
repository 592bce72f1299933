/**
 * The `Handset` driver: connects the sans-I/O state machine to a transport, a clock, timers and
 * events. It holds no protocol logic of its own: every decision is the machine's.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource, TransportKeyAlgorithm } from '../crypto/provider.js';
import { isAsyncProvider, type AsyncCryptoProvider } from '../crypto/async-provider.js';
import { runWithAsyncProvider } from '../crypto/replay-bridge.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import { systemRandom } from '../crypto/seeded-random.js';
import type { Transport } from '../transport/transport.js';
import { type HandsetConfig, resolveHandsetConfig } from './config.js';
import { TypedEmitter } from './events.js';
import type { ActivationResult, HandsetInput, HandsetOutput } from './io.js';
import { handsetStep, restoredOutputs } from './machine.js';
import { activationResult } from './phase-key-exchange.js';
import { compactState } from './compact-state.js';
import { type HandsetState, initialHandsetState } from './state.js';
import type { Status } from './status.js';
import { applyPolicy } from '../policy/apply-policy.js';
import { InMemoryPolicyEnforcer, type PolicyActionEvent, type PolicyEnforcer } from '../policy/enforcer.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { ServiceBook } from '../service-books/service-book.js';
import type { SyncDatabase } from '../sync/databases.js';
import { openHandsetSnapshot, sealHandsetState } from './snapshot.js';
import { MemoryRecordStore, readAllRecords, storeError, type RecordStore } from '../sync/record-store.js';
import type { SyncRecord } from '../sync/records.js';
import type { DeviceSyncStore } from '../sync/sync-store.js';
import { SYNC_ORDER } from '../sync/databases.js';
import type { SnapshotOpenOptions, SnapshotSealOptions } from '../persistence/sealed-snapshot.js';
import { systemTimers, type TimerApi } from '../util/timers.js';

export type { TimerApi } from '../util/timers.js';

/** What {@link Handset} is built from: the device's identity, a transport and the injectable platform parts. */
export interface HandsetOptions {
  /** The device: PIN, routing, model and OS version, optional tuning (see {@link HandsetConfig}). */
  readonly config: HandsetConfig;
  /** Carries frames to and from the server. The handset attaches to it; it never opens or closes it. */
  readonly transport: Transport;
  /** Randomness. Default: the platform's CSPRNG. Use `seededRandom(seed)` for reproducible runs. */
  readonly random?: RandomSource;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Timer functions. Default: the global `setTimeout`/`clearTimeout`. An emulator with its own clock passes its own. */
  readonly timers?: TimerApi;
  /**
   * The cryptography. Default: {@link nobleProvider}. An asynchronous provider (WebCrypto,
   * `createWebCryptoProvider`) runs each step through the replay bridge (docs/architecture.md,
   * "Asynchronous crypto"); what the driver computes synchronously besides the steps (sealing a
   * snapshot, the IT policy's content hash while the enforcer runs) then runs on the noble
   * provider, whose bytes are the same.
   */
  readonly provider?: CryptoProvider | AsyncCryptoProvider;
  /**
   * Applies IT policy rules to the device. Default: an {@link InMemoryPolicyEnforcer} that keeps
   * them in memory. An emulator maps rules to its own device settings here.
   */
  readonly enforcer?: PolicyEnforcer;
  /**
   * Where the organizer records are kept. Default: a {@link MemoryRecordStore}. An emulator passes
   * its own (on disk, in IndexedDB) and persists it itself: snapshots do not carry records.
   */
  readonly recordStore?: RecordStore;
  /**
   * Resume from a state (as returned by {@link Handset.state}). Records it shows (`sync.store`,
   * `organizer`) are put into the record store before anything else.
   */
  readonly state?: HandsetState;
}

/**
 * The events a {@link Handset} emits, by name, with the value each listener receives.
 *
 * @example
 * ```ts
 * handset.on('status', (s) => screen.show(s.text));
 * handset.on('sync-progress', ({ database, received, total }) => bar.set(database, received / total));
 * ```
 */
export interface HandsetEvents extends Record<string, unknown> {
  /** The screen changed: `{ id, text }`, text exactly as the handset shows it. */
  status: Status;
  /** The activation failed. */
  error: ActivationError;
  /** The transport key is verified. */
  'key-established': ActivationResult;
  /** The activation finished. */
  complete: ActivationResult;
  /** An IT policy was applied (or rejected) and acknowledged; `update` is true after activation. */
  policy: { ack: PolicyAck; update: boolean };
  /** Service books were stored. */
  'service-books': { books: readonly ServiceBook[]; emailEnabled: boolean };
  /** A sync page was stored. */
  'sync-progress': { database: SyncDatabase; received: number; total: number };
  /**
   * The server retired this device (docs/lifecycle.md): keys, IT policy and service books are gone,
   * organizer data kept; status "Deactivated". `reason`: the deactivate command, or the error
   * DEACTIVATED in answer to a frame. The device can be activated again.
   */
  deactivated: { reason: 'command' | 'refused' };
  /** A rolled-over transport key became current (docs/lifecycle.md, "Key rollover"): its id (hex) and algorithm, never the key. */
  keyChanged: { keyId: string; algorithm: TransportKeyAlgorithm };
  /** A rule of the IT policy in force acted on the device (the enforcer's `onAction` was told first). */
  policyAction: PolicyActionEvent;
  /** The device was wiped (its keys, books, IT policy and key binding, organizer data): it is idle. */
  wiped: Record<string, never>;
  /** A frame was dropped (diagnostic). */
  ignored: { reason: string; code?: string };
  /** Every output of the state machine but `store-records` (records go to the record store only), for emulators that want to watch it all. */
  output: HandsetOutput;
}

interface Pending {
  resolve(result: ActivationResult): void;
  reject(error: ActivationError): void;
}

/** The phases a handset rests in (nothing awaited), whose states the driver keeps compact. */
const SETTLED_PHASES: ReadonlySet<HandsetState['phase']> = new Set(['idle', 'complete', 'failed', 'deactivated']);

/** The default clock: one function for every handset (a closure each would cost its context too). */
const systemNow = (): number => Date.now();

/**
 * A BlackBerry-style handset that runs wireless Enterprise Activation over a {@link Transport}:
 * the driver for emulators, tests and tools. It feeds {@link handsetStep} (the sans-I/O core that
 * makes every protocol decision) with frames, timer expiries and the user's input, and performs
 * what the core asks for: sending, arming timers, applying the IT policy, emitting
 * {@link HandsetEvents}. Every failure rejects with an {@link ActivationError}.
 *
 * @example
 * ```ts
 * import { Handset, createMemoryTransportPair } from 'enterprise-activation';
 * import { BesSimulator } from 'enterprise-activation/simulator';
 *
 * const server = new BesSimulator();
 * server.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
 * const [handsetSide, serverSide] = createMemoryTransportPair();
 * server.attach(serverSide);
 *
 * const handset = new Handset({
 *   config: { pin: '2100000A', routing: { relay: 'relay.example', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
 *   transport: handsetSide,
 * });
 * handset.on('status', (s) => console.log(s.text)); // "Activating", ..., "Activation Complete"
 * const result = await handset.activate({ email: 'alice@example.com', password: 'bb8800pw' });
 * ```
 */
export class Handset extends TypedEmitter<HandsetEvents> {
  private current: HandsetState;
  /** Dropped when the driver stops (close, suspend): a closed handset keeps no transport (issue 14). */
  private transport: Transport | undefined;
  private readonly random: RandomSource;
  private readonly now: () => number;
  private readonly timers: TimerApi;
  private readonly provider: CryptoProvider | AsyncCryptoProvider;
  /** The provider for the driver's own synchronous work: the given one, or noble when it is asynchronous. */
  private readonly syncProvider: CryptoProvider;
  private readonly enforcer: PolicyEnforcer;
  private readonly store: RecordStore;
  private readonly queue: HandsetInput[] = [];
  /** Outputs of the last step not performed yet: they wait while a record store operation runs. */
  private readonly outputs: HandsetOutput[] = [];
  private draining = false;
  /** A record store operation is running: nothing else is performed until it has finished. */
  private waiting = false;
  /**
   * The last state shown by {@link Handset.state} with its records, and the state it shows;
   * dropped when the driver writes records. Held weakly: it carries every record decoded (tens of
   * KiB), and an idle handset should not keep it once its reader has let it go (issue 14).
   */
  private shown: { readonly of: HandsetState; readonly state: WeakRef<HandsetState> } | undefined;
  /** The platform timer, if one is armed ({@link Handset.armTimer}). */
  private timer: unknown;
  /** When the platform timer fires, on the injected clock (at or before {@link Handset.deadline}). */
  private timerAt = 0;
  /** When the core wants its timer input (its last `set-timer`), until it fires or is cleared. */
  private deadline: number | undefined;
  private pending: Pending | undefined;
  /** Detaches from the transport; dropped with it. */
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  /** The last state compacted ({@link Handset.compact}), so that it is not compacted again. */
  private compacted: HandsetState | undefined;

  /**
   * A handset in the idle state (or in `options.state`, to continue from it), listening on
   * `options.transport`. Nothing is sent until {@link Handset.activate}.
   *
   * @throws An {@link ActivationError} `INVALID_ARGUMENT` when the config is invalid (e.g. a PIN that is not 8 hex digits).
   */
  constructor(options: HandsetOptions) {
    super();
    this.provider = options.provider ?? nobleProvider;
    this.syncProvider = isAsyncProvider(this.provider) ? nobleProvider : this.provider;
    this.store = options.recordStore ?? new MemoryRecordStore();
    const given = options.state ?? initialHandsetState(resolveHandsetConfig(options.config, this.provider));
    // A state shown with records (or kept from before issue 14) hands them to the record store.
    const { state: bare, records } = withoutRecords(given);
    this.current = bare;
    // A state the caller gave is the caller's: kept as it is (the same object), not copied into a
    // compact one while the caller may hold it too.
    if (bare === options.state) this.compacted = bare;
    this.transport = options.transport;
    this.random = options.random ?? systemRandom;
    this.now = options.now ?? systemNow;
    this.timers = options.timers ?? systemTimers;
    // The default enforcer refuses no rule, so it needs no device version (applyPolicy is given it).
    this.enforcer = options.enforcer ?? new InMemoryPolicyEnforcer();
    this.unsubscribe = options.transport.onFrame((bytes) => this.input({ type: 'frame', bytes, now: this.now() }));
    // A restored state may be waiting for a reply (its timer is armed, so that the request is sent
    // again) or for the enforcer: the policy is applied again once the caller has had the chance
    // to listen and to resume(), unless the handset was closed or moved on meanwhile.
    const restored = this.current;
    this.importRecords(records);
    for (const output of restoredOutputs(restored)) {
      if (output.type !== 'apply-policy') this.outputs.push(output);
      else void Promise.resolve().then(() => this.applyRestoredPolicy(restored, output));
    }
    this.drain();
  }

  /**
   * The whole device state (identity, keys, service books, IT policy, sync data and progress) as
   * bytes, sealed under `storageKey` (32 bytes). Nothing in it is readable without the key. The
   * CPace scalar is never included (see {@link Handset.restore}).
   *
   * Against rollback, pass a `generation` larger than that of every earlier snapshot and keep it
   * where the snapshot store cannot roll it back; give it to `restore` as `minGeneration`
   * (docs/reliability.md, "Restarts").
   */
  snapshot(storageKey: Uint8Array, options: SnapshotSealOptions = {}): Uint8Array {
    return sealHandsetState(this.current, storageKey, this.syncProvider, this.random, options);
  }

  /**
   * A handset that continues from a snapshot, mid-phase included: a request that was waiting for
   * its reply is sent again when its timer fires, and an IT policy the enforcer was applying is
   * applied again (in a microtask, so that listeners attached right after restore are told). Call
   * `resume()` on it to get the promise of a running activation. One exception: a snapshot taken while waiting for the server's CPace
   * share restores as failed (`state.failure.code` 'INVALID_STATE'), since it holds no scalar; call
   * `activate()` again. A snapshot older than `options.minGeneration` is refused with
   * ActivationError('STALE_SNAPSHOT').
   */
  static restore(
    snapshot: Uint8Array,
    storageKey: Uint8Array,
    options: Omit<HandsetOptions, 'state' | 'config'> & SnapshotOpenOptions,
  ): Handset {
    const { minGeneration, ...handsetOptions } = options;
    const given = handsetOptions.provider ?? nobleProvider;
    const { state, records } = openHandsetSnapshot(snapshot, storageKey, isAsyncProvider(given) ? nobleProvider : given, { minGeneration });
    // A snapshot sealed before issue 14 holds the records: they move into the record store.
    const handset = new Handset({
      ...handsetOptions,
      config: state.config,
      state: Object.keys(records).length > 0 ? { ...state, organizer: records } : state,
    });
    // The state opened from the snapshot is nobody else's: kept compact (a fleet restored at once).
    if (handset.current === state) {
      handset.compacted = undefined;
      handset.compact();
    }
    return handset;
  }

  /**
   * The outcome of the activation in progress in a restored handset: resolves on completion,
   * rejects on failure. Resolves at once for an activated device (`complete`, or applying a policy
   * update); rejects (INVALID_STATE) when no activation is running (idle, failed, deactivated).
   */
  resume(): Promise<ActivationResult> {
    const s = this.current;
    // A device applying a policy update is activated: the update is not an activation to wait for.
    if (s.phase === 'complete' || s.phase === 'applying-policy-update') {
      return Promise.resolve(activationResult(s.email, s.transportKey.algorithm, s.transportKey.keyId, s.server));
    }
    // Only the phases of a running activation (and those after it) hold a session.
    if (!s.session) {
      return Promise.reject(new ActivationError('INVALID_STATE', 'no activation is running', { phase: s.phase }));
    }
    if (this.pending) return Promise.reject(new ActivationError('INVALID_STATE', 'already waiting for this activation'));
    return new Promise<ActivationResult>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /**
   * The machine's current state (plain data; contains keys: keep it safe). When the record store
   * answers at once (the default one does), the records are shown in it too, as before issue 14:
   * `sync.store` from the service books on, `organizer` otherwise; the machine itself holds none.
   */
  get state(): HandsetState {
    const s = this.current;
    // The same object while nothing changed, as before: the view is built once per state and write.
    const same = this.shown?.of === s ? this.shown.state.deref() : undefined;
    if (same !== undefined) return same;
    const held = readAllRecords(this.store);
    if (held instanceof Promise) {
      held.catch(() => undefined);
      return s;
    }
    const state = Object.keys(held).length === 0 ? s : s.sync ? { ...s, sync: { ...s.sync, store: held } } : { ...s, organizer: held };
    this.shown = { of: s, state: new WeakRef(state) };
    return state;
  }

  /** The record store this handset keeps its organizer records in. */
  get recordStore(): RecordStore {
    return this.store;
  }

  /** The records of one database, read from the record store (in the order stored). */
  async records(database: SyncDatabase): Promise<readonly SyncRecord[]> {
    try {
      return await this.store.records(database);
    } catch (err) {
      throw storeError('read', err);
    }
  }

  /** The last status shown. */
  get status(): Status | undefined {
    return this.current.status;
  }

  /**
   * Runs Enterprise Activation: resolves when the handset shows "Activation Complete" (or, with
   * a server that sends no services, when the key is verified), rejects with ActivationError. It
   * rejects only before the commit point; a synchronization interrupted after it waits in
   * `sync-pending` and resumes, and the promise resolves when it completes.
   */
  activate(credentials: { email: string; password: string }): Promise<ActivationResult> {
    if (this.closed) return Promise.reject(new ActivationError('INVALID_STATE', 'the handset is closed'));
    if (this.pending) return Promise.reject(new ActivationError('INVALID_STATE', 'an activation is already running'));
    return new Promise<ActivationResult>((resolve, reject) => {
      this.pending = { resolve, reject };
      const start = (held: DeviceSyncStore): void => {
        if (this.closed) return;
        try {
          this.input({ type: 'activate', email: credentials.email, password: credentials.password, now: this.now(), held });
        } catch (err) {
          this.pending = undefined;
          reject(isActivationError(err) ? err : new ActivationError('INVALID_ARGUMENT', 'activation could not start'));
        }
      };
      const failed = (err: unknown): void => {
        this.pending = undefined;
        reject(storeError('read', err));
      };
      // The slow sync reconciles the server's records with what the device holds: read it first.
      let held: DeviceSyncStore | Promise<DeviceSyncStore>;
      try {
        held = readAllRecords(this.store);
      } catch (err) {
        failed(err);
        return;
      }
      if (held instanceof Promise) held.then(start, failed);
      else start(held);
    });
  }

  /**
   * "Regenerate Encryption Key" (RIM's security options): asks the server for a new device
   * transport key (docs/lifecycle.md, "Key rollover"). The rollover runs in the background;
   * `keyChanged` is emitted when the new key is current. Does nothing unless activated.
   */
  regenerateKey(): void {
    this.input({ type: 'regenerate-key', now: this.now() });
  }

  /**
   * The user entered the device password (the emulator's lock screen), `correct` or not. With an IT
   * policy in force that requires a password, consecutive wrong entries count against its "Set
   * Maximum Password Attempts"; reaching it wipes the device (RIM): the enforcer's `onAction`, a
   * `policyAction` event, then `wiped`. A correct entry starts the count again.
   */
  devicePasswordEntered(correct: boolean): void {
    this.input({ type: 'device-password', correct, now: this.now() });
  }

  /**
   * Cancels a running activation (it rejects with ABORTED). After the commit point (the service
   * books registered: `syncing`, `sync-pending`) there is nothing left to cancel, and this does nothing.
   */
  cancel(): void {
    this.input({ type: 'cancel', now: this.now() });
  }

  /**
   * Cancels a running activation (telling the server), stops timers and detaches from the
   * transport. The transport itself stays open. A restored activation is cancelled too, whether or
   * not `resume()` was called; once closed (or suspended), this does nothing.
   */
  async close(): Promise<void> {
    // A cancel with no activation before its commit point changes nothing (and a closed driver takes no input).
    this.cancel();
    this.suspend();
  }

  /**
   * Stops this driver as a power loss would: no timer, no transport listener, nobody told. The
   * state stays as it was: take a {@link snapshot} first and {@link Handset.restore} it later to
   * continue. A pending `activate()`/`resume()` promise rejects with INVALID_STATE.
   */
  suspend(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.unsubscribe?.();
    // What only a running driver needs goes (issue 14): the transport and the listener it holds.
    this.unsubscribe = undefined;
    this.transport = undefined;
    this.settle((p) => p.reject(new ActivationError('INVALID_STATE', 'the handset was suspended', { phase: this.current.phase })));
  }

  /** Applies the policy a restored state was waiting for, if the driver still holds that state. */
  private applyRestoredPolicy(restored: HandsetState, apply: HandsetOutput): void {
    if (this.closed || this.current !== restored) return;
    this.perform(apply);
    this.drain();
  }

  /** Feeds the machine one input at a time, even when an output leads to another input. */
  private input(input: HandsetInput): void {
    this.queue.push(input);
    this.drain();
  }

  /** Puts records (of a restored state or an old snapshot) into the record store before anything else. */
  private importRecords(records: DeviceSyncStore): void {
    for (const database of SYNC_ORDER) {
      const held = records[database];
      if (held && held.length > 0) this.outputs.push({ type: 'store-records', database, records: held, replaces: {} });
    }
  }

  /**
   * Performs what is left of the last step's outputs, then feeds the machine the next input, one
   * at a time, even when an output leads to another input. A record store operation that answers
   * with a promise holds everything after it (outputs and inputs) until it has finished: a page is
   * acknowledged only once it is stored.
   */
  private drain(): void {
    if (this.draining || this.waiting) return;
    this.draining = true;
    try {
      // A closed driver takes no input: nothing queued runs once it is closed, even mid-step by a listener.
      while (!this.closed) {
        const output = this.outputs.shift();
        if (output !== undefined) {
          const running = this.perform(output);
          if (running) this.waitFor(running);
          if (this.waiting) return;
          continue;
        }
        const next = this.queue.shift();
        if (next === undefined) break;
        if (isAsyncProvider(this.provider)) {
          this.stepLater(this.provider, next);
          return;
        }
        const { state, outputs } = handsetStep(this.current, next, { provider: this.provider, random: this.random });
        this.current = state;
        this.outputs.push(...outputs);
      }
    } finally {
      this.draining = false;
      if (!this.waiting) {
        this.queue.length = 0;
        this.outputs.length = 0;
        this.compact();
      }
    }
  }

  /**
   * Keeps a settled state (nothing awaited: activated, idle, failed, deactivated) in its compact
   * form (compact-state.ts): an equal state in less heap, for the long idle life of an emulated
   * device (issue 14). States in the middle of an exchange are left as the machine made them: they
   * live for a few messages.
   */
  private compact(): void {
    const state = this.current;
    if (state === this.compacted || !SETTLED_PHASES.has(state.phase)) return;
    this.current = this.compacted = compactState(state);
  }

  /** Holds the driver until a record store operation has finished, then goes on (or stops, if it failed). */
  private waitFor(running: Promise<void>, failed: (err: unknown) => void = (err) => this.storeFailed(err)): void {
    this.waiting = true;
    running.then(
      () => {
        this.waiting = false;
        this.drain();
      },
      (err: unknown) => {
        this.waiting = false;
        failed(err);
      },
    );
  }

  /**
   * One step on an asynchronous provider: the driver holds everything after it (as for a record
   * store operation) until the replay bridge has the step's result. A step that throws (a caller
   * error, as `handsetStep` throws on the synchronous path) fails the pending activation.
   */
  private stepLater(provider: AsyncCryptoProvider, input: HandsetInput): void {
    const before = this.current;
    const stepped = runWithAsyncProvider(provider, this.random, (p, random) => handsetStep(before, input, { provider: p, random }));
    this.waitFor(
      stepped.then(({ state, outputs }) => {
        if (this.closed) return;
        this.current = state;
        this.outputs.push(...outputs);
      }),
      (err) =>
        this.settle((p) =>
          p.reject(
            isActivationError(err)
              ? err
              : new ActivationError('INVALID_STATE', 'a step failed on the asynchronous provider', { operation: 'step' }),
          ),
        ),
    );
  }

  /**
   * The record store failed: what the machine asked to store is not stored, so what comes after it
   * (the page's acknowledgement) must not go out. The driver stops as a power loss would
   * ({@link suspend}) after telling: `error`, and the pending promise rejects; the host restores
   * its last snapshot, and the server sends the page again.
   */
  private storeFailed(err: unknown): void {
    const error = storeError('put', err);
    this.outputs.length = 0;
    this.queue.length = 0;
    this.emit('error', error);
    this.settle((p) => p.reject(error));
    this.suspend();
  }

  /** Performs one output; a record store operation that runs on is returned, for the driver to wait for. */
  private perform(output: HandsetOutput): Promise<void> | undefined {
    // The user's records go to the record store only, never to a listener (which may log): the
    // `sync-progress` that follows tells what was stored.
    if (output.type !== 'store-records') this.emit('output', output);
    switch (output.type) {
      case 'store-records':
        return this.storeRecords(() => this.store.put(output.database, output.records, { replaces: output.replaces }));
      case 'send':
        // Lost sends are recovered by retransmission; the timer decides when to give up. A send
        // that throws at once (or returns no promise) is a lost send too: the step goes on.
        try {
          void Promise.resolve(this.transport?.send(output.bytes)).catch(() => undefined);
        } catch {
          // As a rejected send.
        }
        break;
      case 'status':
        this.emit('status', output.status);
        break;
      case 'set-timer':
        this.setDeadline(output.at);
        break;
      case 'clear-timer':
        this.clearTimer();
        break;
      case 'apply-policy':
        // Version-dependent defaults (e.g. Set Password Timeout) follow the device's own software version.
        this.queue.push({
          type: 'policy-applied',
          ack: applyPolicy(this.enforcer, output.policy, { deviceOsVersion: this.current.config.device.os, provider: this.syncProvider }),
          now: this.now(),
        });
        break;
      case 'policy-acknowledged':
        this.emit('policy', { ack: output.ack, update: output.update });
        break;
      case 'service-books':
        this.emit('service-books', { books: output.books, emailEnabled: output.emailEnabled });
        break;
      case 'sync-progress':
        this.emit('sync-progress', { database: output.database, received: output.received, total: output.total });
        break;
      case 'key-established':
        this.emit('key-established', output.result);
        break;
      case 'complete':
        this.emit('complete', output.result);
        this.settle((p) => p.resolve(output.result));
        break;
      case 'failed':
        this.emit('error', output.error);
        this.settle((p) => p.reject(output.error));
        break;
      case 'deactivated':
        this.emit('deactivated', { reason: output.reason });
        this.settle((p) => p.reject(new ActivationError('DEACTIVATED', 'the server deactivated this device', { reason: output.reason })));
        break;
      case 'key-changed':
        this.emit('keyChanged', { keyId: output.keyId, algorithm: output.algorithm });
        break;
      case 'policy-action': {
        const event: PolicyActionEvent = { rule: output.rule, action: output.action };
        try {
          this.enforcer.onAction?.(event);
        } catch {
          // The enforcer cannot stop the rule: the wipe happens anyway.
        }
        this.emit('policyAction', event);
        break;
      }
      case 'wiped': {
        // The organizer data goes with the rest: wiped is told once the store is cleared.
        const wiped = (): void => {
          this.emit('wiped', {});
          // An activation still waiting (a wipe during the synchronization) will never finish.
          this.settle((p) => p.reject(new ActivationError('INVALID_STATE', 'the device was wiped', { operation: 'wipe' })));
        };
        const clearing = this.storeRecords(() => this.store.clear());
        if (clearing) return clearing.then(wiped);
        wiped();
        break;
      }
      case 'ignored':
        this.emit('ignored', output.code === undefined ? { reason: output.reason } : { reason: output.reason, code: output.code });
        break;
    }
  }

  /**
   * Runs a record store operation: a promise is returned for the driver to wait for, a failure at
   * once stops the driver as a failed promise would.
   */
  private storeRecords(operation: () => void | Promise<void>): Promise<void> | undefined {
    this.shown = undefined;
    let result: void | Promise<void>;
    try {
      result = operation();
    } catch (err) {
      this.storeFailed(err);
      return undefined;
    }
    if (!(result instanceof Promise)) return undefined;
    return result.finally(() => {
      this.shown = undefined;
    });
  }

  private settle(fn: (p: Pending) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) fn(p);
  }

  /**
   * Asks for the core's timer input at `at`. The core moves its deadline on with almost every
   * frame it sends (the retransmission timeout, from now), so re-arming a platform timer each time
   * cost a clearTimeout and a setTimeout per frame (issue 14). Instead one platform timer stays
   * armed while the deadline only moves later: it fires at the earlier time and is armed again for
   * the rest ({@link Handset.timerFired}). Only an earlier deadline re-arms it at once.
   */
  private setDeadline(at: number): void {
    this.deadline = at;
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.deadline = at;
    this.armTimer(at);
  }

  /** Arms the platform timer for `at`, on the injected clock and timers (an emulator's virtual time too). */
  private armTimer(at: number): void {
    const now = this.now();
    this.timerAt = Math.max(now, at);
    this.timer = this.timers.setTimeout(() => this.timerFired(), Math.max(0, at - now));
  }

  /**
   * The platform timer fired: the core's input if its deadline has come, else the timer armed
   * again for the rest. The time reached is at least the one the timer was armed for, whatever
   * the clock says (as before, when a timer's input carried `max(now, at)`), so that timers whose
   * clock lags still make progress and re-arming never repeats for the same instant.
   */
  private timerFired(): void {
    this.timer = undefined;
    const deadline = this.deadline;
    if (deadline === undefined) return;
    const reached = Math.max(this.now(), this.timerAt);
    if (reached < deadline) {
      this.armTimer(deadline);
      return;
    }
    this.deadline = undefined;
    this.input({ type: 'timer', now: Math.max(this.now(), deadline) });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = undefined;
  }
}

/** A state without the records it shows (`Handset.state`, or a state kept from before issue 14), and those records. */
export function withoutRecords(state: HandsetState): { state: HandsetState; records: DeviceSyncStore } {
  const { organizer, ...rest } = state;
  const sync = rest.sync;
  const synced = sync?.store;
  if (organizer === undefined && synced === undefined) return { state, records: {} };
  const { store: _store, ...progress } = sync ?? {};
  const bare = (sync === undefined ? rest : { ...rest, sync: progress }) as HandsetState;
  const records: Partial<Record<SyncDatabase, readonly SyncRecord[]>> = { ...organizer };
  for (const [database, held] of Object.entries(synced ?? {}) as [SyncDatabase, readonly SyncRecord[]][]) {
    records[database] = [...(records[database] ?? []), ...held];
  }
  return { state: bare, records };
}
