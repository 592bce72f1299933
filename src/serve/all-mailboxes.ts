/**
 * Every mailbox of a mail server seen as one: what a BES that serves a whole domain watches. The
 * mailbox monitor polls one {@link Mailbox}; `serve --smtp` has thousands of users, and a monitor
 * (and a timer) per user would not scale. A message's id here is its mailbox's address and its id
 * in that mailbox.
 */
import type { Mailbox, MailServer, StoredMail } from '../node/mail/mail-server.js';

const SEPARATOR = '\n'; // never in an address the mail server accepts, nor in its ids

/** The mail of every recipient of `server`, oldest first per recipient. */
export function allMailboxes(server: Pick<MailServer, 'addresses' | 'mailbox'>): Mailbox {
  return {
    async list(): Promise<StoredMail[]> {
      const all: StoredMail[] = [];
      for (const address of server.addresses()) {
        for (const mail of await server.mailbox(address).list()) all.push({ ...mail, id: `${address}${SEPARATOR}${mail.id}` });
      }
      return all;
    },
    async delete(id: string): Promise<void> {
      const at = id.indexOf(SEPARATOR);
      if (at < 0) return;
      await server.mailbox(id.slice(0, at)).delete(id.slice(at + 1));
    },
  };
}
