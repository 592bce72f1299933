/**
 * The Node-only packages behind `enterprise-activation/node`, loaded at first use.
 *
 * ws, nodemailer, smtp-server, mailparser, prom-client, hdr-histogram-js and tinypool are optional peer dependencies (package.json
 * `peerDependencies` + `peerDependenciesMeta`): `npm install enterprise-activation` does not
 * install them, so a browser or core-only user gets no Node server packages. `/node` imports none
 * of them at module load: each is imported (dynamic `import()`) by the first call that needs it,
 * and kept for later calls. When it is not installed, that call rejects with
 * ActivationError('UNSUPPORTED') whose message and `cause` name the package and the command that
 * installs it, before anything else happens (no port is bound, no mail is touched).
 *
 * | package     | needed by                                                                    |
 * |-------------|------------------------------------------------------------------------------|
 * | ws          | `startRelayServer`, `startBesServer`                                         |
 * | nodemailer  | `buildEtpMail`, `submitMail`, `startRelayServer` with `smtp`                  |
 * | smtp-server | `startMailServer`                                                            |
 * | mailparser  | `parseEtpMail`, `createMailboxMonitor` (when a mail carries an ETP.DAT)      |
 * | prom-client | `startBesServer` (its `/metrics`, and so `enterprise-activation serve`)        |
 * | hdr-histogram-js | `runFleet` (its latency percentiles, and so `enterprise-activation fleet`) |
 * | tinypool    | `runFleet` with `workers` (worker threads)                                   |
 *
 * (The command line's `inspect` of an `.eml` goes through `parseEtpMail`, so it needs mailparser.)
 * docs/runtimes.md, "Lean installs", is the user's side of this.
 */
import { ActivationError } from '../errors/activation-error.js';

/** The optional peer dependencies of `enterprise-activation/node`. */
export type OptionalPeer = 'ws' | 'nodemailer' | 'smtp-server' | 'mailparser' | 'prom-client' | 'hdr-histogram-js' | 'tinypool';

/** The optional peers with the version range package.json declares (kept equal by a test). */
export const OPTIONAL_PEERS: Readonly<Record<OptionalPeer, string>> = Object.freeze({
  ws: '^8.23.0',
  nodemailer: '^10.6.1',
  'smtp-server': '^3.21.6',
  mailparser: '^3.14.2',
  'prom-client': '^15.1.3',
  'hdr-histogram-js': '^3.0.1',
  tinypool: '^2.2.0',
});

/** What each peer gives the library: only the parts it uses. */
export interface PeerExports {
  ws: { WebSocketServer: typeof import('ws').WebSocketServer; WebSocket: typeof import('ws').WebSocket };
  nodemailer: {
    createTransport: typeof import('nodemailer').createTransport;
    MailComposer: typeof import('nodemailer/lib/mail-composer').default;
  };
  'smtp-server': { SMTPServer: typeof import('smtp-server').SMTPServer };
  mailparser: { simpleParser: typeof import('mailparser').simpleParser };
  'prom-client': {
    Registry: typeof import('prom-client').Registry;
    Counter: typeof import('prom-client').Counter;
    Gauge: typeof import('prom-client').Gauge;
    Histogram: typeof import('prom-client').Histogram;
    collectDefaultMetrics: typeof import('prom-client').collectDefaultMetrics;
  };
  'hdr-histogram-js': { build: typeof import('hdr-histogram-js').build };
  tinypool: { Tinypool: typeof import('tinypool').Tinypool };
}

/** Imports one peer; rejects when it is not installed (or cannot be loaded). */
export type PeerImporter<P extends OptionalPeer> = () => Promise<PeerExports[P]>;

/**
 * A CommonJS module seen through `import()` (or through the CommonJS build's `require`) carries
 * its exports on the namespace, on `default`, or both: take the member from wherever it is.
 */
function member<T>(mod: unknown, name: string): T {
  const ns = mod as Record<string, unknown> | undefined;
  const direct = ns?.[name];
  if (direct !== undefined) return direct as T;
  const viaDefault = (ns?.default as Record<string, unknown> | undefined)?.[name];
  if (viaDefault !== undefined) return viaDefault as T;
  throw new TypeError(`the module has no export ${name}`);
}

