/**
 * The simulator's session table (docs/protocol.md, "Sessions"; docs/server.md, "Routing"): a
 * session is keyed by SHA-256(lv_cat(sid, PIN, lower-case email, Ya)), and later frames, which
 * carry only the sid and PIN, are routed among every session with both. So the index by sid must
 * hold each session with that sid, however many share it, and forget a sid only when its last
 * session goes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SessionTable, flatHex, sessionKey } from '../../src/simulator/session-table.js';
import type { ServerFailedState } from '../../src/simulator/server-state.js';
import { T0 } from '../support/fixtures.js';

const SID = new Uint8Array(16).fill(0xa1);
const OTHER_SID = new Uint8Array(16).fill(0xb2);

/** A session (a failed one: the smallest state there is) with this id and PIN. */
function session(sid: Uint8Array, pin: string, email = 'alice@example.com'): ServerFailedState {
  return { phase: 'failed', sid, pin, email, recvSeq: 1, sendSeq: 1, startedAt: T0 };
}

describe('sessionKey', () => {
  it('is the lower-case hex of SHA-256(lv_cat(sid, PIN, lower-case email, share)), 64 characters and nothing else', () => {
    const share = Uint8Array.from({ length: 32 }, (_, i) => i);
    const email = 'alice@example.com';
    // lv_cat: each part behind its length (one byte below 128).
    const lv = (bytes: Uint8Array) => [bytes.length, ...bytes];
    const text = (s: string) => new TextEncoder().encode(s);
    const expected = createHash('sha256')
      .update(Uint8Array.from([...lv(SID), ...lv(text('2100000A')), ...lv(text(email)), ...lv(share)]))
      .digest('hex');
    expect(sessionKey(SID, '2100000A', 'Alice@Example.COM', share)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('flatHex', () => {
  it('is the lower-case hex of every byte value, two digits each, in order', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(flatHex(all)).toBe(Buffer.from(all).toString('hex'));
    expect(flatHex(Uint8Array.of(0x0f, 0xf0, 0x00, 0xa5))).toBe('0ff000a5');
    expect(flatHex(new Uint8Array(0))).toBe('');
  });
});

describe('SessionTable', () => {
  it('holds every session with the same sid and PIN as a candidate, in the order they were set', () => {
    const table = new SessionTable();
    const victim = session(SID, '2100000A');
    const attacker = session(SID, '2100000A', 'mallory@example.com');
    const otherPin = session(SID, '2DEADBEE');
    table.set('victim', victim).set('attacker', attacker).set('other pin', otherPin);
    expect(table.candidates(SID, '2100000A')).toEqual([
      ['victim', victim],
      ['attacker', attacker],
    ]);
    expect(table.candidates(SID, '2DEADBEE')).toEqual([['other pin', otherPin]]);
    expect(table.hasSid(SID)).toBe(true);
    expect(table.hasSid(OTHER_SID)).toBe(false);
    expect(table.size).toBe(3);
  });

  it('deleting one of the sessions with a sid leaves the others reachable; deleting the last forgets the sid', () => {
    const table = new SessionTable();
    const first = session(SID, '2100000A');
    const second = session(SID, '2100000A', 'mallory@example.com');
    table.set('first', first).set('second', second);
    expect(table.delete('first')).toBe(true);
    expect(table.has('first')).toBe(false);
    expect(table.candidates(SID, '2100000A')).toEqual([['second', second]]);
    expect(table.hasSid(SID)).toBe(true);
    expect(table.delete('second')).toBe(true);
    expect(table.hasSid(SID)).toBe(false);
    expect(table.candidates(SID, '2100000A')).toEqual([]);
    expect(table.size).toBe(0);
  });

  it('deleting a key it does not hold returns false and changes nothing (as Map.delete)', () => {
    const table = new SessionTable();
    const kept = session(SID, '2100000A');
    table.set('kept', kept);
    expect(table.delete('never set')).toBe(false);
    expect(table.delete('kept')).toBe(true);
    expect(table.delete('kept')).toBe(false);
  });

  it('replace keeps a session in its place in the LRU order; a key not in the table is added and found by its sid', () => {
    const table = new SessionTable();
    const a = session(SID, '2100000A');
    const b = session(OTHER_SID, '2100000A');
    table.set('a', a).set('b', b);
    const pushed = { ...a, sendSeq: 2 };
    table.replace('a', pushed);
    expect([...table.keys()]).toEqual(['a', 'b']);
    expect(table.get('a')).toBe(pushed);

    const added = session(new Uint8Array(16).fill(0xc3), '2100000C');
    table.replace('c', added);
    expect([...table.keys()]).toEqual(['a', 'b', 'c']);
    expect(table.hasSid(added.sid)).toBe(true);
    expect(table.candidates(added.sid, '2100000C')).toEqual([['c', added]]);
  });
});
