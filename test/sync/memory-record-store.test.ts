/** The default record store (src/sync/record-store.ts): replace by id in place, idempotent, merges, clear. */
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '../../src/sync/record-store.js';
import type { Memo } from '../../src/sync/records.js';

const memo = (id: string, title: string): Memo => ({ kind: 'memo', id, title, body: '', categories: [] });

describe('MemoryRecordStore', () => {
  it('replaces a record with its id in its place, appends new ones in order, and a page put twice changes nothing', () => {
    const store = new MemoryRecordStore({ memos: [memo('a', 'A'), memo('b', 'B')] });
    const page = [memo('c', 'C'), memo('a', 'A2')];
    store.put('memos', page);
    store.put('memos', page);
    expect(store.records('memos')).toEqual([memo('a', 'A2'), memo('b', 'B'), memo('c', 'C')]);
    expect(store.count('memos')).toBe(3);
    expect(store.records('tasks')).toEqual([]);
  });

  it("a device record merged into a server record (replaces) goes, the server's takes its place", () => {
    const store = new MemoryRecordStore({ memos: [memo('d1', 'Same'), memo('d2', 'Mine')] });
    store.put('memos', [memo('s1', 'Same')], { replaces: { s1: 'd1' } });
    expect(store.records('memos').map((r) => r.id)).toEqual(['s1', 'd2']);
  });

  it('gives copies (what it keeps is its own) and clear empties every database', () => {
    const store = new MemoryRecordStore({ memos: [memo('a', 'A')] });
    const [read] = store.records('memos') as Memo[];
    (read as { title: string }).title = 'changed by the caller';
    expect(store.records('memos')).toEqual([memo('a', 'A')]);
    store.clear();
    expect(store.count('memos')).toBe(0);
  });

  it('a page with no records stores nothing, and a cleared store takes records again', () => {
    const store = new MemoryRecordStore();
    store.put('memos', []);
    expect(store.count('memos')).toBe(0);
    expect(store.records('memos')).toEqual([]);
    store.put('memos', [memo('a', 'A')]);
    store.put('memos', []);
    expect(store.records('memos')).toEqual([memo('a', 'A')]);
    store.clear();
    store.put('tasks', []);
    store.put('memos', [memo('b', 'B')]);
    expect(store.records('memos')).toEqual([memo('b', 'B')]);
    expect(store.count('tasks')).toBe(0);
  });
});
