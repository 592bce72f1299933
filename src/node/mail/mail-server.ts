/**
 * A small real SMTP server (smtp-server) that stores what it accepts in memory, one mailbox per
 * recipient: the stand-in for the mail system between the relay and a BES. For tests, demos and
 * the relay's mail path on loopback; no TLS, no authentication, no outbound delivery.
 *
 * It faces strangers, so every resource is bounded (issue 8, finding 11; docs/reliability.md,
 * "Mail limits"): connections in total and per source address, recipients per transaction,
 * message size (counted while the DATA stream arrives: once over, the rest is read and dropped,
 * never buffered, and the answer is 552), bytes and messages per mailbox, the number of
 * mailboxes, and the bytes of the whole store. A message for several recipients is stored once
 * and shared by their mailboxes; the store counts its bytes once, each mailbox's quota counts it
 * in full.
 */
import { loadPeer } from '../optional-peers.js';
import { ActivationError } from '../../errors/activation-error.js';

/** One stored message. */
export interface StoredMail {
  /** The id to delete it by, unique within its mailbox. */
  readonly id: string;
  /**
   * The message's size in bytes, when the mailbox knows it without fetching the message. The
   * mailbox monitor skips mail over its size limit on this alone (an IMAP mailbox has RFC822.SIZE).
   */
  readonly size?: number;
  /** The message exactly as received (RFC 5322 bytes). */
  readonly raw: Uint8Array;
}

/** A mailbox as a monitor sees it: list what is there, delete what was handled. */
export interface Mailbox {
  /** Every message held now, oldest first. */
  list(): Promise<StoredMail[]>;
  /** Removes a message; removing one that is gone is not an error. */
  delete(id: string): Promise<void>;
}

/** Shared byte accounting of the messages a server's mailboxes hold (each message counted once). */
class Store {
  bytes = 0;
  private readonly refs = new Map<Uint8Array, number>();

  add(raw: Uint8Array): void {
    const n = this.refs.get(raw) ?? 0;
    if (n === 0) this.bytes += raw.length;
    this.refs.set(raw, n + 1);
  }

  release(raw: Uint8Array): void {
    const n = this.refs.get(raw) ?? 0;
    if (n <= 1) {
      if (n === 1) this.bytes -= raw.length;
      this.refs.delete(raw);
    } else {
      this.refs.set(raw, n - 1);
    }
  }

  /** Distinct messages held. */
  get messages(): number {
    return this.refs.size;
  }
}

/** An in-memory mailbox, also usable on its own in tests. */
export class MemoryMailbox implements Mailbox {
  private readonly mails = new Map<string, Uint8Array>();
  private next = 1;
  private totalBytes = 0;
  /** @internal the owning server's accounting, when the mailbox belongs to one. */
  readonly #store: Store | undefined;

  /** An empty mailbox for `address` (`store` is the owning mail server's accounting; leave it out). */
  constructor(
    /** The recipient address this mailbox holds mail for. */
    readonly address: string,
    store?: unknown,
  ) {
    this.#store = store instanceof Store ? store : undefined;
  }

  /** Stores a copy of a message and returns its id. */
  append(raw: Uint8Array): string {
    return this.appendShared(raw.slice());
  }

  /**
   * @internal Stores `raw` itself (no copy): how the server gives several recipients one copy.
   * The caller must not change `raw` afterwards.
   */
  appendShared(raw: Uint8Array): string {
    const id = `${this.next++}`;
    this.mails.set(id, raw);
    this.totalBytes += raw.length;
    this.#store?.add(raw);
    return id;
  }

  /**
   * Lists the messages. Each entry's `raw` is a fresh copy made only when read, so a monitor
   * that skips a mail by id or size costs nothing for it.
   */
  async list(): Promise<StoredMail[]> {
    return [...this.mails].map(([id, raw]) => ({
      id,
      size: raw.length,
      get raw(): Uint8Array {
        return raw.slice();
      },
    }));
  }

  async delete(id: string): Promise<void> {
    const raw = this.mails.get(id);
    if (raw === undefined) return;
    this.mails.delete(id);
    this.totalBytes -= raw.length;
    this.#store?.release(raw);
  }

  /** Number of messages stored. */
  get size(): number {
    return this.mails.size;
  }

  /** Bytes of the messages stored (a message shared with other mailboxes counts in full). */
  get bytes(): number {
    return this.totalBytes;
  }
}

