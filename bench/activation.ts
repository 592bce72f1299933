/**
 * One activation as the benchmark measures it: a handset and a `BesSimulator` in one process,
 * joined by the memory transport, both on the same provider (but for an asynchronous handset
 * provider: see bench/providers.ts), from `new Handset` to Activation
 * Complete (sync included) and `close()`. The server and its user are made beforehand
 * (untimed): a server serves many activations, and its own keys are made once.
 */
import {
  Handset,
  SYNC_ORDER,
  createMemoryTransportPair,
  type AnyCryptoProvider,
  type CryptoProvider,
  type SyncData,
  type Transport,
} from '../src/index.js';
import { BesSimulator } from '../src/simulator/index.js';
import type { Configuration } from './configurations.js';

const PASSWORD = 'bench-password-1';

/** Frames and bytes one side put on the wire. */
export interface WireCount {
  frames: number;
  bytes: number;
  /** Each frame as sent, when given (the floor hashes them again: the frame checksums). */
  readonly captured?: Uint8Array[];
}

/** What crossed the memory transport during one activation, per direction. */
export interface WireTraffic {
  readonly handsetToServer: WireCount;
  readonly serverToHandset: WireCount;
}

export interface ServerOptions {
  /** Accounts with no organizer data at all (the handset's protocol state alone). */
  readonly emptyData?: boolean;
}

function emptySyncData(): SyncData {
  return Object.fromEntries(SYNC_ORDER.map((d) => [d, []])) as unknown as SyncData;
}

/** A simulator that accepts exactly the configuration's suite and cipher. */
export function createServer(configuration: Configuration, provider: CryptoProvider, options: ServerOptions = {}): BesSimulator {
  return new BesSimulator({
    provider,
    suites: [configuration.suite],
    ciphers: [configuration.cipher],
    ...(options.emptyData === true ? { services: { userData: emptySyncData } } : {}),
  });
}

function email(index: number): string {
  return `user${index}@example.com`;
}

/** Adds the accounts `from` .. `from + count - 1`, each with its activation password. */
export function addUsers(server: BesSimulator, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    server.addUser({ email: email(i), displayName: `User ${i}`, activationPassword: PASSWORD });
  }
}

function counting(transport: Transport, count: WireCount): Transport {
  return {
    send(frame) {
      count.frames++;
      count.bytes += frame.length;
      count.captured?.push(frame.slice());
      return transport.send(frame);
    },
    onFrame: (handler) => transport.onFrame(handler),
    close: () => transport.close(),
  };
}

/** What to watch during an activation. */
export interface Watch {
  /** Count the frames of each direction here. */
  readonly wire?: WireTraffic;
  /** Called with the handset before it starts (to listen to its events). */
  readonly listen?: (handset: Handset) => void;
}

/** A fresh, zeroed {@link WireTraffic}. */
export function noTraffic(): WireTraffic {
  return { handsetToServer: { frames: 0, bytes: 0 }, serverToHandset: { frames: 0, bytes: 0 } };
}

/**
 * Activates account `index` (added with {@link addUsers}) on a new handset and returns the
 * handset, closed (idle, as an emulator keeps it).
 */
export async function activate(
  server: BesSimulator,
  configuration: Configuration,
  provider: AnyCryptoProvider,
  index: number,
  watch: Watch = {},
): Promise<Handset> {
  const wire = watch.wire;
  const [handsetEnd, serverEnd] = createMemoryTransportPair();
  const detach = server.attach(wire === undefined ? serverEnd : counting(serverEnd, wire.serverToHandset));
  const handset = new Handset({
    config: {
      pin: (0x21000000 + index).toString(16).toUpperCase(),
      routing: { relay: 'relay.example', uid: `U${index}` },
      device: { model: '8800', os: '4.5.0' },
      suites: [configuration.suite],
      ciphers: [configuration.cipher],
    },
    transport: wire === undefined ? handsetEnd : counting(handsetEnd, wire.handsetToServer),
    provider,
  });
  watch.listen?.(handset);
  try {
    const result = await handset.activate({ email: email(index), password: PASSWORD });
    if (result.keyAlgorithm !== configuration.cipher)
      throw new Error(`bench: activated with ${result.keyAlgorithm}, not ${configuration.cipher}`);
  } finally {
    await handset.close();
    detach();
  }
  return handset;
}
