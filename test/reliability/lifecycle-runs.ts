/**
 * Life after activation under faults (issue 13), for the fault matrix: an activated handset and
 * the simulator on faulted links in virtual time, one administrator action (a key rollover, a
 * resend of the service books, a wipe, a second device that retires the first), and restarts of
 * either side from sealed snapshots at a chosen point.
 *
 * The simulator is driven sans-I/O here (`receive` and `poll`), not through `attach`: its own
 * retransmission timer is a real `setInterval`, and the rows need its retransmissions (of the
 * rekey offer, of commands, of books) on the virtual clock, so a virtual pump calls `poll` and
 * routes each frame to the link of the PIN it is addressed to.
 */
import { Handset, type HandsetEvents } from '../../src/handset/handset.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { withFaults, type FaultOptions } from '../../src/transport/fault-injector.js';
import type { Transport } from '../../src/transport/transport.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { VirtualClock } from './virtual-clock.js';

export const EMAIL = 'alice@example.com';
const PASSWORD = 'bb8800pw';
const SECOND_PASSWORD = 'second-device-2';
export const PIN_A = '2100000A';
export const PIN_B = '2100000B';
const STORAGE_KEY = new Uint8Array(32).fill(7);
/** The simulator's retransmission intervals here (shorter than the defaults, to keep runs short in steps). */
const RETRANSMIT_MS = 60_000;
/** How often the virtual pump calls `poll`. */
const PUMP_MS = 5_000;

export type LifecycleAction = 'rollover' | 'resend-books' | 'wipe' | 'retire';

/**
 * When a side restarts (snapshot, power off, restore into a new driver or simulator):
 * - `before`: activated, before the administrator acts;
 * - `mid`: as the first frame of the action (`rekey-offer`, `service-books`, `device-command`)
 *   reaches the handset, after the handset has handled it;
 * - `after`: once the documented outcome is reached (for the rollover: after the switch), before
 *   the traffic that shows it holds.
 */
export type RestartPoint = 'before' | 'mid' | 'after';

export interface LifecycleScenario {
  readonly name: string;
  readonly action: LifecycleAction;
  readonly faults: Omit<FaultOptions, 'seed' | 'schedule'>;
  readonly restart?: { readonly side: 'handset' | 'server'; readonly at: RestartPoint };
}

/** The frame type with which each action first reaches the handset. */
const FIRST_FRAME: Record<LifecycleAction, string> = {
  rollover: 'rekey-offer',
  'resend-books': 'service-books',
  wipe: 'device-command',
  retire: 'device-command',
};

interface Device {
  handset: Handset;
  readonly serverSide: Transport;
  readonly handsetSide: Transport;
  readonly options: { transport: Transport; random: ReturnType<typeof seededRandom>; now: () => number; timers: VirtualClock['timerApi'] };
  /** Every event the handset (and its restored successors) emitted, by name. */
  readonly events: { name: keyof HandsetEvents; detail: unknown }[];
}

export interface LifecycleWorld {
  readonly scenario: LifecycleScenario;
  readonly clock: VirtualClock;
  sim: BesSimulator;
  /** The simulator's log, across restarts. */
  readonly log: string[];
  /** The administrator events of every simulator of the run (the admin log is not in a snapshot). */
  readonly admin: { type: string; command?: string; reason?: string }[];
  readonly a: Device;
  b?: Device;
  restarts: number;
  /** Runs virtual time until `done()`; false if it never became true within a day. */
  runUntil(done: () => boolean): Promise<boolean>;
  restartHandset(device: Device): void;
  restartServer(): void;
  events(device: Device, name: keyof HandsetEvents): unknown[];
}

const WATCHED: (keyof HandsetEvents)[] = ['keyChanged', 'service-books', 'policy', 'wiped', 'deactivated', 'complete', 'error'];

