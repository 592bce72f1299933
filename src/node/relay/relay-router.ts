/**
 * The relay's routing core, without any I/O (docs/transports.md, "Addresses" and "Routing"):
 * peers by address (`pin:` / `srp:`), the addresses and domains each server serves, a queue per
 * address bounded in frames, bytes and time, `mailto:` frames held until a server registers for
 * them, token checks, receive keys, rate limits and the counters behind {@link RelayStats}.
 *
 * It never touches a socket. Frames for a peer that is connected right now go through the
 * injected {@link PeerDelivery}; the rest wait in the address's queue until the I/O layer takes
 * them ({@link RelayRouter.takeFor}).
 *
 * Memory is bounded for strangers (docs/reliability.md, "Relay limits"): every address slot,
 * queued byte, binding, `serves` entry and rate bucket has a ceiling; address slots live in
 * least-recently-used order and an idle one (no waiting poll, no socket) is evicted, frames and
 * all, to make room, so a flood of new addresses can cost honest peers at most queued frames,
 * never the service.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ActivationError, isActivationError } from '../../errors/activation-error.js';
import { decodeFrame, type Frame } from '../../wire/frame.js';
import { toBase64Url } from '../../util/base64url.js';
import { bytesToHex } from '../../util/bytes.js';
import {
  encodeVouchedFrame,
  normalizeServes,
  parseRelayAddress,
  type RelayAddress,
  type VouchedFrame,
} from '../../transport/relay-protocol.js';
import { deriveVouchKey, vouchMac } from '../../transport/relay-vouch.js';
import { DEFAULT_RELAY_LIMITS, resolveRelayLimits, type RelayLimits } from './relay-limits.js';
import { RateLimiter } from './rate-limiter.js';
import { verifyReceiveCredential } from './receive-auth.js';
import { RelayRefusal } from './relay-refusal.js';

/** Live counters of a relay (`RelayServer.stats`): frames routed, held, dropped, refused, mailed. */
export interface RelayStats {
  /** Frames accepted (POST or WebSocket) with a valid header. */
  received: number;
  /** Frames refused as undecodable. */
  malformed: number;
  /** Frames handed to a connected peer (WebSocket push or long-poll answer). */
  delivered: number;
  /** Frames put in a queue. */
  queued: number;
  /** Frames dropped: from a full queue (the oldest), an evicted address, or expired. */
  dropped: number;
  /** `mailto:` frames held because no server serves the address yet. */
  held: number;
  /** ETP.DAT mails submitted over SMTP / failed. */
  mailed: number;
  /** ETP.DAT mails whose SMTP submission failed. */
  mailFailed: number;
  /** ETP.DATs the relay refused to mail (recipient not the header's, not one valid address, or not an allowed domain). */
  mailRefused: number;
  /** Requests refused for a missing or wrong token or receive credential. */
  unauthorized: number;
  /** ETP.DATs refused by the per-PIN or per-source rate limits. */
  rateLimited: number;
  /** Address slots evicted (least recently used, idle) to make room, or expired. */
  evicted: number;
}

/** One frame waiting in a queue. */
export interface QueuedFrame {
  readonly bytes: Uint8Array;
  /** `<PIN>:<sid hex>` of a frame to a `pin:` address: the session whose receive binding decides who may take it. */
  readonly session: string | undefined;
  /** Opaque label of the sender's network source (see {@link RelayRouter.sourceLabel}). */
  readonly source: string;
  /** When it is dropped unless delivered (ms). */
  readonly expires: number;
}

/** Who is receiving: what {@link RelayRouter.checkReceiver} established. */
export interface Receiver {
  readonly address: RelayAddress;
  /** A handset's receive key (base64url), when it presented a valid credential. */
  readonly receiveKey?: string;
  /** A configured server's vouch key: frames delivered to it carry a MAC. */
  readonly vouchKey?: Uint8Array;
}

/** How the router reaches peers that are connected right now; the I/O layer implements it. */
export interface PeerDelivery {
  /**
   * Hands `item` to an open WebSocket of `address` that may take it (authenticated with
   * `requiredKey` when that is set) and is not backed up; false when none can (the router then
   * queues the frame).
   */
  push(address: string, item: QueuedFrame, requiredKey: string | undefined): boolean;
  /** A frame was queued for `address`: a long-poll of that peer that is waiting may take it. */
  queued(address: string): void;
}

