/**
 * Where a fleet's handsets activate, and one handset's activation there. The same code runs on the
 * fleet's own thread and in its worker threads (fleet-worker.ts): each thread has its own target
 * (with `'memory'`, its own simulator).
 */
import { isActivationError } from '../errors/activation-error.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { Handset } from '../handset/handset.js';
import { loadPeer } from '../node/optional-peers.js';
import { BesSimulator } from '../simulator/bes-simulator.js';
import { createRelayTransport, type WebSocketConstructorLike } from '../transport/http-relay-transport.js';
import { createMemoryTransportPair } from '../transport/memory-transport.js';
import type { Transport } from '../transport/transport.js';
import type { FleetDevice } from './fleet-device.js';
import { PhaseClock, type FleetPhase } from './phase-clock.js';

/**
 * How one device's activation ended: `{ ok: true, phases }` with the duration of each phase in
 * milliseconds (`FLEET_PHASES`, timed on the handset from its statuses), or `{ ok: false, code }`
 * with the `ActivationError` code it failed with (`'UNKNOWN'` for anything else). Plain data: it
 * crosses threads.
 */
export type FleetDeviceResult =
  { readonly ok: true; readonly phases: Readonly<Partial<Record<FleetPhase, number>>> } | { readonly ok: false; readonly code: string };

/** {@link FleetDeviceResult}, as the fleet's own code names it. */
export type DeviceResult = FleetDeviceResult;

/** Connects one device to the target: its transport and what to undo afterwards. */
type Connect = (device: FleetDevice) => { transport: Transport; release: () => Promise<void> };

/** A target: how to connect a device, and how to let go of it all. */
export interface FleetTarget {
  readonly connect: Connect;
  close(): void;
}

/** The memory target: one simulator, each device's account added as the device arrives. */
export function memoryTarget(seed: string, provider: CryptoProvider | undefined): FleetTarget {
  const simulator = new BesSimulator({
    random: seededRandom(`enterprise-activation fleet server\u0000${seed}`),
    ...(provider !== undefined ? { provider } : {}),
    // One source for every handset in this process: the per-source rate limits are the relay's concern, not a fleet's.
    etpRateLimit: { perSource: false, perPin: false },
  });
  return {
    connect(device) {
      if (simulator.account(device.email) === undefined)
        simulator.addUser({ email: device.email, displayName: `User ${device.index}`, activationPassword: device.password });
      const [handsetEnd, serverEnd] = createMemoryTransportPair();
      const detach = simulator.attach(serverEnd);
      return {
        transport: handsetEnd,
        release: async () => {
          detach();
          await serverEnd.close();
        },
      };
    },
    close: () => simulator.close(),
  };
}

/** A server's relay at `url`, over WebSocket when `webSocket` is given, else long-polling. */
export function relayTarget(url: string, webSocket: WebSocketConstructorLike | undefined): FleetTarget {
  return {
    connect(device) {
      const transport = createRelayTransport({
        url,
        address: `pin:${device.pin}`,
        pollWaitSeconds: 10,
        ...(webSocket !== undefined ? { mode: 'websocket' as const, webSocket } : { mode: 'poll' as const }),
      });
      return { transport, release: () => Promise.resolve() };
    },
    close: () => undefined,
  };
}

/**
 * The runtime's WebSocket, else the `ws` package's (ActivationError('UNSUPPORTED') without either,
 * naming `operation`).
 */
export async function webSocketConstructor(operation = 'runFleet'): Promise<WebSocketConstructorLike> {
  const native = (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (native !== undefined) return native;
  return (await loadPeer('ws', operation)).WebSocket as unknown as WebSocketConstructorLike;
}

/** Activates one device on a new handset; resolves with how it ended, never rejects. */
export async function activateDevice(
  device: FleetDevice,
  target: FleetTarget,
  provider: CryptoProvider | undefined,
): Promise<DeviceResult> {
  let connection: ReturnType<Connect> | undefined;
  let handset: Handset | undefined;
  try {
    connection = target.connect(device);
    handset = new Handset({
      config: { pin: device.pin, routing: { relay: 'relay.fleet', uid: device.uid }, device: { model: '8800', os: '4.5.0' } },
      transport: connection.transport,
      ...(provider !== undefined ? { provider } : {}),
    });
    const clock = new PhaseClock(performance.now());
    handset.on('status', (s) => clock.status(s.id, performance.now()));
    await handset.activate({ email: device.email, password: device.password });
    return { ok: true, phases: { ...clock.phases } };
  } catch (err) {
    return { ok: false, code: isActivationError(err) ? err.code : 'UNKNOWN' };
  } finally {
    await handset?.close().catch(() => undefined);
    await connection?.transport.close().catch(() => undefined);
    await connection?.release().catch(() => undefined);
  }
}
