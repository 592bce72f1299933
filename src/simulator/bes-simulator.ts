/**
 * The reference server peer: a BES simulator that runs the server side of every activation flow,
 * in process. It keeps user accounts, answers handsets over any {@link Transport}, and can act as
 * a given server version. Time and randomness are injected, so runs are reproducible.
 *
 * This is the driver around the server's sans-I/O core ({@link serverStep}, server-machine.ts),
 * as {@link Handset} is around {@link handsetStep}: it keeps the I/O, the clock, the timer, the
 * tables and the administrator's API, routes each frame to its session ({@link routeFrame}), steps
 * the session and applies the outputs in order right after the step.
 *
 * Endpoint and sessions (quinn-proto's Endpoint/Connection split): each session's state is
 * immutable, and a step returns a new one; the tables that span sessions stay mutable here: the
 * session table (up to 10,000 sessions, least recently active evicted first), the ETP.DAT replay
 * cache (up to 50,000 digests), the admission buckets, the account store, the routes and the
 * admin log. Copying a 10,000-entry map on every frame would cost a server with a fleet of devices
 * real time for nothing: no step reads more than its own session and one account, and every change
 * to the tables is applied right after the step that asked for it, before any other input, so a
 * password claim is still atomic.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { CPaceSuiteId, CryptoProvider, KeyPair, RandomSource, TransportKeyAlgorithm } from '../crypto/provider.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import { provides } from '../crypto/provides.js';
import { systemRandom } from '../crypto/seeded-random.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
import { decodeFrame, type Frame } from '../wire/frame.js';
import { decodeEtpDat } from '../wire/messages/etp-dat.js';
import { bytesToHex } from '../util/bytes.js';
import { normalizeEmail } from '../protocol/key-schedule.js';
import { formatServerVersion, parseServerVersion, type ServerVersion } from '../server-version/server-version.js';
import { type ServerCapabilities, serverCapabilities } from '../server-version/capabilities.js';
import type { SnapshotOpenOptions, SnapshotSealOptions } from '../persistence/sealed-snapshot.js';
import type { FrameMeta, Transport } from '../transport/transport.js';
import {
  AccountStore,
  type AdminStatus,
  adminStatusOf,
  DEFAULT_PASSWORD_LIFETIME_HOURS,
  MAX_FAILED_ATTEMPTS,
  generateActivationPassword,
  type Account,
  type NewUser,
} from './accounts.js';
import { ReplayCache, SessionTable, sessionKey } from './session-table.js';
import { type AdminEvent, EtpAdmission, type EtpAdmissionOptions, MAX_ADMIN_LOG, type RefusalReason } from './admission.js';
import type { ServerIdentity, ServerPolicy } from './server-config.js';
import { type ServicesConfig, handedOut, resolveServicesConfig } from './server-services.js';
import type { ServerEnv, ServerInput, ServerOutput } from './server-io.js';
import { serverStep, startServerSession } from './server-machine.js';
import { routeEtpDat, routeFrame } from './server-routing.js';
import { isCurrentDevice } from './server-phase-services.js';
import type { ServerSessionState } from './server-state.js';
import { openSimulatorSnapshot, sealSimulatorSnapshot } from './server-snapshot.js';
import { createPolicy, type ItPolicy } from '../policy/policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { RuleValue } from '../policy/rules.js';
import type { SyncData } from '../sync/databases.js';
import { systemTimers, type TimerApi } from '../util/timers.js';

/** Options of {@link BesSimulator}: its identity, the server version it acts as, policies, and the injectable clock, randomness and crypto. All optional. */
export interface BesSimulatorOptions {
  /** SRP identifier. Default "S0000001". */
  readonly srp?: string;
  /** Relay host. Default "relay.blackberry.test". */
  readonly relay?: string;
  /** Display name. Default "BES01". */
  readonly name?: string;
  /**
   * The server to act as: flavour and version with service pack and maintenance release, as text
   * ("BES for Domino 4.1 SP6 MR4", "4.1.6 MR4", the installer file name "besx504") or parsed.
   * The text forms are those {@link parseServerVersion} accepts; anything else throws
   * {@link ActivationError} `INVALID_ARGUMENT`. Default: Exchange 5.0 SP4. The version decides
   * what the server can do where RIM documented a difference ({@link serverCapabilities}): the
   * transport key algorithms (GroupWise: AES only; before 4.0: Triple DES only).
   */
  readonly version?: string | ServerVersion;
  /** BES domain, used in service books. Default "BESDomain". */
  readonly besDomain?: string;
  /**
   * CPace suites accepted; each must be in the crypto provider. Default: every suite the provider
   * has (the default provider: X25519 only; for P-521 pass a provider built with `p521Suite`).
   */
  readonly suites?: readonly CPaceSuiteId[];
  /**
   * Transport key algorithms the server may issue (e.g. ['TDES-EDE2-CBC'] for an old server); each
   * must be in the crypto provider and one the server version can issue ({@link serverCapabilities}).
   * Default: every cipher the provider has that the version can issue (the default provider:
   * AES-256 only; for Triple DES pass a provider built with `tdesEde2Cbc`).
   */
  readonly ciphers?: readonly TransportKeyAlgorithm[];
  /** Seed of the server domain's signing key (32 bytes). Default: random. */
  readonly domainKeySeed?: Uint8Array;
  /** The server domain's signing key pair itself (takes precedence over `domainKeySeed`). */
  readonly domainKey?: KeyPair;
  /** Clock in ms. Default `Date.now`. Inject one to test expiry and lockouts without waiting. */
  readonly now?: () => number;
  /** Randomness. Default: the platform's CSPRNG. Use `seededRandom(seed)` for reproducible runs. */
  readonly random?: RandomSource;
  /** The cryptography. Default: `nobleProvider`. */
  readonly provider?: CryptoProvider;
  /**
   * Timer functions for the poll that {@link BesSimulator.attach} starts (retransmissions, and
   * everything else {@link BesSimulator.poll} checks). Default: the global `setTimeout` and
   * `clearTimeout`. Give the same clock's timers as `now`'s: a virtual clock's (the `/testing`
   * pair does) makes a retransmission due in 30 minutes happen when the clock is moved on, in no
   * real time.
   */
  readonly timers?: TimerApi;
  /** Receives secret-free log events. */
  readonly log?: (event: string, detail?: Record<string, unknown>) => void;
  /** IT policy, service books and synchronization settings. */
  readonly services?: Partial<ServicesConfig>;
  /**
   * How long an activation that has proved the password may take to finish before another
   * activation may use the password instead (ms). Default 10 minutes.
   */
  readonly claimTimeoutMs?: number;
  /**
   * How often an IT policy update that the device has not acknowledged (with the policy's hash)
   * is sent again (ms, by the injected clock). Default 30 minutes. Driven by {@link BesSimulator.poll},
   * which {@link BesSimulator.attach} calls on a timer of its own (docs/it-policy.md).
   */
  readonly policyRetransmitMs?: number;
  /**
   * How many days a device transport key serves before the server rolls it over (docs/lifecycle.md,
   * "Key rollover"; RIM: every 30 days). Default 30; 0 turns scheduled rollovers off (the
   * administrator's {@link BesSimulator.regenerateKey} and the device's request still work).
   */
  readonly keyRolloverDays?: number;
  /** How often a `rekey-offer` the device has not accepted is sent again (ms). Default 15 minutes (ours). */
  readonly rekeyRetransmitMs?: number;
  /**
   * RIM's "Disable users with unapplied IT policy" (docs/lifecycle.md): a whole number of hours, 0
   * to 8760. A device that has not applied an IT policy pushed to it this many hours later is
   * retired (sent `device-command` deactivate, its frames answered with DEACTIVATED) and the
   * account loses it (admin event `device-retired`, reason `policy-not-applied`); with 0, a device
   * that rejects a policy is retired at once. Default: off. Checked on {@link BesSimulator.poll}.
   * Anything else is an {@link ActivationError} `INVALID_ARGUMENT`.
   */
  readonly disableUnappliedPolicyAfterHours?: number;
  /**
   * Refuse (drop, log, count) every ETP.DAT that the transport does not mark as vouched for by the
   * relay (`FrameMeta.vouched`). Default false. See docs/security.md (issue 8, finding 10).
   */
  readonly requireRelayVouch?: boolean;
  /** Rate limits on new activation requests, per device PIN and per network source. */
  readonly etpRateLimit?: EtpAdmissionOptions;
  /**
   * Told of each failed activation attempt and each refused activation request (secret-free).
   * {@link BesSimulator.adminLog} keeps the last 1000 as well.
   */
  readonly onAdminEvent?: (event: AdminEvent) => void;
  /**
   * Answer an ETP.DAT for an address with no account with an UNKNOWN_USER error. Default false:
   * no answer at all, as a BES that never sees mail for mailboxes it does not monitor (the handset
   * then times out). For tests that want the fast error; it tells anyone which addresses exist.
   */
  readonly replyToUnknownUsers?: boolean;
  /**
   * Apply the BlackBerry administration console's limits to the activation passwords set
   * (`addUser`, `setActivationPassword`): at most 20 characters and no accented characters, as
   * documented for BES 5.0 (docs/server.md, "Activation password rules"). Default false: any
   * password the device takes (up to 31 characters after NFC, at least 8), so that tests can reach
   * the handset's own limits.
   */
  readonly consolePasswordRules?: boolean;
}

