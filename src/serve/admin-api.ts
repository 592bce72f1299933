/**
 * The administrator's API of `enterprise-activation serve --ui` (issue 16): what the emulator page's
 * administrator view reads and does, as relay endpoints. The accounts and their statuses, the
 * events as they land (the simulator's {@link AdminEvent}s and the ends of activations), setting an
 * activation password, and the lifecycle commands of docs/lifecycle.md.
 *
 * These endpoints change the simulator's state, so they are not for strangers (docs/security.md,
 * "The emulator page"): every request needs `authorization: Bearer <token>`, a secret made at each
 * start and printed by `serve` (the page takes it from its address's fragment, which no request
 * carries). Bodies are JSON of at most `MAX_ENDPOINT_BODY_BYTES` (the relay's bound); answers are
 * JSON, errors `{ error, message }` with an {@link ActivationError} code. Passwords go one way
 * only, into the simulator: no answer, event or log line carries one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { RelayEndpoint, RelayEndpointAnswer, RelayEndpointRequest } from '../node/relay-server.js';
import type { AdminEvent } from '../simulator/admission.js';
import type { AccountView, BesSimulator } from '../simulator/bes-simulator.js';

/** Where the administrator's API answers, under the page's path. */
export const ADMIN_API_PATH = '/ui/api';

/** The lifecycle commands the administrator view offers (the simulator's methods of the same meaning). */
export const ADMIN_COMMANDS = ['expire-activation-password', 'regenerate-key', 'resend-service-books', 'resend-it-policy', 'wipe'] as const;

/** One of {@link ADMIN_COMMANDS}. */
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

/** Most accounts one `GET accounts` lists (a serve may have 100,000: the view searches). */
export const MAX_LISTED_ACCOUNTS = 50;

/** Most events kept for the view; older ones are gone (the page says how many it missed). */
export const MAX_FEED_EVENTS = 500;

/**
 * One entry of the event feed: an {@link AdminEvent}, or the end of an activation as the simulator
 * logged it (`activation`: its device and outcome, never anything secret). `seq` counts from 1.
 */
export type FeedEvent = { readonly seq: number } & (
  | AdminEvent
  | {
      readonly type: 'activation';
      readonly at: number;
      readonly pin: string;
      readonly outcome: 'started' | 'complete' | 'failed';
      readonly code?: string;
    }
);

/** What {@link createAdminApi} returns: the endpoints to hand the relay, and the feed's inputs. */
export interface AdminApi {
  /** `GET` endpoints by path. */
  readonly endpoints: Readonly<Record<string, RelayEndpoint>>;
  /** `POST` endpoints by path. */
  readonly postEndpoints: Readonly<Record<string, RelayEndpoint>>;
  /** Give it every admin event of the simulator (`BesSimulatorOptions.onAdminEvent`). */
  adminEvent(event: AdminEvent): void;
  /** Give it every log event of the simulator (`BesSimulatorOptions.log`): it keeps the ends of activations. */
  logEvent(event: string, detail: Record<string, unknown> | undefined, at: number): void;
}

const JSON_TYPE = 'application/json';

function answer(status: number, value: unknown): RelayEndpointAnswer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value) };
}

function refusal(status: number, error: string, message: string): RelayEndpointAnswer {
  return answer(status, { error, message });
}

