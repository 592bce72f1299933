/**
 * Before a fleet starts its devices against a URL, one question: does a relay answer there? A
 * handset retries as a real one does (`DEFAULT_RETRY`: a 15 s reply timeout and 4 retransmissions),
 * so against a wrong port or a stopped server each device would fail only after about 75 s, and a
 * fleet of thousands at `--concurrency 100` would spend hours reporting `TIMEOUT`. One request to
 * the relay's health endpoint (`GET /v1/health`, which every relay of this library answers 200)
 * turns that into one clear failure at once. Ours: RIM's handsets had no such thing to ask.
 */
import { ActivationError } from '../errors/activation-error.js';
import { relayEndpointUrl } from '../transport/relay-protocol.js';

/** Whether `value` is an http(s) URL with a host, and a URL at all: what a fleet's target or a device's server may be. */
export function isServerUrl(value: unknown): value is string {
  return typeof value === 'string' && /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value);
}

/** How long the check waits for the target's answer (ms). */
export const TARGET_CHECK_TIMEOUT_MS = 5_000;

/**
 * The relay's health endpoint under `url` (a path prefix kept, as the relay transport keeps it),
 * without a user name or password: it goes into error messages.
 */
function healthUrl(url: string): string {
  const health = relayEndpointUrl(url, '/v1/health');
  health.search = '';
  health.hash = '';
  health.username = '';
  health.password = '';
  return health.href;
}

function unreachable(message: string, detail: Record<string, unknown>): ActivationError {
  return new ActivationError('TRANSPORT_ERROR', message, { operation: 'checkFleetTarget', field: 'url', ...detail });
}

/**
 * Resolves when the relay at `url` answers its health endpoint with a 2xx status within
 * `timeoutMs` (default {@link TARGET_CHECK_TIMEOUT_MS}); rejects with
 * ActivationError('TRANSPORT_ERROR') when nothing answers there (refused, unknown host, no answer
 * in time: `cause.reason` names which) or something else does (another status: `cause.status`).
 * The message names the URL checked, without any user name or password. `runFleet` calls it before
 * its first device; a load tool that schedules its own virtual users (the Artillery engine) calls
 * it before theirs. Rejects with ('INVALID_ARGUMENT') for a `url` that is not an http(s) URL with a
 * host, or a `timeoutMs` that is not a positive number.
 */
export async function checkFleetTarget(url: string, timeoutMs = TARGET_CHECK_TIMEOUT_MS): Promise<void> {
  if (!isServerUrl(url)) {
    throw new ActivationError('INVALID_ARGUMENT', "url must be a server's http(s) URL", { operation: 'checkFleetTarget', field: 'url' });
  }
  // Number.isFinite is false for anything but a number (it does not convert).
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ActivationError('INVALID_ARGUMENT', 'timeoutMs must be a positive number', {
      operation: 'checkFleetTarget',
      field: 'timeoutMs',
    });
  }
  const health = healthUrl(url);
  let status: number;
  try {
    const res = await fetch(health, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    await res.body?.cancel().catch(() => undefined);
  } catch (err) {
    const timedOut = (err as { name?: unknown } | null)?.name === 'TimeoutError';
    const reason = timedOut ? 'timeout' : 'unreachable';
    throw unreachable(
      timedOut
        ? `no answer from ${health} within ${timeoutMs} ms: is a serve running there?`
        : `nothing answers at ${health}: is a serve running there?`,
      { reason },
    );
  }
  if (status < 200 || status > 299) {
    throw unreachable(`${health} answered ${status}, not a relay's health: is the URL a serve's?`, { reason: 'not-a-relay', status });
  }
}
