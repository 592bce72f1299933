/**
 * The relay's routing core, without any I/O (docs/transports.md, "Addresses" and "Routing"):
 * peers by address (`pin:` / `srp:`), the addresses and domains each server serves, a bounded
 * queue per peer, `mailto:` frames held until a server registers for them, token checks and the
 * counters behind {@link RelayStats}.
 *
 * It never touches a socket. Frames for a peer that is connected right now go through the
 * injected {@link PeerDelivery}; the rest wait in the peer's queue until the I/O layer takes them
 * ({@link RelayRouter.take}).
 */
import { timingSafeEqual } from 'node:crypto';
import { ActivationError, isActivationError } from '../../errors/activation-error.js';
import { decodeFrame, type Frame } from '../../wire/frame.js';
import { normalizeServes, parseRelayAddress, type RelayAddress } from '../../transport/relay-protocol.js';
import { RelayRefusal } from './relay-refusal.js';

export interface RelayStats {
  /** Frames accepted (POST or WebSocket) with a valid header. */
  received: number;
  /** Frames refused as undecodable. */
  malformed: number;
  /** Frames handed to a connected peer (WebSocket push or long-poll answer). */
  delivered: number;
  /** Frames put in a queue. */
  queued: number;
  /** Frames dropped from a full queue (the oldest). */
  dropped: number;
  /** `mailto:` frames held because no server serves the address yet. */
  held: number;
  /** ETP.DAT mails submitted over SMTP / failed. */
  mailed: number;
  mailFailed: number;
  /** Requests refused for a missing or wrong token. */
  unauthorized: number;
}

/** How the router reaches peers that are connected right now; the I/O layer implements it. */
export interface PeerDelivery {
  /** Hands `frame` to an open WebSocket of `address`; false when it has none (the router then queues the frame). */
  push(address: string, frame: Uint8Array): boolean;
  /** A frame was queued for `address`: a long-poll of that peer that is waiting may take it. */
  queued(address: string): void;
}

export interface RelayRouterOptions {
  /** Frames held per address; the oldest go first. Default 1000. */
  readonly maxQueue?: number;
  /** Most addresses (peers and unrouted mail addresses) the router keeps queues for. Default 10 000. */
  readonly maxAddresses?: number;
  /** SRP identifier → token; a receiving server whose SRP id is listed must present it. */
  readonly tokens?: Readonly<Record<string, string>>;
  /**
   * ETP.DAT frames to `mailto:` go out by mail (the relay has an SMTP server): {@link RelayRouter.route}
   * returns them as `mail` instead of routing them. Default false.
   */
  readonly mailEtpDat?: boolean;
  /** Connected peers. Default: none (every frame is queued). */
  readonly delivery?: PeerDelivery;
  readonly log?: (message: string) => void;
}

/** The relay's answer to one sent frame: 202, or a refusal with its error code and message. */
export interface FrameAnswer {
  readonly status: number;
  readonly error?: string;
  readonly message?: string;
}

/**
 * What {@link RelayRouter.route} did with a frame: `answer` the sender, or `mail` the ETP.DAT to
 * `email` (as the frame gives it, trimmed) first; the mailing then decides the answer.
 */
export type RouteDecision =
  | { readonly kind: 'answer'; readonly answer: FrameAnswer }
  | { readonly kind: 'mail'; readonly frame: Frame; readonly email: string };

/** What a receiving peer (a long-poll or a WebSocket) asks for, as its request gives it. */
export interface ReceiverRequest {
  /** `address` parameter: `pin:…` or `srp:…`. */
  readonly address: string | null | undefined;
  /** `serves` parameter: comma-separated email addresses and domains (servers only). */
  readonly serves?: string | null | undefined;
  /** Bearer token presented (header or `?token=`). */
  readonly token?: string | undefined;
}

/** A receiving peer that passed {@link RelayRouter.checkReceiver}. */
export interface Receiver {
  readonly address: RelayAddress;
  /** Normalized `serves` entries (lower case); empty for handsets. */
  readonly serves: string[];
}

const ACCEPTED: RouteDecision = { kind: 'answer', answer: { status: 202 } };