/** A module's default export (a CommonJS `module.exports` or an ESM `export default`). */
function defaultExport<T>(mod: unknown): T {
  let value = (mod as { default?: unknown }).default ?? mod;
  // A CommonJS module that sets `exports.default` as well, seen through a second interop layer.
  if (typeof value !== 'function' && typeof (value as { default?: unknown })?.default === 'function') {
    value = (value as { default: unknown }).default;
  }
  return value as T;
}

const importers: { [P in OptionalPeer]: PeerImporter<P> } = {
  ws: async () => {
    const mod = await import('ws');
    return { WebSocketServer: member(mod, 'WebSocketServer'), WebSocket: member(mod, 'WebSocket') };
  },
  nodemailer: async () => ({
    createTransport: member(await import('nodemailer'), 'createTransport'),
    MailComposer: defaultExport(await import('nodemailer/lib/mail-composer')),
  }),
  'smtp-server': async () => ({ SMTPServer: member(await import('smtp-server'), 'SMTPServer') }),
  mailparser: async () => ({ simpleParser: member(await import('mailparser'), 'simpleParser') }),
  'prom-client': async () => {
    const mod = await import('prom-client');
    return {
      Registry: member(mod, 'Registry'),
      Counter: member(mod, 'Counter'),
      Gauge: member(mod, 'Gauge'),
      Histogram: member(mod, 'Histogram'),
      collectDefaultMetrics: member(mod, 'collectDefaultMetrics'),
    };
  },
  'hdr-histogram-js': async () => ({ build: member(await import('hdr-histogram-js'), 'build') }),
  tinypool: async () => ({ Tinypool: member(await import('tinypool'), 'Tinypool') }),
};

const loaded = new Map<OptionalPeer, Promise<unknown>>();

/** The command that installs a peer, as the error message and `cause.install` give it. */
export function installCommand(peer: OptionalPeer): string {
  return `npm install ${peer}`;
}

/** Whether an import failure says the module is not there (rather than broken). */
function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return true;
  return typeof e?.message === 'string' && /cannot find|could not find|not found|failed to resolve/i.test(e.message);
}

/**
 * The error for a peer that is missing: ActivationError('UNSUPPORTED'), naming the package, the
 * feature that needs it and the install command. `cause`: `{ operation, package, install, reason }`
 * with `reason` `'not installed'`, or `'failed to load'` plus the error's name when the package is
 * there but its import threw.
 */
export function missingPeerError(peer: OptionalPeer, operation: string, err?: unknown): ActivationError {
  const install = installCommand(peer);
  const notFound = err === undefined || isNotFound(err);
  const what = notFound ? 'which is not installed' : 'which could not be loaded';
  return new ActivationError(
    'UNSUPPORTED',
    `enterprise-activation/node: ${operation} needs the package "${peer}" (an optional peer dependency), ${what}. Install it: ${install}`,
    {
      operation,
      package: peer,
      install,
      reason: notFound ? 'not installed' : 'failed to load',
      ...(notFound ? {} : { error: err instanceof Error ? err.name : typeof err }),
    },
  );
}

/**
 * Loads an optional peer at first use and keeps it. Rejects with {@link missingPeerError} when it
 * cannot be imported (a failed load is not kept: a later call tries again). `importer` replaces
 * the real import (tests simulate a missing package with it; such loads are not kept).
 */
export async function loadPeer<P extends OptionalPeer>(peer: P, operation: string, importer?: PeerImporter<P>): Promise<PeerExports[P]> {
  const cached = importer === undefined ? loaded.get(peer) : undefined;
  const loading = cached ?? (importer ?? importers[peer])();
  if (importer === undefined && cached === undefined) loaded.set(peer, loading);
  try {
    return (await loading) as PeerExports[P];
  } catch (err) {
    if (importer === undefined && loaded.get(peer) === loading) loaded.delete(peer);
    throw missingPeerError(peer, operation, err);
  }
}
