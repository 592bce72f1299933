/**
 * The server's messaging agent watching a user's mailbox: a receive-only {@link Transport} that
 * polls a {@link Mailbox}, turns each activation mail back into the handset's ETP.DAT frame,
 * hands it to the handlers and deletes the mail. The monitor never throws from its loop.
 *
 * The mailbox is the user's own, so only a mail that carries an ETP.DAT attachment is ours
 * (issue 8, finding 8). Every other mail is left alone whatever it looks like: over the size
 * limit, unparsable, or simply not an activation request. Each mail gets a cheap look first
 * (its size, then a byte scan for an `ETP.DAT` attachment header, see
 * `hasEtpAttachmentMarker`), so a huge or hostile ordinary mail is never handed to the MIME
 * parser, and a mail passed over once is remembered (in a bounded set) and not looked at again.
 * A mail that names an ETP.DAT attachment but is damaged is kept by default and skipped, with a
 * log line; `damaged: 'delete'` removes it instead.
 *
 * With `vouchKey` set (issue 8, finding 10), the monitor checks the relay's vouch headers and
 * tells the handlers through `FrameMeta` whether the request came through the relay.
 */
import { ActivationError, isActivationError } from '../../errors/activation-error.js';
import type { FrameHandler, FrameMeta, Transport } from '../../transport/transport.js';
import { checkVouch } from '../../transport/relay-vouch.js';
import { MAX_ETP_MAIL_BYTES, hasEtpAttachmentMarker, isNotActivationRequest, parseEtpMail } from './etp-mail.js';
import type { Mailbox, StoredMail } from './mail-server.js';

/** Defaults of the monitor's limits (docs/reliability.md, "Mail limits"). */
export const DEFAULT_MAILBOX_MONITOR_LIMITS = Object.freeze({
  /** Largest mail looked at (bytes); larger mail is not an activation request and is left alone. */
  maxMailBytes: 256 * 1024,
  /** Mails remembered as "not ours / kept": beyond this the oldest are forgotten (and looked at once more). */
  maxSkipped: 10_000,
  /** Mails examined (scanned, maybe parsed) per poll; the rest wait for the next poll. */
  maxExaminedPerPoll: 200,
});

/** Options of {@link createMailboxMonitor}: the mailbox to watch, how often, and its limits. */
export interface MailboxMonitorOptions {
  /** The user's mailbox (e.g. a {@link MemoryMailbox} that {@link startMailServer} fills). */
  readonly mailbox: Mailbox;
  /** Time between polls (ms). Default 1000. */
  readonly pollMs?: number;
  /**
   * What to do with a damaged activation mail (one that names an ETP.DAT attachment that does not
   * decode): keep it and skip it (default), or delete it.
   */
  readonly damaged?: 'delete' | 'keep';
  /**
   * Largest mail looked at (bytes), 1 KiB ..= 4 MiB; default 256 KiB. An ETP.DAT is at most
   * 16 KiB, so a real activation mail is far smaller. Larger mail is left in the mailbox unread.
   */
  readonly maxMailBytes?: number;
  /** Mails remembered as skipped, at least 1; default 10 000. */
  readonly maxSkipped?: number;
  /** Mails examined per poll, at least 1; default 200. */
  readonly maxExaminedPerPoll?: number;
  /**
   * The relay's vouch key (`deriveVouchKey(relayToken)` from src/transport/relay-vouch.ts). When
   * set, every frame is delivered with `FrameMeta`: `{ vouched: true, source }` when the mail's
   * vouch headers verify over its ETP.DAT, `{ vouched: false }` otherwise. When not set, frames
   * carry no meta.
   */
  readonly vouchKey?: Uint8Array;
  /** Receives one line per skipped, damaged or failed mail. */
  readonly log?: (message: string) => void;
}

/** Live counters of a {@link MailboxMonitor}. */
export interface MailboxMonitorStats {
  /** Polls done. */
  polls: number;
  /** Activation mails turned into frames and delivered. */
  delivered: number;
  /** Of those, delivered with a verified vouch. */
  vouched: number;
  /** Mails that are not activation requests (including unparsable and oversized ones), left in the mailbox. */
  ignored: number;
  /** Of those, left because of their size. */
  oversized: number;
  /** Damaged activation mails. */
  damaged: number;
  /** Failed list/delete calls. */
  errors: number;
}

/**
 * The server's messaging agent over a mailbox, as {@link createMailboxMonitor} returns it: a
 * receive-only {@link Transport} that delivers the ETP.DATs found in the mailbox as frames
 * (`send` is refused). Combine it with a transport for the replies (`combineTransports`).
 */
