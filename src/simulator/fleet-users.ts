/**
 * Users of a load test, derived from a seed: `serve --users N --seed S` creates them on the server,
 * and a fleet of handsets derives the same emails and activation passwords from the same seed, so
 * nobody ships a file of passwords between the two (issue 15). Ours, not RIM's: a real BES has its
 * administrator set each password.
 *
 * The password of `email` is 12 characters of the simulator's look-alike-free alphabet, drawn
 * without bias from HMAC-SHA-256(key = the seed in UTF-8, message = a label and the email in
 * lower case). Anyone who knows the seed knows every password: a seed is for test servers only.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ActivationError } from '../errors/activation-error.js';
import { concatBytes, utf8ToBytes } from '../util/bytes.js';

/** Characters of derived passwords: the simulator's generated-password alphabet (no 0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** Length of a derived password: 12 of 31 characters, about 59 bits. */
export const FLEET_PASSWORD_LENGTH = 12;
/** Most users {@link fleetUsers} makes at once. */
export const MAX_FLEET_USERS = 1_000_000;
const LABEL = utf8ToBytes('enterprise-activation fleet password v1\u0000');
// The largest multiple of the alphabet's size a byte reaches: bytes at or above it are skipped, so
// that every character is equally likely.
const UNBIASED_BELOW = 256 - (256 % ALPHABET.length);

/** One user of a fleet: the account the server creates and the credentials the handset types. */
export interface FleetUser {
  /** `user<n>@<domain>`, n from 1, zero-padded to 5 digits. */
  readonly email: string;
  /** `User <n>`. */
  readonly displayName: string;
  /** The activation password, {@link fleetPassword} of the seed and the email. */
  readonly password: string;
}

/** Options of {@link fleetUsers}. */
export interface FleetUsersOptions {
  /** How many users, 1 to {@link MAX_FLEET_USERS}. */
  readonly count: number;
  /** The seed their passwords derive from (1 to 256 characters). */
  readonly seed: string;
  /** The domain of their addresses. Default `example.com`. */
  readonly domain?: string;
  /** The number of the first user. Default 1. */
  readonly first?: number;
}

function invalid(message: string, field: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', message, { operation: 'fleet users', field });
}

function checkSeed(seed: unknown): asserts seed is string {
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 256) throw invalid('the seed must be 1 to 256 characters', 'seed');
}

/** The activation password a fleet with `seed` uses for `email` (the same on the server and the handsets). */
export function fleetPassword(seed: string, email: string): string {
  checkSeed(seed);
  if (typeof email !== 'string' || email.length === 0) throw invalid('email must be an address', 'email');
  const key = utf8ToBytes(seed);
  const message = concatBytes(LABEL, utf8ToBytes(email.toLowerCase()));
  let password = '';
  // One HMAC gives 32 bytes, about 30 usable: enough for 12 characters but for bad luck, when a
  // counter extends the stream.
  for (let block = 0; password.length < FLEET_PASSWORD_LENGTH; block++) {
    const bytes = hmac(sha256, key, concatBytes(message, Uint8Array.of(block)));
    for (const byte of bytes) {
      if (byte >= UNBIASED_BELOW) continue;
      password += ALPHABET[byte % ALPHABET.length];
      if (password.length === FLEET_PASSWORD_LENGTH) break;
    }
  }
  return password;
}

/** The email address of fleet user `n` (from 1) in `domain`. */
export function fleetEmail(n: number, domain = 'example.com'): string {
  return `user${String(n).padStart(5, '0')}@${domain}`;
}

/** `count` users from `first`, each with the password the seed derives for it. */
export function fleetUsers(options: FleetUsersOptions): FleetUser[] {
  const { count, seed, domain = 'example.com', first = 1 } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FLEET_USERS) throw invalid(`count must be 1 to ${MAX_FLEET_USERS}`, 'count');
  if (!Number.isInteger(first) || first < 1 || first > MAX_FLEET_USERS) throw invalid(`first must be 1 to ${MAX_FLEET_USERS}`, 'first');
  checkSeed(seed);
  if (
    typeof domain !== 'string' ||
    !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(domain) ||
    domain.length > 253
  )
    throw invalid('domain must be a domain name', 'domain');
  const users: FleetUser[] = [];
  for (let n = first; n < first + count; n++) {
    const email = fleetEmail(n, domain);
    users.push({ email, displayName: `User ${n}`, password: fleetPassword(seed, email) });
  }
  return users;
}
