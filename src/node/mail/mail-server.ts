/**
 * A small real SMTP server (smtp-server) that stores what it accepts in memory, one mailbox per
 * recipient: the stand-in for the mail system between the relay and a BES. For tests, demos and
 * the relay's mail path on loopback; no TLS, no authentication, no outbound delivery.
 */
import { SMTPServer } from 'smtp-server';
import { ActivationError } from '../../errors/activation-error.js';

/** One stored message. */
export interface StoredMail {
  readonly id: string;
  /** The message exactly as received (RFC 5322 bytes). */
  readonly raw: Uint8Array;
}

/** A mailbox as a monitor sees it: list what is there, delete what was handled. */
export interface Mailbox {
  list(): Promise<StoredMail[]>;
  /** Removes a message; removing one that is gone is not an error. */
  delete(id: string): Promise<void>;
}

/** An in-memory mailbox, also usable on its own in tests. */
export class MemoryMailbox implements Mailbox {
  private readonly mails = new Map<string, Uint8Array>();
  private next = 1;

  constructor(readonly address: string) {}

  /** Stores a message and returns its id. */
  append(raw: Uint8Array): string {
    const id = `${this.next++}`;
    this.mails.set(id, raw.slice());
    return id;
  }

  async list(): Promise<StoredMail[]> {
    return [...this.mails].map(([id, raw]) => ({ id, raw: raw.slice() }));
  }

  async delete(id: string): Promise<void> {
    this.mails.delete(id);
  }

  /** Number of messages stored. */
  get size(): number {
    return this.mails.size;
  }
}

export interface MailServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Largest message accepted (bytes). Default 10 MiB. */
  readonly maxMessageBytes?: number;
  readonly log?: (message: string) => void;
}

export interface MailServer {
  readonly host: string;
  readonly port: number;
  /** The mailbox of one recipient (created on first use; addresses are case-insensitive). */
  mailbox(address: string): MemoryMailbox;
  /** Addresses that have a mailbox. */
  addresses(): string[];
  /** Messages accepted so far. */
  readonly stats: { accepted: number; rejected: number };
  /** Stops listening and ends open sessions. Idempotent. */
  close(): Promise<void>;
}

/** Starts the SMTP server; resolves once it listens. */
export async function startMailServer(options: MailServerOptions = {}): Promise<MailServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  const log = options.log ?? (() => undefined);
  const boxes = new Map<string, MemoryMailbox>();
  const stats = { accepted: 0, rejected: 0 };
  const mailbox = (address: string): MemoryMailbox => {
    const key = address.trim().toLowerCase();
    let box = boxes.get(key);
    if (!box) {
      box = new MemoryMailbox(key);
      boxes.set(key, box);
    }
    return box;
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: maxBytes,
    closeTimeout: 500,
    banner: 'enterprise-activation test mail server',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          stats.rejected++;
          const err = Object.assign(new Error('message exceeds the size limit'), { responseCode: 552 });
          return callback(err);
        }
        const raw = new Uint8Array(Buffer.concat(chunks));
        const ids = session.envelope.rcptTo.map((rcpt) => mailbox(rcpt.address).append(raw));
        stats.accepted++;
        log(`mail: accepted ${raw.length} bytes for ${session.envelope.rcptTo.map((r) => r.address).join(', ')}`);
        callback(null, `queued as ${ids.join(',')}`);
      });
    },
  });
  server.on('error', (err) => log(`mail: server error ${err.name}`));

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void => reject(new ActivationError('TRANSPORT_ERROR', 'the mail server could not listen', { operation: 'listen', reason: err.name }));
    server.server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    mailbox,
    addresses: () => [...boxes.keys()],
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