function malformed(message: string): RouteDecision {
  return { kind: 'answer', answer: { status: 400, error: 'MALFORMED', message } };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const NO_DELIVERY: PeerDelivery = { push: () => false, queued: () => undefined };

export class RelayRouter {
  private readonly maxQueue: number;
  private readonly maxAddresses: number;
  private readonly tokens: Map<string, string>;
  private readonly mailEtpDat: boolean;
  private readonly delivery: PeerDelivery;
  private readonly log: (message: string) => void;
  private readonly counters: RelayStats = { received: 0, malformed: 0, delivered: 0, queued: 0, dropped: 0, held: 0, mailed: 0, mailFailed: 0, unauthorized: 0 };
  /** The queue of every known peer, by canonical address (`pin:…`, `srp:…`). */
  private readonly peers = new Map<string, Uint8Array[]>();
  /** Held `mailto:` frames, by lower-cased email address. */
  private readonly heldMail = new Map<string, Uint8Array[]>();
  /** Email address or domain (lower case) → the `srp:` address that serves it. */
  private readonly servedBy = new Map<string, string>();

  /** ActivationError('INVALID_ARGUMENT') when `maxQueue` or `maxAddresses` is not a positive integer. */
  constructor(options: RelayRouterOptions = {}) {
    const maxQueue = options.maxQueue ?? 1000;
    const maxAddresses = options.maxAddresses ?? 10_000;
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new ActivationError('INVALID_ARGUMENT', 'maxQueue must be a positive integer', { field: 'maxQueue' });
    if (!Number.isInteger(maxAddresses) || maxAddresses < 1) {
      throw new ActivationError('INVALID_ARGUMENT', 'maxAddresses must be a positive integer', { field: 'maxAddresses' });
    }
    this.maxQueue = maxQueue;
    this.maxAddresses = maxAddresses;
    this.tokens = new Map(Object.entries(options.tokens ?? {}));
    this.mailEtpDat = options.mailEtpDat ?? false;
    this.delivery = options.delivery ?? NO_DELIVERY;
    this.log = options.log ?? (() => undefined);
  }

  /** The counters, live: the same object for the router's whole life. */
  get stats(): Readonly<RelayStats> {
    return this.counters;
  }

  /**
   * Routes one sent frame by its cleartext `to`: to a connected peer at once, into a peer's queue,
   * held under its `mailto:` address, or (ETP.DAT with `mailEtpDat`) back to the caller to mail.
   * RelayRefusal(503, 'RELAY_FULL') when it would need a queue for one address too many.
   */
  route(bytes: Uint8Array): RouteDecision {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      this.counters.malformed++;
      return malformed(isActivationError(err) ? err.message : 'undecodable frame');
    }
    this.counters.received++;
    const colon = frame.to.indexOf(':');
    const scheme = frame.to.slice(0, colon);
    if (scheme === 'mailto') {
      const email = frame.to.slice(colon + 1).trim().toLowerCase();
      if (normalizeServes(email) === undefined || !email.includes('@')) {
        this.counters.malformed++;
        return malformed('the mailto: address is not an email address');
      }
      if (this.mailEtpDat && frame.type === 'etp-dat') return { kind: 'mail', frame, email: frame.to.slice(colon + 1).trim() };
      const target = this.serverFor(email);
      if (target) {
        this.enqueue(target, bytes);
      } else {
        this.hold(email, frame, bytes);
      }
      return ACCEPTED;
    }
    const address = parseRelayAddress(frame.to);
    if (!address) {
      this.counters.malformed++;
      return malformed('the frame is addressed to no valid pin: or srp: address');
    }
    this.enqueue(address.address, bytes);
    return ACCEPTED;
  }

  /**
   * Parses and checks `address`, the token and `serves` of a receiving peer.
   * RelayRefusal 400 (bad address or `serves`) or 401 (missing or wrong token for a listed SRP id).
   */
  checkReceiver(request: ReceiverRequest): Receiver {
    const address = parseRelayAddress(request.address ?? '');
    if (!address) throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'address must be pin:<8 hex digits> or srp:<SRP identifier>');
    if (address.kind === 'srp') {
      const expected = this.tokens.get(address.id);
      const token = request.token;
      if (expected !== undefined && (token === undefined || !safeEqual(token, expected))) {
        this.counters.unauthorized++;
        throw new RelayRefusal(401, 'UNAUTHORIZED', 'a valid token is required for this SRP identifier');
      }
    }
    const servesParam = request.serves;
    const serves: string[] = [];
    if (servesParam) {
      if (address.kind !== 'srp') throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'only a server (srp:) can serve email addresses');
      for (const entry of servesParam.split(',')) {
        const n = normalizeServes(entry);
        if (n === undefined) throw new RelayRefusal(400, 'INVALID_ARGUMENT', 'serves must list email addresses or domains');
        serves.push(n);
      }
    }
    return { address, serves };
  }

  /**
   * Starts keeping a queue for peer `address` (canonical) if it has none yet; a receiver calls it
   * when it polls or connects. RelayRefusal(503, 'RELAY_FULL') when the router keeps as many
   * addresses as it may.
   */
  admitPeer(address: string): void {
    this.queueOf(address);
  }

  /** Records what a server serves and moves held mail for those addresses to it. */
  register(srp: RelayAddress, serves: readonly string[]): void {
    if (serves.length === 0) return;
    for (const entry of serves) {
      const before = this.servedBy.get(entry);
      if (before !== srp.address) {
        this.servedBy.set(entry, srp.address);
        this.log(`relay: ${srp.address} serves ${entry}${before ? ` (was ${before})` : ''}`);
      }
    }
    for (const [email, frames] of [...this.heldMail]) {
      if (this.serverFor(email) !== srp.address) continue;
      this.heldMail.delete(email);
      for (const frame of frames) this.enqueue(srp.address, frame);
    }
  }

  /**
   * Takes up to `limit` frames (oldest first) out of the queue of peer `address` (canonical), to hand
   * to it; they count as delivered.
   */
  take(address: string, limit = Infinity): Uint8Array[] {
    const queue = this.peers.get(address);
    if (!queue || queue.length === 0) return [];
    const frames = queue.splice(0, limit);
    this.counters.delivered += frames.length;
    return frames;
  }

  /** Frames waiting for `address` (`pin:…`, `srp:…`, or `mailto:…` for held mail). */
  queueLength(address: string): number {
    if (address.startsWith('mailto:')) return this.heldMail.get(address.slice(7).toLowerCase())?.length ?? 0;
    const a = parseRelayAddress(address);
    return a ? (this.peers.get(a.address)?.length ?? 0) : 0;
  }

  /**
   * Counts how handing an ETP.DAT to the mail server went: `mailed`, `failed`, or `unmailable`
   * (it could not be made into a mail; counted as malformed).
   */
  countMail(outcome: 'mailed' | 'failed' | 'unmailable'): void {
    if (outcome === 'mailed') this.counters.mailed++;
    else if (outcome === 'failed') this.counters.mailFailed++;
    else this.counters.malformed++;
  }

  // ---- queues ----------------------------------------------------------------------------------

  private addressCount(): number {
    return this.peers.size + this.heldMail.size;
  }

  private queueOf(address: string): Uint8Array[] {
    let queue = this.peers.get(address);
    if (!queue) {
      if (this.addressCount() >= this.maxAddresses) throw new RelayRefusal(503, 'RELAY_FULL', 'the relay keeps no more addresses');
      queue = [];
      this.peers.set(address, queue);
    }
    return queue;
  }

  /** Appends to a bounded queue, dropping its oldest frame when it is full. */
  private push(queue: Uint8Array[], frame: Uint8Array, what: string): void {
    queue.push(frame);
    if (queue.length > this.maxQueue) {
      queue.shift();
      this.counters.dropped++;
      this.log(`relay: queue of ${what} is full; dropped its oldest frame`);
    }
  }

  /** Delivers to a connected peer at once, or queues for its next poll. */
  private enqueue(address: string, frame: Uint8Array): void {
    const queue = this.queueOf(address);
    if (this.delivery.push(address, frame)) {
      this.counters.delivered++;
      return;
    }
    this.counters.queued++;
    this.push(queue, frame, address);
    this.delivery.queued(address);
  }

  /** Holds a `mailto:` frame no server serves yet, under its (lower-cased) email address. */
  private hold(email: string, frame: Frame, bytes: Uint8Array): void {
    let queue = this.heldMail.get(email);
    if (!queue) {
      if (this.addressCount() >= this.maxAddresses) throw new RelayRefusal(503, 'RELAY_FULL', 'the relay keeps no more addresses');
      queue = [];
      this.heldMail.set(email, queue);
    }
    this.counters.held++;
    this.push(queue, bytes, `mailto:${email}`);
    this.log(`relay: no server serves ${email} yet; holding the ${frame.type}`);
  }

  private serverFor(email: string): string | undefined {
    const exact = this.servedBy.get(email);
    if (exact) return exact;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return this.servedBy.get(domain);
  }
}
