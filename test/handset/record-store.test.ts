/**
 * The record store (issue 14): the handset keeps its organizer records behind `RecordStore`, and
 * its state keeps only what the protocol needs. The driver writes each page to the store, in
 * order, before the page's acknowledgement goes out; an asynchronous store holds the
 * acknowledgement until it has stored; a wipe clears the store; an activated handset keeps no
 * session leftovers; a snapshot of the layout before (records in the state) is migrated into the
 * store.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset } from '../../src/handset/handset.js';
import type { HandsetState } from '../../src/handset/state.js';
import { sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import type { SyncDatabase } from '../../src/sync/databases.js';
import { MemoryRecordStore, type PutOptions, type RecordStore } from '../../src/sync/record-store.js';
import type { Memo, SyncRecord } from '../../src/sync/records.js';
import { contentsDigest } from '../../src/sync/sync-store.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { userData } from '../phases/helpers.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const KEY = new Uint8Array(32).fill(0x5a);
const DATA = userData({ calendar: 7, contacts: 3, memos: 2 });

/** A store that logs what it is asked, into `log`, and keeps the records in a MemoryRecordStore. */
class LoggingStore implements RecordStore {
  readonly inner = new MemoryRecordStore();
  constructor(readonly log: string[]) {}
  put(database: SyncDatabase, records: readonly SyncRecord[], options?: PutOptions): void {
    this.log.push(`put ${database} ${records.map((r) => r.id).join(',')}`);
    this.inner.put(database, records, options);
  }
  records(database: SyncDatabase): readonly SyncRecord[] {
    return this.inner.records(database);
  }
  count(database: SyncDatabase): number {
    return this.inner.count(database);
  }
  clear(): void {
    this.log.push('clear');
    this.inner.clear();
  }
}

/** A store whose puts finish only when the test says so (`release`): an IndexedDB store, slowed down. */
class SlowStore implements RecordStore {
  readonly inner = new MemoryRecordStore();
  readonly waiting: (() => void)[] = [];
  put(database: SyncDatabase, records: readonly SyncRecord[], options?: PutOptions): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.inner.put(database, records, options);
        resolve();
      });
    });
  }
  async records(database: SyncDatabase): Promise<readonly SyncRecord[]> {
    return this.inner.records(database);
  }
  async count(database: SyncDatabase): Promise<number> {
    return this.inner.count(database);
  }
  async clear(): Promise<void> {
    this.inner.clear();
  }
  /** Lets the oldest put finish. */
  release(): void {
    this.waiting.shift()?.();
  }
}

/** Sends logged into `log` as "send <type> <received ids>" for sync-acks (ids from the server's page log). */
function logging(inner: Transport, log: string[]): Transport {
  return {
    send(bytes) {
      log.push(`send ${decodeFrame(bytes).type}`);
      return inner.send(bytes);
    },
    onFrame: (handler) => inner.onFrame(handler),
    close: () => inner.close(),
  };
}

