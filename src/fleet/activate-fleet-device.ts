/**
 * `activateFleetDevice`: one fleet device activated against a `serve` (or any relay with a BES
 * behind it), timed per phase, for load tools that schedule their own virtual users (the Artillery
 * engine of integrations/artillery-engine-enterprise-activation, issue 15). It is what each of
 * `runFleet`'s devices goes through with a URL target, one device at a time: the tool holds no
 * protocol code of its own.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { createNodeCryptoProvider } from '../node/crypto/node-crypto-provider.js';
import type { WebSocketConstructorLike } from '../transport/http-relay-transport.js';
import type { FleetDevice } from './fleet-device.js';
import { activateDevice, relayTarget, webSocketConstructor, type FleetDeviceResult } from './fleet-target.js';
import { isServerUrl } from './target-check.js';
import { fleetChoices, type FleetCrypto, type FleetMode } from './fleet-choices.js';

/** Options of {@link activateFleetDevice}. */
export interface ActivateFleetDeviceOptions {
  /** The server's relay URL (`http://...` or `https://...`), e.g. what `serve` prints. */
  readonly url: string;
  /**
   * How the handset reaches the relay: `'websocket'` (the default: the runtime's `WebSocket`,
   * else the `ws` package's) or `'poll'` (HTTP long-polling), as `runFleet`'s `mode`.
   */
  readonly mode?: FleetMode;
  /** The handset's cryptography: `'noble'` (the default) or `'node'` (node:crypto), as `runFleet`'s `crypto`. */
  readonly crypto?: FleetCrypto;
}

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'activateFleetDevice', field });
}

/** One node:crypto provider per thread, made at first use. */
let nodeProvider: CryptoProvider | undefined;

/**
 * Activates `device` (from `fleetDevices`) on a new handset against the relay at `options.url` and
 * resolves with how it ended; the handset and its connection are closed either way. A failed
 * activation resolves (`ok: false` and its code); it rejects only for bad options
 * (ActivationError('INVALID_ARGUMENT')) or, for `'websocket'` on a runtime without `WebSocket`, a
 * missing `ws` ('UNSUPPORTED').
 */
export async function activateFleetDevice(device: FleetDevice, options: ActivateFleetDeviceOptions): Promise<FleetDeviceResult> {
  if (typeof options !== 'object' || options === null) throw invalid('activateFleetDevice takes an options object', 'options');
  const { url } = options;
  if (!isServerUrl(url)) throw invalid("url must be a server's http(s) URL", 'url');
  const { mode, crypto } = fleetChoices(options, 'activateFleetDevice');
  if (typeof device !== 'object' || device === null || typeof device.pin !== 'string' || typeof device.email !== 'string')
    throw invalid('device must be a FleetDevice (fleetDevices)', 'device');
  const webSocket: WebSocketConstructorLike | undefined =
    mode === 'websocket' ? await webSocketConstructor('activateFleetDevice') : undefined;
  const provider = crypto === 'node' ? (nodeProvider ??= createNodeCryptoProvider()) : undefined;
  return activateDevice(device, relayTarget(url, webSocket), provider);
}
