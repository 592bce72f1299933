/**
 * Which web pages may use the relay: the `cors` option of {@link startRelayServer}, parsed and
 * matched against a request's `Origin` (docs/transports.md, "In a browser"). The HTTP handlers
 * turn the answer into CORS headers; the WebSocket handler refuses upgrades from other origins.
 */
import { ActivationError } from '../../errors/activation-error.js';

/** How long a browser may cache a preflight answer (seconds). */
export const CORS_MAX_AGE_SECONDS = 600;

/** `scheme://host[:port]` of an http(s) origin, as a browser sends it; undefined when it is not one. */
function serializeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/** The origins allowed to use the relay: any (`'*'`) or the listed ones. */
export class CorsPolicy {
  private constructor(private readonly origins: '*' | ReadonlySet<string>) {}

  /**
   * Parses the `cors` option; undefined when it is absent (CORS off).
   * ActivationError('INVALID_ARGUMENT') when it is neither `'*'` nor a list of http(s) origins.
   */
  static fromOption(option: { readonly origins: readonly string[] | '*' } | undefined): CorsPolicy | undefined {
    if (option === undefined) return undefined;
    const origins: unknown = option?.origins;
    if (origins === '*') return new CorsPolicy('*');
    if (!Array.isArray(origins))
      throw new ActivationError('INVALID_ARGUMENT', 'cors.origins must be a list of origins or *', { field: 'cors' });
    const allowed = new Set<string>();
    for (const o of origins) {
      const origin = typeof o === 'string' ? serializeOrigin(o) : undefined;
      if (!origin)
        throw new ActivationError('INVALID_ARGUMENT', 'cors.origins must list http(s) origins like http://127.0.0.1:8080, or be *', {
          field: 'cors',
        });
      allowed.add(origin);
    }
    return new CorsPolicy(allowed);
  }

  /** True for a list of origins: answers then depend on `Origin` and carry `vary: Origin`. */
  get variesByOrigin(): boolean {
    return this.origins !== '*';
  }

  /** The `access-control-allow-origin` value for a request's `Origin`, or undefined (no CORS headers). */
  allowOrigin(origin: string | undefined): string | undefined {
    if (this.origins === '*') return '*';
    return origin !== undefined && this.origins.has(origin) ? origin : undefined;
  }
}
