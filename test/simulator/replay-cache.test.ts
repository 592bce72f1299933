/**
 * The ETP.DAT replay cache across a restart (docs/protocol.md, "Sessions"; docs/server.md,
 * "Snapshots"; docs/security.md, finding 17: "a replay cache (kept across restarts) stops a second
 * CPace run"). A snapshot holds it, oldest first, one `<until>:<hex digest>` string per session
 * key; a restore takes back the well-formed entries, skips the others, and keeps the bound of
 * 50,000 entries, the oldest going first.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { ReplayCache } from '../../src/simulator/session-table.js';
import { decodeEtpHeader, encodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeFrame, encodeFrame } from '../../src/wire/frame.js';
import { frameType } from '../support/frames.js';
import { activatePair, type ServerLogEntry } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const digest = (n: number) => new Uint8Array(32).fill(n);
/** A well-formed entry's value: the time it expires, a colon, the digest in lower-case hex. */
const value = (until: number, n: number) => `${until}:${n.toString(16).padStart(2, '0').repeat(32)}`;

describe('a restored simulator keeps its replay cache', () => {
  it('another ETP.DAT under a session key answered before the restart is dropped as conflicting, not answered', () => {
    const pair = activatePair({
      driveTimers: false,
      until: (p) => p.frames.some((f) => f.direction === 'to-handset' && frameType(f.sent) === 'server-share'),
    });
    const etpDat = pair.frames.find((f) => f.direction === 'to-server' && frameType(f.sent) === 'etp-dat')!.sent;
    const serverShare = pair.frames.find((f) => f.direction === 'to-handset')!.sent;
    // Same sid, PIN, email and share (so the same session key), another cipher offer.
    const frame = decodeFrame(etpDat);
    const etp = decodeEtpDat(frame.body);
    const headerBytes = encodeEtpHeader({ ...decodeEtpHeader(etp.headerBytes), ciphers: ['TDES-EDE2-CBC'] });
    const altered = encodeFrame({ ...frame, body: encodeEtpDat({ headerBytes, share: etp.share, sealedBody: etp.sealedBody }) });

    const storageKey = new Uint8Array(32).fill(9);
    const log: ServerLogEntry[] = [];
    const restored = BesSimulator.restore(pair.server.snapshot(storageKey), storageKey, {
      provider: allAlgorithms,
      random: seededRandom('restored'),
      now: () => pair.clock.now,
      log: (event, detail) => void log.push({ event, detail }),
    });
    // The session is still in phase 1: the same bytes get the same reply, other bytes nothing.
    expect(restored.receive(etpDat)).toEqual([serverShare]);
    expect(restored.receive(altered)).toEqual([]);
    expect(log.filter((e) => e.event === 'frame dropped').map((e) => e.detail?.reason)).toEqual(['conflicting ETP.DAT']);
    expect(log.map((e) => e.event)).not.toContain('ETP.DAT accepted');
  });
});

describe('ReplayCache snapshot data', () => {
  it('is one `<until>:<hex digest>` string per session key, oldest first, and loads back as it was', () => {
    const cache = new ReplayCache();
    cache.remember('key-b', digest(0xb0), 1_700_000_000_000);
    cache.remember('key-a', digest(0x0a), 1_700_000_360_000);
    const data = cache.toData();
    expect(data).toEqual([
      ['key-b', `1700000000000:${'b0'.repeat(32)}`],
      ['key-a', `1700000360000:${'0a'.repeat(32)}`],
    ]);

    const loaded = new ReplayCache();
    loaded.loadData(data);
    expect(loaded.toData()).toEqual(data);
    expect(loaded.check('key-b', digest(0xb0), 1_699_999_999_999)).toBe('same');
    expect(loaded.check('key-a', digest(0xb0), 1_699_999_999_999)).toBe('other');
    expect(loaded.check('key-a', digest(0x0a), 1_700_000_360_000)).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['not a pair', 'key:1700000000000:ab'],
    ['a number', 42],
    ['null', null],
    ['an array-like object that is not an array', { 0: 'key', 1: value(1_000, 1), length: 2 }],
    ['a key that is not a string', [42, value(1_000, 1)]],
    ['a value that is not a string (one that reads as a good one)', ['key', [value(1_000, 1)]]],
    ['a value with no time', ['key', `:${'01'.repeat(32)}`]],
    ['a value with no digest', ['key', '1000:']],
    ['a value with no colon', ['key', '1000']],
    ['a time that is not digits', ['key', `soon:${'01'.repeat(32)}`]],
    ['something before the time', ['key', `x${value(1_000, 1)}`]],
    ['something after the digest', ['key', `${value(1_000, 1)}-`]],
    ['a digest in upper-case hex', ['key', `1000:${'AB'.repeat(32)}`]],
    ['a digest that is not hex', ['key', `1000:${'xy'.repeat(32)}`]],
  ])('skips an entry that is %s, and loads the good ones around it', (_what, bad) => {
    const cache = new ReplayCache();
    cache.loadData([['before', value(1_000, 1)], bad, ['after', value(2_000, 2)]]);
    expect(cache.toData()).toEqual([
      ['before', value(1_000, 1)],
      ['after', value(2_000, 2)],
    ]);
  });

  it('loads nothing from data that is not a list', () => {
    const cache = new ReplayCache();
    cache.loadData({ before: value(1_000, 1) });
    expect(cache.size).toBe(0);
  });

  it('keeps at most 50,000 entries on load, dropping the oldest', () => {
    const entries = Array.from({ length: 50_002 }, (_, i): [string, string] => [`key-${i}`, value(1_000 + i, 1)]);
    const cache = new ReplayCache();
    cache.loadData(entries);
    expect(cache.size).toBe(50_000);
    const data = cache.toData();
    expect(data[0]).toEqual(['key-2', value(1_002, 1)]);
    expect(data.at(-1)).toEqual(['key-50001', value(51_001, 1)]);

    const exactly = new ReplayCache();
    exactly.loadData(entries.slice(0, 50_000));
    expect(exactly.size).toBe(50_000);
    expect(exactly.toData()[0]).toEqual(['key-0', value(1_000, 1)]);
  });
});
