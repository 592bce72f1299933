/**
 * The reference server peer: a BES simulator that runs the server side of every activation flow,
 * in process. It keeps user accounts, answers handsets over any {@link Transport}, and can act as
 * a given server version. Time and randomness are injected, so runs are reproducible.
 */
import { ActivationError, isActivationError } from '../errors/activation-error.js';
import type { CPaceSuiteId, CryptoProvider, KeyPair, RandomSource, TransportKeyAlgorithm } from '../crypto/provider.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import { systemRandom } from '../crypto/seeded-random.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../wire/etp/etp-header.js';
import { decodeFrame, type Frame } from '../wire/frame.js';
import { bytesToHex } from '../util/bytes.js';
import { formatServerVersion, parseServerVersion, type ServerVersion } from '../server-version/server-version.js';
import { openSnapshot, sealSnapshot } from '../persistence/sealed-snapshot.js';
import type { Transport } from '../transport/transport.js';
import { AccountStore, type Account, type NewUser } from './accounts.js';
import type { ServerIdentity, ServerPolicy } from './server-config.js';
import {
  type ServerContext,
  type ServerSession,
  type ServerStep,
  onEtpDat,
  onHandsetConfirm,
  onKeyVerified,
} from './server-session.js';
import {
  afterKeyVerified,
  lastPolicyAck,
  policyFrame,
  SERVICE_PHASE_HANDLERS,
  type ServicesConfig,
  resolveServicesConfig,
} from './server-services.js';
import { createPolicy, type ItPolicy } from '../policy/policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { RuleValue } from '../policy/rules.js';
import type { SyncData } from '../sync/databases.js';

export interface BesSimulatorOptions {
  /** SRP identifier. Default "S0000001". */
  readonly srp?: string;
  /** Relay host. Default "relay.blackberry.test". */
  readonly relay?: string;
  /** Display name. Default "BES01". */
  readonly name?: string;
  /**
   * The server to act as: flavour and version with service pack and maintenance release, as text
   * ("BES for Domino 4.1 SP6 MR4", "4.1.6 MR4", "besx500sp4") or parsed. Default: Exchange 5.0 SP4.
   */
  readonly version?: string | ServerVersion;
  /** BES domain, used in service books. Default "BESDomain". */
  readonly besDomain?: string;
  /** CPace suites accepted. Default: both. */
  readonly suites?: readonly CPaceSuiteId[];
  /** Transport key algorithms the server may issue (e.g. ['TDES-EDE2-CBC'] for an old server). Default: both. */
  readonly ciphers?: readonly TransportKeyAlgorithm[];
  /** Seed of the server domain's signing key (32 bytes). Default: random. */
  readonly domainKeySeed?: Uint8Array;
  /** The server domain's signing key pair itself (takes precedence over `domainKeySeed`). */
  readonly domainKey?: KeyPair;
  readonly now?: () => number;
  readonly random?: RandomSource;
  readonly provider?: CryptoProvider;
  /** Receives secret-free log events. */
  readonly log?: (event: string, detail?: Record<string, unknown>) => void;
  /** IT policy, service books and synchronization settings. */
  readonly services?: Partial<ServicesConfig>;
  /**
   * How long an activation that has proved the password may take to finish before another
   * activation may use the password instead (ms). Default 10 minutes.
   */
  readonly claimTimeoutMs?: number;
}

/** Sessions kept (finished ones too, so that a replayed ETP.DAT is recognised). */
const MAX_SESSIONS = 10_000;

export class BesSimulator {
  readonly accounts: AccountStore;
  readonly identity: ServerIdentity;
  /** The server version this simulator acts as. */
  readonly serverVersion: ServerVersion;
  readonly policy: ServerPolicy;
  private servicesConfig: ServicesConfig;
  private readonly provider: CryptoProvider;
  private readonly random: RandomSource;
  private readonly now: () => number;
  private readonly logger: (event: string, detail?: Record<string, unknown>) => void;
  private readonly sessions = new Map<string, ServerSession>();
  private readonly detachers = new Set<() => void>();
  /** Where each session's handset was last heard from, for messages the server starts (policy updates). */
  private readonly routes = new Map<string, Transport>();
  private readonly userData = new Map<string, SyncData>();

