/**
 * `startBesServer`, `runFleet` and `activateFleetDevice` as `enterprise-activation/node` exports them: each loads its
 * module at its first call. The server and the fleet reach the simulator and the handset; a static
 * import from `/node` would make every module they share with the other entries part of `/node`'s
 * graph too, and the build's code splitting (one chunk per set of entries that reach a module)
 * would then merge chunks that a browser user of `/wire` or the root bundles whole:
 * `decodeEtpDat` alone grew from 19 to 26 KB gzip when they were static (test/package/size.test.ts).
 * Loaded on demand, they are chunks of their own.
 */
import type { BesServer, BesServerOptions } from './bes-server.js';
import type { FleetOptions } from '../fleet/run-fleet.js';
import type { FleetReport } from '../fleet/fleet-report.js';
import type { FleetDevice } from '../fleet/fleet-device.js';
import type { ActivateFleetDeviceOptions } from '../fleet/activate-fleet-device.js';
import type { FleetDeviceResult } from '../fleet/fleet-target.js';

/**
 * Starts a BES simulator behind the reference relay on a host and port: `enterprise-activation
 * serve` as a function (docs/fleet.md). Rejects with ActivationError('INVALID_ARGUMENT') for bad
 * options or users (nothing is left listening), and ('UNSUPPORTED') when an optional peer it needs
 * (ws, prom-client; nodemailer, smtp-server and mailparser with `smtp`) is not installed.
 */
export async function startBesServer(options: BesServerOptions): Promise<BesServer> {
  return (await import('./bes-server.js')).startBesServer(options);
}

/**
 * Activates many simulated handsets against an in-process simulator or a `serve`, and reports
 * latency percentiles per phase, failures by code, throughput and peak memory
 * (`enterprise-activation fleet` as a function; docs/fleet.md). Rejects only for bad options
 * (ActivationError('INVALID_ARGUMENT')), a missing optional peer ('UNSUPPORTED': hdr-histogram-js),
 * or a URL target where no relay answers ('TRANSPORT_ERROR', before any device starts:
 * `checkFleetTarget`).
 */
export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  return (await import('../fleet/run-fleet.js')).runFleet(options);
}

/**
 * Activates one fleet device (from `fleetDevices`) against a `serve` at `options.url`, timed per
 * phase: what a load tool that schedules its own virtual users calls for each (the Artillery
 * engine, docs/fleet.md). Resolves with the phases (ms) or the error code it failed with; rejects
 * only for bad options (ActivationError('INVALID_ARGUMENT')) or a missing `ws` where the runtime
 * has no `WebSocket` ('UNSUPPORTED').
 */
export async function activateFleetDevice(device: FleetDevice, options: ActivateFleetDeviceOptions): Promise<FleetDeviceResult> {
  return (await import('../fleet/activate-fleet-device.js')).activateFleetDevice(device, options);
}
