/**
 * Hostile load against the mail path (issue 8, findings 8, 11, 12; docs/reliability.md, "Mail
 * limits"): the SMTP server, the submitter and the mailbox monitor, attacked on loopback with
 * bounded counts and times. Each test performs the attack and checks that the process stays up,
 * that its RSS stays under a stated bound, that ordinary mail survives and that an honest
 * activation request still gets through.
 *
 * Attackers connect from other loopback addresses (127.0.0.2 and up) than the honest sender
 * (127.0.0.1), the way strangers on the Internet have other addresses than the relay, so the
 * per-source connection cap can be seen to protect the relay's submissions.
 */
import net from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEtpMail } from '../../src/node/mail/etp-mail.js';
import { startMailServer, type MailServer, type MailServerLimits, type StoredMail } from '../../src/node/mail/mail-server.js';
import { createMailboxMonitor } from '../../src/node/mail/mailbox-monitor.js';
import { submitMail } from '../../src/node/mail/smtp-submitter.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { combineTransports } from '../../src/transport/combine.js';
import type { FrameHandler, Transport } from '../../src/transport/transport.js';
import { Handset } from '../../src/handset/handset.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { PIN, SRP, collect, makeEtpFrame, waitFor, withDeadline } from '../transport/helpers.js';

const MiB = 1024 * 1024;
const FROM = `${PIN}@relay.invalid`;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const rss = (): number => process.memoryUsage().rss;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
/** Measured figures, printed once per test for docs/reliability.md. */
function report(what: string, figures: Record<string, string | number>): void {
  console.log(
    `[hostile-mail] ${what}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
}

async function mailServer(limits: Partial<MailServerLimits> = {}): Promise<MailServer> {
  const server = await startMailServer({ limits });
  cleanups.push(() => server.close());
  return server;
}

/** An ordinary message of about `bytes` bytes (text lines, as a mail client would send). */
function ordinaryMail(bytes: number, subject = 'quarterly report'): Uint8Array {
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n';
  const head = `From: bob@example.com\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n`;
  return new TextEncoder().encode(head + line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length))));
}

/** A bare SMTP client on a raw socket, for what no well-behaved client library would send. */
class RawSmtp {
  private buffer = '';
  private readonly replies: string[] = [];
  private waiter: (() => void) | undefined;
  closed = false;
  readonly done: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (;;) {
        const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buffer);
        if (!m) break;
        this.replies.push(m[0]);
        this.buffer = this.buffer.slice(m[0].length);
      }
      this.waiter?.();
    });
    socket.on('error', () => undefined); // a reset by the server is an expected outcome here
    this.done = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.waiter?.();
        resolve();
      }),
    );
  }

  static connect(port: number, localAddress: string): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress });
      socket.once('connect', () => resolve(new RawSmtp(socket)));
      socket.once('error', reject);
    });
  }

  /** The next whole reply (possibly multi-line), or '' once the server has closed. */
  async reply(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.replies.length === 0 && !this.closed) {
      if (Date.now() > deadline) throw new Error('no SMTP reply in time');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.replies.shift() ?? '';
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Writes `total` bytes of `chunk` repeated, honouring backpressure (no copy piles up here). */
  async stream(chunk: Buffer, total: number): Promise<void> {
    for (let sent = 0; sent < total && !this.closed; sent += chunk.length) {
      if (!this.socket.write(chunk)) {
        // Wait for the server to read on, or to hang up (then there is nothing more to send).
        await Promise.race([new Promise<void>((resolve) => this.socket.once('drain', resolve)), this.done]);
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A plain SMTP server that records every RCPT TO and message, to see what a submission sent. */
async function recordingServer(): Promise<{ port: number; rcpts: string[][]; messages: string[] }> {
  const rcpts: string[][] = [];
  const messages: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        rcpts.push(session.envelope.rcptTo.map((r) => r.address));
        messages.push(Buffer.concat(chunks).toString('latin1'));
        callback(null, 'ok');
      });
    },
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as net.AddressInfo).port)),
  );
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, rcpts, messages };
}

/**
 * An honest handset whose ETP.DAT goes by mail (build + submit from 127.0.0.1) and everything
 * else over a memory pair, and a BES simulator that reads the mailbox with a monitor: the real
 * mail path of test/transport/smtp-activation.test.ts without the relay.
 */
function mailPathActivation(server: MailServer, email = 'alice@example.com') {
  const [handsetSide, serverSide] = createMemoryTransportPair();
  const mailed: string[] = [];
  const handsetTransport: Transport = {
    async send(frame: Uint8Array): Promise<void> {
      const decoded = decodeFrame(frame.slice());
      if (decoded.type !== 'etp-dat') return handsetSide.send(frame);
      const raw = await buildEtpMail({ frameBytes: frame, from: FROM });
      const result = await submitMail({ host: '127.0.0.1', port: server.port, raw, from: FROM, to: email, timeoutMs: 5000 });
      mailed.push(...result.accepted);
    },
    onFrame: (handler: FrameHandler) => handsetSide.onFrame(handler),
    close: () => handsetSide.close(),
  };
  const sim = new BesSimulator({ srp: SRP, relay: 'relay.test', name: 'BES01' });
  sim.addUser({ email, displayName: 'Alice Example', activationPassword: 'bb8800-long' });
  const logs: string[] = [];
  const monitor = createMailboxMonitor({ mailbox: server.mailbox(email), pollMs: 25, log: (m) => logs.push(m) });
  const serverTransport = combineTransports({ receive: [monitor, serverSide], send: serverSide });
  sim.attach(serverTransport);
  const handset = new Handset({
    config: { pin: PIN, routing: { relay: 'relay.test', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } },
    transport: handsetTransport,
  });
  cleanups.push(
    () => serverTransport.close(),
    () => sim.close(),
    () => handset.close(),
  );
  const activate = (): Promise<unknown> => withDeadline(handset.activate({ email, password: 'bb8800-long' }), 20_000, 'activation by mail');
  return { sim, monitor, logs, mailed, activate };
}

describe('hostile mail: SMTP server (finding 11)', () => {
  it('one transaction with 200 recipients and a 3 MiB body stores one copy for at most maxRecipients mailboxes', async () => {
    const server = await mailServer();
    const body = ordinaryMail(3 * MiB, 'amplify');
    const before = rss();
    const attacker = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      ignoreTLS: true,
      localAddress: '127.0.0.2',
      logger: false,
    });
    cleanups.push(() => attacker.close());
    const recipients = Array.from({ length: 200 }, (_, i) => `victim${i}@example.com`);
    const info = await attacker.sendMail({ envelope: { from: 'spam@evil.example', to: recipients }, raw: Buffer.from(body) });
    const after = rss();
    // Before the fix: 200 copies (600 MiB) in one transaction. Now 10 recipients, one shared copy.
    expect(info.accepted).toHaveLength(server.limits.maxRecipients);
    expect(info.rejected).toHaveLength(190);
    expect(server.addresses()).toHaveLength(10);
    expect(server.storedBytes()).toBe(body.length);
    const [first, second] = [await server.mailbox('victim0@example.com').list(), await server.mailbox('victim9@example.com').list()];
    expect(Buffer.from(first[0]!.raw).equals(Buffer.from(second[0]!.raw))).toBe(true); // (not toEqual: 3 MiB element by element)
    expect(after - before).toBeLessThan(64 * MiB);
    report('amplification 200 rcpt x 3 MiB', { rssBefore: mib(before), rssAfter: mib(after), stored: mib(server.storedBytes()) });
  });

  it('mailbox quotas and the store bound refuse more mail with 452 instead of growing', async () => {
    const server = await mailServer({ mailboxQuotaMessages: 3, maxStoreBytes: 5 * MiB, maxMessageBytes: 2 * MiB });
    const send = (to: string, bytes: number) =>
      submitMail({ host: '127.0.0.1', port: server.port, raw: ordinaryMail(bytes), from: 'a@example.com', to, timeoutMs: 5000 }).then(
        () => 'ok',
        (e: unknown) => (isActivationError(e) ? `${e.code}:${String(e.cause?.responseCode ?? '')}` : 'other'),
      );
    const small = [];
    for (let i = 0; i < 5; i++) small.push(await send('full@example.com', 1000));
    expect(small).toEqual(['ok', 'ok', 'ok', 'TRANSPORT_ERROR:452', 'TRANSPORT_ERROR:452']);
    expect(server.mailbox('full@example.com').size).toBe(3);
    const big = [];
    for (let i = 0; i < 4; i++) big.push(await send(`big${i}@example.com`, 1.5 * MiB));
    // 3 x 1.5 MiB fit under 5 MiB with the small ones; the fourth does not.
    expect(big).toEqual(['ok', 'ok', 'ok', 'TRANSPORT_ERROR:452']);
    expect(server.storedBytes()).toBeLessThanOrEqual(5 * MiB);
    // Deleting frees the store again.
    const box = server.mailbox('big0@example.com');
    await box.delete((await box.list())[0]!.id);
    expect(await send('big3@example.com', 1.5 * MiB)).toBe('ok');
  });

  it('an oversize message streamed without SIZE is dropped while it arrives and answered 552; a declared one is refused at MAIL FROM', async () => {
    const server = await mailServer({ maxMessageBytes: 1 * MiB });
    const client = await RawSmtp.connect(server.port, '127.0.0.3');
    cleanups.push(() => client.close());
    expect(await client.reply()).toMatch(/^220 /);
    expect(await client.command('EHLO attacker.example')).toMatch(/SIZE 1048576/);
    expect(await client.command('MAIL FROM:<spam@evil.example> SIZE=50000000')).toMatch(/^552 /);
    expect(await client.command('MAIL FROM:<spam@evil.example>')).toMatch(/^250 /);
    expect(await client.command('RCPT TO:<alice@example.com>')).toMatch(/^250 /);
    expect(await client.command('DATA')).toMatch(/^354 /);
    const chunk = Buffer.from('x'.repeat(1022) + '\r\n');
    const before = rss();
    const started = Date.now();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    await client.stream(chunk, 48 * MiB);
    client.socket.write('\r\n.\r\n');
    const answer = await client.reply(20_000);
    clearInterval(sampler);
    const elapsed = Date.now() - started;
    // Before the fix: all 48 MiB buffered, then concatenated (about 96 MiB more) before the 552.
    expect(answer).toMatch(/^552 /);
    expect(server.stats.oversize).toBe(1);
    expect(server.mailbox('alice@example.com').size).toBe(0);
    expect(peak - before).toBeLessThan(32 * MiB);
    // The session goes on: a normal message on the same connection is accepted.
    expect(await client.command('MAIL FROM:<a@example.com>')).toMatch(/^250 /);
    expect(await client.command('RCPT TO:<alice@example.com>')).toMatch(/^250 /);
    expect(await client.command('DATA')).toMatch(/^354 /);
    expect(await client.command('Subject: hi\r\n\r\nhello\r\n.')).toMatch(/^250 /);
    report('oversize 48 MiB stream, limit 1 MiB', { rssBefore: mib(before), rssPeak: mib(peak), ms: elapsed });
  });

  it("many clients from one source get 421 beyond the per-source cap; the relay's own submission still goes through", async () => {
    const server = await mailServer();
    const sockets = await Promise.all(Array.from({ length: 40 }, () => RawSmtp.connect(server.port, '127.0.0.2')));
    cleanups.push(() => sockets.forEach((s) => s.close()));
    const greetings = await Promise.all(sockets.map((s) => s.reply()));
    const greeted = greetings.filter((g) => g.startsWith('220 ')).length;
    const refused = greetings.filter((g) => g.startsWith('421 ')).length;
    expect([greeted, refused]).toEqual([server.limits.maxClientsPerSource, 40 - server.limits.maxClientsPerSource]);
    // While those 8 sit there, the honest sender (another address) is served.
    const raw = await buildEtpMail({ frameBytes: makeEtpFrame('alice@example.com').frame, from: FROM });
    await submitMail({ host: '127.0.0.1', port: server.port, raw, from: FROM, to: 'alice@example.com', timeoutMs: 5000 });
    expect(server.mailbox('alice@example.com').size).toBe(1);
    expect(server.stats.refusedConnections).toBeGreaterThanOrEqual(1);
  });

  it('the total connection cap and the idle timeout hold', async () => {
    const server = await mailServer({ maxClients: 4, idleTimeoutMs: 300 });
    const sources = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];
    const sockets: RawSmtp[] = [];
    for (const source of sources) sockets.push(await RawSmtp.connect(server.port, source));
    cleanups.push(() => sockets.forEach((s) => s.close()));
    const greetings = await Promise.all(sockets.map((s) => s.reply()));
    expect(greetings.filter((g) => g.startsWith('220 '))).toHaveLength(4);
    // Idle sockets are closed by the server after idleTimeoutMs (with some slack for a busy machine).
    const started = Date.now();
    await withDeadline(Promise.all(sockets.map((s) => s.done)), 5000, 'idle sockets closed');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('garbage commands, binary noise and an endless line are refused and the connection closed', async () => {
    const server = await mailServer();
    const unknown = await RawSmtp.connect(server.port, '127.0.0.4');
    cleanups.push(() => unknown.close());
    expect(await unknown.reply()).toMatch(/^220 /);
    const answers = [];
    for (let i = 0; i < 12 && !unknown.closed; i++) answers.push(await unknown.command(`XYZZY ${'\u0000\u00ff'.repeat(i)}`));
    expect(answers.some((a) => a.startsWith('421 '))).toBe(true);
    await withDeadline(unknown.done, 3000, 'close after unknown commands');

    const longLine = await RawSmtp.connect(server.port, '127.0.0.4');
    cleanups.push(() => longLine.close());
    expect(await longLine.reply()).toMatch(/^220 /);
    await longLine.stream(Buffer.alloc(64 * 1024, 0x41), 4 * MiB); // no line end at all
    await withDeadline(longLine.done, 5000, 'close after an endless command line');

    const noise = await RawSmtp.connect(server.port, '127.0.0.4');
    cleanups.push(() => noise.close());
    await noise.reply();
    noise.socket.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff)));
    noise.socket.write('\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<>\r\nRCPT TO:<a@@b>\r\nDATA\r\n.\r\nQUIT\r\n');
    await withDeadline(noise.done, 5000, 'noise session ends');
    expect(server.mailbox('a@b.c').size).toBe(0);

    // The server still works.
    await submitMail({
      host: '127.0.0.1',
      port: server.port,
      raw: ordinaryMail(1000),
      from: 'a@example.com',
      to: 'bob@example.com',
      timeoutMs: 5000,
    });
    expect(server.mailbox('bob@example.com').size).toBe(1);
  });
});

describe('hostile mail: the relay cannot be made an open relay (finding 12)', () => {
  it('a header email with ";", "," or CR/LF never yields a second RCPT TO or an injected header', async () => {
    const rec = await recordingServer();
    // Header emails the activation screen's syntax (local@domain, no white space) lets through.
    const listLike = ['postmaster;root@evil.example', 'postmaster,root@evil.example', '"x;y"@evil.example', 'a%evil.example@example.com'];
    for (const email of listLike) {
      // What the relay does with a header email: build the mail, then submit it to that address.
      const built = await buildEtpMail({ frameBytes: makeEtpFrame(email).frame, from: FROM }).catch((e: unknown) => e);
      expect([email, isActivationError(built, 'INVALID_ARGUMENT')]).toEqual([email, true]);
    }
    // CR/LF cannot even be in a header email (the ETP.DAT decoder refuses it), and the mail
    // functions refuse it on their own too.
    const withCrlf = 'a@example.com\r\nBcc: root@evil.example';
    expect(
      isActivationError(await buildEtpMail({ frameBytes: makeEtpFrame(withCrlf).frame, from: FROM }).catch((e: unknown) => e), 'MALFORMED'),
    ).toBe(true);
    const valid = makeEtpFrame('alice@example.com').frame;
    expect(
      isActivationError(await buildEtpMail({ frameBytes: valid, from: FROM, to: withCrlf }).catch((e: unknown) => e), 'INVALID_ARGUMENT'),
    ).toBe(true);
    for (const email of [...listLike, withCrlf]) {
      const submitted = await submitMail({ host: '127.0.0.1', port: rec.port, raw: ordinaryMail(100), from: FROM, to: email }).catch(
        (e: unknown) => e,
      );
      expect([email, isActivationError(submitted, 'INVALID_ARGUMENT')]).toEqual([email, true]);
    }
    expect(rec.rcpts).toEqual([]);
    // The honest case sends exactly one RCPT TO, and the body does not echo the header.
    const raw = await buildEtpMail({ frameBytes: makeEtpFrame('alice@example.com').frame, from: FROM });
    await submitMail({ host: '127.0.0.1', port: rec.port, raw, from: FROM, to: 'alice@example.com' });
    expect(rec.rcpts).toEqual([['alice@example.com']]);
    expect(rec.messages[0]!.match(/alice@example\.com/g)).toHaveLength(1);
    expect(rec.messages[0]).not.toMatch(/^Bcc:/im);
  });
});

describe('hostile mail: the mailbox monitor (finding 8)', () => {
  it('leaves ordinary, unparsable and 5 MiB mail alone, looks at each once, and still delivers the activation request', async () => {
    const server = await mailServer();
    const box = server.mailbox('alice@example.com');
    const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
    const etp = makeEtpFrame('alice@example.com');
    const goodText = new TextDecoder().decode(await buildEtpMail({ frameBytes: makeEtpFrame('alice@example.com').frame, from: FROM }));
    const hostile: Record<string, Uint8Array> = {
      ordinary: ordinaryMail(2000, 'lunch'),
      huge: ordinaryMail(5 * MiB, 'holiday photos'),
      binary: Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 197 + 11) & 0xff),
      brokenMime: enc(
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary="c"\r\n\r\n--c\r\n' +
          '--c\r\n'.repeat(20_000),
      ),
      mentionsEtp: enc('Subject: about ETP.DAT\r\n\r\nThe ETP.DAT file: filename=ETP.DAT is what the handset sends.\r\n'),
      damagedEtp: enc(goodText.replace(/(filename=ETP\.DAT\r\n\r\n)([A-Za-z0-9+/]{8})/, '$1AAAAAAAA')),
    };
    const ids = Object.fromEntries(Object.entries(hostile).map(([name, raw]) => [name, box.append(raw)]));
    // Count how often the monitor fetches each mail's bytes.
    const fetched = new Map<string, number>();
    const list = box.list.bind(box);
    const counting = {
      delete: (id: string) => box.delete(id),
      list: async (): Promise<StoredMail[]> =>
        (await list()).map((m) => ({
          id: m.id,
          size: m.size,
          get raw() {
            fetched.set(m.id, (fetched.get(m.id) ?? 0) + 1);
            return m.raw;
          },
        })),
    };
    const before = rss();
    const logs: string[] = [];
    const monitor = createMailboxMonitor({ mailbox: counting, pollMs: 10, log: (m) => logs.push(m) });
    cleanups.push(() => monitor.close());
    const frames = collect(monitor);
    await waitFor(() => monitor.stats.polls >= 10, 10_000, 'ten polls');
    // The honest request arrives by SMTP in the middle of it.
    const raw = await buildEtpMail({ frameBytes: etp.frame, from: FROM });
    await submitMail({ host: '127.0.0.1', port: server.port, raw, from: FROM, to: 'alice@example.com', timeoutMs: 5000 });
    await waitFor(() => frames.length === 1, 5000, 'activation request delivered');
    const polls = monitor.stats.polls;
    await waitFor(() => monitor.stats.polls >= polls + 5, 5000, 'five more polls');
    const after = rss();

    expect(frames[0]).toEqual(etp.frame);
    // Before the fix the 5 MiB mail and unparsable mail were deleted as "damaged activation requests".
    expect((await box.list()).map((m) => m.id).sort()).toEqual(Object.values(ids).sort());
    for (const [name, id] of Object.entries(ids)) expect([name, fetched.get(id) ?? 0]).toEqual([name, name === 'huge' ? 0 : 1]);
    expect(monitor.stats).toMatchObject({ delivered: 1, ignored: 5, oversized: 1, damaged: 1 });
    expect(logs.filter((l) => /kept and skipped/.test(l))).toHaveLength(1);
    expect(after - before).toBeLessThan(64 * MiB);
    report('monitor with 6 hostile mails incl. 5 MiB', { rssBefore: mib(before), rssAfter: mib(after), polls: monitor.stats.polls });
  });

  it('a full activation over the mail path completes while the SMTP server is under attack', async () => {
    // maxClients above the flood, so that every refusal below is the per-source cap's (counted exactly).
    const server = await mailServer({ idleTimeoutMs: 5000, maxClients: 64 });
    const alice = server.mailbox('alice@example.com');
    const ordinary = [alice.append(ordinaryMail(2000, 'hello alice')), alice.append(ordinaryMail(5 * MiB, 'big attachment'))];
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    const attacks: Promise<unknown>[] = [];
    // Amplification, over and over, from 127.0.0.2 (before the fix: 100 copies of 2 MiB each time).
    attacks.push(
      (async () => {
        const t = nodemailer.createTransport({
          host: '127.0.0.1',
          port: server.port,
          secure: false,
          ignoreTLS: true,
          localAddress: '127.0.0.2',
          logger: false,
        });
        const body = Buffer.from(ordinaryMail(2 * MiB, 'spam'));
        for (let i = 0; i < 6; i++) {
          const to = Array.from({ length: 100 }, (_, j) => `v${i}-${j}@example.com`);
          await t.sendMail({ envelope: { from: 'spam@evil.example', to }, raw: body }).catch(() => undefined);
        }
        t.close();
      })(),
    );
    // Oversize streams from 127.0.0.3.
    attacks.push(
      (async () => {
        for (let i = 0; i < 3; i++) {
          const c = await RawSmtp.connect(server.port, '127.0.0.3');
          await c.reply();
          await c.command('EHLO x');
          await c.command('MAIL FROM:<a@evil.example>');
          await c.command('RCPT TO:<alice@example.com>');
          await c.command('DATA');
          await c.stream(Buffer.from('y'.repeat(1022) + '\r\n'), 12 * MiB);
          c.socket.write('\r\n.\r\n');
          await c.reply(10_000);
          c.close();
        }
      })(),
    );
    // Connection flood from 127.0.0.4: each socket waits for its greeting, then sends garbage.
    attacks.push(
      (async () => {
        const flood = await Promise.all(Array.from({ length: 30 }, () => RawSmtp.connect(server.port, '127.0.0.4')));
        await Promise.all(flood.map((s) => s.reply()));
        for (const s of flood) if (!s.closed) s.socket.write('\u0000garbage\r\n'.repeat(20));
        await Promise.all(flood.map((s) => withDeadline(s.done, 5000, 'garbage session closed')));
      })(),
    );
    // The honest activation starts once the attack is under way.
    await new Promise((r) => setTimeout(r, 150));
    const { sim, monitor, mailed, activate } = mailPathActivation(server);
    const started = Date.now();
    await activate();
    const activationMs = Date.now() - started;
    await withDeadline(Promise.all(attacks), 20_000, 'attacks end');
    clearInterval(sampler);

    expect(sim.account('alice@example.com')).toMatchObject({ status: 'Activated', devicePin: PIN });
    expect(mailed).toContain('alice@example.com');
    expect(monitor.stats.delivered).toBeGreaterThanOrEqual(1);
    // Ordinary mail survived, the attack mail was refused or stored once, the store stays bounded.
    expect((await alice.list()).map((m) => m.id)).toEqual(ordinary);
    expect(server.stats.oversize).toBe(3);
    expect(server.stats.refusedConnections).toBe(30 - server.limits.maxClientsPerSource);
    expect(server.storedBytes()).toBeLessThanOrEqual(6 * 2.1 * MiB + 5.1 * MiB);
    expect(server.addresses().length).toBeLessThanOrEqual(1 + 6 * server.limits.maxRecipients);
    // Stated bound: the whole attack (before the fix: 1.2 GB of copies) adds less than 96 MiB.
    expect(peak - before).toBeLessThan(96 * MiB);
    report('activation under attack', {
      activationMs,
      rssBefore: mib(before),
      rssPeak: mib(peak),
      stored: mib(server.storedBytes()),
      oversizeRefused: server.stats.oversize,
      refusedConnections: server.stats.refusedConnections,
      refusedRecipients: server.stats.refusedRecipients,
    });
  });
});
