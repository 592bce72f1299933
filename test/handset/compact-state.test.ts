/**
 * The compact form of a settled state (src/handset/compact-state.ts, issue 14): the driver keeps
 * it instead of the state the machine made. It must be the same state, as a value and as a
 * snapshot seals it, keep secret bytes off the buffer that public values are views on, share only
 * frozen parts without bytes, and leave the state it was given as it was. The heap it saves is
 * the benchmark's to show (bench/memory-child.ts), not a test's.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { compactState, fnv1a, keyOf } from '../../src/handset/compact-state.js';
import { Handset } from '../../src/handset/handset.js';
import type { HandsetState } from '../../src/handset/state.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { DISPLAY_NAME, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';
import { activatePair } from '../support/pair.js';

/** Every byte array of `value`, with the name of the field that holds it. */
function byteFields(value: unknown, name = ''): [string, Uint8Array][] {
  if (value instanceof Uint8Array) return [[name, value]];
  if (Array.isArray(value)) return value.flatMap((item) => byteFields(item, name));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => byteFields(item, key));
  return [];
}

const run = activatePair();
const complete = run.handset;

describe('compactState', () => {
  it('gives the same state, field for field and as a snapshot encodes it, for every state of an activation', () => {
    expect(complete.phase).toBe('complete');
    const states = [...run.states, complete];
    expect(new Set(states.map((s) => s.phase)).size).toBeGreaterThanOrEqual(7);
    for (const state of states) {
      const compact = compactState(state);
      expect(compact).toStrictEqual(state);
      expect(encodeCbor(compact)).toEqual(encodeCbor(state));
    }
  });

  it('puts the secret keys on a buffer of their own: no public value is a view on it', () => {
    const compact = compactState(complete);
    const fields = byteFields(compact);
    const secret = fields.filter(([name]) => name === 'secretKey' || name === 'key');
    const open = fields.filter(([name]) => name !== 'secretKey' && name !== 'key');
    expect(secret.length).toBe(3); // the two identity keys, the transport key
    expect(open.map(([name]) => name)).toEqual(
      expect.arrayContaining(['publicKey', 'agreementKey', 'keyId', 'sid', 'policyHash', 'policyKey']),
    );
    const secretBuffers = new Set(secret.map(([, bytes]) => bytes.buffer));
    for (const [name, bytes] of open) expect(secretBuffers.has(bytes.buffer), name).toBe(false);
    // Fewer buffers than byte arrays: that is the point.
    expect(new Set(fields.map(([, bytes]) => bytes.buffer)).size).toBe(2);
  });

  it('shares the parts without bytes between handsets, frozen; parts with bytes stay each its own', () => {
    const other = activatePair().handset;
    const [a, b] = [compactState(complete), compactState(other)];
    if (a.phase !== 'complete' || b.phase !== 'complete') throw new Error('not complete');
    for (const [x, y] of [
      [a.config.databases, b.config.databases],
      [a.config.retry, b.config.retry],
      [a.policy.policy, b.policy.policy],
      [a.sync, b.sync],
      [a.status, b.status],
    ] as const) {
      expect(x).toBe(y);
      expect(Object.isFrozen(x)).toBe(true);
    }
    // The server's keys are bytes: each handset has its own copy, not frozen (a typed array cannot be).
    expect(a.server).not.toBe(b.server);
    expect(a.server.publicKey).not.toBe(b.server.publicKey);
    expect(Object.isFrozen(a.server)).toBe(false);
    // A book that names nobody is one object for both; one that names its user is each its own.
    const alike = a.serviceBooks.filter((book, i) => keyOf(book) !== undefined && keyOf(book) === keyOf(b.serviceBooks[i]));
    expect(alike.length).toBeGreaterThan(0);
    for (const book of alike) expect(b.serviceBooks).toContain(book);
    const named = a.serviceBooks.filter((book) => !alike.includes(book));
    expect(named.length).toBeGreaterThan(0);
    for (const book of named) expect(b.serviceBooks).not.toContain(book);
    const withData = a.serviceBooks.find((book) => book.config.fields.length > 0);
    expect(withData).toBeDefined();
    expect(Object.isFrozen(withData?.config)).toBe(false);
  });

  it('two different parts whose table keys collide are not taken for each other', () => {
    // Two status texts whose canonical forms hash alike (a birthday search over 2^17 texts).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined && i < 1 << 20; i++) {
      const text = `status ${i}`;
      const hash = fnv1a(keyOf({ id: 'activating', text }) ?? '');
      const before = seen.get(hash);
      if (before !== undefined) pair = [before, text];
      else seen.set(hash, text);
    }
    if (pair === undefined) throw new Error('no collision found');
    const [first, second] = pair.map((text) => compactState({ ...complete, status: { id: 'activating', text } } as HandsetState));
    expect(first?.status?.text).toBe(pair[0]);
    expect(second?.status?.text).toBe(pair[1]);
  });

  it('leaves the state it was given as it was', () => {
    const before = encodeCbor(complete);
    const compact = compactState(complete);
    expect(compact).not.toBe(complete);
    expect(Object.isFrozen(complete.config.databases)).toBe(false);
    expect(Object.isFrozen(complete.sync)).toBe(false);
    expect(encodeCbor(complete)).toEqual(before);
  });
});

describe('the Handset driver', () => {
  /** A handset activated against its own simulator. */
  async function activated(index: number): Promise<{ handset: Handset; server: BesSimulator }> {
    const server = new BesSimulator({ random: seededRandom(`server ${index}`) });
    const email = `user${index}@example.com`;
    server.addUser({ email, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    const [handsetSide, serverSide] = createMemoryTransportPair();
    server.attach(serverSide);
    const handset = new Handset({ config: HANDSET_CONFIG, transport: handsetSide, random: seededRandom(`handset ${index}`) });
    await handset.activate({ email, password: PASSWORD });
    return { handset, server };
  }

  it('keeps an activated state compact: two handsets share its frozen parts, and a snapshot gives it back', async () => {
    const one = await activated(1);
    const two = await activated(2);
    const [a, b] = [one.handset.state, two.handset.state];
    expect(a.phase).toBe('complete');
    // Only the fields docs/handset.md lists ("What an activated handset keeps"); the records show
    // from the record store (`sync.store`, deprecated).
    expect(Object.keys(a).sort()).toEqual(
      [
        'config',
        'email',
        'identity',
        'phase',
        'policy',
        'policyKey',
        'server',
        'serviceBooks',
        'session',
        'status',
        'sync',
        'transportKey',
        'version',
      ].sort(),
    );
    expect(Object.keys(a.sync ?? {}).sort()).toEqual(['progress', 'store']);
    expect(a.config.databases).toBe(b.config.databases);
    expect(Object.isFrozen(a.policy?.policy)).toBe(true);
    const key = new Uint8Array(32).fill(7);
    const restored = Handset.restore(one.handset.snapshot(key), key, {
      transport: createMemoryTransportPair()[0],
      recordStore: one.handset.recordStore,
    });
    expect(restored.state).toStrictEqual(a);
    expect(restored.state.config.databases).toBe(a.config.databases);
    for (const h of [one, two]) {
      await h.handset.close();
      h.server.close();
    }
    await restored.close();
  });

  it('keeps a state the caller gave as that object', async () => {
    const given: HandsetState = complete;
    const handset = new Handset({ config: HANDSET_CONFIG, transport: createMemoryTransportPair()[0], state: given });
    expect(handset.state).toBe(given);
    await handset.close();
    expect(handset.state).toBe(given);
  });
});