/** Where a sent frame came from, as the I/O layer saw it. */
export interface SendContext {
  /** The sender's IP address (for rate limits and the source label; never stored in clear). */
  readonly ip: string;
  /** The sender's receive key (a handset's POST header or its authenticated WebSocket). */
  readonly receiveKey?: string;
}

/** A server configured on the relay: its token and, optionally, the entries only it serves. */
export interface RelayServerConfig {
  /** The shared secret the server presents as `authorization: Bearer <token>`. */
  readonly token: string;
  /** Email addresses and domains bound to this server; when given, it may register only these. */
  readonly serves?: readonly string[];
}

export interface RelayRouterOptions {
  /** Frames held per address (legacy name of `limits.maxQueueFrames`). */
  readonly maxQueue?: number;
  /** Most address slots (legacy name of `limits.maxAddresses`). */
  readonly maxAddresses?: number;
  readonly limits?: Partial<RelayLimits>;
  /** SRP identifier → token (a server with no bound `serves`). */
  readonly tokens?: Readonly<Record<string, string>>;
  /** SRP identifier → token and bound `serves`. */
  readonly servers?: Readonly<Record<string, RelayServerConfig>>;
  /**
   * ETP.DAT frames to `mailto:` go out by mail (the relay has an SMTP server): {@link RelayRouter.route}
   * returns them as `mail` instead of routing them. Default false.
   */
  readonly mailEtpDat?: boolean;
  /** Connected peers. Default: none (every frame is queued). */
  readonly delivery?: PeerDelivery;
  /** Clock (ms). Default Date.now. */
  readonly now?: () => number;
  readonly log?: (message: string) => void;
}

/** The answer to a sent frame: HTTP status, and for refusals the JSON error body. */
export interface FrameAnswer {
  readonly status: number;
  readonly error?: string;
  readonly message?: string;
}

/**
 * What to do with a frame: `answer` the sender, or `mail` the ETP.DAT to `email` (as the frame
 * gives it) first; the mailing then decides the answer.
 */
export type RouteDecision =
  { readonly kind: 'answer'; readonly answer: FrameAnswer } | { readonly kind: 'mail'; readonly frame: Frame; readonly email: string };

/** What a receiving peer (a long-poll or a WebSocket) presents. */
export interface ReceiverRequest {
  /** `address` parameter: `pin:…` or `srp:…`. */
  readonly address: string | null | undefined;
  /** A `serves` parameter: no longer accepted on receive requests (registration is `POST /v1/register`). */
  readonly serves?: string | null | undefined;
  /** Bearer token presented (header or `?token=`). */
  readonly token?: string | undefined;
  /** Receive credential presented (`authorization: Receive …` or `?receive=`). */
  readonly credential?: string | undefined;
}

interface Slot {
  frames: QueuedFrame[];
  bytes: number;
  /** Waiting polls and open sockets: a slot with any is never evicted. */
  live: number;
  lastUsed: number;
}

interface ServerEntry {
  readonly token: string;
  readonly vouchKey: Uint8Array;
  /** Bound entries; undefined: any entry no other server holds. */
  readonly serves: ReadonlySet<string> | undefined;
}

interface Binding {
  readonly key: string;
  readonly expires: number;
}

const ACCEPTED: RouteDecision = { kind: 'answer', answer: { status: 202 } };

function malformed(message: string): RouteDecision {
  return { kind: 'answer', answer: { status: 400, error: 'MALFORMED', message } };
}

/** Constant-time comparison of two secrets of any length (hashed first, so the length leaks nothing either). */
function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a, 'utf8').digest();
  const y = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}

const NO_DELIVERY: PeerDelivery = { push: () => false, queued: () => undefined };

