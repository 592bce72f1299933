/**
 * The real network's path for the activation request: handset → relay → SMTP (a mail server on
 * loopback) → the user's mailbox → the server's mailbox monitor → BES simulator. The server's
 * replies, and every later message, travel over the relay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer } from '../../src/node/relay-server.js';
import { startMailServer } from '../../src/node/mail/mail-server.js';
import { createMailboxMonitor } from '../../src/node/mail/mailbox-monitor.js';
import { parseEtpMail } from '../../src/node/mail/etp-mail.js';
import { createRelayTransport } from '../../src/transport/http-relay-transport.js';
import { combineTransports } from '../../src/transport/combine.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { PIN, SRP, relayHandset, withDeadline } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const mail = await startMailServer();
  cleanups.push(() => mail.close());
  const relay = await startRelayServer({ smtp: { host: '127.0.0.1', port: mail.port, allowedDomains: ['example.com'] } });
  cleanups.push(() => relay.close());

  const sim = new BesSimulator({ srp: SRP, relay: 'relay.test', name: 'BES01' });
  sim.addUser({ email: 'alice@example.com', displayName: 'Alice Example', activationPassword: 'bb8800-act' });
  const mailbox = mail.mailbox('alice@example.com');
  const logs: string[] = [];
  const monitor = createMailboxMonitor({ mailbox, pollMs: 25, log: (m) => logs.push(m) });
  // No `serves`: the server learns of activation requests only from the mailbox.
  const serverRelay = createRelayTransport({ url: relay.url, address: `srp:${SRP}`, pollWaitSeconds: 10 });
  const serverTransport = combineTransports({ receive: [monitor, serverRelay], send: serverRelay });
  cleanups.push(() => serverTransport.close());
  sim.attach(serverTransport);
  cleanups.push(() => sim.close());

  const { handset, statuses } = relayHandset(relay.url, cleanups);
  return { mail, mailbox, relay, sim, monitor, handset, statuses, logs };
}

describe('activation with the ETP.DAT delivered by email', () => {
  it('completes: the ETP.DAT goes through SMTP and the mailbox, the rest over the relay', async () => {
    const { mail, mailbox, relay, sim, monitor, handset, statuses } = await setup();
    // Keep a copy of what arrives, to look at the mail itself.
    const seen: Uint8Array[] = [];
    const list = mailbox.list.bind(mailbox);
    mailbox.list = async () => {
      const mails = await list();
      for (const m of mails) seen.push(m.raw);
      return mails;
    };
    const result = await withDeadline(handset.activate({ email: 'alice@example.com', password: 'bb8800-act' }), 60_000, 'activation');
    expect(result.server.srp).toBe(SRP);
    expect(statuses.at(-1)).toBe('Activation Complete');
    expect(statuses).toContain('Your email address "alice@example.com" is now enabled');
    expect(sim.account('alice@example.com')).toMatchObject({ status: 'Activated', devicePin: PIN });

    expect(relay.stats.mailed).toBeGreaterThanOrEqual(1);
    expect(mail.stats.accepted).toBe(relay.stats.mailed);
    expect(monitor.stats.delivered).toBeGreaterThanOrEqual(1);
    // The server removed the request from the mailbox.
    expect(mailbox.size).toBe(0);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    const parsed = await parseEtpMail(seen[0]!);
    expect(parsed.pin).toBe(PIN);
    expect(parsed.to).toBe('alice@example.com');
  });

  it("leaves the user's ordinary mail alone, including unparsable and 5 MiB mail (issue 8, finding 8)", async () => {
    const { mailbox, handset, logs } = await setup();
    const ids = [
      mailbox.append(new TextEncoder().encode('From: bob@example.com\r\nTo: alice@example.com\r\nSubject: hi\r\n\r\nhello\r\n')),
      // Before the fix these two were deleted as "damaged activation requests".
      mailbox.append(new TextEncoder().encode(`Subject: photos\r\n\r\n${'0123456789abcdef'.repeat(5 * 65536)}\r\n`)),
      mailbox.append(Uint8Array.from({ length: 4096 }, (_, i) => (i * 197 + 11) & 0xff)),
    ];
    await withDeadline(handset.activate({ email: 'alice@example.com', password: 'bb8800-act' }), 60_000, 'activation');
    expect((await mailbox.list()).map((m) => m.id)).toEqual(ids);
    expect(logs.filter((l) => /not an activation request/.test(l))).toHaveLength(3);
    expect(logs.some((l) => /deleted/.test(l))).toBe(false);
  });

  it('a wrong password fails with WRONG_PASSWORD', async () => {
    const { handset } = await setup();
    const err = await withDeadline(
      handset.activate({ email: 'alice@example.com', password: 'wrong' }).catch((e: unknown) => e),
      60_000,
      'activation',
    );
    expect(isActivationError(err, 'WRONG_PASSWORD')).toBe(true);
  });
});
