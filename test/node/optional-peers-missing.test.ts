/**
 * `enterprise-activation/node` with none of its optional peers importable (each import fails, as
 * for a package that is not installed): the module loads, and each feature fails with
 * ActivationError('UNSUPPORTED') naming the package it needs, before it binds a port or touches a
 * mail. The mailbox monitor keeps an activation mail it cannot read (even with
 * `damaged: 'delete'`) and logs the install command.
 */
import { describe, expect, it, vi } from 'vitest';
import type { StoredMail } from '../../src/node/mail/mail-server.js';

const { missing } = vi.hoisted(() => ({
  missing: (pkg: string) => () => {
    throw Object.assign(new Error(`Cannot find package '${pkg}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  },
}));
vi.mock('ws', missing('ws'));
vi.mock('nodemailer', missing('nodemailer'));
vi.mock('nodemailer/lib/mail-composer', missing('nodemailer'));
vi.mock('smtp-server', missing('smtp-server'));
vi.mock('mailparser', missing('mailparser'));

const node = await import('../../src/node/index.js');

async function failure(
  promise: Promise<unknown>,
): Promise<{ code?: string; message?: string; cause?: { package?: string; install?: string } }> {
  try {
    await promise;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a rejection');
}

describe('/node without its optional peers', () => {
  it.each([
    ['startRelayServer', 'ws', () => node.startRelayServer({ port: 0 })],
    [
      'startRelayServer with smtp',
      'ws',
      () => node.startRelayServer({ port: 0, smtp: { host: '127.0.0.1', port: 25, allowedDomains: ['example.com'] } }),
    ],
    ['startMailServer', 'smtp-server', () => node.startMailServer({ port: 0 })],
    ['parseEtpMail', 'mailparser', () => node.parseEtpMail('Subject: x\r\n\r\nhello')],
    [
      'submitMail',
      'nodemailer',
      () => node.submitMail({ host: '127.0.0.1', port: 9, from: 'a@example.com', to: 'b@example.com', raw: new Uint8Array(1) }),
    ],
  ])('%s: UNSUPPORTED, naming %s and its install command', async (_, pkg, start) => {
    const err = await failure(start());
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toContain(`"${pkg}"`);
    expect(err.message).toContain(`npm install ${pkg}`);
    expect(err.cause).toMatchObject({ package: pkg, install: `npm install ${pkg}` });
  });

  // Node 22 and later have a WebSocket of their own, and need no ws for it.
  it.runIf(!('WebSocket' in globalThis))(
    'activateFleetDevice over WebSocket, on a Node without WebSocket: UNSUPPORTED, naming ws',
    async () => {
      const device = node.fleetDevices({ seed: 'missing-peers' })(0);
      const err = await failure(node.activateFleetDevice(device, { url: 'http://127.0.0.1:9' }));
      expect(err.code).toBe('UNSUPPORTED');
      expect(err.cause).toMatchObject({ package: 'ws', install: 'npm install ws', operation: 'activateFleetDevice' });
    },
  );

  it('argument checks still come first (INVALID_ARGUMENT, not UNSUPPORTED)', async () => {
    expect(
      (await failure(node.submitMail({ host: 'h', port: 1, from: 'a;b@example.com', to: 'b@example.com', raw: new Uint8Array(1) }))).code,
    ).toBe('INVALID_ARGUMENT');
    expect((await failure(node.parseEtpMail(''))).code).toBe('MALFORMED');
  });

  it('the mailbox monitor keeps an activation mail it cannot read and logs what to install', async () => {
    const raw = new TextEncoder().encode(
      'Subject: Enterprise Activation request\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n' +
        'Content-Type: application/octet-stream; name=ETP.DAT\r\nContent-Disposition: attachment; filename=ETP.DAT\r\n\r\nAAAA\r\n--b--\r\n',
    );
    expect(node.hasEtpAttachmentMarker(raw)).toBe(true);
    const mails: StoredMail[] = [{ id: 'm1', raw, size: raw.length } as StoredMail];
    const deleted: string[] = [];
    const log: string[] = [];
    const monitor = node.createMailboxMonitor({
      mailbox: { list: async () => mails, delete: async (id: string) => void deleted.push(id) },
      damaged: 'delete',
      pollMs: 60_000,
      log: (m) => log.push(m),
    });
    const frames: Uint8Array[] = [];
    monitor.onFrame((f) => frames.push(f));
    await monitor.pollNow();
    await monitor.close();
    expect(frames).toEqual([]);
    expect(deleted).toEqual([]);
    expect(monitor.stats.damaged).toBe(0);
    expect(log.join('\n')).toContain('npm install mailparser');
  });
});
