/** Handset configuration: who the device is and what it supports, validated once. */
import { ActivationError } from '../errors/activation-error.js';
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../crypto/provider.js';
import type { AnyCryptoProvider } from '../crypto/async-provider.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import { provides } from '../crypto/provides.js';
import type { HandsetRouting } from '../wire/etp/etp-header.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
import * as v from 'valibot';
import { isSoftwareVersion } from '../policy/rules.js';
import { etpBodySchema, type DeviceInfo } from '../wire/etp/etp-body.js';

import { SYNC_ORDER, type SyncDatabase } from '../sync/databases.js';
import { deepFreeze } from '../util/deep-freeze.js';

/** A list with at least one element. */
export type NonEmpty<T> = readonly [T, ...T[]];
/** Organizer databases, in the order a handset synchronizes them (calendar first). */
export const SYNC_DATABASES = SYNC_ORDER;
export type { SyncDatabase };

/** When the handset sends a request again, and when it gives up (with `TIMEOUT`). Defaults: {@link DEFAULT_RETRY}. */
export interface RetryPolicy {
  /** How long to wait for each reply before sending the request again (ms): above 0, at most 2147483647 (the longest timer). Default 15 000. */
  readonly replyTimeoutMs: number;
  /** How many times a request is sent again before the activation fails with TIMEOUT: an integer from 0. Default 4. */
  readonly retries: number;
}

/**
 * Who the device is and what it supports: the `config` of {@link HandsetOptions}. Only `pin`,
 * `routing` and `device` are required; everything else has a default. Checked when the handset is
 * built ({@link resolveHandsetConfig}): a bad field throws {@link ActivationError} `INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const config: HandsetConfig = {
 *   pin: '2100000A',
 *   routing: { relay: 'relay.example', uid: 'U1' },
 *   device: { model: '8800', os: '4.5.0' },
 *   databases: ['calendar', 'contacts'], // synchronize only these
 *   retry: { replyTimeoutMs: 5_000 },
 * };
 * ```
 */
export interface HandsetConfig {
  /** Device PIN: 8 hex digits, e.g. "2100000A" (lower case is accepted and upper-cased). */
  readonly pin: string;
  /** Where the server's replies reach this device (relay, user id, earlier SRP id), sent sealed in the ETP.DAT body: relay 1 to 253 characters, uid and srp 1 to 64. */
  readonly routing: HandsetRouting;
  /** Model and OS version, sent to the server in the encrypted ETP.DAT body: 1 to 64 characters each. */
  readonly device: DeviceInfo;
  /**
   * CPace suites, most preferred first; each must be in the crypto provider. Default: every suite
   * the provider has, X25519 first (the default provider has X25519 only; P-521 needs a provider
   * built with `p521Suite`, see `createNobleProvider`).
   */
  readonly suites?: readonly CPaceSuiteId[];
  /**
   * Transport key algorithms the device supports; each must be in the crypto provider. Default:
   * every cipher the provider has (the default provider has AES-256 only; Triple DES needs a
   * provider built with `tdesEde2Cbc`).
   */
  readonly ciphers?: readonly TransportKeyAlgorithm[];
  /** Organizer databases the device synchronizes. Default: all of {@link SYNC_ORDER}. */
  readonly databases?: readonly SyncDatabase[];
  /** Most records the device takes in one sync page: an integer from 1 to 10000. Default 50. */
  readonly maxPageRecords?: number;
  /** Reply timeout and retransmissions; missing fields come from {@link DEFAULT_RETRY}. */
  readonly retry?: Partial<RetryPolicy>;
}

/** A {@link HandsetConfig} after {@link resolveHandsetConfig}: checked, with every default filled in. It is `state.config`. */
export interface ResolvedHandsetConfig {
  /** Device PIN, 8 upper-case hex digits. */
  readonly pin: string;
  /** Where the server's replies reach this device. */
  readonly routing: HandsetRouting;
  /** Model and OS version. */
  readonly device: DeviceInfo;
  /** CPace suites offered, most preferred first, without duplicates (at least one). */
  readonly suites: NonEmpty<CPaceSuiteId>;
  /** Transport key algorithms offered, without duplicates (at least one). */
  readonly ciphers: NonEmpty<TransportKeyAlgorithm>;
  /** Databases synchronized, in sync order ({@link SYNC_ORDER}). */
  readonly databases: readonly SyncDatabase[];
  /** Most records taken in one sync page. */
  readonly maxPageRecords: number;
  /** Reply timeout and retransmissions. */
  readonly retry: RetryPolicy;
}

/** The retry policy used when the config sets none: wait 15 s for each reply, send a request again at most 4 times. Our choice, not RIM's. */
export const DEFAULT_RETRY: RetryPolicy = deepFreeze({ replyTimeoutMs: 15_000, retries: 4 });

/** The longest reply timeout: a timer longer than 2^31 - 1 ms fires at once in browsers and Node. */
const MAX_REPLY_TIMEOUT_MS = 2_147_483_647;

/** The routing and device fields as the ETP.DAT body carries them (src/wire/etp/etp-body.ts). */
const ROUTING = etpBodySchema.entries.routing.entries;
const DEVICE = etpBodySchema.entries.device.entries;

