/**
 * A small rig for phases 3 and 4: the `Handset` driver over an in-memory transport pair, answered
 * by a `BesSimulator` attached to the other end. Seeded randomness on both sides and a fixed clock,
 * so every run is reproducible. Every frame is recorded on both ends (type and raw bytes), every
 * handset event in order, and every simulator log line.
 *
 * Not the Pair (test/support/pair.ts): these tests are about the driver itself (its events, its
 * promises, the transport between the sides), which the Pair replaces by `handsetStep` on a wire
 * it owns. The defaults are the Pair's (test/support/fixtures.ts).
 */
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ActivationError } from '../../src/errors/activation-error.js';
import type { HandsetConfig } from '../../src/handset/config.js';
import { Handset, type HandsetEvents } from '../../src/handset/handset.js';
import type { ActivationResult } from '../../src/handset/io.js';
import type { Status } from '../../src/handset/status.js';
import type { PolicyEnforcer } from '../../src/policy/enforcer.js';
import type { NewUser } from '../../src/simulator/accounts.js';
import { BesSimulator, type BesSimulatorOptions } from '../../src/simulator/bes-simulator.js';
import type { SyncData, SyncDatabase } from '../../src/sync/databases.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { decodeFrame, frameAssociatedData, type Frame, type MessageType } from '../../src/wire/frame.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';

/** One frame as seen at one end of the link: `out` = sent by that end, `in` = received by it. */
export interface FrameEvent {
  readonly dir: 'in' | 'out';
  readonly type: MessageType;
  readonly frame: Frame;
}

export interface LogLine {
  readonly event: string;
  readonly detail: Record<string, unknown> | undefined;
}

/** Every handset event, in the order it was emitted. */
type NamedEvents = { [K in keyof HandsetEvents as string extends K ? never : K]: HandsetEvents[K] };
export type HandsetEventName = keyof NamedEvents;
export type HandsetEventRecord = { [K in HandsetEventName]: { name: K; value: NamedEvents[K] } }[HandsetEventName];

export interface RigOptions {
  readonly seed?: string;
  readonly server?: Partial<BesSimulatorOptions>;
  readonly user?: Partial<NewUser>;
  /** Organizer data for the user (set with `sim.setUserData`); default: the simulator's own. */
  readonly data?: SyncData;
  readonly handset?: Partial<HandsetConfig>;
  readonly enforcer?: PolicyEnforcer;
}

export interface Rig {
  readonly sim: BesSimulator;
  readonly handset: Handset;
  readonly statuses: Status[];
  readonly events: HandsetEventRecord[];
  /** Frames as the handset saw them. */
  readonly handsetFrames: FrameEvent[];
  /** Frames as the server saw them (in: received from the handset, out: sent to it). */
  readonly serverFrames: FrameEvent[];
  readonly log: LogLine[];
  activate(): Promise<ActivationResult>;
  /** Activation that must fail: resolves with the error. */
  activationError(): Promise<ActivationError>;
  close(): Promise<void>;
}

function recording(inner: Transport, sink: FrameEvent[]): Transport {
  const note = (dir: 'in' | 'out', bytes: Uint8Array): void => {
    const frame = decodeFrame(bytes);
    sink.push({ dir, type: frame.type, frame });
  };
  return {
    send(bytes) {
      note('out', bytes);
      return inner.send(bytes);
    },
    onFrame(handler) {
      return inner.onFrame((bytes) => {
        note('in', bytes);
        handler(bytes);
      });
    },
    close: () => inner.close(),
  };
}

export function createRig(options: RigOptions = {}): Rig {
  const seed = options.seed ?? 'phases';
  const log: LogLine[] = [];
  const sim = new BesSimulator({
    random: seededRandom(`${seed}/server`),
    domainKeySeed: seededRandom(`${seed}/domain-key`)(32),
    now: () => T0,
    log: (event, detail) => log.push({ event, detail }),
    ...options.server,
  });
  sim.addUser({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD, ...options.user });
  if (options.data) sim.setUserData(options.user?.email ?? EMAIL, options.data);

  const [handsetSide, serverSide] = createMemoryTransportPair();
  const handsetFrames: FrameEvent[] = [];
  const serverFrames: FrameEvent[] = [];
  sim.attach(recording(serverSide, serverFrames));
  const handset = new Handset({
    config: { ...HANDSET_CONFIG, ...options.handset },
    transport: recording(handsetSide, handsetFrames),
    random: seededRandom(`${seed}/handset`),
    now: () => T0,
    ...(options.enforcer ? { enforcer: options.enforcer } : {}),
  });
  const statuses: Status[] = [];
  const events: HandsetEventRecord[] = [];
  const names: HandsetEventName[] = [
    'status',
    'error',
    'key-established',
    'complete',
    'policy',
    'service-books',
    'sync-progress',
    'ignored',
  ];
  for (const name of names) {
    handset.on(name, (value) => events.push({ name, value } as HandsetEventRecord));
  }
  handset.on('status', (s) => statuses.push(s));

  const email = options.user?.email ?? EMAIL;
  const password = options.user?.activationPassword ?? PASSWORD;
  return {
    sim,
    handset,
    statuses,
    events,
    handsetFrames,
    serverFrames,
    log,
    activate: () => handset.activate({ email, password }),
    activationError: () =>
      handset.activate({ email, password }).then(
        (r) => {
          throw new Error(`activation unexpectedly completed: ${JSON.stringify(r)}`);
        },
        (err: unknown) => err as ActivationError,
      ),
    close: async () => {
      await handset.close();
      sim.close();
    },
  };
}

/** Lets every queued microtask (in-memory deliveries) and a macrotask turn run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The next emission of `event`. */
export function nextEvent<K extends keyof HandsetEvents>(handset: Handset, event: K): Promise<HandsetEvents[K]> {
  return new Promise((resolve) => {
    const off = handset.on(event, (value) => {
      off();
      resolve(value);
    });
  });
}

/** A generated data set with exactly these counts (absent databases: 0 records). */
export function userData(counts: Partial<Record<SyncDatabase, number>>, seed = 'phases-data'): SyncData {
  return generateUserData({ seed, counts, owner: { email: EMAIL, displayName: DISPLAY_NAME }, now: T0 });
}

/** Opens a frame body sealed under the handset's transport key (test-side eavesdropping with the key). */
export function openWithHandsetKey(handset: Handset, frame: Frame): Uint8Array {
  const tk = handset.state.transportKey;
  if (!tk) throw new Error('the handset has no transport key');
  return openBody(nobleProvider, tk, frame.body, frameAssociatedData(frame), frame.type);
}

export function logDetails(log: readonly LogLine[], event: string): Record<string, unknown>[] {
  return log.filter((l) => l.event === event).map((l) => l.detail ?? {});
}
