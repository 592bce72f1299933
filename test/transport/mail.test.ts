import { afterEach, describe, expect, it } from 'vitest';
import {
  buildEtpMail,
  ETP_MAIL_TEXT,
  hasEtpAttachmentMarker,
  isNotActivationRequest,
  parseEtpMail,
  PIN_HEADER,
  SOURCE_HEADER,
  VOUCH_HEADER,
} from '../../src/node/mail/etp-mail.js';
import { isMailAddress } from '../../src/node/mail/mail-address.js';
import { deriveVouchKey } from '../../src/transport/relay-vouch.js';
import type { FrameMeta } from '../../src/transport/transport.js';
import { MemoryMailbox, startMailServer, type Mailbox } from '../../src/node/mail/mail-server.js';
import { submitMail } from '../../src/node/mail/smtp-submitter.js';
import { createMailboxMonitor } from '../../src/node/mail/mailbox-monitor.js';
import { startRelayServer } from '../../src/node/relay-server.js';
import { createRelayTransport } from '../../src/transport/http-relay-transport.js';
import { combineTransports } from '../../src/transport/combine.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { bytesToUtf8 } from '../../src/util/bytes.js';
import { PIN, SRP, collect, makeEtpFrame, makeFrame, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FROM = `${PIN}@relay.invalid`;

function plainMail(): Uint8Array {
  return new TextEncoder().encode(
    'From: a@example.com\r\nTo: user@example.com\r\nSubject: lunch?\r\nMessage-ID: <x1@example.com>\r\n\r\nnoon at the usual place\r\n',
  );
}

async function expectMalformed(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isActivationError(err, 'MALFORMED')).toBe(true);
  return err as Error;
}

