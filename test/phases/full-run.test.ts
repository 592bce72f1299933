/**
 * One activation through all four phases with the `Handset` driver and the BES simulator: the
 * screen texts in order, when the server's account becomes "Activated", and what the handset holds
 * at the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../../src/handset/status.js';
import { SYNC_ORDER, type SyncData, type SyncDatabase } from '../../src/sync/databases.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EMAIL, HANDSET_CONFIG } from '../support/fixtures.js';
import { type Rig, createRig, flush, logDetails, userData } from './helpers.js';

const NAMES: Record<SyncDatabase, string> = {
  calendar: 'Calendar',
  contacts: 'Address Book',
  tasks: 'Tasks',
  memos: 'Memos',
  emailSettings: 'Email Settings',
  messages: 'Email Messages',
  options: 'Device Options',
};

/** The synchronizing texts a handset shows for `data` sent in pages of `pageSize`. */
function expectedSyncTexts(data: SyncData, pageSize: number): string[] {
  const texts: string[] = [];
  for (const db of SYNC_ORDER) {
    const n = data[db].length;
    const pages = Math.max(1, Math.ceil(n / pageSize));
    for (let p = 0; p < pages; p++) texts.push(`Synchronizing ${NAMES[db]} (${Math.min((p + 1) * pageSize, n)}/${n})`);
  }
  return texts;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('full run: phases 1 to 4 over the Handset driver', () => {
  // Memos empty on purpose: an empty database is still one page (0/0).
  const data = userData({ calendar: 12, contacts: 23, tasks: 8, memos: 0, messages: 31, options: 6 });
  const PAGE = 10;

  it('shows every status from "Activating" to "Activation Complete", in order', async () => {
    rig = createRig({ seed: 'full-run/statuses', data, server: { services: { pageSize: PAGE } } });
    await rig.activate();

    expect(rig.statuses.map((s) => s.text)).toEqual([
      'Activating',
      'Verifying Encryption',
      'Encryption Verified. Waiting for Services',
      'Services Received',
      `Your email address "${EMAIL}" is now enabled`,
      // The second line of the same message (seed line 115), with the server's SRP identifier.
      `Synchronization service Desktop [${rig.handset.state.server!.srp}]`,
      ...expectedSyncTexts(data, PAGE),
      'Activation Complete',
    ]);
    const ids = rig.statuses.map((s) => s.id);
    expect(ids.slice(0, 6)).toEqual([
      'activating',
      'verifying-encryption',
      'encryption-verified',
      'services-received',
      'email-enabled',
      'sync-service-enabled',
    ]);
    expect(ids.at(-1)).toBe('activation-complete');
    expect(new Set(ids.slice(6, -1))).toEqual(new Set(['synchronizing']));
    // Each synchronizing status carries its progress, agreeing with its text.
    const sync = rig.statuses.filter((s): s is Status & { progress: NonNullable<Status['progress']> } => s.id === 'synchronizing');
    for (const s of sync) {
      expect(s.text).toBe(`Synchronizing ${NAMES[s.progress.database as SyncDatabase]} (${s.progress.received}/${s.progress.total})`);
    }
    expect(rig.handset.status?.text).toBe('Activation Complete');
    expect(rig.handset.state.phase).toBe('complete');
  });

  it('emits policy, service books, sync progress and complete in protocol order', async () => {
    rig = createRig({ seed: 'full-run/events', data, server: { services: { pageSize: PAGE } } });
    await rig.activate();
    const names = rig.events.filter((e) => e.name !== 'status').map((e) => e.name);
    const first = (n: (typeof names)[number]) => names.indexOf(n);
    expect(first('key-established')).toBeGreaterThanOrEqual(0);
    expect(first('key-established')).toBeLessThan(first('policy'));
    expect(first('policy')).toBeLessThan(first('service-books'));
    expect(first('service-books')).toBeLessThan(first('sync-progress'));
    expect(names.lastIndexOf('sync-progress')).toBeLessThan(first('complete'));
    expect(names.filter((n) => n === 'policy')).toHaveLength(1);
    expect(names.filter((n) => n === 'service-books')).toHaveLength(1);
    expect(names.filter((n) => n === 'complete')).toHaveLength(1);
    expect(names).not.toContain('error');
    expect(names).not.toContain('ignored');
  });

  // Issue 12, finding 1: the account was activated (and the password deleted) when the IT policy
  // was acknowledged, before the handset had registered its service books.
  it('the account becomes "Activated" only at the commit point: the registration of the service books', async () => {
    rig = createRig({ seed: 'full-run/account', data, server: { services: { pageSize: PAGE } } });
    const r = rig;
    const seen: { at: string; status: string | undefined; hasPassword: boolean | undefined }[] = [];
    const snapshot = (at: string) => {
      const a = r.sim.account(EMAIL);
      seen.push({ at, status: a?.status, hasPassword: a?.hasPassword });
    };
    expect(r.sim.account(EMAIL)?.status).toBe('Initializing');
    r.handset.on('key-established', () => snapshot('key-established'));
    // `policy` is emitted when the acknowledgement is handed to the transport, before the server reads it.
    r.handset.on('policy', () => snapshot('policy acknowledged by the handset'));
    r.handset.on('service-books', () => snapshot('service books received'));
    r.handset.on('sync-progress', () => snapshot('sync page received'));
    r.handset.on('complete', () => snapshot('complete'));
    // The moment the it-policy frame reaches the handset, the server has already processed key-verified.
    r.handset.on('output', (o) => {
      if (o.type === 'apply-policy') snapshot('it-policy received (key verified on the server)');
    });

    await r.activate();
    expect(seen).toEqual([
      { at: 'key-established', status: 'Activating', hasPassword: true },
      { at: 'it-policy received (key verified on the server)', status: 'Activating', hasPassword: true },
      { at: 'policy acknowledged by the handset', status: 'Activating', hasPassword: true },
      // The books-ack (the registration) is sent in the same step: the server has not read it yet.
      { at: 'service books received', status: 'Activating', hasPassword: true },
      ...seen
        .filter((s) => s.at === 'sync page received')
        .map(() => ({ at: 'sync page received', status: 'Activated', hasPassword: false })),
      { at: 'complete', status: 'Activated', hasPassword: false },
    ]);
    expect(seen.filter((s) => s.at === 'sync page received').length).toBeGreaterThan(0);
    const events = r.log.map((l) => l.event);
    expect(events.indexOf('service books sent')).toBeLessThan(events.indexOf('activation committed'));
    expect(events.indexOf('activation committed')).toBeLessThan(events.indexOf('synchronization started'));
    // The server saw key-verified before it sent the policy, and the ack before the books.
    const server = r.serverFrames.map((f) => `${f.dir}:${f.type}`);
    expect(server.indexOf('in:key-verified')).toBeLessThan(server.indexOf('out:it-policy'));
    expect(server.indexOf('out:it-policy')).toBeLessThan(server.indexOf('in:policy-ack'));
    expect(server.indexOf('in:policy-ack')).toBeLessThan(server.indexOf('out:service-books'));
    const order = r.log.map((l) => l.event);
    expect(order.indexOf('encryption verified')).toBeLessThan(order.indexOf('IT policy sent'));
    expect(order.indexOf('IT policy sent')).toBeLessThan(order.indexOf('service books sent'));
    const account = r.sim.account(EMAIL);
    expect(account).toMatchObject({ status: 'Activated', hasPassword: false, devicePin: HANDSET_CONFIG.pin });
  });

  it('ends with the service books, the policy and every synced record on the handset', async () => {
    rig = createRig({ seed: 'full-run/state', data, server: { services: { pageSize: PAGE } } });
    const result = await rig.activate();
    await flush();
    const state = rig.handset.state;

    // Service books: the six default desktop books, keyed by the server's SRP id.
    expect(state.serviceBooks?.map((b) => `${b.cid}:${b.uid}`)).toEqual([
      'ALP:S0000001',
      'BBIM:S0000001',
      'CICAL:S0000001',
      'CMIME:S0000001',
      'IPPP:S0000001',
      'SYNC:S0000001',
    ]);

    // The policy in force is the server's, applied, and the server holds the same acknowledgement.
    expect(state.policy?.policy).toEqual(rig.sim.itPolicy);
    expect(state.policy?.ack.status).toBe('applied');
    expect(state.policy?.ack.policyId).toBe('default');
    expect(rig.sim.policyAck(EMAIL)).toEqual(state.policy?.ack);

    // Every record, per database, exactly as the server holds it.
    const account = rig.sim.accounts.get(EMAIL)!;
    const serverData = rig.sim.services.userData(account);
    expect(serverData).toEqual(data);
    for (const db of SYNC_ORDER) {
      // Read through the record store (Handset.records): the machine's state holds no records.
      expect(await rig.handset.records(db), db).toEqual(serverData[db]);
      expect(state.sync?.store?.[db] ?? [], db).toEqual(serverData[db]);
      expect(state.sync?.progress[db], db).toEqual({ received: serverData[db].length, total: serverData[db].length });
    }

    // The result: key, server and its parsed version.
    expect(result.email).toBe(EMAIL);
    expect(result.keyAlgorithm).toBe('AES-256-CBC');
    expect(result.keyId).toBe(bytesToHex(state.transportKey!.keyId));
    expect(result.server.version).toBe('BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4');
    expect(result.server.publicKey).toBe(bytesToHex(rig.sim.identity.domainKey.publicKey));
    expect(result.serverVersion).toEqual({ flavour: 'Exchange', major: 5, minor: 0, servicePack: 4, maintenanceRelease: 0 });

    // The server agrees the activation is complete and synchronized everything.
    expect(logDetails(rig.log, 'activation complete')).toEqual([{ pin: HANDSET_CONFIG.pin, email: EMAIL }]);
    expect(logDetails(rig.log, 'synchronization started')[0]).toMatchObject({ databases: [...SYNC_ORDER], skipped: [] });
  });

  it("syncs the simulator's own default data set when none is set", async () => {
    rig = createRig({ seed: 'full-run/default-data' });
    await rig.activate();
    const serverData = rig.sim.services.userData(rig.sim.accounts.get(EMAIL)!);
    const counts = Object.fromEntries(SYNC_ORDER.map((db) => [db, rig!.handset.state.sync?.store?.[db]?.length ?? 0]));
    expect(counts).toEqual(Object.fromEntries(SYNC_ORDER.map((db) => [db, serverData[db].length])));
    expect(counts).toEqual({ calendar: 12, contacts: 30, tasks: 8, memos: 5, emailSettings: 1, messages: 40, options: 6 });
  });
});