/** Resource limits of the SMTP server (docs/reliability.md, "Mail limits"). */
export interface MailServerLimits {
  /** Largest message accepted (bytes), advertised as SIZE and enforced while DATA arrives. Default 4 MiB. */
  readonly maxMessageBytes: number;
  /** Concurrent SMTP connections in total. Default 32. */
  readonly maxClients: number;
  /** Concurrent SMTP connections from one source address. Default 8. */
  readonly maxClientsPerSource: number;
  /** RCPT TOs accepted per transaction; more get 452. Default 10. */
  readonly maxRecipients: number;
  /** Bytes one mailbox may hold. Default 16 MiB. */
  readonly mailboxQuotaBytes: number;
  /** Messages one mailbox may hold. Default 500. */
  readonly mailboxQuotaMessages: number;
  /** Mailboxes the server creates at most. Default 1000. */
  readonly maxMailboxes: number;
  /** Bytes of all stored messages together, each message counted once. Default 64 MiB. */
  readonly maxStoreBytes: number;
  /** Inactivity before a connection is closed (ms). Default 30 000. */
  readonly idleTimeoutMs: number;
  /** Longest command line (bytes). Default 4096. */
  readonly maxCommandLength: number;
}

/** The limits {@link startMailServer} uses for each one not given (docs/reliability.md, "Mail limits"). */
export const DEFAULT_MAIL_SERVER_LIMITS: Readonly<MailServerLimits> = Object.freeze({
  maxMessageBytes: 4 * 1024 * 1024,
  maxClients: 32,
  maxClientsPerSource: 8,
  maxRecipients: 10,
  mailboxQuotaBytes: 16 * 1024 * 1024,
  mailboxQuotaMessages: 500,
  maxMailboxes: 1000,
  maxStoreBytes: 64 * 1024 * 1024,
  idleTimeoutMs: 30_000,
  maxCommandLength: 4096,
});

/** Options of {@link startMailServer}. All optional. */
export interface MailServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on. Default 0 (any free port; read it from {@link MailServer.port}). */
  readonly port?: number;
  /** Largest message accepted (bytes); the same as `limits.maxMessageBytes`. */
  readonly maxMessageBytes?: number;
  /** Resource limits; each one left out takes its default from {@link DEFAULT_MAIL_SERVER_LIMITS}. */
  readonly limits?: Partial<MailServerLimits>;
  /** Receives one line per refused connection, recipient or message. */
  readonly log?: (message: string) => void;
}

/** Live counters of a {@link MailServer}. */
export interface MailServerStats {
  /** Messages accepted. */
  accepted: number;
  /** Messages refused after DATA (oversize, store or mailbox full). */
  rejected: number;
  /** Of those, refused for size. */
  oversize: number;
  /** RCPT TOs refused for a full mailbox, store or mailbox table (those over `maxRecipients` are refused by smtp-server itself and not counted). */
  refusedRecipients: number;
  /** Connections refused (total or per-source limit). */
  refusedConnections: number;
}

/**
 * A running SMTP server, as {@link startMailServer} returns it: the receiving end of the mail path,
 * with one in-memory mailbox per recipient, for a `BesSimulator`'s mailbox monitor to watch.
 */
export interface MailServer {
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one chosen when `port` was 0). */
  readonly port: number;
  /** The limits in force. */
  readonly limits: Readonly<MailServerLimits>;
  /** The mailbox of one recipient (created on first use; addresses are case-insensitive). */
  mailbox(address: string): MemoryMailbox;
  /** Addresses that have a mailbox. */
  addresses(): string[];
  /** Live counters. */
  readonly stats: Readonly<MailServerStats>;
  /** Bytes of all stored messages, each counted once. */
  storedBytes(): number;
  /** Stops listening and ends open sessions. Idempotent. */
  close(): Promise<void>;
}

function resolveLimits(options: MailServerOptions): MailServerLimits {
  const given: Partial<MailServerLimits> = { ...(options.limits ?? {}) };
  if (options.maxMessageBytes !== undefined) (given as { maxMessageBytes?: number }).maxMessageBytes = options.maxMessageBytes;
  const limits = { ...DEFAULT_MAIL_SERVER_LIMITS } as { -readonly [K in keyof MailServerLimits]: number };
  for (const key of Object.keys(given) as (keyof MailServerLimits)[]) {
    if (!(key in DEFAULT_MAIL_SERVER_LIMITS)) {
      throw new ActivationError('INVALID_ARGUMENT', `unknown mail server limit ${String(key)}`, { field: `limits.${String(key)}` });
    }
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new ActivationError('INVALID_ARGUMENT', `${key} must be a positive integer`, { field: `limits.${key}` });
    }
    limits[key] = value;
  }
  return limits;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Starts the SMTP server; resolves once it listens. Throws ActivationError('INVALID_ARGUMENT') for bad limits. */
