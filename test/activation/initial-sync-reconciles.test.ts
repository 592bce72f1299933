/**
 * The initial synchronization is a reconciliation (a slow sync) with what the device already holds,
 * not a wipe (issue 12, finding 7): BlackBerry's initial wireless synchronization "resolves
 * conflicting or duplicate entries to prevent data loss", and the calendar goes "up to 31 days in
 * the past from the activation date, and up to 28 years into the future" (BES 5 Administration
 * Guide, "Synchronization features"); when the same item differs, "the organizer data on your
 * computer takes precedence" (user guide, "About synchronization conflicts"). docs/synchronization.md.
 *
 * The bug: startActivation discarded the device's organizer data, so a re-activation lost every
 * record the device held that the server did not send.
 */
import { describe, expect, it } from 'vitest';
import { EMAIL, HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { Pair, activatePair, createServer } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';
import { initialHandsetState, type HandsetState } from '../../src/handset/state.js';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import type { CalendarEvent, Memo } from '../../src/sync/records.js';
import { SYNC_ORDER } from '../../src/sync/databases.js';

const DAY = 86_400_000;
const MY_MEMO: Memo = { kind: 'memo', id: 'device-memo-1', title: 'Written on the device', body: 'not on the server', categories: [] };

/** A handset that has never activated but holds `organizer` records of its own. */
function deviceHolding(organizer: HandsetState['organizer']): HandsetState {
  return { ...initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG, allAlgorithms)), organizer };
}

/** Every record the server has is on the device exactly once, by id. */
function expectEveryServerRecordOnce(pair: Pair): void {
  const data = pair.server.services.userData(pair.server.accounts.get(EMAIL)!);
  for (const database of SYNC_ORDER) {
    const got = (pair.records[database] ?? []).map((r) => r.id);
    expect(new Set(got).size, `${database}: no id twice`).toBe(got.length);
    for (const r of data[database] ?? []) expect(got, `${database} ${r.id}`).toContain(r.id);
  }
}

describe('the initial synchronization reconciles with what the device holds', () => {
  it("a re-activation keeps the device's own records: nothing is lost, and progress counts only the server's", () => {
    const first = activatePair();
    expect(first.handset.phase).toBe('complete');
    const synced = first.handset.sync!;
    const stored = first.records;
    // The user wrote a memo on the device after the first activation (the new Pair's record store gets it).
    const held = {
      ...first.handset,
      sync: { ...synced, store: { ...stored, memos: [...(stored.memos ?? []), MY_MEMO] } },
    } as HandsetState;
    first.server.setActivationPassword(EMAIL, 'Second-Password-1');
    const again = new Pair({ server: first.server, clock: first.clock, serverLog: first.serverLog, state: held, handsetSeed: 'again' });
    again.activate(EMAIL, 'Second-Password-1');
    again.drive();
    expect(again.error).toBeUndefined();
    expect(again.handset.phase).toBe('complete');
    expect(again.records.memos).toContainEqual(MY_MEMO); // was: gone
    expectEveryServerRecordOnce(again);
    for (const p of again.outputsOf('sync-progress')) expect(p.received, `${p.database}`).toBeLessThanOrEqual(p.total);
  });

  it('a device record that duplicates a server record under another id is merged into it: one entry, nothing twice', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const event = sim.services.userData(sim.accounts.get(EMAIL)!).calendar[0]!;
    const copy: CalendarEvent = { ...event, id: 'made-on-the-device' };
    const pair = new Pair({ server: sim, clock, serverLog: log, state: deviceHolding({ calendar: [copy], memos: [MY_MEMO] }) });
    pair.activate();
    pair.drive();
    expect(pair.handset.phase).toBe('complete');
    const calendar = pair.records.calendar!;
    expect(calendar.map((e) => e.id)).not.toContain('made-on-the-device');
    expect(calendar.filter((e) => e.id === event.id)).toEqual([event]);
    const serverMemos = sim.services.userData(sim.accounts.get(EMAIL)!).memos.length;
    expect(pair.records.memos).toContainEqual(MY_MEMO);
    expect(pair.records.memos).toHaveLength(serverMemos + 1);
    expect(calendar).toHaveLength(sim.services.userData(sim.accounts.get(EMAIL)!).calendar.length);
    expectEveryServerRecordOnce(pair);
  });

  it("a conflict (the same record changed on the device): the server's version wins, RIM's documented rule", () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const event = sim.services.userData(sim.accounts.get(EMAIL)!).calendar[0]!;
    const edited: CalendarEvent = { ...event, subject: 'Changed on the device' };
    const pair = new Pair({ server: sim, clock, serverLog: log, state: deviceHolding({ calendar: [edited] }) });
    pair.activate();
    pair.drive();
    expect(pair.handset.phase).toBe('complete');
    expect(pair.records.calendar!.filter((e) => e.id === event.id)).toEqual([event]);
  });

  it('the calendar goes within its window: from 31 days before the activation date', () => {
    const base = createServer({ users: USERS }).sim.services.userData;
    const { sim, clock, log } = createServer({
      users: USERS,
      serverOptions: {
        services: {
          userData: (account) => {
            const data = base(account);
            const template = data.calendar[0]!;
            const at = (daysAgo: number, id: string): CalendarEvent => ({
              ...template,
              id,
              recurrence: undefined,
              start: clockNow - daysAgo * DAY,
              end: clockNow - daysAgo * DAY + 3_600_000,
            });
            return { ...data, calendar: [...data.calendar, at(40, 'forty-days-ago'), at(30, 'thirty-days-ago')] };
          },
        },
      },
    });
    const clockNow = clock.now;
    const pair = new Pair({ server: sim, clock, serverLog: log });
    pair.activate();
    pair.drive();
    expect(pair.handset.phase).toBe('complete');
    const ids = pair.records.calendar!.map((e) => e.id);
    expect(ids).toContain('thirty-days-ago');
    expect(ids).not.toContain('forty-days-ago');
  });

  it("a failed activation leaves the device's own records where they were", () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const pair = new Pair({ server: sim, clock, serverLog: log, state: deviceHolding({ memos: [MY_MEMO] }) });
    pair.activate(EMAIL, 'not-the-password');
    pair.drive();
    expect(pair.error?.code).toBe('WRONG_PASSWORD');
    expect(pair.records.memos).toEqual([MY_MEMO]);
  });
});