/** An account as the administrator sees it ({@link BesSimulator.account}): secret-free. */
export interface AccountView {
  /** The user's email address, normalized. */
  readonly email: string;
  /** The user's display name. */
  readonly displayName: string;
  /** The recorded status, or why the password is no longer valid (`ADMIN_STATUSES`; which names are RIM's is said there). */
  readonly status: AdminStatus;
  /** Consecutive failed attempts counted against the current password (5 lock it; a proof of the password starts again from 0). */
  readonly failedAttempts: number;
  /** True once the current password has had 5 failed attempts: it can no longer activate. A new password unlocks. */
  readonly locked: boolean;
  /** True when the account has a password that can still activate (set, not expired, not locked). */
  readonly hasPassword: boolean;
  /** When the current password expires (or expired), ms epoch; absent without one. */
  readonly passwordExpiresAt?: number;
  /** The device the account was activated with. */
  readonly devicePin?: string;
  /** The last reason an activation failed or was refused. */
  readonly lastFailure?: { readonly at: number; readonly code: string };
}

/** Default interval of IT policy update retransmission: 30 minutes. */
export const DEFAULT_POLICY_RETRANSMIT_MS = 30 * 60_000;

/** The longest `disableUnappliedPolicyAfterHours`: 8760 hours, a year (RIM's range, docs/lifecycle.md). */
export const MAX_UNAPPLIED_POLICY_HOURS = 8760;

export { UNCONFIRMED_ATTEMPT_MS } from './server-phase-key-exchange.js';

/** The seed of the server's long-term X25519 agreement key: HKDF of the domain key's secret (ours). */
function agreementSeed(provider: CryptoProvider, domainKey: KeyPair): Uint8Array {
  const label = new TextEncoder().encode('enterprise-activation/v1 server agreement key');
  return provider.hkdf(domainKey.secretKey, label, new Uint8Array(0), 32);
}

/** Sessions kept (finished ones too, so that a replayed ETP.DAT is recognised). */
const MAX_SESSIONS = 10_000;

/**
 * The reference server peer: a simulated BlackBerry Enterprise Server that runs the server side
 * of wireless Enterprise Activation, in process, for tests, demos and emulators that need
 * something to activate against. It keeps user accounts with activation passwords (lifetime,
 * failed attempts and lockout as RIM documented them: ../shared/reference/blackberry-activation-facts.md),
 * answers ETP.DATs and the frames after them over any {@link Transport}, issues the transport
 * key, sends the signed IT policy, service books and organizer data, and can act as a given
 * server version. The message formats and the key exchange are ours (docs/protocol.md).
 *
 * @example
 * ```ts
 * import { BesSimulator } from 'enterprise-activation/simulator';
 *
 * const server = new BesSimulator({ version: 'BES for Domino 4.1 SP6 MR4' });
 * server.addUser({ email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' });
 * server.attach(serverSide); // any Transport, e.g. from createMemoryTransportPair()
 * // ...after the handset has activated:
 * server.account('alice@example.com')?.status; // 'Activated'
 * ```
 */
