/** Handset configuration: who the device is and what it supports, validated once. */
import { ActivationError } from '../errors/activation-error.js';
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../crypto/provider.js';
import type { HandsetRouting } from '../wire/etp/etp-header.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../wire/etp/etp-header.js';
import type { DeviceInfo } from '../wire/etp/etp-body.js';

import { SYNC_ORDER, type SyncDatabase } from '../sync/databases.js';

/** Organizer databases, in the order a handset synchronizes them (calendar first). */
export const SYNC_DATABASES = SYNC_ORDER;
export type { SyncDatabase };

export interface RetryPolicy {
  /** How long to wait for each reply before sending the request again (ms). Default 15 000. */
  readonly replyTimeoutMs: number;
  /** How many times a request is sent again before the activation fails with TIMEOUT. Default 4. */
  readonly retries: number;
}

export interface HandsetConfig {
  /** Device PIN: 8 hex digits, e.g. "2100000A" (lower case is accepted and upper-cased). */
  readonly pin: string;
  readonly routing: HandsetRouting;
  readonly device: DeviceInfo;
  /** CPace suites, most preferred first. Default: X25519 then P-521. */
  readonly suites?: readonly CPaceSuiteId[];
  /** Transport key algorithms the device supports. Default: AES-256 and Triple DES. */
  readonly ciphers?: readonly TransportKeyAlgorithm[];
  /** Organizer databases the device synchronizes. Default: all of {@link SYNC_DATABASES}. */
  readonly databases?: readonly SyncDatabase[];
  /** Most records the device takes in one sync page. Default 50. */
  readonly maxPageRecords?: number;
  readonly retry?: Partial<RetryPolicy>;
}

export interface ResolvedHandsetConfig {
  readonly pin: string;
  readonly routing: HandsetRouting;
  readonly device: DeviceInfo;
  readonly suites: readonly CPaceSuiteId[];
  readonly ciphers: readonly TransportKeyAlgorithm[];
  readonly databases: readonly SyncDatabase[];
  readonly maxPageRecords: number;
  readonly retry: RetryPolicy;
}

export const DEFAULT_RETRY: RetryPolicy = { replyTimeoutMs: 15_000, retries: 4 };

function invalid(field: string, message: string): never {
  throw new ActivationError('INVALID_ARGUMENT', message, { field });
}

/** Fills in defaults and checks every field; throws ActivationError('INVALID_ARGUMENT'). */
export function resolveHandsetConfig(config: HandsetConfig): ResolvedHandsetConfig {
  if (config === null || typeof config !== 'object') invalid('config', 'handset configuration is required');
  const pin = typeof config.pin === 'string' ? config.pin.toUpperCase() : '';
  if (!/^[0-9A-F]{8}$/.test(pin)) invalid('pin', 'the PIN must be 8 hex digits, e.g. 2100000A');
  const routing = config.routing;
  if (!routing || typeof routing.relay !== 'string' || !routing.relay || typeof routing.uid !== 'string' || !routing.uid) {
    invalid('routing', 'routing needs a relay and a uid');
  }
  const device = config.device;
  if (!device || typeof device.model !== 'string' || !device.model || typeof device.os !== 'string' || !device.os) {
    invalid('device', 'device needs a model and an os version');
  }
  const suites = config.suites ?? CPACE_SUITE_IDS;
  if (suites.length === 0 || suites.some((s) => !(CPACE_SUITE_IDS as readonly string[]).includes(s))) {
    invalid('suites', `suites must be some of ${CPACE_SUITE_IDS.join(', ')}`);
  }
  const ciphers = config.ciphers ?? TRANSPORT_KEY_ALGORITHMS;
  if (ciphers.length === 0 || ciphers.some((c) => !(TRANSPORT_KEY_ALGORITHMS as readonly string[]).includes(c))) {
    invalid('ciphers', `ciphers must be some of ${TRANSPORT_KEY_ALGORITHMS.join(', ')}`);
  }
  const databases = config.databases ?? SYNC_DATABASES;
  if (databases.some((d) => !(SYNC_DATABASES as readonly string[]).includes(d))) {
    invalid('databases', `databases must be some of ${SYNC_DATABASES.join(', ')}`);
  }
  const maxPageRecords = config.maxPageRecords ?? 50;
  if (!Number.isInteger(maxPageRecords) || maxPageRecords < 1 || maxPageRecords > 10_000) {
    invalid('maxPageRecords', 'maxPageRecords must be an integer from 1 to 10000');
  }
  const retry = { ...DEFAULT_RETRY, ...config.retry };
  if (!(retry.replyTimeoutMs > 0) || !Number.isInteger(retry.retries) || retry.retries < 0) {
    invalid('retry', 'retry.replyTimeoutMs must be positive and retry.retries a non-negative integer');
  }
  return {
    pin,
    routing: routing.srp === undefined ? { relay: routing.relay, uid: routing.uid } : { relay: routing.relay, uid: routing.uid, srp: routing.srp },
    device: { model: device.model, os: device.os },
    suites: [...new Set(suites)],
    ciphers: [...new Set(ciphers)],
    databases: SYNC_DATABASES.filter((d) => databases.includes(d)),
    maxPageRecords,
    retry,
  };
}
