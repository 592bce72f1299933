/**
 * The initial synchronization reconciles with what the device holds (a slow sync): BlackBerry's
 * initial wireless synchronization "resolves conflicting or duplicate entries to prevent data loss"
 * (docs/synchronization.md, "Slow sync"). `reconcilePage` is that rule on one page.
 */
import { describe, expect, it } from 'vitest';
import type { SyncPage } from '../../src/sync/pages.js';
import type { Memo } from '../../src/sync/records.js';
import {
  localIds,
  mergeStores,
  receivedCount,
  reconcileDigests,
  reconcilePage,
  type DeviceSyncStore,
  type RecordDigests,
} from '../../src/sync/sync-store.js';
import type { SyncRecord } from '../../src/sync/records.js';

function memo(id: string, title: string, body = ''): Memo {
  return { kind: 'memo', id, title, body, categories: [] };
}

function page(records: Memo[], total = records.length): SyncPage {
  return { database: 'memos', page: 0, pageCount: 1, total, records };
}

describe('reconcilePage: the slow sync of one page', () => {
  it('a device record with the contents of a server record under another id is a duplicate: merged into one, under the server id', () => {
    const held: DeviceSyncStore = { memos: [memo('d1', 'Groceries', 'milk'), memo('d2', 'Mine only')] };
    const r = reconcilePage(held, localIds(held), page([memo('s1', 'Groceries', 'milk')]));
    expect(r.store.memos).toEqual([memo('s1', 'Groceries', 'milk'), memo('d2', 'Mine only')]);
    expect(r.duplicates).toBe(1);
    expect(r.local.memos).toEqual(['d2']);
  });

  it('duplicates are found whatever the order of the fields', () => {
    const reordered = { body: 'milk', categories: [], title: 'Groceries', id: 'd1', kind: 'memo' } as Memo;
    const held: DeviceSyncStore = { memos: [reordered] };
    const r = reconcilePage(held, localIds(held), page([memo('s1', 'Groceries', 'milk')]));
    expect(r.store.memos).toEqual([memo('s1', 'Groceries', 'milk')]);
    expect(r.duplicates).toBe(1);
  });

  it("a conflict (the same id, other contents): the server's version wins, RIM's documented rule", () => {
    const held: DeviceSyncStore = { memos: [memo('s1', 'Edited on the device')] };
    const r = reconcilePage(held, localIds(held), page([memo('s1', 'Edited on the computer')]));
    expect(r.store.memos).toEqual([memo('s1', 'Edited on the computer')]);
    expect(r.conflicts).toBe(1);
    expect(r.duplicates).toBe(0);
    expect(r.local.memos).toEqual([]);
  });

  it('nothing is lost: every device record that no server record matches stays, and is not counted as received', () => {
    const held: DeviceSyncStore = { memos: [memo('d1', 'One'), memo('d2', 'Two')], tasks: [] };
    const r = reconcilePage(held, localIds(held), page([memo('s1', 'Server one'), memo('s2', 'Server two')], 2));
    expect(r.store.memos?.map((m) => m.id)).toEqual(['d1', 'd2', 's1', 's2']);
    expect(r.local.memos).toEqual(['d1', 'd2']);
    expect(receivedCount(r.store, r.local, 'memos')).toBe(2);
    expect(r.ack.received).toEqual(['s1', 's2']);
  });

  it('a page applied twice changes nothing the second time (a retransmission)', () => {
    const held: DeviceSyncStore = { memos: [memo('d1', 'Groceries'), memo('d2', 'Mine')] };
    const p = page([memo('s1', 'Groceries'), memo('s2', 'New')]);
    const once = reconcilePage(held, localIds(held), p);
    const twice = reconcilePage(once.store, once.local, p);
    expect(twice.store).toEqual(once.store);
    expect(twice.local).toEqual(once.local);
    expect(twice.duplicates + twice.conflicts).toBe(0);
  });

  it("a server record is never merged into another server record: only the device's own records are candidates", () => {
    const first = reconcilePage({}, localIds({}), { ...page([memo('s1', 'Same')], 2), pageCount: 2 });
    const second = reconcilePage(first.store, first.local, { ...page([memo('s2', 'Same')], 2), page: 1, pageCount: 2 });
    expect(second.store.memos?.map((m) => m.id)).toEqual(['s1', 's2']);
    expect(second.duplicates).toBe(0);
  });
});

describe('mergeStores: what a new activation starts from', () => {
  it('keeps every record of both, one per id, the first store winning', () => {
    const merged = mergeStores({ memos: [memo('a', 'Mine')] }, { memos: [memo('a', 'Old'), memo('b', 'Kept')], tasks: [] });
    expect(merged.memos).toEqual([memo('a', 'Mine'), memo('b', 'Kept')]);
    expect(merged.tasks).toEqual([]);
  });
});

describe('reconcileDigests: the same rule on digests, digesting only what can match', () => {
  /** A digest that is the memo's title, counting the records it was asked for. */
  function countingDigest(): { digest: (r: SyncRecord) => string; asked: string[] } {
    const asked: string[] = [];
    return { digest: (r) => (asked.push(r.id), r.kind === 'memo' ? r.title : ''), asked };
  }

  it('a device that holds no record of the database digests nothing (issue 14), and acknowledges every record', () => {
    const { digest, asked } = countingDigest();
    const r = reconcileDigests({ tasks: { t1: 'x' } }, page([memo('s1', 'One'), memo('s2', 'Two')]), digest);
    expect(asked).toEqual([]);
    expect(r.ack.received).toEqual(['s1', 's2']);
    expect(r.local).toEqual({ tasks: { t1: 'x' } });
    expect(r.duplicates + r.conflicts).toBe(0);
  });

  it('stops digesting once the last device record is matched; duplicates and conflicts as reconcilePage counts them', () => {
    const { digest, asked } = countingDigest();
    const local: RecordDigests = { memos: { d1: 'Groceries', s2: 'Mine' } };
    const r = reconcileDigests(
      local,
      page([memo('s1', 'Groceries'), memo('s2', 'Edited'), memo('s3', 'Later'), memo('s4', 'Groceries')]),
      digest,
    );
    expect(asked).toEqual(['s1', 's2']);
    expect(r.replaces).toEqual({ s1: 'd1' });
    expect(r.duplicates).toBe(1);
    expect(r.conflicts).toBe(1);
    expect(r.local).toEqual({});
  });

  it('a duplicate merges into the first device record with those contents, in the order the device listed them', () => {
    const { digest } = countingDigest();
    const local: RecordDigests = { memos: { d1: 'Other', d2: 'Same', d3: 'Same' } };
    const r = reconcileDigests(local, page([memo('s1', 'Same')]), digest);
    expect(r.replaces).toEqual({ s1: 'd2' });
    expect(r.local).toEqual({ memos: { d1: 'Other', d3: 'Same' } });
  });
});