export class BesSimulator {
  /** The user accounts and their activation passwords (prefer {@link BesSimulator.addUser} and {@link BesSimulator.account}). */
  readonly accounts: AccountStore;
  /** Who this server is: SRP identifier, relay, name, version text, BES domain, domain signing key. */
  readonly identity: ServerIdentity;
  /** The server version this simulator acts as. */
  readonly serverVersion: ServerVersion;
  /** What that version can do where RIM documented a difference ({@link serverCapabilities}). */
  readonly capabilities: ServerCapabilities;
  /** The CPace suites and transport key algorithms this server accepts. */
  readonly policy: ServerPolicy;
  private servicesConfig: ServicesConfig;
  private readonly provider: CryptoProvider;
  private readonly random: RandomSource;
  private readonly now: () => number;
  private readonly logger: (event: string, detail?: Record<string, unknown>) => void;
  /** Sessions by (sid, PIN, email, share): see session-table.ts. */
  private readonly sessions = new SessionTable();
  private readonly replays = new ReplayCache();
  private readonly replyToUnknownUsers: boolean;
  /** Per-server secret of the dummy passwords (server-machine-support.ts, dummyPrs), made at first use. */
  private secret: Uint8Array | undefined;
  private readonly detachers = new Set<() => void>();
  /** Where each session's handset was last heard from, for messages the server starts (policy updates). */
  private readonly routes = new Map<string, Transport>();
  private readonly userData = new Map<string, SyncData>();
  private readonly retransmitMs: number;
  private readonly keyRolloverMs: number;
  private readonly rekeyRetransmitMs: number;
  private readonly disableUnappliedPolicyAfterMs: number | undefined;
  private readonly requireRelayVouch: boolean;
  private readonly admission: EtpAdmission;
  private readonly onAdminEvent: ((event: AdminEvent) => void) | undefined;
  private readonly adminEvents: AdminEvent[] = [];
  private readonly refusals: Record<RefusalReason, number> = { unvouched: 0, 'rate-limited-pin': 0, 'rate-limited-source': 0 };
  /** The retransmission timer of attached transports (owned by the driver part of this class). */
  /** The poll's pending timer (a handle of {@link timers}), while attached. */
  private timer: unknown;
  private readonly timers: TimerApi;

  /**
   * A server with no users. Attach it to a transport with {@link BesSimulator.attach}.
   *
   * @throws An {@link ActivationError} `INVALID_ARGUMENT` for a bad option (an unknown server version, an empty suite or cipher list, ...).
   */
  constructor(options: BesSimulatorOptions = {}) {
    this.provider = options.provider ?? nobleProvider;
    this.random = options.random ?? systemRandom;
    this.now = options.now ?? (() => Date.now());
    const timers = options.timers ?? systemTimers;
    if (typeof timers?.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
      // Checked here, not at the first attach, where a timer callback could only log it.
      throw new ActivationError('INVALID_ARGUMENT', 'timers must have setTimeout and clearTimeout functions', { field: 'timers' });
    }
    this.timers = timers;
    this.logger = options.log ?? (() => {});
    this.accounts = new AccountStore(this.now, options.claimTimeoutMs, options.consolePasswordRules === true);
    this.replyToUnknownUsers = options.replyToUnknownUsers ?? false;
    const version = options.version ?? 'BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4';
    this.serverVersion = typeof version === 'string' ? parseServerVersion(version) : version;
    // formatServerVersion (below) checks a version object before its fields are read here.
    const text = formatServerVersion(this.serverVersion);
    this.capabilities = serverCapabilities(this.serverVersion);
    this.identity = {
      srp: options.srp ?? 'S0000001',
      relay: options.relay ?? 'relay.blackberry.test',
      name: options.name ?? 'BES01',
      version: text,
      besDomain: options.besDomain ?? 'BESDomain',
      domainKey: options.domainKey ?? this.provider.signingKeyPair(options.domainKeySeed ?? this.random(32)),
    };
    // The long-term agreement key follows from the domain key (ours): no random bytes drawn, and
    // a server restored from a snapshot written before key rollovers has the same one.
    this.identity = {
      ...this.identity,
      agreementKey: this.provider.agreementKeyPair(agreementSeed(this.provider, this.identity.domainKey)),
    };
    this.keyRolloverMs = (options.keyRolloverDays ?? 30) * 24 * 3_600_000;
    this.rekeyRetransmitMs = options.rekeyRetransmitMs ?? 15 * 60_000;
    if (
      !Number.isFinite(this.keyRolloverMs) ||
      this.keyRolloverMs < 0 ||
      !Number.isSafeInteger(this.rekeyRetransmitMs) ||
      this.rekeyRetransmitMs < 1
    ) {
      throw new ActivationError('INVALID_ARGUMENT', 'keyRolloverDays must be 0 or more, rekeyRetransmitMs a positive integer (ms)', {
        field: 'keyRolloverDays/rekeyRetransmitMs',
      });
    }
    if (!/^\S{1,64}$/.test(this.identity.srp)) {
      throw new ActivationError('INVALID_ARGUMENT', 'the SRP identifier must be 1 to 64 characters without spaces', { field: 'srp' });
    }
    if (!this.identity.relay || this.identity.relay.length > 253 || !this.identity.name || this.identity.name.length > 128) {
      throw new ActivationError('INVALID_ARGUMENT', 'relay (1-253 characters) and name (1-128) are required', { field: 'relay/name' });
    }
    const suites = options.suites ?? CPACE_SUITE_IDS.filter((s) => provides(this.provider, 'cpaceSuite', s));
    const issuable = this.capabilities.transportKeyAlgorithms;
    const ciphers =
      options.ciphers ?? TRANSPORT_KEY_ALGORITHMS.filter((c) => provides(this.provider, 'transportCipher', c) && issuable.includes(c));
    if (suites.length === 0 || ciphers.length === 0) {
      const hint = options.ciphers === undefined ? `; ${text} issues only ${issuable.join(', ')}` : '';
      throw new ActivationError('INVALID_ARGUMENT', `the server needs at least one suite and one cipher${hint}`, {
        field: 'suites/ciphers',
      });
    }
    // RIM documented which releases issue which keys (serverCapabilities): a server acting as one
    // does not issue a key its release could not.
    const unissuable = ciphers.filter((c) => !issuable.includes(c));
    if (unissuable.length > 0) {
      throw new ActivationError('INVALID_ARGUMENT', `${text} cannot issue ${unissuable.join(', ')} transport keys`, {
        field: 'ciphers',
        version: text,
      });
    }
    // The provider is the registry: accepting what it cannot run would fail mid-activation.
    const missing = [
      ...suites.filter((s) => !provides(this.provider, 'cpaceSuite', s)),
      ...ciphers.filter((c) => !provides(this.provider, 'transportCipher', c)),
    ];
    if (missing.length > 0) {
      throw new ActivationError(
        'INVALID_ARGUMENT',
        `the crypto provider has no ${missing.join(', ')}; build one with createNobleProvider`,
        { field: 'suites/ciphers' },
      );
    }
    this.policy = { suites: [...suites], ciphers: [...ciphers] };
    this.retransmitMs = options.policyRetransmitMs ?? DEFAULT_POLICY_RETRANSMIT_MS;
    if (!Number.isSafeInteger(this.retransmitMs) || this.retransmitMs < 1) {
      throw new ActivationError('INVALID_ARGUMENT', 'policyRetransmitMs must be a positive integer (ms)', { field: 'policyRetransmitMs' });
    }
    const hours = options.disableUnappliedPolicyAfterHours;
    if (hours !== undefined && (!Number.isInteger(hours) || hours < 0 || hours > MAX_UNAPPLIED_POLICY_HOURS)) {
      throw new ActivationError(
        'INVALID_ARGUMENT',
        `disableUnappliedPolicyAfterHours must be a whole number of hours, 0 to ${MAX_UNAPPLIED_POLICY_HOURS}`,
        {
          field: 'disableUnappliedPolicyAfterHours',
        },
      );
    }
    this.disableUnappliedPolicyAfterMs = hours === undefined ? undefined : hours * 3_600_000;
    this.requireRelayVouch = options.requireRelayVouch === true;
    this.admission = new EtpAdmission(options.etpRateLimit);
    this.onAdminEvent = options.onAdminEvent;
    const services = resolveServicesConfig(options.services, this.identity, this.now);
    this.servicesConfig = {
      ...services,
      userData: (account) => this.userData.get(account.email) ?? services.userData(account),
    };
  }