describe('ETP.DAT mail', () => {
  it('builds a standard message and reads back the same frame', async () => {
    const { frame, etpDat } = makeEtpFrame('User@Example.com');
    const raw = await buildEtpMail({ frameBytes: frame, from: FROM, date: new Date('2009-02-25T12:00:00Z') });
    const text = bytesToUtf8(raw).replace(/\r\n/g, '\n');
    expect(text).toMatch(/^To: User@example\.com$/m); // nodemailer lower-cases the domain
    expect(text).toMatch(/^Subject: Enterprise Activation request \(PIN 2100000A\)$/m);
    expect(text).toMatch(/^X-Enterprise-Activation-PIN: 2100000A$/m);
    expect(text).toMatch(/^Content-Type: multipart\/mixed;/m);
    expect(text).toMatch(/^Content-Type: application\/octet-stream; name=ETP\.DAT$/m);
    expect(text).toMatch(/^Content-Transfer-Encoding: base64$/m);
    expect(text).toMatch(/^Content-Disposition: attachment; filename=ETP\.DAT$/m);
    expect(text).toMatch(/^Message-ID: <etp\.[0-9a-f]{32}@relay\.invalid>$/m);
    const parsed = await parseEtpMail(raw);
    expect(parsed.frame).toEqual(frame);
    expect(parsed.etpDat).toEqual(etpDat);
    expect(parsed.pin).toBe(PIN);
    expect(parsed.to).toBe('User@Example.com');
    expect(parsed.messageId).toMatch(/^<etp\./);
    expect(parsed.subject).toBe('Enterprise Activation request (PIN 2100000A)');
    // the same mail as a string parses too
    expect((await parseEtpMail(text)).frame).toEqual(frame);
  });

  it('builds from the ETP.DAT bytes alone', async () => {
    const { frame, etpDat } = makeEtpFrame();
    const parsed = await parseEtpMail(await buildEtpMail({ etpDat, from: FROM }));
    expect(parsed.frame).toEqual(frame);
  });

  it('refuses to build from a frame that is not an ETP.DAT or from bad input', async () => {
    await expectMalformed(buildEtpMail({ frameBytes: makeFrame(`srp:${SRP}`), from: FROM }));
    await expectMalformed(buildEtpMail({ frameBytes: new Uint8Array([1, 2]), from: FROM }));
    await expectMalformed(buildEtpMail({ etpDat: new Uint8Array([1, 2]), from: FROM }));
    await expect(buildEtpMail({ from: FROM })).rejects.toSatisfy((e) => isActivationError(e, 'INVALID_ARGUMENT'));
    await expect(buildEtpMail({ etpDat: makeEtpFrame().etpDat, from: 'nobody' })).rejects.toSatisfy((e) =>
      isActivationError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('tells a mail that is not an activation request from a damaged one', async () => {
    const notEtp = await expectMalformed(parseEtpMail(plainMail()));
    expect(isNotActivationRequest(notEtp)).toBe(true);
    expect(notEtp.message).toMatch(/not an activation request/);

    const { frame } = makeEtpFrame();
    const good = bytesToUtf8(await buildEtpMail({ frameBytes: frame, from: FROM }));
    // Damage the base64 body of the attachment: the ETP.DAT no longer decodes.
    const damaged = good.replace(/(filename=ETP\.DAT\r\n\r\n)([A-Za-z0-9+/]{8})/, '$1AAAAAAAA');
    expect(damaged).not.toBe(good);
    const err = await expectMalformed(parseEtpMail(damaged));
    expect(isNotActivationRequest(err)).toBe(false);
    expect(err.message).toMatch(/damaged/);

    // A PIN header that contradicts the ETP.DAT.
    const forged = good.replace(/^X-Enterprise-Activation-PIN: 2100000A$/m, `${PIN_HEADER}: 2100000B`);
    expect(await expectMalformed(parseEtpMail(forged))).toHaveProperty('message', expect.stringMatching(/PIN/));
  });

  it('never throws anything but MALFORMED on garbage', async () => {
    const inputs: Array<Uint8Array | string> = [
      new Uint8Array(0),
      '',
      new Uint8Array([0, 1, 2, 255, 254, 13, 10, 13, 10]),
      'Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Disposition: attachment; filename=ETP.DAT\r\n\r\n\r\n--x--\r\n',
      'Content-Type: application/octet-stream; name=ETP.DAT\r\nContent-Disposition: attachment; filename=ETP.DAT\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n',
      new Uint8Array(5 * 1024 * 1024),
      42 as unknown as string,
    ];
    for (const input of inputs) await expectMalformed(parseEtpMail(input));
  });
});

describe('mail server, submitter and mailbox monitor', () => {
  async function mailServer() {
    const s = await startMailServer();
    cleanups.push(() => s.close());
    return s;
  }

  it("accepts a submitted mail into the recipient's mailbox", async () => {
    const server = await mailServer();
    const { frame } = makeEtpFrame();
    const raw = await buildEtpMail({ frameBytes: frame, from: FROM });
    const result = await submitMail({ host: '127.0.0.1', port: server.port, raw, from: FROM, to: 'User@example.com' });
    expect(result.accepted).toEqual(['User@example.com']);
    const box = server.mailbox('user@EXAMPLE.com');
    const mails = await box.list();
    expect(mails).toHaveLength(1);
    expect((await parseEtpMail(mails[0]!.raw)).frame).toEqual(frame);
    await box.delete(mails[0]!.id);
    await box.delete(mails[0]!.id);
    expect(await box.list()).toHaveLength(0);
    expect(server.stats.accepted).toBe(1);
  });

  it('fails a submission to a closed port with TRANSPORT_ERROR', async () => {
    const server = await mailServer();
    const port = server.port;
    await server.close();
    const err = await submitMail({ host: '127.0.0.1', port, raw: plainMail(), from: FROM, to: 'a@b.c', timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(isActivationError(err, 'TRANSPORT_ERROR')).toBe(true);
  });

  it('monitor delivers activation mails, deletes them, leaves other mail and keeps damaged mail by default', async () => {
    const box = new MemoryMailbox('user@example.com');
    const logs: string[] = [];
    const monitor = createMailboxMonitor({ mailbox: box, pollMs: 20, log: (m) => logs.push(m) });
    cleanups.push(() => monitor.close());
    const { frame } = makeEtpFrame();
    box.append(plainMail());
    box.append(await buildEtpMail({ frameBytes: frame, from: FROM }));
    const good = bytesToUtf8(await buildEtpMail({ frameBytes: makeEtpFrame().frame, from: FROM }));
    box.append(new TextEncoder().encode(good.replace(/(filename=ETP\.DAT\r\n\r\n)([A-Za-z0-9+/]{8})/, '$1AAAAAAAA')));
    const got = collect(monitor);
    await waitFor(() => got.length === 1 && box.size === 2, 5000, 'monitor');
    expect(got[0]).toEqual(frame);
    // Let it poll a few more times: the plain mail and the damaged one are logged once and stay.
    const polls = monitor.stats.polls;
    await waitFor(() => monitor.stats.polls >= polls + 3);
    expect(box.size).toBe(2);
    expect(logs.filter((l) => /not an activation request/.test(l))).toHaveLength(1);
    expect(logs.filter((l) => /damaged activation mail .* kept and skipped/.test(l))).toHaveLength(1);
    expect(logs.some((l) => /deleted/.test(l))).toBe(false);
    expect(monitor.stats).toMatchObject({ delivered: 1, ignored: 1, damaged: 1 });
    await expect(monitor.send(frame)).rejects.toSatisfy((e) => isActivationError(e, 'TRANSPORT_ERROR'));
  });

  it('monitor can keep damaged mail, and survives a failing mailbox', async () => {
    let failList = true;
    const inner = new MemoryMailbox('x@example.com');
    const flaky: Mailbox = {
      list: async () => {
        if (failList) {
          failList = false;
          throw new Error('IMAP down');
        }
        return inner.list();
      },
      delete: async () => {
        throw new Error('read-only');
      },
    };
    inner.append(
      new TextEncoder().encode(
        bytesToUtf8(await buildEtpMail({ frameBytes: makeEtpFrame().frame, from: FROM })).replace(
          /(filename=ETP\.DAT\r\n\r\n)([A-Za-z0-9+/]{8})/,
          '$1AAAAAAAA',
        ),
      ),
    );
    const { frame } = makeEtpFrame();
    inner.append(await buildEtpMail({ frameBytes: frame, from: FROM }));
    const logs: string[] = [];
    const monitor = createMailboxMonitor({ mailbox: flaky, pollMs: 10, damaged: 'keep', log: (m) => logs.push(m) });
    cleanups.push(() => monitor.close());
    const got = collect(monitor);
    await waitFor(() => got.length === 1, 5000, 'frame despite failures');
    const polls = monitor.stats.polls;
    await waitFor(() => monitor.stats.polls >= polls + 3);
    // The undeletable mail is delivered once only; the damaged one is kept and logged once.
    expect(got).toHaveLength(1);
    expect(logs.filter((l) => /kept and skipped/.test(l))).toHaveLength(1);
    expect(logs.some((l) => /listing the mailbox failed/.test(l))).toBe(true);
    expect(monitor.stats.errors).toBeGreaterThanOrEqual(2);
  });

  it('monitor does not take mail while no handler listens, and close() stops it', async () => {
    const box = new MemoryMailbox('u@example.com');
    box.append(await buildEtpMail({ frameBytes: makeEtpFrame().frame, from: FROM }));
    const monitor = createMailboxMonitor({ mailbox: box, pollMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    expect(box.size).toBe(1);
    await monitor.pollNow();
    expect(box.size).toBe(1);
    const off = monitor.onFrame(() => undefined);
    await waitFor(() => box.size === 0);
    off();
    box.append(await buildEtpMail({ frameBytes: makeEtpFrame().frame, from: FROM }));
    await new Promise((r) => setTimeout(r, 50));
    expect(box.size).toBe(1);
    await monitor.close();
    await monitor.close();
  });

  it('relay mails ETP.DAT over SMTP; the monitor turns it back into the frame; replies go over the relay', async () => {
    const mail = await mailServer();
    const relay = await startRelayServer({ smtp: { host: '127.0.0.1', port: mail.port, allowedDomains: ['example.com'] } });
    cleanups.push(() => relay.close());
    const handset = createRelayTransport({ url: relay.url, address: `pin:${PIN}`, pollWaitSeconds: 5 });
    cleanups.push(() => handset.close());
    const serverRelay = createRelayTransport({ url: relay.url, address: `srp:${SRP}`, pollWaitSeconds: 5 });
    const monitor = createMailboxMonitor({ mailbox: mail.mailbox('user@example.com'), pollMs: 20 });
    const server = combineTransports({ receive: [monitor, serverRelay], send: serverRelay });
    cleanups.push(() => server.close());
    const atServer = collect(server);
    const atHandset = collect(handset);

    const { frame } = makeEtpFrame('user@example.com');
    await handset.send(frame);
    expect(relay.stats.mailed).toBe(1);
    await waitFor(() => atServer.length === 1, 5000, 'ETP.DAT through the mailbox');
    expect(atServer[0]).toEqual(frame);
    await waitFor(() => mail.mailbox('user@example.com').size === 0, 5000, 'mail deleted');

    await server.send(makeFrame(`pin:${PIN}`, 0, 'server-share'));
    await handset.send(makeFrame(`srp:${SRP}`, 1, 'handset-confirm'));
    await waitFor(() => atHandset.length === 1 && atServer.length === 2, 5000, 'replies over the relay');
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('relay answers 502 when the mail server is down, and 400 for an ETP.DAT that is not one', async () => {
    const mail = await startMailServer();
    const port = mail.port;
    await mail.close();
    const relay = await startRelayServer({ smtp: { host: '127.0.0.1', port, timeoutMs: 2000, allowedDomains: ['example.com'] } });
    cleanups.push(() => relay.close());
    const handset = createRelayTransport({ url: relay.url, address: `pin:${PIN}` });
    cleanups.push(() => handset.close());
    const down = await handset.send(makeEtpFrame().frame).catch((e: unknown) => e);
    expect(isActivationError(down, 'TRANSPORT_ERROR')).toBe(true);
    expect(relay.stats.mailFailed).toBe(1);
    const bogus = await handset.send(makeFrame('mailto:user@example.com', 0, 'etp-dat')).catch((e: unknown) => e);
    expect(isActivationError(bogus, 'TRANSPORT_ERROR')).toBe(true);
    expect((bogus as { cause: { status: number } }).cause.status).toBe(400);
  });
});

describe('mail hardening (issue 8, findings 8, 10, 12)', () => {
  const invalidArgument = (e: unknown): boolean => isActivationError(e, 'INVALID_ARGUMENT');

  it('accepts one plain address and nothing that could become two or a header', () => {
    for (const ok of ['user@example.com', 'User.Name+tag@Sub.Example.co', "o'brien@example.com", 'a@b.c', '2100000A@relay.invalid']) {
      expect(isMailAddress(ok)).toBe(true);
    }
    const bad = [
      'postmaster;root@evil.example',
      'a@example.com,root@evil.example',
      'a@example.com, root@evil.example',
      '"x"@example.com',
      'Name <a@example.com>',
      '<a@example.com>',
      'a@example.com\r\nBcc: root@evil.example',
      'a@example.com\n',
      'a b@example.com',
      'a@@example.com',
      'a@b@example.com',
      'user%evil.example@example.com',
      'evil!user@example.com',
      '|/bin/sh@example.com',
      'a@[127.0.0.1]',
      'a@-example.com',
      'a..b@example.com',
      '.a@example.com',
      'a@example..com',
      'ü@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(250)}.com`,
      'group:a@example.com;',
      '',
      'nobody',
    ];
    for (const b of bad) expect([b, isMailAddress(b)]).toEqual([b, false]);
    expect(isMailAddress(['a@example.com'])).toBe(false);
  });

  it('buildEtpMail refuses a list or header text as recipient, from options or from the ETP.DAT header', async () => {
    await expect(buildEtpMail({ frameBytes: makeEtpFrame('postmaster;root@evil.example').frame, from: FROM })).rejects.toSatisfy(
      invalidArgument,
    );
    await expect(buildEtpMail({ frameBytes: makeEtpFrame('postmaster,root@evil.example').frame, from: FROM })).rejects.toSatisfy(
      invalidArgument,
    );
    const { frame } = makeEtpFrame();
    await expect(buildEtpMail({ frameBytes: frame, from: FROM, to: 'a@example.com\r\nBcc: root@evil.example' })).rejects.toSatisfy(
      invalidArgument,
    );
    await expect(buildEtpMail({ frameBytes: frame, from: 'x@relay.invalid\r\nX-Evil: 1' })).rejects.toSatisfy(invalidArgument);
    await expect(buildEtpMail({ frameBytes: frame, from: FROM, messageId: '<a@b>\r\nBcc: root@evil.example' })).rejects.toSatisfy(
      invalidArgument,
    );
    const err = await buildEtpMail({ frameBytes: makeEtpFrame('postmaster;root@evil.example').frame, from: FROM }).catch((e: unknown) => e);
    expect(String((err as Error).message)).not.toMatch(/evil/); // the error does not repeat the address
  });

  it('writes a fixed text: nothing from the ETP.DAT header is echoed as prose', async () => {
    const { frame } = makeEtpFrame('alice@example.com');
    const raw = bytesToUtf8(await buildEtpMail({ frameBytes: frame, from: FROM }));
    const parsed = await parseEtpMail(raw);
    expect(parsed.to).toBe('alice@example.com');
    // The header's email appears in the To: header only; its relay and uid nowhere.
    expect(raw.match(/alice@example\.com/gi)).toHaveLength(1);
    expect(raw).toMatch(/^To: alice@example\.com$/m);
    expect(raw).not.toMatch(/relay\.test|U1\b/);
    const { simpleParser } = await import('mailparser');
    expect((await simpleParser(raw)).text?.trim()).toBe(ETP_MAIL_TEXT.replace(/\r\n/g, '\n').trim());
  });

  it('finds the ETP.DAT attachment header by a byte scan, and only in a part header', async () => {
    const built = await buildEtpMail({ frameBytes: makeEtpFrame().frame, from: FROM });
    expect(hasEtpAttachmentMarker(built)).toBe(true);
    const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
    expect(hasEtpAttachmentMarker(plainMail())).toBe(false);
    expect(hasEtpAttachmentMarker(enc('Subject: x\r\n\r\nPlease send me filename=ETP.DAT today\r\n'))).toBe(false);
    expect(hasEtpAttachmentMarker(enc('Subject: x\r\n\r\nThe file ETP.DAT is attached\r\n'))).toBe(false);
    expect(hasEtpAttachmentMarker(enc('Content-Type: text/plain; x=ETP.DATA\r\n\r\n.'))).toBe(false);
    expect(hasEtpAttachmentMarker(enc('Content-Disposition: attachment;\r\n\tfilename="etp.dat"\r\n\r\nxx'))).toBe(true);
    expect(hasEtpAttachmentMarker(enc('content-type: application/octet-stream; name=ETP.DAT'))).toBe(true);
    expect(hasEtpAttachmentMarker(new Uint8Array(0))).toBe(false);
  });

  it('damaged: delete removes only a damaged activation mail, never ordinary, unparsable or oversized mail', async () => {
    const box = new MemoryMailbox('user@example.com');
    const good = bytesToUtf8(await buildEtpMail({ frameBytes: makeEtpFrame().frame, from: FROM }));
    const ordinary = box.append(plainMail());
    const unparsable = box.append(new Uint8Array([0, 1, 2, 255, 254, 13, 10, 13, 10, 0x2d, 0x2d]));
    const big = box.append(new TextEncoder().encode(`Subject: big\r\n\r\n${'x'.repeat(300 * 1024)}\r\n`));
    box.append(new TextEncoder().encode(good.replace(/(filename=ETP\.DAT\r\n\r\n)([A-Za-z0-9+/]{8})/, '$1AAAAAAAA')));
    const logs: string[] = [];
    const monitor = createMailboxMonitor({ mailbox: box, pollMs: 10, damaged: 'delete', log: (m) => logs.push(m) });
    cleanups.push(() => monitor.close());
    collect(monitor);
    await waitFor(() => monitor.stats.damaged === 1 && box.size === 3, 5000, 'damaged mail deleted');
    expect((await box.list()).map((m) => m.id).sort()).toEqual([ordinary, unparsable, big].sort());
    expect(monitor.stats).toMatchObject({ ignored: 3, oversized: 1, damaged: 1, delivered: 0 });
    expect(logs[0]).toMatch(/limits maxMailBytes=262144 .* damaged=delete vouch=off/);
  });

  it('validates the monitor options', () => {
    const box = new MemoryMailbox('u@example.com');
    for (const bad of [
      { maxMailBytes: 0 },
      { maxMailBytes: 64 * 1024 * 1024 },
      { maxSkipped: 0 },
      { maxExaminedPerPoll: 1.5 },
      { damaged: 'shred' },
      { vouchKey: new Uint8Array(4) },
      { vouchKey: 'token' },
      { pollMs: -1 },
    ]) {
      expect(() => createMailboxMonitor({ mailbox: box, ...(bad as object) })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  it('vouching: the monitor tells a vouched ETP.DAT mail from an unvouched or forged one', async () => {
    const key = deriveVouchKey('relay-token-of-S0000001');
    const box = new MemoryMailbox('user@example.com');
    const { frame, etpDat } = makeEtpFrame();
    const vouched = await buildEtpMail({ frameBytes: frame, from: FROM, vouch: { key, source: 'src-7f3a' } });
    const text = bytesToUtf8(vouched);
    expect(text).toMatch(new RegExp(`^${SOURCE_HEADER}: src-7f3a$`, 'm'));
    expect(text).toMatch(new RegExp(`^${VOUCH_HEADER}: [A-Za-z0-9_-]{43}$`, 'm'));
    const byOtherRelay = await buildEtpMail({ etpDat, from: FROM, vouch: { key: deriveVouchKey('another-token'), source: 'src-7f3a' } });
    const relabelled = new TextEncoder().encode(text.replace('src-7f3a', 'src-0000'));
    const plain = await buildEtpMail({ etpDat, from: FROM });
    for (const m of [vouched, byOtherRelay, relabelled, plain]) box.append(m);

    const metas: Array<FrameMeta | undefined> = [];
    const monitor = createMailboxMonitor({ mailbox: box, pollMs: 10, vouchKey: key });
    cleanups.push(() => monitor.close());
    monitor.onFrame((f, meta) => {
      expect(f).toEqual(frame);
      metas.push(meta);
    });
    await waitFor(() => metas.length === 4, 5000, 'four frames');
    expect(metas).toEqual([{ vouched: true, source: 'src-7f3a' }, { vouched: false }, { vouched: false }, { vouched: false }]);
    expect(monitor.stats).toMatchObject({ delivered: 4, vouched: 1 });

    // Without a key the monitor knows nothing of the origin and says nothing.
    const box2 = new MemoryMailbox('user@example.com');
    box2.append(vouched);
    const monitor2 = createMailboxMonitor({ mailbox: box2, pollMs: 10 });
    cleanups.push(() => monitor2.close());
    const metas2: unknown[] = [];
    monitor2.onFrame((_f, meta) => metas2.push(meta));
    await waitFor(() => metas2.length === 1);
    expect(metas2).toEqual([undefined]);

    await expect(buildEtpMail({ etpDat, from: FROM, vouch: { key, source: 'two words' } })).rejects.toSatisfy(invalidArgument);
    await expect(buildEtpMail({ etpDat, from: FROM, vouch: { key: new Uint8Array(3), source: 's' } })).rejects.toSatisfy(invalidArgument);
  });

  it('submitMail refuses lists and header text before connecting', async () => {
    const raw = plainMail();
    for (const to of [
      'postmaster;root@evil.example',
      'a@example.com,b@example.com',
      'a@example.com\r\nRCPT TO:<root@evil.example>',
      ['a@example.com', 'b@example.com'],
    ]) {
      // Port 9 (discard) on loopback is never contacted: the check comes first.
      await expect(submitMail({ host: '127.0.0.1', port: 9, raw, from: FROM, to: to as string })).rejects.toSatisfy(invalidArgument);
    }
    await expect(
      submitMail({ host: '127.0.0.1', port: 9, raw, from: 'a@b.c>\r\nRCPT TO:<x@evil.example', to: 'a@example.com' }),
    ).rejects.toSatisfy(invalidArgument);
  });

  it('validates and logs the mail server limits', async () => {
    const invalid = [{ maxRecipients: 0 }, { maxClients: -1 }, { mailboxQuotaBytes: 1.5 }, { idleTimeoutMs: Number.NaN }, { bogus: 1 }];
    for (const limits of invalid) {
      await expect(startMailServer({ limits: limits as object })).rejects.toSatisfy(invalidArgument);
    }
    const logs: string[] = [];
    const s = await startMailServer({ limits: { maxRecipients: 3 }, log: (m) => logs.push(m) });
    cleanups.push(() => s.close());
    expect(s.limits).toMatchObject({ maxRecipients: 3, maxMessageBytes: 4 * 1024 * 1024, maxClients: 32, maxClientsPerSource: 8 });
    expect(logs[0]).toMatch(/limits: maxMessageBytes=4194304 maxClients=32 maxClientsPerSource=8 maxRecipients=3 /);
  });
});

describe('combineTransports', () => {
  it('receives from every receive transport and sends through one; close closes each once', async () => {
    const [a1, a2] = createMemoryTransportPair();
    const [b1, b2] = createMemoryTransportPair();
    let closes = 0;
    const counting = { ...a1, send: a1.send.bind(a1), onFrame: a1.onFrame.bind(a1), close: async () => void (closes++, await a1.close()) };
    const c = combineTransports({ receive: [counting, b1], send: counting });
    const got = collect(c);
    const atA2 = collect(a2);
    await a2.send(new Uint8Array([1]));
    await b2.send(new Uint8Array([2]));
    await c.send(new Uint8Array([3]));
    await new Promise((r) => setTimeout(r, 5));
    expect(got.map((f) => f[0])).toEqual([1, 2]);
    expect(atA2.map((f) => f[0])).toEqual([3]);
    await c.close();
    await c.close();
    expect(closes).toBe(1);
    await expect(c.send(new Uint8Array([4]))).rejects.toSatisfy((e) => isActivationError(e, 'TRANSPORT_ERROR'));
  });
});