export class RelayRouter {
  readonly limits: RelayLimits;
  private readonly servers = new Map<string, ServerEntry>();
  private readonly mailEtpDat: boolean;
  private readonly delivery: PeerDelivery;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly counters: RelayStats = {
    received: 0,
    malformed: 0,
    delivered: 0,
    queued: 0,
    dropped: 0,
    held: 0,
    mailed: 0,
    mailFailed: 0,
    mailRefused: 0,
    unauthorized: 0,
    rateLimited: 0,
    evicted: 0,
  };
  /** Every address slot (`pin:…`, `srp:…`, `mailto:…`), least recently used first. */
  private readonly slots = new Map<string, Slot>();
  private totalBytes = 0;
  /** Email address or domain (lower case) → the `srp:` address that serves it. */
  private readonly servedBy = new Map<string, string>();
  /** `srp:` address → how many entries it holds. */
  private readonly servesCount = new Map<string, number>();
  /** `<PIN>:<sid hex>` → the receive key of the handset whose ETP.DAT opened that session; oldest first. */
  private readonly bindings = new Map<string, Binding>();
  private readonly perPin: RateLimiter;
  private readonly perSource: RateLimiter;
  /** Keys the source labels: they are stable for this relay's life and say nothing of the address. */
  private readonly sourceKey = randomBytes(32);

  /** ActivationError('INVALID_ARGUMENT') for a bad limit or server configuration. */
  constructor(options: RelayRouterOptions = {}) {
    this.limits = resolveRelayLimits(options.limits, { maxQueue: options.maxQueue, maxAddresses: options.maxAddresses });
    this.mailEtpDat = options.mailEtpDat ?? false;
    this.delivery = options.delivery ?? NO_DELIVERY;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.perPin = new RateLimiter(this.limits.etpDatPerPinPerMinute, this.limits.etpDatPerPinPerMinute / 60_000);
    this.perSource = new RateLimiter(this.limits.etpDatPerSourcePerMinute, this.limits.etpDatPerSourcePerMinute / 60_000);
    const configure = (id: string, token: unknown, serves: unknown): void => {
      const address = parseRelayAddress(`srp:${id}`);
      if (!address)
        throw new ActivationError('INVALID_ARGUMENT', 'a configured server must have a valid SRP identifier', { field: 'servers' });
      if (typeof token !== 'string' || token.length === 0) {
        throw new ActivationError('INVALID_ARGUMENT', 'a configured server needs a non-empty token', { field: 'servers' });
      }
      let bound: Set<string> | undefined;
      if (serves !== undefined) {
        if (!Array.isArray(serves)) throw new ActivationError('INVALID_ARGUMENT', 'servers[…].serves must be a list', { field: 'servers' });
        bound = new Set();
        for (const entry of serves) {
          const n = normalizeServes(entry as string);
          if (n === undefined)
            throw new ActivationError('INVALID_ARGUMENT', 'servers[…].serves must list email addresses or domains', { field: 'servers' });
          const owner = this.servedBy.get(n);
          if (owner !== undefined && owner !== address.address) {
            throw new ActivationError('INVALID_ARGUMENT', 'two configured servers serve the same entry', { field: 'servers' });
          }
          bound.add(n);
          this.servedBy.set(n, address.address);
        }
        this.servesCount.set(address.address, bound.size);
      }
      this.servers.set(id, { token, vouchKey: deriveVouchKey(token), serves: bound });
    };
    for (const [id, token] of Object.entries(options.tokens ?? {})) configure(id, token, undefined);
    for (const [id, config] of Object.entries(options.servers ?? {})) configure(id, config?.token, config?.serves);
  }

  /** True when servers must authenticate (any token is configured); false: the open demo mode. */
  get authenticated(): boolean {
    return this.servers.size > 0;
  }

  /** The counters, live: the same object for the router's whole life. */
  get stats(): Readonly<RelayStats> {
    return this.counters;
  }

  /** An opaque, stable label for a source IP: a keyed hash, never the address itself. */
  sourceLabel(ip: string): string {
    return toBase64Url(createHmac('sha256', this.sourceKey).update(ip, 'utf8').digest().subarray(0, 16));
  }

