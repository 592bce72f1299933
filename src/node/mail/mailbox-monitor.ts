/**
 * The server's messaging agent watching a user's mailbox: a receive-only {@link Transport} that
 * polls a {@link Mailbox}, turns each activation mail back into the handset's ETP.DAT frame,
 * hands it to the handlers and deletes the mail. Other mail is left alone (logged once); a
 * damaged activation mail is deleted (or, with `damaged: 'keep'`, left and skipped), with a log
 * line saying why. The monitor never throws from its loop.
 */
import { ActivationError, isActivationError } from '../../errors/activation-error.js';
import type { FrameHandler, Transport } from '../../transport/transport.js';
import { isNotActivationRequest, parseEtpMail } from './etp-mail.js';
import type { Mailbox } from './mail-server.js';

export interface MailboxMonitorOptions {
  readonly mailbox: Mailbox;
  /** Time between polls (ms). Default 1000. */
  readonly pollMs?: number;
  /** What to do with a damaged activation mail: delete it (default) or keep it and skip it. */
  readonly damaged?: 'delete' | 'keep';
  readonly log?: (message: string) => void;
}

export interface MailboxMonitorStats {
  polls: number;
  /** Activation mails turned into frames and delivered. */
  delivered: number;
  /** Mails that are not activation requests, left in the mailbox. */
  ignored: number;
  /** Damaged activation mails. */
  damaged: number;
  /** Failed list/delete calls. */
  errors: number;
}

export interface MailboxMonitor extends Transport {
  readonly stats: Readonly<MailboxMonitorStats>;
  /** Polls once now (also used by the timer). Resolves when that poll is done. */
  pollNow(): Promise<void>;
}

export function createMailboxMonitor(options: MailboxMonitorOptions): MailboxMonitor {
  if (!options || !options.mailbox || typeof options.mailbox.list !== 'function' || typeof options.mailbox.delete !== 'function') {
    throw new ActivationError('INVALID_ARGUMENT', 'createMailboxMonitor needs a mailbox', { field: 'mailbox' });
  }
  const pollMs = options.pollMs ?? 1000;
  if (!(pollMs > 0) || !Number.isFinite(pollMs)) {
    throw new ActivationError('INVALID_ARGUMENT', 'pollMs must be a positive number', { field: 'pollMs' });
  }
  const mailbox = options.mailbox;
  const keepDamaged = options.damaged === 'keep';
  const log = (message: string): void => {
    try {
      options.log?.(message);
    } catch {
      // a logger that throws must not stop the monitor
    }
  };
  const stats: MailboxMonitorStats = { polls: 0, delivered: 0, ignored: 0, damaged: 0, errors: 0 };
  const handlers = new Set<FrameHandler>();
  /** Mails not to look at again: not activation requests, kept damaged ones, undeletable handled ones. */
  const skip = new Set<string>();
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let loopStarted = false;

  const remove = async (id: string, what: string): Promise<void> => {
    try {
      await mailbox.delete(id);
    } catch (err) {
      stats.errors++;
      skip.add(id);
      log(`mailbox monitor: could not delete ${what} mail ${id} (${err instanceof Error ? err.name : typeof err}); it will be skipped`);
    }
  };

  async function pollOnce(): Promise<void> {
    if (closed || handlers.size === 0) return;
    stats.polls++;
    let mails;
    try {
      mails = await mailbox.list();
    } catch (err) {
      stats.errors++;
      log(`mailbox monitor: listing the mailbox failed (${err instanceof Error ? err.name : typeof err})`);
      return;
    }
    const present = new Set(mails.map((m) => m.id));
    for (const id of skip) if (!present.has(id)) skip.delete(id);
    for (const mail of mails) {
      if (closed || handlers.size === 0) return;
      if (skip.has(mail.id)) continue;
      let frame: Uint8Array;
      try {
        const parsed = await parseEtpMail(mail.raw);
        frame = parsed.frame;
      } catch (err) {
        if (isNotActivationRequest(err)) {
          stats.ignored++;
          skip.add(mail.id);
          log(`mailbox monitor: mail ${mail.id} is not an activation request; left in the mailbox`);
        } else {
          stats.damaged++;
          const why = isActivationError(err) ? err.message : 'unreadable';
          if (keepDamaged) {
            skip.add(mail.id);
            log(`mailbox monitor: damaged activation mail ${mail.id} kept and skipped: ${why}`);
          } else {
            log(`mailbox monitor: damaged activation mail ${mail.id} deleted: ${why}`);
            await remove(mail.id, 'damaged');
          }
        }
        continue;
      }
      for (const handler of [...handlers]) {
        try {
          handler(frame);
        } catch (err) {
          log(`mailbox monitor: a frame handler threw (${err instanceof Error ? err.name : typeof err})`);
        }
      }
      stats.delivered++;
      await remove(mail.id, 'processed');
    }
  }

  const pollNow = (): Promise<void> => {
    if (!running) {
      running = pollOnce()
        .catch((err) => {
          stats.errors++;
          log(`mailbox monitor: poll failed (${err instanceof Error ? err.name : typeof err})`);
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