function invalid(field: string, message: string): never {
  throw new ActivationError('INVALID_ARGUMENT', message, { field });
}

/** `value` without duplicates, if it is a list of `allowed` values; else INVALID_ARGUMENT for `field`. */
function someOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(value) || value.some((x) => !(allowed as readonly unknown[]).includes(x))) {
    invalid(field, `${field} must be some of ${allowed.join(', ')}`);
  }
  return [...new Set(value as T[])];
}

/** `list` if it has an element; else INVALID_ARGUMENT for `field`. */
function nonEmpty<T>(field: string, list: readonly T[]): NonEmpty<T> {
  const [first, ...rest] = list;
  if (first === undefined) invalid(field, `${field} must not be empty`);
  return [first, ...rest];
}

/** The retry policy: the given fields over {@link DEFAULT_RETRY}, checked. */
function resolveRetry(given: Partial<RetryPolicy>): RetryPolicy {
  if (typeof given !== 'object') invalid('retry', 'retry must be an object');
  const { replyTimeoutMs, retries } = { ...DEFAULT_RETRY, ...given };
  if (
    !Number.isFinite(replyTimeoutMs) ||
    replyTimeoutMs <= 0 ||
    replyTimeoutMs > MAX_REPLY_TIMEOUT_MS ||
    !Number.isInteger(retries) ||
    retries < 0
  ) {
    invalid('retry', 'retry.replyTimeoutMs must be positive and at most 2147483647 (ms), and retry.retries a non-negative integer');
  }
  return { replyTimeoutMs, retries };
}

/**
 * Fills in defaults and checks every field; throws ActivationError('INVALID_ARGUMENT'). Suites and
 * ciphers are checked against `provider` (the one the handset runs with), and default to what it has.
 */
export function resolveHandsetConfig(config: HandsetConfig, provider: AnyCryptoProvider = nobleProvider): ResolvedHandsetConfig {
  if (config === null || typeof config !== 'object') invalid('config', 'handset configuration is required');
  if (typeof config.pin !== 'string' || !/^[0-9A-F]{8}$/i.test(config.pin)) invalid('pin', 'the PIN must be 8 hex digits, e.g. 2100000A');
  const pin = config.pin.toUpperCase();
  const routing = config.routing;
  // Checked as the ETP.DAT body carries them: a value it cannot carry would fail every activation.
  if (!routing || !v.is(ROUTING.relay, routing.relay) || !v.is(ROUTING.uid, routing.uid) || !v.is(ROUTING.srp, routing.srp)) {
    invalid('routing', 'routing needs a relay (1 to 253 characters) and a uid (1 to 64), and an srp of 1 to 64 if any');
  }
  const device = config.device;
  if (!device || !v.is(DEVICE.model, device.model) || !v.is(DEVICE.os, device.os)) {
    invalid('device', 'device needs a model and an os version (1 to 64 characters each)');
  }
  // The IT policy's defaults depend on the software version (docs/it-policy.md): an os that does
  // not read as one would make every policy fail to apply on this device.
  if (!isSoftwareVersion(device.os)) invalid('device', 'device.os must be a software version such as 4.5.0.110');
  const suites = nonEmpty(
    'suites',
    someOf('suites', config.suites ?? CPACE_SUITE_IDS.filter((s) => provides(provider, 'cpaceSuite', s)), CPACE_SUITE_IDS),
  );
  const missingSuite = suites.find((s) => !provides(provider, 'cpaceSuite', s));
  if (missingSuite !== undefined) {
    invalid('suites', `the crypto provider has no ${missingSuite}; build one with createNobleProvider({ suites: [...] })`);
  }
  const ciphers = nonEmpty(
    'ciphers',
    someOf(
      'ciphers',
      config.ciphers ?? TRANSPORT_KEY_ALGORITHMS.filter((c) => provides(provider, 'transportCipher', c)),
      TRANSPORT_KEY_ALGORITHMS,
    ),
  );
  const missingCipher = ciphers.find((c) => !provides(provider, 'transportCipher', c));
  if (missingCipher !== undefined) {
    invalid('ciphers', `the crypto provider has no ${missingCipher}; build one with createNobleProvider({ ciphers: [...] })`);
  }
  const databases = someOf('databases', config.databases ?? SYNC_DATABASES, SYNC_DATABASES);
  const maxPageRecords = config.maxPageRecords ?? 50;
  if (!Number.isInteger(maxPageRecords) || maxPageRecords < 1 || maxPageRecords > 10_000) {
    invalid('maxPageRecords', 'maxPageRecords must be an integer from 1 to 10000');
  }
  const retry = resolveRetry(config.retry ?? {});
  return {
    pin,
    routing:
      routing.srp === undefined ? { relay: routing.relay, uid: routing.uid } : { relay: routing.relay, uid: routing.uid, srp: routing.srp },
    device: { model: device.model, os: device.os },
    suites,
    ciphers,
    databases: SYNC_DATABASES.filter((d) => databases.includes(d)),
    maxPageRecords,
    retry,
  };
}
