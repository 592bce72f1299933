/**
 * The handsets of a fleet, derived from a seed: device `i` has the same PIN, account and password
 * on every run with that seed, and on the server (`serve --users N --seed S` creates account `i`
 * as `fleetUsers` does). Ours, for load tests; a real handset's PIN is burned in at the factory.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '../util/bytes.js';
import { fleetEmail, fleetPassword } from '../simulator/fleet-users.js';

/** One simulated handset of a fleet. */
export interface FleetDevice {
  /** Its index in the fleet, from 0. */
  readonly index: number;
  /** Its PIN, 8 hex digits from `20000000` up. */
  readonly pin: string;
  /** The account it activates: `fleetEmail(first + index, domain)`. */
  readonly email: string;
  /** That account's activation password, `fleetPassword(seed, email)`. */
  readonly password: string;
  /** Its carrier UID (routing info in the ETP.DAT). */
  readonly uid: string;
}

const PIN_SPACE = 0x1000_0000; // 2^28 PINs from 0x20000000: a fleet of up to 268 million distinct devices

/** Where a seed's PINs start, so that two fleets with different seeds rarely share PINs. */
function pinOffset(seed: string): number {
  const h = sha256(utf8ToBytes(`enterprise-activation fleet pins v1\u0000${seed}`));
  return (((h[0] ?? 0) << 20) | ((h[1] ?? 0) << 12) | ((h[2] ?? 0) << 4) | ((h[3] ?? 0) >> 4)) % PIN_SPACE;
}

/** Options of {@link fleetDevices}. */
export interface FleetDeviceOptions {
  /** The seed the devices and their passwords derive from. */
  readonly seed: string;
  /** Domain of the accounts. Default `example.com`. */
  readonly domain?: string;
  /** Number of the first account (`user<first>@domain`). Default 1. */
  readonly first?: number;
}

/** A function from device index to device, for a seed. */
export function fleetDevices(options: FleetDeviceOptions): (index: number) => FleetDevice {
  const { seed, domain = 'example.com', first = 1 } = options;
  const offset = pinOffset(seed);
  return (index) => {
    const email = fleetEmail(first + index, domain);
    const pin = (0x2000_0000 + ((offset + index) % PIN_SPACE)).toString(16).toUpperCase();
    return { index, pin, email, password: fleetPassword(seed, email), uid: `F${index}` };
  };
}