export interface MailboxMonitor extends Transport {
  /** Live counters: polls, mails delivered, ignored, damaged. */
  readonly stats: Readonly<MailboxMonitorStats>;
  /** Polls once now (also used by the timer). Resolves when that poll is done. */
  pollNow(): Promise<void>;
}

function positiveInteger(value: unknown, fallback: number, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ActivationError('INVALID_ARGUMENT', `${field} must be an integer from ${min} to ${max}`, { field });
  }
  return value;
}

/** Creates the monitor. Throws ActivationError('INVALID_ARGUMENT') for a missing mailbox or a bad limit. */
export function createMailboxMonitor(options: MailboxMonitorOptions): MailboxMonitor {
  if (!options || !options.mailbox || typeof options.mailbox.list !== 'function' || typeof options.mailbox.delete !== 'function') {
    throw new ActivationError('INVALID_ARGUMENT', 'createMailboxMonitor needs a mailbox', { field: 'mailbox' });
  }
  const pollMs = options.pollMs ?? 1000;
  if (typeof pollMs !== 'number' || !(pollMs > 0) || !Number.isFinite(pollMs)) {
    throw new ActivationError('INVALID_ARGUMENT', 'pollMs must be a positive number', { field: 'pollMs' });
  }
  if (options.damaged !== undefined && options.damaged !== 'keep' && options.damaged !== 'delete') {
    throw new ActivationError('INVALID_ARGUMENT', "damaged must be 'keep' or 'delete'", { field: 'damaged' });
  }
  const defaults = DEFAULT_MAILBOX_MONITOR_LIMITS;
  const maxMailBytes = positiveInteger(options.maxMailBytes, defaults.maxMailBytes, 'maxMailBytes', 1024, MAX_ETP_MAIL_BYTES);
  const maxSkipped = positiveInteger(options.maxSkipped, defaults.maxSkipped, 'maxSkipped', 1);
  const maxExamined = positiveInteger(options.maxExaminedPerPoll, defaults.maxExaminedPerPoll, 'maxExaminedPerPoll', 1);
  const vouchKey = options.vouchKey;
  if (vouchKey !== undefined && (!(vouchKey instanceof Uint8Array) || vouchKey.length < 16)) {
    throw new ActivationError('INVALID_ARGUMENT', 'vouchKey must be a Uint8Array of at least 16 bytes', { field: 'vouchKey' });
  }
  const mailbox = options.mailbox;
  const deleteDamaged = options.damaged === 'delete';
  const log = (message: string): void => {
    try {
      options.log?.(message);
    } catch {
      // a logger that throws must not stop the monitor
    }
  };
  log(
    `mailbox monitor: limits maxMailBytes=${maxMailBytes} maxSkipped=${maxSkipped} maxExaminedPerPoll=${maxExamined} ` +
      `damaged=${deleteDamaged ? 'delete' : 'keep'} vouch=${vouchKey ? 'checked' : 'off'}`,
  );
  const stats: MailboxMonitorStats = { polls: 0, delivered: 0, vouched: 0, ignored: 0, oversized: 0, damaged: 0, errors: 0 };
  const handlers = new Set<FrameHandler>();
  /**
   * Mails not to look at again: not ours, kept damaged ones, undeletable handled ones. Insertion
   * ordered, so when it is full the oldest entry goes first; ids gone from the mailbox are dropped
   * at every poll.
   */
  const skip = new Set<string>();
  const skipMail = (id: string): void => {
    skip.add(id);
    for (const oldest of skip) {
      if (skip.size <= maxSkipped) break;
      skip.delete(oldest);
    }
  };
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let loopStarted = false;

  const remove = async (id: string, what: string): Promise<void> => {
    try {
      await mailbox.delete(id);
    } catch (err) {
      stats.errors++;
      skipMail(id);
      log(`mailbox monitor: could not delete ${what} mail ${id} (${err instanceof Error ? err.name : typeof err}); it will be skipped`);
    }
  };

  const leave = (id: string, why: string): void => {
    stats.ignored++;
    skipMail(id);
    log(`mailbox monitor: mail ${id} is not an activation request (${why}); left in the mailbox`);
  };

  /** The frame of an activation mail, or undefined when the mail was left, kept or deleted. */
  async function examine(mail: StoredMail): Promise<{ frame: Uint8Array; meta: FrameMeta | undefined } | undefined> {
    // 1. Size, from the listing when the mailbox gives it (no fetch), else from the bytes.
    if (typeof mail.size === 'number' && mail.size > maxMailBytes) {
      stats.oversized++;
      leave(mail.id, `over ${maxMailBytes} bytes`);
      return undefined;
    }
    let raw: unknown;
    try {
      raw = mail.raw;
    } catch {
      raw = undefined; // a mailbox that cannot fetch this one: leave it, like any unreadable mail
    }
    if (!(raw instanceof Uint8Array) || raw.length > maxMailBytes) {
      if (raw instanceof Uint8Array) stats.oversized++;
      leave(mail.id, raw instanceof Uint8Array ? `over ${maxMailBytes} bytes` : 'no content');
      return undefined;
    }
    // 2. A byte scan for an ETP.DAT attachment header: most mail stops here, unparsed.
    if (!hasEtpAttachmentMarker(raw)) {
      leave(mail.id, 'no ETP.DAT attachment');
      return undefined;
    }
    // 3. The full parse, only for what claims to be ours.
    let parsed;
    try {
      parsed = await parseEtpMail(raw);
    } catch (err) {
      // mailparser is not installed: no mail can be read, none is judged damaged; the poll stops.
      if (isActivationError(err) && err.code === 'UNSUPPORTED') throw err;
      if (isNotActivationRequest(err)) {
        leave(mail.id, 'no ETP.DAT attachment');
        return undefined;
      }
      stats.damaged++;
      const why = isActivationError(err) ? err.message : 'unreadable';
      if (deleteDamaged) {
        log(`mailbox monitor: damaged activation mail ${mail.id} deleted: ${why}`);
        await remove(mail.id, 'damaged');
      } else {
        skipMail(mail.id);
        log(`mailbox monitor: damaged activation mail ${mail.id} kept and skipped: ${why}`);
      }
      return undefined;
    }
    if (vouchKey === undefined) return { frame: parsed.frame, meta: undefined };
    // checkVouch never throws on hostile header values; a missing header is simply unvouched.
    const { source } = parsed;
    const vouched = checkVouch(vouchKey, parsed.etpDat, source, parsed.vouch);
    // checkVouch is true only for a valid source, so `source` is there whenever it is.
    return { frame: parsed.frame, meta: vouched && source !== undefined ? { vouched: true, source } : { vouched: false } };
  }

  async function pollOnce(): Promise<void> {
    if (closed || handlers.size === 0) return;
    stats.polls++;
    let mails: StoredMail[];
    try {
      mails = await mailbox.list();
    } catch (err) {
      stats.errors++;
      log(`mailbox monitor: listing the mailbox failed (${err instanceof Error ? err.name : typeof err})`);
      return;
    }
    if (!Array.isArray(mails)) {
      stats.errors++;
      log('mailbox monitor: the mailbox listing is not a list');
      return;
    }
    const present = new Set<string>();
    for (const m of mails) if (m && typeof m.id === 'string') present.add(m.id);
    for (const id of skip) if (!present.has(id)) skip.delete(id);
    let examined = 0;
    for (const mail of mails) {
      if (closed || handlers.size === 0) return;
      if (!mail || typeof mail.id !== 'string' || skip.has(mail.id)) continue;
      if (examined++ >= maxExamined) break; // the rest next time: a flood of mail cannot stall a poll
      const found = await examine(mail);
      if (found === undefined) continue;
      for (const handler of [...handlers]) {
        try {
          if (found.meta === undefined) handler(found.frame);
          else handler(found.frame, found.meta);
        } catch (err) {
          log(`mailbox monitor: a frame handler threw (${err instanceof Error ? err.name : typeof err})`);
        }
      }
      stats.delivered++;
      if (found.meta?.vouched) stats.vouched++;
      await remove(mail.id, 'processed');
    }
  }

  const pollNow = (): Promise<void> => {
    if (!running) {
      running = pollOnce()
        .catch((err) => {
          stats.errors++;
          log(`mailbox monitor: poll failed (${isActivationError(err) ? err.message : err instanceof Error ? err.name : typeof err})`);
        })
        .finally(() => {
          running = undefined;
        });
    }
    return running;
  };

  const schedule = (): void => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void pollNow().then(schedule);
    }, pollMs);
  };

  return {
    stats,
    pollNow,
    async send(): Promise<void> {
      throw new ActivationError('TRANSPORT_ERROR', 'the mailbox monitor is receive-only', { operation: 'send', reason: 'receive-only' });
    },
    onFrame(handler: FrameHandler): () => void {
      handlers.add(handler);
      if (!closed && !loopStarted) {
        loopStarted = true;
        void pollNow().then(schedule);
      }
      return () => {
        handlers.delete(handler);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      handlers.clear();
      await running;
    },
  };
}