  /** Sets a user's organizer data (instead of the generated default). */
  setUserData(email: string, data: SyncData): void {
    const account = this.accounts.get(email);
    if (!account) throw new ActivationError('INVALID_ARGUMENT', 'no such user', { field: 'email' });
    this.userData.set(account.email, data);
  }

  /** IT policy, service books and synchronization settings in force. */
  get services(): ServicesConfig {
    const config = this.servicesConfig;
    // What a caller gets is the caller's to change: never taken for the generator's own output.
    return { ...config, userData: (account) => handedOut(config.userData(account)) };
  }

  /** The IT policy in force. */
  get itPolicy(): ItPolicy {
    return this.servicesConfig.policy;
  }

  /**
   * Issues a new IT policy: new activations get it, and every activated device is sent it now
   * (signed, sealed under its transport key) and must acknowledge it with the policy's hash; until
   * it does, the update is sent again every `policyRetransmitMs` ({@link BesSimulator.poll}).
   * Its `issuedAt` is the clock's time, but always later than the policy it replaces: devices refuse
   * a policy that is not newer than the one in force (docs/it-policy.md). Returns the number of
   * devices sent to now (a device without a known route gets it from the next {@link poll}).
   */
  updatePolicy(id: string, rules: Readonly<Record<string, RuleValue>>): number {
    const issuedAt = Math.max(this.now(), this.servicesConfig.policy.issuedAt + 1);
    const policy = createPolicy(id, this.identity.version, issuedAt, rules);
    this.servicesConfig = { ...this.servicesConfig, policy };
    let sent = 0;
    const ctx = this.context();
    for (const [key, session] of this.sessions) {
      const transport = this.routes.get(key);
      for (const bytes of this.stepInPlace(key, session, { type: 'push-policy', policy, sendNow: transport !== undefined }, ctx)) {
        transport?.send(bytes).catch(() => this.logger('send failed', { pin: session.pin }));
        sent += 1;
      }
    }
    this.logger('IT policy updated', { policyId: id, devices: sent });
    return sent;
  }

  /**
   * The sans-I/O clock tick: returns the frames due now (by the injected clock) for the caller to
   * send: IT policy updates not yet acknowledged, sent again every `policyRetransmitMs`. It also
   * tells the administrator of activation attempts that were never confirmed. {@link attach} calls
   * it on a timer and sends each frame over the transport its device was last heard on; a caller
   * that drives the simulator with {@link receive} calls it itself (each frame is addressed to
   * `pin:<PIN>` inside).
   */
  poll(): Uint8Array[] {
    return [...this.pendingOut.splice(0), ...this.collectDue().map((d) => d.bytes)];
  }

  /**
   * The administrator's "Regenerate Encryption Key" (Security Technical Overview, page 24): the
   * server starts a key rollover with the device activated for `email` (docs/lifecycle.md), and
   * returns the frames sent now (none when the device's route is unknown: the offer then goes out
   * at the next {@link poll}). Admin event `admin-command` `regenerate-key` when the account has
   * a device here; `key-rolled-over` follows when the device accepts.
   */
  regenerateKey(email: string): number {
    const ctx = this.context();
    let sent = 0;
    for (const [key, session] of this.sessions) {
      if (session.email !== normalizeEmail(email) || !this.isCurrentDevice(session)) continue;
      this.adminCommand(email, 'regenerate-key', session.pin);
      const transport = this.routes.get(key);
      for (const bytes of this.stepInPlace(key, session, { type: 'regenerate-key' }, ctx)) {
        if (transport === undefined) this.pendingOut.push(bytes);
        else transport.send(bytes).catch(() => this.logger('send failed', { pin: session.pin }));
        sent += 1;
      }
    }
    return sent;
  }

