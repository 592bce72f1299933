import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/service-books/capabilities.js';
import { defaultServiceBooks } from '../../src/service-books/server-books.js';
import {
  DATABASE_CAPABILITY,
  DATABASE_RECORD_KIND,
  DATABASE_SERVICE_BOOK,
  DEFAULT_MESSAGE_CAP,
  SYNC_ORDER,
  applyLimit,
  planSync,
  type SyncPlanInput,
} from '../../src/sync/databases.js';
import { expectCode } from './helpers.js';

const ALL_ON = { wirelessSync: true, wirelessBackup: true, messages: true };
const books = (omit: ('CMIME' | 'CICAL' | 'SYNC')[] = []) =>
  capabilitiesOf(defaultServiceBooks({ srp: 'S12345678', besDomain: 'bes.example.com', email: 'jane@example.com', omit }));

function input(overrides: Partial<SyncPlanInput> = {}): SyncPlanInput {
  return { enabledForUser: ALL_ON, capabilities: books(), deviceDatabases: [...SYNC_ORDER], ...overrides };
}

describe('SYNC_ORDER and service books', () => {
  it('starts with the calendar and names the book each database needs', () => {
    expect(SYNC_ORDER).toEqual(['calendar', 'contacts', 'tasks', 'memos', 'emailSettings', 'messages', 'options']);
    expect(DATABASE_SERVICE_BOOK).toEqual({
      calendar: 'CICAL',
      contacts: 'SYNC',
      tasks: 'SYNC',
      memos: 'SYNC',
      emailSettings: 'SYNC',
      messages: 'CMIME',
      options: 'SYNC',
    });
  });

  it('syncs email settings and filters as their own database, over [SYNC], after the calendar, when wireless sync is on', () => {
    expect(SYNC_ORDER.indexOf('emailSettings')).toBeGreaterThan(SYNC_ORDER.indexOf('calendar'));
    expect(DATABASE_RECORD_KIND.emailSettings).toBe('email-settings');
    expect(DATABASE_CAPABILITY.emailSettings).toBe('email-settings');
    expect(planSync(input({ capabilities: books(['SYNC']) })).skipped).toContainEqual({
      database: 'emailSettings',
      reason: 'no [SYNC] service book',
    });
    expect(planSync(input({ enabledForUser: { ...ALL_ON, wirelessSync: false } })).skipped).toContainEqual({
      database: 'emailSettings',
      reason: 'disabled for user',
    });
    expect(planSync(input({ capabilities: books(['CICAL', 'CMIME']) })).databases).toContain('emailSettings');
  });
});

describe('planSync', () => {
  it('plans every database, calendar first, when everything is on', () => {
    const plan = planSync(input());
    expect(plan.databases).toEqual([...SYNC_ORDER]);
    expect(plan.skipped).toEqual([]);
    expect(plan.limits).toEqual({ messages: DEFAULT_MESSAGE_CAP });
    expect(DEFAULT_MESSAGE_CAP).toBe(750);
  });

  it('skips the calendar without a [CICAL] book', () => {
    const plan = planSync(input({ capabilities: books(['CICAL']) }));
    expect(plan.databases).toEqual(['contacts', 'tasks', 'memos', 'emailSettings', 'messages', 'options']);
    expect(plan.skipped).toEqual([{ database: 'calendar', reason: 'no [CICAL] service book' }]);
  });

  it('skips the [SYNC] databases without a [SYNC] book, and messages without [CMIME]', () => {
    const plan = planSync(input({ capabilities: books(['SYNC', 'CMIME']) }));
    expect(plan.databases).toEqual(['calendar']);
    expect(plan.skipped).toEqual([
      { database: 'contacts', reason: 'no [SYNC] service book' },
      { database: 'tasks', reason: 'no [SYNC] service book' },
      { database: 'memos', reason: 'no [SYNC] service book' },
      { database: 'emailSettings', reason: 'no [SYNC] service book' },
      { database: 'messages', reason: 'no [CMIME] service book' },
      { database: 'options', reason: 'no [SYNC] service book' },
    ]);
    expect(plan.limits).toEqual({});
  });

  it('skips every organizer database when wireless sync is disabled for the user', () => {
    const plan = planSync(input({ enabledForUser: { ...ALL_ON, wirelessSync: false } }));
    expect(plan.databases).toEqual(['messages', 'options']);
    expect(plan.skipped).toEqual(
      ['calendar', 'contacts', 'tasks', 'memos', 'emailSettings'].map((database) => ({ database, reason: 'disabled for user' })),
    );
  });

  it('skips options without wireless backup and messages when the user has them off', () => {
    const plan = planSync(input({ enabledForUser: { wirelessSync: true, wirelessBackup: false, messages: false } }));
    expect(plan.databases).toEqual(['calendar', 'contacts', 'tasks', 'memos', 'emailSettings']);
    expect(plan.skipped).toEqual([
      { database: 'messages', reason: 'disabled for user' },
      { database: 'options', reason: 'disabled for user' },
    ]);
  });

  it('skips what the device does not support, and ignores unknown device databases', () => {
    const plan = planSync(input({ deviceDatabases: ['calendar', 'contacts', 'journal'] }));
    expect(plan.databases).toEqual(['calendar', 'contacts']);
    expect(plan.skipped.map((s) => s.reason)).toEqual(Array(5).fill('device does not support'));
  });

  it('gives the user setting precedence over missing books and device support', () => {
    const plan = planSync({
      enabledForUser: { wirelessSync: false, wirelessBackup: false, messages: false },
      capabilities: new Set(),
      deviceDatabases: [],
    });
    expect(plan.databases).toEqual([]);
    expect(plan.skipped.every((s) => s.reason === 'disabled for user')).toBe(true);
  });

  it('caps messages at 750 by default and at a custom cap', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => i);
    const byDefault = planSync(input());
    expect(applyLimit(byDefault, 'messages', messages)).toHaveLength(750);
    expect(applyLimit(byDefault, 'messages', messages)[0]).toBe(0);
    expect(applyLimit(byDefault, 'contacts', messages)).toHaveLength(1000);
    const custom = planSync(input({ messageCap: 200 }));
    expect(custom.limits).toEqual({ messages: 200 });
    expect(applyLimit(custom, 'messages', messages)).toHaveLength(200);
    expect(applyLimit(custom, 'messages', messages.slice(0, 10))).toHaveLength(10);
  });

  it('rejects bad input as INVALID_ARGUMENT', () => {
    for (const cap of [0, -1, 1.5, Number.NaN, 1e9]) expectCode(() => planSync(input({ messageCap: cap })), 'INVALID_ARGUMENT');
    expectCode(() => planSync(input({ enabledForUser: { ...ALL_ON, messages: 'yes' as unknown as boolean } })), 'INVALID_ARGUMENT');
    expectCode(() => planSync(input({ capabilities: ['email'] as unknown as Set<string> })), 'INVALID_ARGUMENT');
    expectCode(() => planSync(null as unknown as SyncPlanInput), 'INVALID_ARGUMENT');
  });
});