/** True when `given` is `authorization: Bearer <token>`; compared in constant time (of digests, so lengths may differ). */
function authorized(request: RelayEndpointRequest, token: string): boolean {
  const m = /^Bearer\s+(\S{1,256})$/i.exec(request.header('authorization')?.trim() ?? '');
  if (m?.[1] === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}

/** The JSON object of a POST body, or an ActivationError('MALFORMED'). */
function jsonBody(request: RelayEndpointRequest): Record<string, unknown> {
  const type = request.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  // JSON only: a cross-origin form cannot send it without a preflight, which the relay does not answer.
  if (type !== JSON_TYPE) throw new ActivationError('MALFORMED', 'the body must be application/json', { field: 'content-type' });
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body));
  } catch {
    throw new ActivationError('MALFORMED', 'the body is not JSON', { field: 'body' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ActivationError('MALFORMED', 'the body must be a JSON object', { field: 'body' });
  return value as Record<string, unknown>;
}

function text(body: Record<string, unknown>, field: string, max: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new ActivationError('INVALID_ARGUMENT', `${field} must be text of 1 to ${max} characters`, { field });
  return value;
}

const STATUS_OF: Record<string, number> = { MALFORMED: 400, INVALID_ARGUMENT: 400, UNKNOWN_USER: 404, INVALID_STATE: 409 };

/**
 * Runs `handle` for an authorized caller: 401 without the token, the error's code and message
 * for an ActivationError (their messages are secret-free by rule), a bare 500 for anything else.
 */
function guarded(token: string, handle: (request: RelayEndpointRequest) => RelayEndpointAnswer): RelayEndpoint {
  return (request) => {
    if (!authorized(request, token))
      return {
        ...refusal(401, 'UNAUTHORIZED', 'the administrator token is missing or wrong'),
        headers: { 'www-authenticate': 'Bearer' },
      };
    try {
      return handle(request);
    } catch (err) {
      if (isActivationError(err)) return refusal(STATUS_OF[err.code] ?? 400, err.code, err.message);
      return refusal(500, 'ERROR', 'the command failed');
    }
  };
}

/**
 * The administrator's API over `simulator` (see the module comment), for the holder of `token`.
 * Nothing here listens: hand {@link AdminApi.endpoints} and {@link AdminApi.postEndpoints} to the
 * relay, and feed it the simulator's events.
 */
export function createAdminApi(options: { readonly simulator: BesSimulator; readonly token: string }): AdminApi {
  const { simulator, token } = options;
  if (typeof token !== 'string' || token.length < 16)
    throw new ActivationError('INVALID_ARGUMENT', 'the administrator token must be at least 16 characters', { field: 'token' });
  const feed: FeedEvent[] = [];
  let seq = 0;
  const push = (event: AdminEvent | Omit<Extract<FeedEvent, { type: 'activation' }>, 'seq'>): void => {
    feed.push({ ...event, seq: ++seq } as FeedEvent);
    if (feed.length > MAX_FEED_EVENTS) feed.splice(0, feed.length - MAX_FEED_EVENTS);
  };

  const view = (email: string): AccountView => {
    const account = simulator.account(email);
    if (account === undefined) throw new ActivationError('UNKNOWN_USER', 'no such user', { field: 'email' });
    return account;
  };

  const accounts = guarded(token, (request) => {
    const query = (request.query.get('q') ?? '').trim().toLowerCase().slice(0, 320);
    const all = simulator.accounts.all();
    const listed: AccountView[] = [];
    for (const account of all) {
      if (listed.length >= MAX_LISTED_ACCOUNTS) break;
      if (query !== '' && !account.email.includes(query)) continue;
      listed.push(view(account.email));
    }
    return answer(200, { total: all.length, accounts: listed });
  });

  const events = guarded(token, (request) => {
    const after = Number(request.query.get('after') ?? '0');
    if (!Number.isSafeInteger(after) || after < 0)
      throw new ActivationError('INVALID_ARGUMENT', 'after must be a whole number', { field: 'after' });
    const newer = feed.filter((e) => e.seq > after);
    // Events the caller missed because the feed dropped them: the page says so rather than hiding it.
    const missed = Math.max(0, (newer[0]?.seq ?? seq + 1) - after - 1);
    return answer(200, { events: newer, last: seq, missed });
  });

  const password = guarded(token, (request) => {
    const body = jsonBody(request);
    const email = text(body, 'email', 320);
    const secret = text(body, 'password', 64);
    const hours = body.lifetimeHours;
    if (hours !== undefined && typeof hours !== 'number')
      throw new ActivationError('INVALID_ARGUMENT', 'lifetimeHours must be a number', { field: 'lifetimeHours' });
    view(email);
    simulator.setActivationPassword(email, secret, hours);
    return answer(200, { account: view(email) });
  });

  const command = guarded(token, (request) => {
    const body = jsonBody(request);
    const email = text(body, 'email', 320);
    const name = text(body, 'command', 40);
    if (!(ADMIN_COMMANDS as readonly string[]).includes(name))
      throw new ActivationError('INVALID_ARGUMENT', `command must be one of ${ADMIN_COMMANDS.join(', ')}`, { field: 'command' });
    view(email);
    // `sent`: whether the device was reachable now (the simulator's answer); a command to an
    // account without an activated device is carried out on the account alone, or not at all.
    let sent: boolean;
    switch (name as AdminCommand) {
      case 'expire-activation-password':
        simulator.expireActivationPassword(email);
        sent = false;
        break;
      case 'regenerate-key':
        sent = simulator.regenerateKey(email) > 0;
        break;
      case 'resend-service-books':
        sent = simulator.resendServiceBooks(email);
        break;
      case 'resend-it-policy':
        sent = simulator.resendItPolicy(email);
        break;
      case 'wipe':
        sent = simulator.wipe(email);
        break;
    }
    return answer(200, { command: name, sent, account: view(email) });
  });

  return {
    endpoints: { [`${ADMIN_API_PATH}/accounts`]: accounts, [`${ADMIN_API_PATH}/events`]: events },
    postEndpoints: { [`${ADMIN_API_PATH}/password`]: password, [`${ADMIN_API_PATH}/command`]: command },
    adminEvent: (event) => push(event),
    logEvent(event, detail, at) {
      const pin = typeof detail?.pin === 'string' ? detail.pin : undefined;
      if (pin === undefined) return;
      const code = typeof detail?.code === 'string' && /^[A-Z_]{1,40}$/.test(detail.code) ? detail.code : undefined;
      if (event === 'ETP.DAT accepted') push({ type: 'activation', at, pin, outcome: 'started' });
      else if (event === 'activation complete') push({ type: 'activation', at, pin, outcome: 'complete' });
      else if (event === 'activation failed' || event === 'unauthenticated error frame')
        push({ type: 'activation', at, pin, outcome: 'failed', ...(code !== undefined ? { code } : {}) });
    },
  };
}