  /** Frames the administrator's calls produced for devices without a known route, for the caller of {@link poll}. */
  private readonly pendingOut: Uint8Array[] = [];

  /** Whether the device activated for `email` has yet to acknowledge the current IT policy update. */
  policyPending(email: string): { policyId: string; sends: number } | undefined {
    for (const session of this.sessions.values()) {
      if (session.email !== normalizeEmail(email) || !this.isCurrentDevice(session)) continue;
      const push = session.push;
      if (push) return { policyId: push.policy.id, sends: push.sends };
    }
    return undefined;
  }

  /**
   * The administrator's failure log: the last 1000 {@link AdminEvent}s (failed attempts, refused
   * requests), oldest first, optionally for one email address.
   */
  adminLog(email?: string): AdminEvent[] {
    const key = email === undefined ? undefined : normalizeEmail(email);
    return this.adminEvents.filter((e) => key === undefined || e.email === key).map((e) => ({ ...e }));
  }

  /** How many ETP.DATs were refused before reaching an account, by reason. */
  refusedRequests(): Readonly<Record<RefusalReason, number>> {
    return { ...this.refusals };
  }

  /** The last IT policy acknowledgement from the device activated for `email`, if any. */
  policyAck(email: string): PolicyAck | undefined {
    const pin = this.accounts.get(email)?.device?.pin;
    if (pin === undefined) return undefined;
    let latest: PolicyAck | undefined;
    for (const session of this.sessions.values()) {
      if (session.pin === pin && session.phase === 'complete') latest = session.policyAck;
    }
    return latest;
  }

  /** Adds a user account (optionally with an activation password: status "Initializing"). */
  addUser(user: NewUser): Account {
    return this.accounts.add(user);
  }

  /**
   * A random activation password (10 characters from an alphabet without look-alikes, about 50
   * bits), from the simulator's injected random source. Set it with {@link setActivationPassword}.
   */
  generateActivationPassword(length?: number): string {
    return generateActivationPassword(this.random, length);
  }

  /**
   * Sets a new activation password (default lifetime 48 hours, at most 720; at least 8 characters).
   * On an activated account it means re-activation (docs/lifecycle.md): the device stays live and
   * the account "Activated" until an activation with the new password commits, which then replaces
   * the device (the same PIN: a new key; another PIN: the old device is retired).
   */
  setActivationPassword(email: string, password: string, lifetimeHours?: number): void {
    this.accounts.setActivationPassword(email, password, lifetimeHours);
    this.adminCommand(email, 'set-activation-password');
  }

  /**
   * Expires the account's activation password now, as BES's "Expire an existing activation
   * password" (0 hours; the Handheld Management Guide): it no longer activates, and `account().status`
   * reads "Activation password expired". INVALID_ARGUMENT for an unknown user or one without a password.
   */
  expireActivationPassword(email: string): void {
    this.accounts.expirePassword(email);
    this.adminCommand(email, 'expire-activation-password');
  }

  /**
   * Sends the service books to the account's device again (docs/lifecycle.md): the device replaces
   * its books and acknowledges; until it does, they are sent again every `policyRetransmitMs`.
   * Returns false when the account has no activated device with a session here.
   */
  resendServiceBooks(email: string): boolean {
    return this.onCurrentSession(email, 'resend-service-books', (key, session, ctx, sendNow) =>
      this.stepInPlace(key, session, { type: 'resend-books', sendNow }, ctx),
    );
  }

  /**
   * Sends the IT policy in force to the account's device again (BES's "Resend an IT policy to a
   * device manually"): acknowledged like an update, sent again until it is. Returns false when the
   * account has no activated device with a session here.
   */
  resendItPolicy(email: string): boolean {
    return this.onCurrentSession(email, 'resend-it-policy', (key, session, ctx, sendNow) =>
      this.stepInPlace(key, session, { type: 'push-policy', policy: this.itPolicy, sendNow }, ctx),
    );
  }

  /**
   * Wipes the account's device (BES's "Delete all device data and disable device"): it is sent
   * `device-command` wipe (now where its route is known, else at the next poll; again until it
   * acknowledges), and the account loses its device. Returns false when the account has no
   * activated device with a session here (the account loses its device all the same).
   */
  wipe(email: string): boolean {
    const found = this.currentSession(email);
    const account = this.accounts.get(email);
    if (!account) throw new ActivationError('INVALID_ARGUMENT', 'no such user', { field: 'email' });
    const pin = account.device?.pin;
    if (found) {
      this.retireSession(found[0], found[1], 'wipe', this.context());
      this.tellAdmin({ type: 'device-retired', at: this.now(), email: account.email, pin: found[1].pin, reason: 'wiped' });
    }
    this.accounts.deviceRemoved(email);
    this.tellAdmin({ type: 'admin-command', at: this.now(), email: account.email, command: 'wipe', ...(pin ? { pin } : {}) });
    return found !== undefined;
  }

  /** Runs `fn` on the session of the account's current device, tells the administrator; false without one. */
  private onCurrentSession(
    email: string,
    command: 'resend-service-books' | 'resend-it-policy',
    fn: (key: string, session: ServerSessionState, ctx: Omit<ServerEnv, 'account'>, sendNow: boolean) => Uint8Array[],
  ): boolean {
    if (!this.accounts.get(email)) throw new ActivationError('INVALID_ARGUMENT', 'no such user', { field: 'email' });
    const found = this.currentSession(email);
    if (!found) return false;
    const [key, session] = found;
    const transport = this.routes.get(key);
    for (const bytes of fn(key, session, this.context(), transport !== undefined)) {
      transport?.send(bytes).catch(() => this.logger('send failed', { pin: session.pin }));
    }
    this.adminCommand(email, command, session.pin);
    return true;
  }

  private adminCommand(
    email: string,
    command: Extract<AdminEvent, { type: 'admin-command' }>['command'],
    pin = this.accounts.get(email)?.device?.pin,
  ): void {
    this.tellAdmin({ type: 'admin-command', at: this.now(), email: normalizeEmail(email), command, ...(pin ? { pin } : {}) });
  }

