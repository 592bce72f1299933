/**
 * The accounts file of `enterprise-activation serve --users-file FILE`: JSON (an array of
 * `{ "email", "password", "displayName"? }`) or CSV (a header line naming `email` and `password`,
 * and optionally `displayName`, then one account per line; no quoting: none of the three needs a
 * comma). Which one by the file's first non-blank character: `[` is JSON. Every defect is
 * ActivationError('INVALID_ARGUMENT') naming the entry or line, never the password.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { BesServerUser } from '../serve/bes-server.js';
import { MAX_FLEET_USERS } from '../simulator/fleet-users.js';

/** Largest accounts file read (bytes): a million accounts of ~60 bytes. */
export const MAX_USERS_FILE_BYTES = 64 * 1024 * 1024;

function bad(message: string, where: string): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', `users file: ${message} (${where})`, { operation: 'read users', field: where });
}

function user(email: unknown, password: unknown, displayName: unknown, where: string): BesServerUser {
  if (typeof email !== 'string' || email.length === 0 || email.length > 320) throw bad('email must be an address', where);
  if (typeof password !== 'string' || password.length === 0 || password.length > 256) throw bad('password must be text', where);
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.length > 200))
    throw bad('displayName must be text of at most 200 characters', where);
  return displayName === undefined || displayName === '' ? { email, password } : { email, password, displayName };
}

function tooMany(count: number): ActivationError {
  return new ActivationError('INVALID_ARGUMENT', `users file: ${count} accounts, more than the ${MAX_FLEET_USERS} allowed`, {
    operation: 'read users',
  });
}

function fromJson(text: string): BesServerUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActivationError('INVALID_ARGUMENT', 'users file: not valid JSON', { operation: 'read users' });
  }
  if (!Array.isArray(parsed))
    throw new ActivationError('INVALID_ARGUMENT', 'users file: JSON must be an array of accounts', { operation: 'read users' });
  if (parsed.length > MAX_FLEET_USERS) throw tooMany(parsed.length);
  return parsed.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad('each account must be an object', `entry ${i}`);
    const { email, password, displayName } = entry as Record<string, unknown>;
    return user(email, password, displayName, `entry ${i}`);
  });
}

function fromCsv(text: string): BesServerUser[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new ActivationError('INVALID_ARGUMENT', 'users file: empty', { operation: 'read users' });
  const columns = (lines[headerAt] ?? '').split(',').map((c) => c.trim());
  const col = (name: string): number => columns.indexOf(name);
  const [emailAt, passwordAt, nameAt] = [col('email'), col('password'), col('displayName')];
  if (emailAt < 0 || passwordAt < 0) throw bad('the CSV header must name email and password', `line ${headerAt + 1}`);
  const users: BesServerUser[] = [];
  for (const [i, line] of lines.entries()) {
    if (i <= headerAt || line.trim() === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== columns.length) throw bad(`${cells.length} fields where the header has ${columns.length}`, `line ${i + 1}`);
    users.push(user(cells[emailAt], cells[passwordAt], nameAt < 0 ? undefined : cells[nameAt], `line ${i + 1}`));
    if (users.length > MAX_FLEET_USERS) throw tooMany(users.length);
  }
  return users;
}

/** The accounts in `text` (see the module comment); at least one. */
export function parseUsersFile(text: string): BesServerUser[] {
  const users = text.trimStart().startsWith('[') ? fromJson(text) : fromCsv(text);
  if (users.length === 0) throw new ActivationError('INVALID_ARGUMENT', 'users file: no accounts', { operation: 'read users' });
  return users;
}