function world(recordStore: RecordStore, log: string[] = []): { handset: Handset; sim: BesSimulator } {
  const sim = new BesSimulator({
    random: seededRandom('record-store/server'),
    now: () => T0,
    provider: allAlgorithms,
    services: { pageSize: 3 },
  });
  sim.addUser({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
  sim.setUserData(EMAIL, DATA);
  const [handsetSide, serverSide] = createMemoryTransportPair();
  sim.attach(serverSide);
  const handset = new Handset({
    config: HANDSET_CONFIG,
    transport: logging(handsetSide, log),
    random: seededRandom('record-store/handset'),
    now: () => T0,
    provider: allAlgorithms,
    recordStore,
  });
  return { handset, sim };
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('the driver and its record store', () => {
  it('writes every page to a custom store, in order, each before the sync-ack that acknowledges it', async () => {
    const log: string[] = [];
    const store = new LoggingStore(log);
    const { handset, sim } = world(store, log);
    await handset.activate({ email: EMAIL, password: PASSWORD });
    sim.close();
    // Each put is followed by exactly its sync-ack; no sync-ack without a put before it.
    const steps = log.filter((l) => l.startsWith('put') || l === 'send sync-ack');
    expect(steps.length).toBeGreaterThan(2);
    for (let i = 0; i < steps.length; i += 2) {
      expect(steps[i], `step ${i}`).toMatch(/^put /);
      expect(steps[i + 1], `step ${i + 1}`).toBe('send sync-ack');
    }
    // In the server's order: calendar first, and each database's records as it holds them.
    for (const database of ['calendar', 'contacts', 'memos'] as const) {
      expect(await handset.records(database)).toEqual(DATA[database]);
    }
    expect(steps[0]).toMatch(/^put calendar /);
    await handset.close();
  });

  it('an asynchronous store holds the acknowledgement until the put has finished', async () => {
    const log: string[] = [];
    const store = new SlowStore();
    const { handset, sim } = world(store, log);
    const done = handset.activate({ email: EMAIL, password: PASSWORD });
    let acks = 0;
    for (let round = 0; round < 50 && handset.state.phase !== 'complete'; round++) {
      await flush();
      if (store.waiting.length === 0) continue;
      // A page is being stored: its acknowledgement has not gone out, and waits for the put.
      expect(log.filter((l) => l === 'send sync-ack')).toHaveLength(acks);
      await flush();
      expect(log.filter((l) => l === 'send sync-ack')).toHaveLength(acks);
      store.release();
      await flush();
      acks += 1;
      expect(log.filter((l) => l === 'send sync-ack')).toHaveLength(acks);
    }
    await done;
    expect(acks).toBeGreaterThan(2);
    expect(await handset.records('calendar')).toEqual(DATA.calendar);
    sim.close();
    await handset.close();
  });

  it('a put that fails: no acknowledgement, the error told, the driver stopped', async () => {
    const log: string[] = [];
    const failing: RecordStore = {
      put: () => Promise.reject(new Error('disk full: Team offsite')),
      records: () => [],
      count: () => 0,
      clear: () => undefined,
    };
    const { handset, sim } = world(failing, log);
    const errors: unknown[] = [];
    handset.on('error', (e) => errors.push(e));
    const err = await handset.activate({ email: EMAIL, password: PASSWORD }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_STATE', cause: { operation: 'record store put' } });
    expect(String((err as Error).message)).not.toContain('Team offsite');
    expect(errors).toEqual([err]);
    expect(log).not.toContain('send sync-ack');
    sim.close();
  });

  it('a wipe clears a custom store', async () => {
    const log: string[] = [];
    const store = new LoggingStore(log);
    const { handset, sim } = world(store, log);
    await handset.activate({ email: EMAIL, password: PASSWORD });
    expect(store.count('calendar')).toBe(DATA.calendar.length);
    const wiped = new Promise<void>((resolve) => handset.on('wiped', () => resolve()));
    expect(sim.wipe(EMAIL)).toBe(true);
    await wiped;
    expect(log.at(-1)).toBe('clear');
    for (const database of ['calendar', 'contacts', 'memos'] as const) expect(store.count(database)).toBe(0);
    sim.close();
    await handset.close();
  });
});

describe('an activated handset keeps only what the protocol needs', () => {
  it('no records, no device digests, no retransmission buffer, nothing of the key exchange', () => {
    const pair = activatePair();
    const state = pair.handset;
    expect(state.phase).toBe('complete');
    expect(Object.keys(pair.records).length).toBeGreaterThan(0);
    expect(state.organizer).toBeUndefined();
    expect(Object.keys(state.sync ?? {})).toEqual(['progress']);
    expect(Object.keys(state.session ?? {}).sort()).toEqual(['email', 'recvSeq', 'retriesUsed', 'sendSeq', 'serverSrp', 'sid', 'suite']);
  });
});

describe('a snapshot of the layout before issue 14 (records in the state)', () => {
  const MEMO: Memo = { kind: 'memo', id: 'device-memo', title: 'Mine', body: 'only on the device', categories: [] };

  it('is migrated: its records go into the record store, the slow sync keeps the digests of the unmatched ones', async () => {
    const pair = activatePair();
    const syncing = pair.states.find((s) => s.phase === 'syncing')!;
    const held = { ...pair.records, memos: [...(pair.records.memos ?? []), MEMO] };
    // Version 3 kept the records in `sync.store` and the device's unmatched own ids in `sync.local`.
    const old = { ...syncing, version: 3, sync: { progress: syncing.sync!.progress, store: held, local: { memos: [MEMO.id] } } };
    const sealed = sealSnapshot('handset', old, KEY, allAlgorithms, { random: seededRandom('old layout') });
    const recordStore = new MemoryRecordStore();
    const restored = Handset.restore(sealed, KEY, {
      transport: createMemoryTransportPair()[0],
      timers: { setTimeout: () => 0, clearTimeout: () => undefined },
      provider: allAlgorithms,
      recordStore,
    });
    expect(recordStore.records('memos')).toEqual(held.memos);
    expect(recordStore.records('calendar')).toEqual(held.calendar);
    const state: HandsetState = restored.state;
    expect(state.version).toBe(4);
    expect(state.sync?.local).toEqual({ memos: { [MEMO.id]: contentsDigest(MEMO, (m) => allAlgorithms.sha256(m)) } });
    await restored.close();
  });
});