export function createWorld(seed: string, scenario: LifecycleScenario): LifecycleWorld {
  const faults = scenario.faults;
  const clock = new VirtualClock();
  const log: string[] = [];
  const admin: LifecycleWorld['admin'] = [];
  const serverOptions = {
    now: clock.now,
    log: (event: string) => log.push(event),
    policyRetransmitMs: RETRANSMIT_MS,
    rekeyRetransmitMs: RETRANSMIT_MS,
    // No rollover on the schedule: the only rollover in a run is the administrator's.
    keyRolloverDays: 0,
    onAdminEvent: (e: { type: string; command?: string; reason?: string }) => admin.push(e),
  };
  const links = new Map<string, Transport>();

  const device = (pin: string): Device => {
    const [rawHandsetSide, rawServerSide] = createMemoryTransportPair();
    const handsetSide = withFaults(rawHandsetSide, { ...faults, seed: `${seed}/${pin}/h`, schedule: clock.scheduler });
    const serverSide = withFaults(rawServerSide, { ...faults, seed: `${seed}/${pin}/s`, schedule: clock.scheduler });
    links.set(`pin:${pin}`, serverSide);
    serverSide.onFrame((bytes, meta) => {
      for (const out of world.sim.receive(bytes, meta)) void serverSide.send(out).catch(() => {});
    });
    const options = { transport: handsetSide, random: seededRandom(`${seed}/${pin}/handset`), now: clock.now, timers: clock.timerApi };
    const config = {
      pin,
      routing: { relay: 'relay.test', uid: 'U1' },
      device: { model: '8800', os: '4.5.0' },
      retry: { replyTimeoutMs: 2_000, retries: 40 },
    };
    const d: Device = { handset: new Handset({ ...options, config }), serverSide, handsetSide, options, events: [] };
    watch(d);
    return d;
  };

  const watch = (d: Device) => {
    for (const name of WATCHED) d.handset.on(name, (detail: unknown) => d.events.push({ name, detail }));
  };

  // The virtual pump: what the simulator's clock says is due goes to the link of its PIN.
  const pump = () => {
    for (const bytes of world.sim.poll())
      void links
        .get(decodeFrame(bytes).to)
        ?.send(bytes)
        .catch(() => {});
    clock.timerApi.setTimeout(pump, PUMP_MS);
  };

  const world: LifecycleWorld = {
    scenario,
    clock,
    sim: new BesSimulator({ ...serverOptions, random: seededRandom(`${seed}/server`) }),
    log,
    admin,
    a: undefined as unknown as Device,
    restarts: 0,
    runUntil: (done) => clock.runUntil(done, 24 * 3_600_000),
    restartHandset(d) {
      const snapshot = d.handset.snapshot(STORAGE_KEY);
      d.handset.suspend();
      d.handset = Handset.restore(snapshot, STORAGE_KEY, { ...d.options, recordStore: d.handset.recordStore });
      watch(d);
      world.restarts += 1;
    },
    restartServer() {
      const snapshot = world.sim.snapshot(STORAGE_KEY);
      world.sim = BesSimulator.restore(snapshot, STORAGE_KEY, {
        ...serverOptions,
        random: seededRandom(`${seed}/server/${world.restarts}`),
      });
      world.restarts += 1;
    },
    events: (d, name) => d.events.filter((e) => e.name === name).map((e) => e.detail),
  };
  world.sim.addUser({ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD });
  (world as { a: Device }).a = device(PIN_A);
  clock.timerApi.setTimeout(pump, PUMP_MS);
  return Object.assign(world, { newDevice: device });
}

/** Activates `d` with `password` and runs until it completes (or fails). */
export async function activate(world: LifecycleWorld, d: Device, password = PASSWORD): Promise<boolean> {
  let settled = false;
  d.handset.activate({ email: EMAIL, password }).then(
    () => (settled = true),
    () => (settled = true),
  );
  return (await world.runUntil(() => settled)) && d.handset.state.phase === 'complete';
}

/**
 * Restarts `side` when the action's first frame reaches the handset (after the handset has
 * handled it): the `mid` point of a scenario.
 */
export function restartOnFirstFrame(world: LifecycleWorld, d: Device, action: LifecycleAction, side: 'handset' | 'server'): void {
  let done = false;
  d.handsetSide.onFrame((bytes) => {
    if (done || decodeFrame(bytes).type !== FIRST_FRAME[action]) return;
    done = true;
    queueMicrotask(() => (side === 'handset' ? world.restartHandset(d) : world.restartServer()));
  });
}

/** The second device (PIN B), activated for the same user with a new password. */
export async function activateSecondDevice(world: LifecycleWorld): Promise<boolean> {
  world.sim.setActivationPassword(EMAIL, SECOND_PASSWORD);
  const b = (world as unknown as { newDevice: (pin: string) => Device }).newDevice(PIN_B);
  world.b = b;
  return activate(world, b, SECOND_PASSWORD);
}