export async function startMailServer(options: MailServerOptions = {}): Promise<MailServer> {
  const host = options.host ?? '127.0.0.1';
  const limits = Object.freeze(resolveLimits(options));
  const { SMTPServer } = await loadPeer('smtp-server', 'startMailServer');
  const log = (message: string): void => {
    try {
      options.log?.(message);
    } catch {
      // a logger that throws must not stop the server
    }
  };
  const store = new Store();
  const boxes = new Map<string, MemoryMailbox>();
  const stats: MailServerStats = { accepted: 0, rejected: 0, oversize: 0, refusedRecipients: 0, refusedConnections: 0 };
  const mailbox = (address: string): MemoryMailbox => {
    const key = address.trim().toLowerCase();
    let box = boxes.get(key);
    if (!box) {
      box = new MemoryMailbox(key, store);
      boxes.set(key, box);
    }
    return box;
  };
  /** Open connections per source address (session id -> address, address -> count). */
  const sourceOf = new Map<string, string>();
  const perSource = new Map<string, number>();

  const isFull = (box: MemoryMailbox | undefined, extra: number): boolean =>
    box !== undefined && (box.size + 1 > limits.mailboxQuotaMessages || box.bytes + extra > limits.mailboxQuotaBytes);

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    size: limits.maxMessageBytes,
    maxClients: limits.maxClients,
    maxRecipients: limits.maxRecipients,
    maxCommandLength: limits.maxCommandLength,
    socketTimeout: limits.idleTimeoutMs,
    closeTimeout: 500,
    banner: 'enterprise-activation test mail server',
    onConnect(session, callback) {
      const source = session.remoteAddress || 'unknown';
      const open = perSource.get(source) ?? 0;
      if (open >= limits.maxClientsPerSource) {
        stats.refusedConnections++;
        return callback(smtpError(421, 'too many connections from your address, try again later'));
      }
      perSource.set(source, open + 1);
      sourceOf.set(session.id, source);
      callback();
    },
    onClose(session) {
      const source = sourceOf.get(session.id);
      if (source === undefined) return;
      sourceOf.delete(session.id);
      const open = (perSource.get(source) ?? 1) - 1;
      if (open <= 0) perSource.delete(source);
      else perSource.set(source, open);
    },
    onRcptTo(address, _session, callback) {
      const key = address.address.trim().toLowerCase();
      const box = boxes.get(key);
      if (box === undefined && boxes.size >= limits.maxMailboxes) {
        stats.refusedRecipients++;
        return callback(smtpError(452, 'too many mailboxes on this server'));
      }
      if (isFull(box, 0)) {
        stats.refusedRecipients++;
        return callback(smtpError(452, 'mailbox full'));
      }
      if (store.bytes >= limits.maxStoreBytes) {
        stats.refusedRecipients++;
        return callback(smtpError(452, 'insufficient system storage'));
      }
      callback();
    },
    onData(stream, session, callback) {
      // Count while it arrives; once over the limit keep reading (SMTP has no way to stop a
      // DATA phase but closing) and drop what comes, so an oversize message never sits in memory.
      let chunks: Buffer[] = [];
      let received = 0;
      let oversize = false;
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (oversize) return;
        if (received > limits.maxMessageBytes) {
          oversize = true;
          chunks = [];
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (oversize || stream.sizeExceeded) {
          stats.rejected++;
          stats.oversize++;
          log(`mail: refused a message over ${limits.maxMessageBytes} bytes`);
          return callback(smtpError(552, 'message exceeds the size limit'));
        }
        const raw = new Uint8Array(Buffer.concat(chunks, received));
        chunks = [];
        const recipients = [...new Set(session.envelope.rcptTo.map((r) => r.address.trim().toLowerCase()))];
        if (store.bytes + raw.length > limits.maxStoreBytes) {
          stats.rejected++;
          log('mail: refused a message: the store is full');
          return callback(smtpError(452, 'insufficient system storage'));
        }
        const newBoxes = recipients.filter((a) => !boxes.has(a)).length;
        if (boxes.size + newBoxes > limits.maxMailboxes || recipients.some((a) => isFull(boxes.get(a), raw.length))) {
          stats.rejected++;
          log('mail: refused a message: a mailbox is full');
          return callback(smtpError(452, 'mailbox full'));
        }
        // One copy, shared by every recipient's mailbox.
        const ids = recipients.map((address) => mailbox(address).appendShared(raw));
        stats.accepted++;
        log(`mail: accepted ${raw.length} bytes for ${recipients.length} recipient(s)`);
        callback(null, `queued as ${ids.join(',')}`);
      });
    },
  });
  server.on('error', (err) => log(`mail: server error ${err.name}`));

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new ActivationError('TRANSPORT_ERROR', 'the mail server could not listen', { operation: 'listen', reason: err.name }));
    server.server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  log(
    `mail: listening on ${host}:${port}; limits: ` +
      Object.entries(limits)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
  );

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    limits,
    mailbox,
    addresses: () => [...boxes.keys()],
    stats,
    storedBytes: () => store.bytes,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
