/**
 * One worker thread of a fleet (`runFleet({ workers })`; tinypool starts it from the build's
 * `dist/fleet-worker.js` or `.cjs`). Each task is one device: the thread activates it against its
 * own target (with `'memory'`, its own simulator, made at its first task) and returns how it
 * ended, as plain data. Nothing but the task's fields crosses the thread boundary: the provider is
 * named (`crypto`), not passed.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { createNodeCryptoProvider } from '../node/crypto/node-crypto-provider.js';
import { fleetDevices, type FleetDevice } from './fleet-device.js';
import { activateDevice, memoryTarget, relayTarget, webSocketConstructor, type DeviceResult, type FleetTarget } from './fleet-target.js';
import type { FleetCrypto, FleetMode } from './fleet-choices.js';

/** One device for a worker to activate. */
export interface FleetTask {
  readonly target: string;
  readonly seed: string;
  readonly domain: string | undefined;
  readonly crypto: FleetCrypto;
  readonly mode: FleetMode;
  readonly index: number;
}

interface ThreadState {
  readonly key: string;
  readonly target: FleetTarget;
  readonly provider: CryptoProvider | undefined;
  readonly device: (index: number) => FleetDevice;
}

let state: Promise<ThreadState> | undefined;

async function makeState(task: FleetTask, key: string): Promise<ThreadState> {
  const provider = task.crypto === 'node' ? createNodeCryptoProvider() : undefined;
  const target =
    task.target === 'memory'
      ? memoryTarget(task.seed, provider)
      : relayTarget(task.target, task.mode === 'websocket' ? await webSocketConstructor() : undefined);
  const device = fleetDevices({ seed: task.seed, ...(task.domain !== undefined ? { domain: task.domain } : {}) });
  return { key, target, provider, device };
}

/** Activates the task's device (tinypool calls it; several at once per thread). */
export default async function activateTask(task: FleetTask): Promise<DeviceResult> {
  const key = `${task.target}\u0000${task.seed}\u0000${task.domain ?? ''}\u0000${task.crypto}\u0000${task.mode}`;
  let current = state === undefined ? undefined : await state;
  if (current?.key !== key) {
    current?.target.close();
    state = makeState(task, key);
    current = await state;
  }
  // Over the memory transport an activation runs on microtasks alone; a turn of the event loop
  // first lets the thread take the next tasks' messages, so that they run side by side.
  await new Promise((resolve) => setImmediate(resolve));
  return activateDevice(current.device(task.index), current.target, current.provider);
}