  /**
   * The account as the administrator sees it, at the simulator's clock; never the password.
   * `status` says when the password is no longer valid ("Activation password locked" after 5
   * failed attempts, "Activation password expired"); `hasPassword` is true only for a password
   * that can still activate; `passwordExpiresAt` is when the current password expires (expired).
   */
  account(email: string): AccountView | undefined {
    const a = this.accounts.get(email);
    if (!a) return undefined;
    const status = adminStatusOf(a, this.now());
    const pw = a.password;
    const view: AccountView = {
      email: a.email,
      displayName: a.displayName,
      status,
      failedAttempts: pw?.failedAttempts ?? 0,
      locked: status === 'Activation password locked',
      hasPassword: pw !== undefined && status !== 'Activation password locked' && status !== 'Activation password expired',
      ...(pw ? { passwordExpiresAt: pw.expiresAt } : {}),
    };
    // Why the last activation failed or was refused: the handset that did not prove the password
    // was not told (docs/protocol.md, "What a peer learns"); the administrator is.
    const withFailure = a.lastFailure ? { ...view, lastFailure: { ...a.lastFailure } } : view;
    return a.device ? { ...withFailure, devicePin: a.device.pin } : withFailure;
  }

  /**
   * The sans-I/O entry point: processes one frame and returns the frames to send back. Never
   * throws for bad input: undecodable or unexpected frames are logged and dropped.
   */
  receive(bytes: Uint8Array, meta?: FrameMeta): Uint8Array[] {
    return this.handle(bytes, undefined, meta);
  }