  constructor(options: BesSimulatorOptions = {}) {
    this.provider = options.provider ?? nobleProvider;
    this.random = options.random ?? systemRandom;
    this.now = options.now ?? (() => Date.now());
    this.logger = options.log ?? (() => {});
    this.accounts = new AccountStore(this.now, options.claimTimeoutMs);
    const version = options.version ?? 'BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4';
    this.serverVersion = typeof version === 'string' ? parseServerVersion(version) : version;
    this.identity = {
      srp: options.srp ?? 'S0000001',
      relay: options.relay ?? 'relay.blackberry.test',
      name: options.name ?? 'BES01',
      version: formatServerVersion(this.serverVersion),
      besDomain: options.besDomain ?? 'BESDomain',
      domainKey: options.domainKey ?? this.provider.signingKeyPair(options.domainKeySeed ?? this.random(32)),
    };
    if (!/^\S{1,64}$/.test(this.identity.srp)) {
      throw new ActivationError('INVALID_ARGUMENT', 'the SRP identifier must be 1 to 64 characters without spaces', { field: 'srp' });
    }
    if (!this.identity.relay || this.identity.relay.length > 253 || !this.identity.name || this.identity.name.length > 128) {
      throw new ActivationError('INVALID_ARGUMENT', 'relay (1-253 characters) and name (1-128) are required', { field: 'relay/name' });
    }
    const suites = options.suites ?? CPACE_SUITE_IDS;
    const ciphers = options.ciphers ?? TRANSPORT_KEY_ALGORITHMS;
    if (suites.length === 0 || ciphers.length === 0) {
      throw new ActivationError('INVALID_ARGUMENT', 'the server needs at least one suite and one cipher', { field: 'suites/ciphers' });
    }
    this.policy = { suites: [...suites], ciphers: [...ciphers] };
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
    return this.servicesConfig;
  }

  /** The IT policy in force. */
  get itPolicy(): ItPolicy {
    return this.servicesConfig.policy;
  }

  /**
   * Issues a new IT policy: new activations get it, and every activated device is sent it now
   * (signed, sealed under its transport key) and acknowledges it. Returns the number of devices sent to.
   */
  updatePolicy(id: string, rules: Readonly<Record<string, RuleValue>>): number {
    const policy = createPolicy(id, this.identity.version, this.now(), rules);
    this.servicesConfig = { ...this.servicesConfig, policy };
    let sent = 0;
    const ctx = this.context();
    for (const [key, session] of this.sessions) {
      const transport = this.routes.get(key);
      if (session.phase !== 'complete' || !transport) continue;
      const bytes = policyFrame(session, ctx, policy, -1);
      transport.send(bytes).catch(() => this.logger('send failed', { pin: session.pin }));
      sent += 1;
    }
    this.logger('IT policy updated', { policyId: id, devices: sent });
    return sent;
  }

  /** The last IT policy acknowledgement from the device activated for `email`, if any. */
  policyAck(email: string): PolicyAck | undefined {
    const pin = this.accounts.get(email)?.device?.pin;
    if (pin === undefined) return undefined;
    let latest: PolicyAck | undefined;
    for (const session of this.sessions.values()) {
      if (session.pin === pin && session.phase === 'complete') latest = lastPolicyAck(session) ?? latest;
    }
    return latest;
  }

  /** Adds a user account (optionally with an activation password: status "Initializing"). */
  addUser(user: NewUser): Account {
    return this.accounts.add(user);
  }

  /** Sets a new activation password (default lifetime 48 hours, at most 720). */
  setActivationPassword(email: string, password: string, lifetimeHours?: number): void {
    this.accounts.setActivationPassword(email, password, lifetimeHours);
  }

  /** The account's public state: status, failed attempts, device; never the password. */
  account(email: string): { email: string; displayName: string; status: string; failedAttempts: number; hasPassword: boolean; devicePin?: string } | undefined {
    const a = this.accounts.get(email);
    if (!a) return undefined;
    const view = { email: a.email, displayName: a.displayName, status: a.status, failedAttempts: a.password?.failedAttempts ?? 0, hasPassword: a.password !== undefined };
    return a.device ? { ...view, devicePin: a.device.pin } : view;
  }

  /**
   * The sans-I/O entry point: processes one frame and returns the frames to send back. Never
   * throws for bad input: undecodable or unexpected frames are logged and dropped.
   */
  receive(bytes: Uint8Array): Uint8Array[] {
    return this.handle(bytes, undefined);
  }

