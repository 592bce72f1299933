/**
 * Phase 3, the service books, end to end: books coexist by UID, and a missing [CMIME] or [CICAL]
 * switches off exactly what it carries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CMIME_CONFIG_EMAIL, defaultServiceBooks, type DefaultBookCid } from '../../src/service-books/server-books.js';
import type { ServiceBook } from '../../src/service-books/service-book.js';
import type { Account } from '../../src/simulator/accounts.js';
import type { ServerIdentity } from '../../src/simulator/server-config.js';
import type { SyncDatabase } from '../../src/sync/databases.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { EMAIL } from '../support/fixtures.js';
import { type Rig, createRig, logDetails, userData } from './helpers.js';

const DATA = userData({ calendar: 4, contacts: 5, tasks: 3, memos: 2, messages: 6, options: 2 });

function omitting(...omit: DefaultBookCid[]) {
  return (account: Account, id: ServerIdentity): ServiceBook[] =>
    defaultServiceBooks({ srp: id.srp, besDomain: id.besDomain, email: account.email, omit });
}

function syncedDatabases(r: Rig): SyncDatabase[] {
  const seen: SyncDatabase[] = [];
  for (const e of r.events) if (e.name === 'sync-progress' && !seen.includes(e.value.database)) seen.push(e.value.database);
  return seen;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('service books on the handset', () => {
  it('keeps two [CMIME] books with different UIDs side by side', async () => {
    const second = 'S0000002';
    rig = createRig({
      seed: 'books/two-cmime',
      data: DATA,
      server: {
        services: {
          serviceBooks: (account, id) => {
            const books = defaultServiceBooks({ srp: id.srp, besDomain: id.besDomain, email: account.email });
            const cmime = books.find((b) => b.cid === 'CMIME')!;
            return [
              ...books,
              {
                ...cmime,
                uid: second,
                dsid: second,
                hiddenName: `${second} CMIME`,
                description: 'Email for alice.personal@example.com',
                recordId: 0x0badf00d,
                config: { format: 0x10, fields: [{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes('alice.personal@example.com') }] },
              },
            ];
          },
        },
      },
    });
    const received: { books: readonly ServiceBook[]; emailEnabled: boolean }[] = [];
    rig.handset.on('service-books', (b) => received.push(b));
    await rig.activate();

    const books = rig.handset.state.serviceBooks ?? [];
    expect(books).toHaveLength(7);
    const cmime = books.filter((b) => b.cid === 'CMIME');
    expect(cmime.map((b) => b.uid)).toEqual(['S0000001', second]);
    expect(cmime[1]!.recordId).toBe(0x0badf00d);
    expect(cmime[1]!.config.fields).toEqual([{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes('alice.personal@example.com') }]);
    expect(cmime[0]!.config.fields).toEqual([{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes(EMAIL) }]);
    expect(received).toHaveLength(1);
    expect(received[0]!.emailEnabled).toBe(true);
    expect(received[0]!.books).toEqual(books);
    expect(logDetails(rig.log, 'service books sent')[0]?.books).toContain(`CMIME:${second}`);
    expect(rig.statuses.map((s) => s.id)).toContain('email-enabled');
  });

  it('without [CMIME]: completes, reports email not enabled, and sends no messages', async () => {
    rig = createRig({ seed: 'books/no-cmime', data: DATA, server: { services: { serviceBooks: omitting('CMIME') } } });
    const received: { emailEnabled: boolean }[] = [];
    rig.handset.on('service-books', (b) => received.push(b));
    const result = await rig.activate();

    expect(result.email).toBe(EMAIL);
    const ids = rig.statuses.map((s) => s.id);
    const texts = rig.statuses.map((s) => s.text);
    const at = ids.indexOf('services-received');
    expect(at).toBeGreaterThan(0);
    expect(rig.statuses[at]!.text).toBe('Services Received');
    expect(rig.statuses[at + 1]).toEqual({
      id: 'email-not-enabled',
      text: `Services Received. Email for "${EMAIL}" is not enabled: no [CMIME] service book`,
    });
    expect(ids).not.toContain('email-enabled');
    expect(texts.some((t) => t.includes('is now enabled'))).toBe(false);
    expect(texts.some((t) => t.startsWith('Synchronizing Email Messages'))).toBe(false);
    expect(texts.at(-1)).toBe('Activation Complete');
    expect(received).toEqual([expect.objectContaining({ emailEnabled: false })]);

    const state = rig.handset.state;
    expect(state.serviceBooks?.map((b) => b.cid)).not.toContain('CMIME');
    expect(state.sync?.store?.messages).toBeUndefined();
    expect(state.sync?.progress.messages).toBeUndefined();
    // The other books still take effect.
    expect(syncedDatabases(rig)).toEqual(['calendar', 'contacts', 'tasks', 'memos', 'emailSettings', 'options']);
    expect(state.sync?.store?.calendar).toHaveLength(DATA.calendar.length);
    expect(state.sync?.store?.contacts).toHaveLength(DATA.contacts.length);
    expect(logDetails(rig.log, 'synchronization started')[0]?.skipped).toEqual([
      { database: 'messages', reason: 'no [CMIME] service book' },
    ]);
    expect(rig.sim.account(EMAIL)?.status).toBe('Activated');
  });

  it('without [CICAL]: the calendar is skipped, the rest is synchronized and email is enabled', async () => {
    rig = createRig({ seed: 'books/no-cical', data: DATA, server: { services: { serviceBooks: omitting('CICAL') } } });
    await rig.activate();

    const texts = rig.statuses.map((s) => s.text);
    expect(texts).toContain(`Your email address "${EMAIL}" is now enabled`);
    expect(texts.some((t) => t.startsWith('Synchronizing Calendar'))).toBe(false);
    expect(texts.at(-1)).toBe('Activation Complete');
    expect(syncedDatabases(rig)).toEqual(['contacts', 'tasks', 'memos', 'emailSettings', 'messages', 'options']);
    expect(rig.handset.state.sync?.store?.calendar).toBeUndefined();
    expect(rig.handset.state.sync?.store?.messages).toHaveLength(DATA.messages.length);
    expect(logDetails(rig.log, 'synchronization started')[0]?.skipped).toEqual([
      { database: 'calendar', reason: 'no [CICAL] service book' },
    ]);
  });

  it('without [SYNC]: contacts, tasks, memos, email settings and options are skipped; calendar and messages still come', async () => {
    rig = createRig({ seed: 'books/no-sync', data: DATA, server: { services: { serviceBooks: omitting('SYNC') } } });
    await rig.activate();

    expect(syncedDatabases(rig)).toEqual(['calendar', 'messages']);
    expect(logDetails(rig.log, 'synchronization started')[0]?.skipped).toEqual([
      { database: 'contacts', reason: 'no [SYNC] service book' },
      { database: 'tasks', reason: 'no [SYNC] service book' },
      { database: 'memos', reason: 'no [SYNC] service book' },
      { database: 'emailSettings', reason: 'no [SYNC] service book' },
      { database: 'options', reason: 'no [SYNC] service book' },
    ]);
    expect(rig.statuses.at(-1)?.text).toBe('Activation Complete');
    // No synchronization service, so no second line under the email line (seed line 115).
    expect(rig.statuses.map((st) => st.id)).not.toContain('sync-service-enabled');
    expect(rig.statuses.some((st) => st.text.startsWith('Synchronization service'))).toBe(false);
  });

  // Issue 12, finding 5: the seed (lines 113-115) shows a second line under the email line,
  // `Synchronization service Desktop [SRP_Identifier]`, which the handset did not show.
  it('with [SYNC]: "Synchronization service Desktop [SRP]" follows the email line, with the SRP identifier of the key grant', async () => {
    rig = createRig({ seed: 'books/sync-line', data: DATA });
    await rig.activate();

    const texts = rig.statuses.map((st) => st.text);
    const srp = rig.handset.state.server!.srp;
    expect(srp).toMatch(/\S/);
    const at = texts.indexOf(`Your email address "${EMAIL}" is now enabled`);
    expect(at).toBeGreaterThan(0);
    expect(texts[at + 1]).toBe(`Synchronization service Desktop [${srp}]`);
    expect(rig.statuses[at + 1]?.id).toBe('sync-service-enabled');
  });
});