  private handle(bytes: Uint8Array, origin: Transport | undefined, meta?: FrameMeta): Uint8Array[] {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      this.logger('frame dropped', { reason: isActivationError(err) ? err.code : 'error' });
      return [];
    }
    if (frame.to.startsWith('pin:')) return [];
    const ctx = this.context();
    try {
      if (frame.type === 'etp-dat') return this.onEtpDatFrame(bytes, frame, ctx, origin, meta);
      const candidates = this.sessions.candidates(frame.sid, frame.pin);
      const route = routeFrame(frame, candidates, {
        provider: this.provider,
        sidKnown: candidates.length === 0 && this.sessions.hasSid(frame.sid),
      });
      if (route.to === 'nowhere') return this.apply(route.outputs);
      const session = this.sessions.get(route.key);
      if (session === undefined) return [];
      if (origin && frame.type !== 'error') this.routes.set(route.key, origin);
      return this.stepSession(route.key, session, { type: 'frame', frame }, ctx);
    } catch (err) {
      if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED')) {
        return this.drop(`rejected ${frame.type}: ${err.code}`, frame);
      }
      throw err;
    }
  }

  /**
   * An ETP.DAT: a new session keyed by (sid, PIN, email, share), or a replay. The same bytes again
   * get the same reply while the session is in phase 1, and nothing afterwards; other bytes under
   * the key of an earlier request are dropped. Neither starts a second CPace run against the share
   * (docs/protocol.md, "Sessions").
   */
  private onEtpDatFrame(
    bytes: Uint8Array,
    frame: Frame,
    ctx: Omit<ServerEnv, 'account'>,
    origin: Transport | undefined,
    meta: FrameMeta | undefined,
  ): Uint8Array[] {
    // Refused before any decoding: an unvouched request costs the server nothing more.
    if (this.requireRelayVouch && meta?.vouched !== true) return this.refuseEtpDat(frame, 'unvouched', meta);
    const etp = decodeEtpDat(frame.body);
    const key = sessionKey(frame.sid, frame.pin, etp.header.email, etp.share, this.provider);
    const digest = this.provider.sha256(bytes);
    const seen = this.replays.check(key, digest, ctx.now);
    const existing = this.sessions.get(key);
    const known = routeEtpDat(frame, existing, seen);
    if (known !== undefined) {
      if (origin && existing) this.routes.set(key, origin);
      return this.apply(known);
    }
    // Only a request that would open a new session takes a token.
    const limited = this.admission.admit(frame.pin, typeof meta?.source === 'string' ? meta.source : undefined, this.now());
    if (limited !== undefined) return this.refuseEtpDat(frame, limited, meta);
    const result = startServerSession(frame, etp, { ...ctx, account: this.accounts.get(etp.header.email) });
    const sends = this.apply(result.outputs);
    if (result.state) {
      // Kept for the password's lifetime (a dummy's: the default lifetime).
      const expiresAt = this.accounts.get(result.state.email)?.password?.expiresAt;
      this.replays.remember(key, digest, expiresAt ?? ctx.now + DEFAULT_PASSWORD_LIFETIME_HOURS * 3_600_000);
      if (origin) this.routes.set(key, origin);
      this.keep(key, result.state);
    }
    return sends;
  }

  /**
   * Steps the session under `key` with a frame and keeps what it became, as the most recently
   * active session (a step that changed nothing, such as a dropped frame, leaves it where it is).
   */
  private stepSession(key: string, session: ServerSessionState, input: ServerInput, ctx: Omit<ServerEnv, 'account'>): Uint8Array[] {
    const result = serverStep(session, input, { ...ctx, account: this.accounts.get(session.email) });
    const sends = this.apply(result.outputs);
    if (result.state !== session) this.keep(key, result.state);
    return sends;
  }

  /** Steps the session under `key` with an input of the server's own (a push, a tick), leaving its place in the LRU order. */
  private stepInPlace(key: string, session: ServerSessionState, input: ServerInput, ctx: Omit<ServerEnv, 'account'>): Uint8Array[] {
    const result = serverStep(session, input, { ...ctx, account: this.accounts.get(session.email) });
    const sends = this.apply(result.outputs);
    if (result.state !== session) this.sessions.replace(key, result.state);
    return sends;
  }

  /** Performs a step's outputs in order; returns the frames to send (copies). */
  private apply(outputs: readonly ServerOutput[]): Uint8Array[] {
    const sends: Uint8Array[] = [];
    for (const output of outputs) {
      switch (output.type) {
        case 'send':
          sends.push(output.bytes);
          break;
        case 'log':
          this.logger(output.event, output.detail);
          break;
        case 'account':
          this.accounts.apply(output.change);
          break;
        case 'device-replaced':
          this.replaceDevice(output);
          break;
        case 'device-retired':
          this.tellAdmin({ type: 'device-retired', at: this.now(), email: output.email, pin: output.pin, reason: output.reason });
          break;
        case 'command-acknowledged':
          this.tellAdmin({
            type: 'device-command-acknowledged',
            at: this.now(),
            email: output.email,
            pin: output.pin,
            command: output.command,
          });
          break;
        case 'attempt-failed': {
          // The count after the changes before it in the same step.
          const attempts = this.accounts.get(output.email)?.password?.failedAttempts ?? 0;
          this.tellAdmin({
            type: 'attempt-failed',
            at: this.now(),
            email: output.email,
            pin: output.pin,
            attempts,
            locked: attempts >= MAX_FAILED_ATTEMPTS,
            reason: output.reason,
          });
          break;
        }
        case 'key-rolled-over':
          this.tellAdmin({
            type: 'key-rolled-over',
            at: this.now(),
            email: output.email,
            pin: output.pin,
            keyId: output.keyId,
            reason: output.reason,
          });
          break;
      }
    }
    return sends;
  }

  /**
   * Answers frames arriving on `transport` over the same transport, passing on what the transport
   * knows of each frame's origin (`FrameMeta`: relay vouching, source label). While anything is
   * attached, a timer (unref'd: it never keeps a process alive) runs {@link poll} and sends what
   * is due, such as unacknowledged IT policy updates. Returns a function that detaches.
   */
  attach(transport: Transport): () => void {
    const off = transport.onFrame((bytes, meta) => {
      for (const out of this.handle(bytes, transport, meta)) {
        transport.send(out).catch((err: unknown) => this.logger('send failed', { reason: isActivationError(err) ? err.code : 'error' }));
      }
    });
    const detach = () => {
      off();
      for (const [key, t] of this.routes) if (t === transport) this.routes.delete(key);
      this.detachers.delete(detach);
      if (this.detachers.size === 0) this.stopTimer();
    };
    this.detachers.add(detach);
    this.startTimer();
    return detach;
  }

  /** Detaches from every transport (and stops the retransmission timer). */
  close(): void {
    for (const detach of [...this.detachers]) detach();
    this.stopTimer();
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    // A quarter of the interval, so that a frame goes out at most a quarter late; at least every
    // minute (unconfirmed attempts are reported within one), at most every 10 ms. One-shot timers
    // armed again after each poll (not setInterval): that is all TimerApi offers, so that the
    // injected clock's timers drive it too.
    const period = Math.max(10, Math.min(60_000, Math.floor(this.retransmitMs / 4)));
    const arm = (): void => {
      const handle: unknown = this.timers.setTimeout(() => {
        this.pollAttached();
        // Again only while this loop's timer is still the simulator's: a send during the poll may
        // have closed it (the timer cleared) and attached again (a new loop started), and then
        // re-arming here would make two loops polling side by side.
        if (handle !== undefined && this.timer === handle) arm();
      }, period);
      this.timer = handle;
      // The poll alone must not keep a Node process running (a platform timer has unref).
      (handle as { unref?: () => void } | null)?.unref?.();
    };
    arm();
  }

  /** One poll on the timer: sends what is due to the transport each device was last heard on. */
  private pollAttached(): void {
    try {
      for (const { bytes, transport } of this.collectDue()) {
        if (!transport) continue;
        transport.send(bytes).catch(() => this.logger('send failed', { reason: 'retransmission' }));
      }
    } catch (err) {
      // A timer callback must never throw into the event loop.
      this.logger('poll failed', { reason: isActivationError(err) ? err.code : 'error' });
    }
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Frames due now, each with the transport its device was last heard on (if any). */
  private collectDue(): { bytes: Uint8Array; transport: Transport | undefined }[] {
    const ctx = this.context();
    const due: { bytes: Uint8Array; transport: Transport | undefined }[] = [];
    for (const [key, session] of this.sessions) {
      for (const bytes of this.stepInPlace(key, session, { type: 'tick' }, ctx)) due.push({ bytes, transport: this.routes.get(key) });
    }
    return due;
  }

  /**
   * One device per user (docs/lifecycle.md): an activation committed for an account that had a
   * device. Another PIN: the old device's sessions are retired and sent `device-command`
   * deactivate (now where its route is known, else at the next poll). The same PIN: the device
   * holds the new key already; its old sessions are dropped, without a command.
   */
  private replaceDevice(replaced: Extract<ServerOutput, { type: 'device-replaced' }>): void {
    const ctx = this.context();
    for (const [key, session] of [...this.sessions]) {
      if (session.email !== replaced.email || session.transportKey === undefined) continue;
      if (bytesToHex(session.transportKey.keyId) === bytesToHex(replaced.keyId)) continue;
      if (session.pin === replaced.pin) {
        if (session.phase === 'complete' || session.phase === 'retired') {
          this.sessions.delete(key);
          this.routes.delete(key);
          this.logger('old session of a re-activated device dropped', { pin: session.pin });
        }
        continue;
      }
      if (session.pin !== replaced.previous.pin || session.phase !== 'complete') continue;
      this.retireSession(key, session, 'deactivate', ctx);
      this.tellAdmin({ type: 'device-retired', at: ctx.now, email: replaced.email, pin: session.pin, reason: 'replaced' });
    }
  }

  /** Steps a session into `retired` with `command`, sending it now where its route is known. */
  private retireSession(key: string, session: ServerSessionState, command: 'deactivate' | 'wipe', ctx: Omit<ServerEnv, 'account'>): void {
    const transport = this.routes.get(key);
    for (const bytes of this.stepInPlace(key, session, { type: 'retire', command, sendNow: transport !== undefined }, ctx)) {
      transport?.send(bytes).catch(() => this.logger('send failed', { pin: session.pin }));
    }
  }

  /** The session of the device activated for `email` now, with its key, if any. */
  private currentSession(email: string): [string, ServerSessionState] | undefined {
    const address = normalizeEmail(email);
    for (const entry of this.sessions) if (entry[1].email === address && this.isCurrentDevice(entry[1])) return entry;
    return undefined;
  }

  /** The session of the device the account is activated with now (its current transport key). */
  private isCurrentDevice(session: ServerSessionState): boolean {
    return isCurrentDevice(session, this.accounts.get(session.email));
  }

  /**
   * Refuses an ETP.DAT before it reaches an account (finding 10): unvouched while
   * `requireRelayVouch` is set, or over the rate limit of its PIN or source (only a request that
   * would open a new session takes a token). A refused request is not an attempt; it is logged,
   * counted and reported to the administrator.
   */
  private refuseEtpDat(frame: Frame, reason: RefusalReason, meta: FrameMeta | undefined): Uint8Array[] {
    this.refusals[reason] += 1;
    const email = frame.to.startsWith('mailto:') ? normalizeEmail(frame.to.slice('mailto:'.length)) : undefined;
    this.logger('ETP.DAT refused', { reason, pin: frame.pin, ...(meta?.source !== undefined ? { source: meta.source } : {}) });
    this.tellAdmin({
      type: 'etp-dat-refused',
      at: this.now(),
      pin: frame.pin,
      ...(email !== undefined ? { email } : {}),
      ...(typeof meta?.source === 'string' ? { source: meta.source } : {}),
      reason,
    });
    return [];
  }

  private tellAdmin(event: AdminEvent): void {
    this.adminEvents.push(event);
    if (this.adminEvents.length > MAX_ADMIN_LOG) this.adminEvents.splice(0, this.adminEvents.length - MAX_ADMIN_LOG);
    try {
      this.onAdminEvent?.({ ...event });
    } catch {
      // The administrator's callback cannot break the server.
    }
  }

  /**
   * The server's whole state (identity and domain key, accounts, sessions, policy, user data) as
   * bytes sealed under `storageKey` (32 bytes). {@link BesSimulator.restore} continues from it.
   * Against rollback (an older snapshot would bring back older failed-attempt counters and
   * policies), pass an increasing `generation` and give the latest to `restore` as `minGeneration`.
   */
  snapshot(storageKey: Uint8Array, options: SnapshotSealOptions = {}): Uint8Array {
    return sealSimulatorSnapshot(
      {
        identity: this.identity,
        policy: this.policy,
        itPolicy: this.servicesConfig.policy,
        accounts: this.accounts.toData(),
        sessions: [...this.sessions.entries()],
        userData: [...this.userData.entries()],
        // Without these a restored server would answer a replayed ETP.DAT with a second CPace run
        // and derive other dummy passwords (docs/protocol.md, "Sessions").
        replays: this.replays.toData(),
        ...(this.secret !== undefined ? { dummySecret: this.secret } : {}),
      },
      storageKey,
      this.provider,
      this.random,
      options,
    );
  }

  /**
   * A simulator that continues from a snapshot, as after a server restart: same identity, accounts
   * and sessions (mid-activation included). Attach it to transports again; handsets that were
   * waiting send their last request again and get their answer. A snapshot older than
   * `minGeneration` is refused with ActivationError('STALE_SNAPSHOT'); one whose content does not
   * check (one schema per session phase) with ActivationError('MALFORMED') naming the field.
   * Snapshots written before the session layout of issue 11 are read too.
   */
  static restore(
    snapshot: Uint8Array,
    storageKey: Uint8Array,
    restoreOptions: Omit<BesSimulatorOptions, 'srp' | 'relay' | 'name' | 'version' | 'besDomain' | 'domainKeySeed' | 'suites' | 'ciphers'> &
      SnapshotOpenOptions = {},
  ): BesSimulator {
    const { minGeneration, ...options } = restoreOptions;
    const provider = options.provider ?? nobleProvider;
    const data = openSimulatorSnapshot(snapshot, storageKey, provider, { minGeneration });
    const sim = new BesSimulator({
      ...options,
      srp: data.identity.srp,
      relay: data.identity.relay,
      name: data.identity.name,
      version: data.identity.version,
      besDomain: data.identity.besDomain,
      suites: data.policy.suites,
      ciphers: data.policy.ciphers,
      services: { ...options.services, policy: data.itPolicy },
      domainKey: data.identity.domainKey,
    });
    sim.accounts.loadData(data.accounts);
    for (const [key, session] of data.sessions) sim.sessions.set(key, session);
    for (const [email, records] of data.userData) sim.userData.set(email, records);
    sim.replays.loadData(data.replays);
    if (data.dummySecret !== undefined) sim.secret = data.dummySecret;
    return sim;
  }

  /** Phase of the session with this id (hex), for tests and tools. */
  sessionPhase(sidHex: string): string | undefined {
    // Sessions are keyed by more than the id (session-table.ts): the one furthest along, if several.
    let phase: string | undefined;
    for (const session of this.sessions.values()) {
      if (bytesToHex(session.sid) !== sidHex) continue;
      if (phase === undefined || phase === 'awaiting-confirm' || phase === 'failed') phase = session.phase;
    }
    return phase;
  }

  /**
   * Keeps `session` under `key` as the most recently active; past {@link MAX_SESSIONS}, the least
   * recently active session goes (and its route).
   */
  private keep(key: string, session: ServerSessionState): void {
    this.sessions.delete(key);
    this.sessions.set(key, session);
    if (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) {
        this.sessions.delete(oldest);
        this.routes.delete(oldest);
      }
    }
  }

  private drop(reason: string, frame: Frame): Uint8Array[] {
    this.logger('frame dropped', { reason, type: frame.type, pin: frame.pin, seq: frame.seq });
    return [];
  }

  /** What every step is given but the account: the configuration, the time of this input and the randomness. */
  private context(): Omit<ServerEnv, 'account'> {
    return {
      provider: this.provider,
      random: this.random,
      now: this.now(),
      identity: this.identity,
      policy: this.policy,
      services: this.servicesConfig,
      dummySecret: (this.secret ??= this.random(32)),
      replyToUnknownUsers: this.replyToUnknownUsers,
      claimTimeoutMs: this.accounts.claimTimeoutMs,
      policyRetransmitMs: this.retransmitMs,
      keyRolloverMs: this.keyRolloverMs,
      rekeyRetransmitMs: this.rekeyRetransmitMs,
      ...(this.disableUnappliedPolicyAfterMs !== undefined ? { disableUnappliedPolicyAfterMs: this.disableUnappliedPolicyAfterMs } : {}),
    };
  }
}