  /**
   * Routes one sent frame by its cleartext `to`: to a connected peer at once, into a peer's queue,
   * held under its `mailto:` address, or (ETP.DAT with `mailEtpDat`) back to the caller to mail.
   * An ETP.DAT is rate-limited per PIN and per source, and binds its session to the sender's
   * receive key. RelayRefusal(503, 'RELAY_FULL') when no address slot can be freed for it.
   */
  route(bytes: Uint8Array, context: SendContext = { ip: 'local' }): RouteDecision {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      this.counters.malformed++;
      return malformed(isActivationError(err) ? err.message : 'undecodable frame');
    }
    this.counters.received++;
    const now = this.now();
    if (frame.type === 'etp-dat') {
      // A PIN over its limit is refused before the source is charged; either bucket refuses alone.
      if (!this.perPin.take(frame.pin, now) || !this.perSource.take(context.ip, now)) {
        this.counters.rateLimited++;
        return { kind: 'answer', answer: { status: 429, error: 'RATE_LIMITED', message: 'too many activation requests; try again later' } };
      }
      if (context.receiveKey !== undefined) this.bind(`${frame.pin}:${bytesToHex(frame.sid)}`, context.receiveKey, now);
    }
    const source = this.sourceLabel(context.ip);
    const colon = frame.to.indexOf(':');
    const scheme = frame.to.slice(0, colon);
    if (scheme === 'mailto') {
      // decodeFrame admits no white space in `to`: nothing to trim.
      const email = frame.to.slice(colon + 1).toLowerCase();
      if (normalizeServes(email) === undefined || !email.includes('@')) {
        this.counters.malformed++;
        return malformed('the mailto: address is not an email address');
      }
      if (this.mailEtpDat && frame.type === 'etp-dat') return { kind: 'mail', frame, email: frame.to.slice(colon + 1) };
      const item: QueuedFrame = { bytes, session: undefined, source, expires: now + this.limits.frameTtlMs };
      const target = this.serverFor(email);
      if (target) {
        this.enqueue(target, item);
      } else {
        this.hold(email, frame, item);
      }
      return ACCEPTED;
    }
    const address = parseRelayAddress(frame.to);
    if (!address) {
      this.counters.malformed++;
      return malformed('the frame is addressed to no valid pin: or srp: address');
    }
    const session = address.kind === 'pin' ? `${address.id}:${bytesToHex(frame.sid)}` : undefined;
    this.enqueue(address.address, { bytes, session, source, expires: now + this.limits.frameTtlMs });
    return ACCEPTED;
  }

  /**
   * Parses and checks the address and credentials of a receiving peer. A server must present its
   * token when any is configured; a handset may present a receive credential, which entitles it to
   * the frames of the sessions bound to its key. RelayRefusal 400 (bad address, a `serves`
   * parameter) or 401 (missing or wrong token, bad credential).
   */
  checkReceiver(request: ReceiverRequest): Receiver {
    const address = parseRelayAddress(request.address ?? '');
    if (!address) throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'address must be pin:<8 hex digits> or srp:<SRP identifier>');
    if (request.serves !== undefined && request.serves !== null) {
      throw new RelayRefusal(400, 'INVALID_ARGUMENT', `serves is registered with POST /v1/register, not on a receive request`);
    }
    if (address.kind === 'srp') {
      const server = this.authenticateServer(address, request.token);
      return server ? { address, vouchKey: server.vouchKey } : { address };
    }
    if (request.credential === undefined) return { address };
    try {
      return { address, receiveKey: verifyReceiveCredential(request.credential, address.address, this.now()) };
    } catch (err) {
      this.counters.unauthorized++;
      throw err;
    }
  }

  /**
   * Records what a server serves and moves held mail for those addresses to it. With tokens
   * configured only a configured server may register (with its token), only its bound entries
   * when it has any; in every mode an entry another server holds is refused (409), and each
   * server holds at most `maxServesPerServer` entries. RelayRefusal on any refusal; nothing is
   * registered then.
   */
  register(srp: RelayAddress, serves: readonly string[], token?: string): void {
    if (srp.kind !== 'srp') throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'only a server (srp:) can serve email addresses');
    const server = this.authenticateServer(srp, token);
    const normalized: string[] = [];
    for (const entry of serves) {
      const n = normalizeServes(entry);
      if (n === undefined) throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'serves must list email addresses or domains');
      if (!normalized.includes(n)) normalized.push(n);
    }
    const fresh: string[] = [];
    for (const entry of normalized) {
      const owner = this.servedBy.get(entry);
      if (owner === srp.address) continue;
      if (owner !== undefined) throw new RelayRefusal(409, 'CONFLICT', `${entry} is served by another server`);
      if (server?.serves !== undefined && !server.serves.has(entry))
        throw new RelayRefusal(403, 'FORBIDDEN', `${entry} is not bound to this server`);
      fresh.push(entry);
    }
    const count = this.servesCount.get(srp.address) ?? 0;
    if (count + fresh.length > this.limits.maxServesPerServer) {
      throw new RelayRefusal(403, 'FORBIDDEN', `a server registers at most ${this.limits.maxServesPerServer} entries`);
    }
    if (this.servedBy.size + fresh.length > this.limits.maxServes)
      throw new RelayRefusal(503, 'RELAY_FULL', 'the relay keeps no more serves entries');
    // In the open mode the entries live as long as the server's address slot (see evict()).
    if (!this.authenticated) this.admitPeer(srp.address);
    for (const entry of fresh) {
      this.servedBy.set(entry, srp.address);
      this.log(`relay: ${srp.address} serves ${entry}`);
    }
    this.servesCount.set(srp.address, count + fresh.length);
    for (const [key, slot] of [...this.slots]) {
      if (!key.startsWith('mailto:') || this.serverFor(key.slice(7)) !== srp.address) continue;
      this.removeSlot(key, slot);
      for (const item of slot.frames) this.enqueue(srp.address, item);
    }
  }

  /**
   * Keeps (or starts) the address slot of peer `address` (canonical) and marks it recently used; a
   * receiver calls it when it polls or connects. RelayRefusal(503, 'RELAY_FULL') when every slot
   * has a live receiver.
   */
  admitPeer(address: string): void {
    this.slotOf(address);
  }

  /** A receiver (waiting poll or socket) of `address` came (+1) or went (-1): a slot with receivers is never evicted. */
  receiverLive(address: string, delta: 1 | -1): void {
    const slot = delta === 1 ? this.slotOf(address) : this.slots.get(address);
    if (slot) slot.live = Math.max(0, slot.live + delta);
  }

  /** The receive key a frame needs, when its session is bound. */
  requiredKey(item: QueuedFrame): string | undefined {
    if (item.session === undefined) return undefined;
    const binding = this.bindings.get(item.session);
    return binding && binding.expires > this.now() ? binding.key : undefined;
  }

  /**
   * Takes the frames `receiver` may have (oldest first, at most `maxFrames` and about `maxBytes`,
   * at least one) out of the queue of `address`; they count as delivered. Frames of sessions bound
   * to another key stay.
   */
  takeFor(address: string, receiver: Pick<Receiver, 'receiveKey'>, maxFrames = Infinity, maxBytes = Infinity): QueuedFrame[] {
    const slot = this.slots.get(address);
    if (!slot || slot.frames.length === 0) return [];
    this.expire(slot);
    const taken: QueuedFrame[] = [];
    const kept: QueuedFrame[] = [];
    let bytes = 0;
    for (const item of slot.frames) {
      const required = this.requiredKey(item);
      const fits = taken.length < maxFrames && (taken.length === 0 || bytes + item.bytes.length <= maxBytes);
      if (fits && (required === undefined || required === receiver.receiveKey)) {
        taken.push(item);
        bytes += item.bytes.length;
      } else {
        kept.push(item);
      }
    }
    slot.frames = kept;
    slot.bytes -= bytes;
    this.totalBytes -= bytes;
    this.counters.delivered += taken.length;
    return taken;
  }

  /** True when `address` has a frame `receiver` may take. */
  hasFor(address: string, receiver: Pick<Receiver, 'receiveKey'>): boolean {
    const slot = this.slots.get(address);
    if (!slot) return false;
    return slot.frames.some((item) => {
      const required = this.requiredKey(item);
      return item.expires > this.now() && (required === undefined || required === receiver.receiveKey);
    });
  }

  /** Frames for an unauthenticated receiver, as bytes (tests and simple callers). */
  take(address: string, limit = Infinity): Uint8Array[] {
    return this.takeFor(address, {}, limit).map((i) => i.bytes);
  }

  /** What goes on the wire to `receiver` for `item`: the frame, or for a configured server the vouched envelope. */
  vouched(receiver: { readonly vouchKey: Uint8Array }, item: QueuedFrame): VouchedFrame;
  vouched(receiver: Pick<Receiver, 'vouchKey'>, item: QueuedFrame): VouchedFrame | undefined;
  vouched(receiver: Pick<Receiver, 'vouchKey'>, item: QueuedFrame): VouchedFrame | undefined {
    if (!receiver.vouchKey) return undefined;
    return { frame: item.bytes, vouch: vouchMac(receiver.vouchKey, item.bytes, item.source), source: item.source };
  }

  /** The vouch key of the configured server that serves `email` (exact address, else its domain), if any. */
  vouchKeyFor(email: string): Uint8Array | undefined {
    const owner = this.serverFor(email.trim().toLowerCase());
    return owner === undefined ? undefined : this.servers.get(owner.slice(4))?.vouchKey;
  }

  /** One WebSocket message for `receiver`. */
  encodeFor(receiver: Pick<Receiver, 'vouchKey'>, item: QueuedFrame): Uint8Array {
    const v = this.vouched(receiver, item);
    return v ? encodeVouchedFrame(v) : item.bytes;
  }

  /** Frames waiting for `address` (`pin:…`, `srp:…`, or `mailto:…` for held mail). */
  queueLength(address: string): number {
    if (address.startsWith('mailto:')) return this.slots.get(`mailto:${address.slice(7).trim().toLowerCase()}`)?.frames.length ?? 0;
    const a = parseRelayAddress(address);
    return a ? (this.slots.get(a.address)?.frames.length ?? 0) : 0;
  }

  /** Address slots kept and bytes queued (for tests and the log). */
  get usage(): { readonly addresses: number; readonly bytes: number; readonly bindings: number; readonly serves: number } {
    return { addresses: this.slots.size, bytes: this.totalBytes, bindings: this.bindings.size, serves: this.servedBy.size };
  }

  /**
   * Counts how handing an ETP.DAT to the mail server went: `mailed`, `failed`, `refused` (not a
   * recipient the relay mails) or `unmailable` (it could not be made into a mail; counted as malformed).
   */
  countMail(outcome: 'mailed' | 'failed' | 'unmailable' | 'refused'): void {
    if (outcome === 'mailed') this.counters.mailed++;
    else if (outcome === 'failed') this.counters.mailFailed++;
    else if (outcome === 'refused') this.counters.mailRefused++;
    else this.counters.malformed++;
  }

  /** Drops expired frames, bindings and idle, empty address slots past their TTL. The relay calls it on a timer. */
  sweep(): void {
    const now = this.now();
    for (const [key, slot] of [...this.slots]) {
      this.expire(slot);
      if (slot.frames.length === 0 && slot.live === 0 && slot.lastUsed + this.limits.addressTtlMs <= now) {
        this.evict(key, slot);
      }
    }
    for (const [key, binding] of this.bindings) {
      if (binding.expires > now) break; // one TTL for all: oldest first
      this.bindings.delete(key);
    }
  }

  // ---- servers ---------------------------------------------------------------------------------

  /** The configured server `address` is, after its token checked; undefined in the open mode. RelayRefusal 401 otherwise. */
  private authenticateServer(address: RelayAddress, token: string | undefined): ServerEntry | undefined {
    if (!this.authenticated) return undefined;
    const server = this.servers.get(address.id);
    // Compare even for unknown ids, so that timing says nothing about which ids are configured.
    const ok = safeEqual(token ?? '', server?.token ?? '\u0000unconfigured') && server !== undefined && token !== undefined;
    if (!ok) {
      this.counters.unauthorized++;
      throw new RelayRefusal(401, 'UNAUTHORIZED', 'a configured SRP identifier and its token are required');
    }
    return server;
  }

  private serverFor(email: string): string | undefined {
    const exact = this.servedBy.get(email);
    if (exact) return exact;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return this.servedBy.get(domain);
  }

  private bind(session: string, key: string, now: number): void {
    const existing = this.bindings.get(session);
    if (existing && existing.expires > now) return; // the first ETP.DAT of a session wins
    if (existing) this.bindings.delete(session);
    // Full: the oldest bindings (insertion order) make room.
    for (const oldest of this.bindings.keys()) {
      if (this.bindings.size < this.limits.maxReceiveBindings) break;
      this.bindings.delete(oldest);
    }
    this.bindings.set(session, { key, expires: now + this.limits.receiveBindingTtlMs });
  }

  // ---- address slots and queues ----------------------------------------------------------------

  /** The slot of `key`, made most recently used; a new one evicts the least recently used idle slot when all are taken. */
  private slotOf(key: string): Slot {
    const now = this.now();
    let slot = this.slots.get(key);
    if (slot) {
      this.slots.delete(key);
      slot.lastUsed = now;
      this.slots.set(key, slot);
      return slot;
    }
    if (this.slots.size >= this.limits.maxAddresses && !this.evictOne()) {
      throw new RelayRefusal(503, 'RELAY_FULL', 'the relay keeps no more addresses');
    }
    slot = { frames: [], bytes: 0, live: 0, lastUsed: now };
    this.slots.set(key, slot);
    return slot;
  }

  /** Evicts the least recently used slot without a live receiver; false when every slot has one. */
  private evictOne(): boolean {
    for (const [key, slot] of this.slots) {
      if (slot.live === 0) {
        this.evict(key, slot);
        return true;
      }
    }
    return false;
  }

  private removeSlot(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.totalBytes -= slot.bytes;
    slot.bytes = 0;
  }

  /** Drops a slot and its frames; in the open mode a server's `serves` entries go with it. */
  private evict(key: string, slot: Slot): void {
    this.counters.dropped += slot.frames.length;
    this.counters.evicted++;
    this.removeSlot(key, slot);
    slot.frames = [];
    if (key.startsWith('srp:') && !this.authenticated && this.servesCount.has(key)) {
      for (const [entry, owner] of [...this.servedBy]) if (owner === key) this.servedBy.delete(entry);
      this.servesCount.delete(key);
    }
  }

  private expire(slot: Slot): void {
    const now = this.now();
    let n = 0;
    // n < length, so frames[n] is there; `?? Infinity` (never expired) only satisfies the type.
    while (n < slot.frames.length && (slot.frames[n]?.expires ?? Infinity) <= now) n++;
    if (n === 0) return;
    for (const item of slot.frames.splice(0, n)) {
      slot.bytes -= item.bytes.length;
      this.totalBytes -= item.bytes.length;
    }
    this.counters.dropped += n;
  }

  private dropOldest(slot: Slot, what: string): void {
    const item = slot.frames.shift();
    if (!item) return;
    slot.bytes -= item.bytes.length;
    this.totalBytes -= item.bytes.length;
    this.counters.dropped++;
    this.log(`relay: queue of ${what} is full; dropped its oldest frame`);
  }

  /** Appends to a queue bounded in frames and bytes (the oldest go first), within the total byte bound. */
  private pushQueue(key: string, slot: Slot, item: QueuedFrame): void {
    const size = item.bytes.length;
    this.expire(slot);
    while (slot.frames.length > 0 && (slot.frames.length >= this.limits.maxQueueFrames || slot.bytes + size > this.limits.maxQueueBytes)) {
      this.dropOldest(slot, key);
    }
    if (this.totalBytes + size > this.limits.maxTotalQueueBytes) this.makeRoom(key, size);
    slot.frames.push(item);
    slot.bytes += size;
    this.totalBytes += size;
  }

  /** Frees queued bytes for `size` more: idle slots (least recently used first, whole), then others' oldest frames, then this one's. */
  private makeRoom(key: string, size: number): void {
    const over = (): boolean => this.totalBytes + size > this.limits.maxTotalQueueBytes;
    for (const [k, s] of [...this.slots]) {
      if (!over()) return;
      if (k !== key && s.live === 0 && s.bytes > 0) this.evict(k, s);
    }
    for (const [k, s] of [...this.slots]) {
      while (over() && s.frames.length > 0) this.dropOldest(s, k);
      if (!over()) return;
    }
  }

  /** Delivers to a connected peer at once, or queues for its next poll. */
  private enqueue(address: string, item: QueuedFrame): void {
    const slot = this.slotOf(address);
    if (this.delivery.push(address, item, this.requiredKey(item))) {
      this.counters.delivered++;
      return;
    }
    this.counters.queued++;
    this.pushQueue(address, slot, item);
    this.delivery.queued(address);
  }

  /** Holds a `mailto:` frame no server serves yet, under its (lower-cased) email address. */
  private hold(email: string, frame: Frame, item: QueuedFrame): void {
    const key = `mailto:${email}`;
    const slot = this.slotOf(key);
    this.counters.held++;
    this.pushQueue(key, slot, item);
    this.log(`relay: no server serves ${email} yet; holding the ${frame.type}`);
  }
}

export { DEFAULT_RELAY_LIMITS };