  private handle(bytes: Uint8Array, origin: Transport | undefined): Uint8Array[] {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      this.logger('frame dropped', { reason: isActivationError(err) ? err.code : 'error' });
      return [];
    }
    if (frame.to.startsWith('pin:')) return [];
    const key = bytesToHex(frame.sid);
    const ctx = this.context();
    if (origin && (frame.type === 'etp-dat' || this.sessions.has(key))) this.routes.set(key, origin);
    try {
      const existing = this.sessions.get(key);
      if (frame.type === 'etp-dat') {
        if (existing) return existing.lastReply?.forSeq === 0 && existing.recvSeq <= 1 ? [existing.lastReply.bytes.slice()] : this.drop('replayed ETP.DAT', frame);
        return this.keep(key, onEtpDat(frame, ctx));
      }
      if (!existing) return this.drop('frame of no known session', frame);
      if (frame.pin !== existing.pin) return this.drop('frame from another PIN', frame);
      if (frame.type === 'error') {
        if (existing.phase !== 'complete' && existing.phase !== 'failed') {
          existing.phase = 'failed';
          this.accounts.attemptFailed(existing.email, 'handset aborted');
          this.accounts.releaseClaim(existing.email, key);
          this.logger('handset aborted', { pin: existing.pin });
        }
        return [];
      }
      // A repeated request (its reply was lost) gets the same reply again, byte for byte; this
      // includes a request the server answered with an error.
      if (existing.lastReply && existing.lastReply.forSeq === frame.seq) return [existing.lastReply.bytes.slice()];
      if (frame.seq < existing.recvSeq) return this.drop('old frame', frame);
      if (existing.phase === 'failed') return this.drop('frame of a failed session', frame);
      if (frame.seq > existing.recvSeq) return this.drop('frame out of order', frame);
      return this.keep(key, this.dispatch(existing, frame, ctx));
    } catch (err) {
      if (isActivationError(err) && (err.code === 'MALFORMED' || err.code === 'DECRYPT_FAILED')) {
        return this.drop(`rejected ${frame.type}: ${err.code}`, frame);
      }
      throw err;
    }
  }

  /** Answers frames arriving on `transport` over the same transport. Returns a function that detaches. */
  attach(transport: Transport): () => void {
    const off = transport.onFrame((bytes) => {
      for (const out of this.handle(bytes, transport)) {
        transport.send(out).catch((err: unknown) => this.logger('send failed', { reason: isActivationError(err) ? err.code : 'error' }));
      }
    });
    const detach = () => {
      off();
      for (const [key, t] of this.routes) if (t === transport) this.routes.delete(key);
      this.detachers.delete(detach);
    };
    this.detachers.add(detach);
    return detach;
  }

  /** Detaches from every transport. */
  close(): void {
    for (const detach of [...this.detachers]) detach();
  }

  /**
   * The server's whole state (identity and domain key, accounts, sessions, policy, user data) as
   * bytes sealed under `storageKey` (32 bytes). {@link BesSimulator.restore} continues from it.
   */
  snapshot(storageKey: Uint8Array): Uint8Array {
    return sealSnapshot(
      'bes-simulator',
      {
        identity: this.identity,
        policy: this.policy,
        itPolicy: this.servicesConfig.policy,
        accounts: this.accounts.toData(),
        sessions: [...this.sessions.entries()],
        userData: [...this.userData.entries()],
      },
      storageKey,
      this.provider,
      this.random,
    );
  }

  /**
   * A simulator that continues from a snapshot, as after a server restart: same identity, accounts
   * and sessions (mid-activation included). Attach it to transports again; handsets that were
   * waiting send their last request again and get their answer.
   */
  static restore(snapshot: Uint8Array, storageKey: Uint8Array, options: Omit<BesSimulatorOptions, 'srp' | 'relay' | 'name' | 'version' | 'besDomain' | 'domainKeySeed' | 'suites' | 'ciphers'> = {}): BesSimulator {
    const provider = options.provider ?? nobleProvider;
    const data = openSnapshot('bes-simulator', snapshot, storageKey, provider) as {
      identity: ServerIdentity;
      policy: ServerPolicy;
      itPolicy: ItPolicy;
      accounts: Account[];
      sessions: [string, ServerSession][];
      userData: [string, SyncData][];
    };
    if (!data || typeof data !== 'object' || !data.identity || !Array.isArray(data.accounts) || !Array.isArray(data.sessions)) {
      throw new ActivationError('MALFORMED', 'simulator snapshot: missing fields', { operation: 'restore simulator' });
    }
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
    for (const [email, records] of data.userData ?? []) sim.userData.set(email, records);
    return sim;
  }

  /** Phase of the session with this id (hex), for tests and tools. */
  sessionPhase(sidHex: string): string | undefined {
    return this.sessions.get(sidHex)?.phase;
  }

  private dispatch(session: ServerSession, frame: Frame, ctx: ServerContext): ServerStep {
    if (session.phase === 'awaiting-confirm' && frame.type === 'handset-confirm') return onHandsetConfirm(session, frame, ctx);
    if (session.phase === 'awaiting-key-verified' && frame.type === 'key-verified') return onKeyVerified(session, frame, ctx, afterKeyVerified(this.services));
    const handler = SERVICE_PHASE_HANDLERS[session.phase]?.[frame.type];
    if (handler) return handler(session, frame, ctx, this.services);
    return { session, send: this.drop(`unexpected ${frame.type} in ${session.phase}`, frame) };
  }

  private keep(key: string, step: ServerStep): Uint8Array[] {
    if (step.session) {
      this.sessions.delete(key);
      this.sessions.set(key, step.session);
      if (this.sessions.size > MAX_SESSIONS) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) {
          this.sessions.delete(oldest);
          this.routes.delete(oldest);
        }
      }
    }
    // The session keeps its last reply for retransmission; callers get their own copies.
    return step.send.map((bytes) => bytes.slice());
  }

  private drop(reason: string, frame: Frame): Uint8Array[] {
    this.logger('frame dropped', { reason, type: frame.type, pin: frame.pin, seq: frame.seq });
    return [];
  }

  private context(): ServerContext {
    return {
      provider: this.provider,
      random: this.random,
      now: this.now(),
      identity: this.identity,
      policy: this.policy,
      accounts: this.accounts,
      log: this.logger,
    };
  }
}
