/**
 * compactState on arbitrary plain data (issue 14: its byte deduplication compares bytes instead of
 * hex keys, its shared parts are found through a tree of paths, their keys cached): the result is
 * the same value, every public byte array equal to another is the same view, no secret array is
 * shared or on a public buffer, and exactly the parts at the shared paths without bytes are frozen
 * and shared between two states.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compactState } from '../../src/handset/compact-state.js';
import type { HandsetState } from '../../src/handset/state.js';

const PUBLIC = ['publicKey', 'agreementKey', 'keyId', 'sid', 'policyHash', 'policyKey', 'data', 'bytes', 'accept'];
const SECRET = ['secretKey', 'key', 'other'];

// Few distinct byte values, so that equal public arrays are common.
const smallBytes = fc.constantFrom(0, 1, 2, 3, 8, 16).chain((n) => fc.uint8Array({ minLength: n, maxLength: n, max: 1 }));
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(-0), fc.boolean(), fc.constant(null), fc.constant(undefined));
const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', ...PUBLIC, ...SECRET), fc.oneof(tie('value'), smallBytes), {
    maxKeys: 7,
  }),
})).value;
const withBytes = fc.record({ publicKey: smallBytes, secretKey: smallBytes, keyId: smallBytes });

/** `value` with every object an object literal's kind (fast-check's records have no prototype). */
function toPlain(value: unknown): unknown {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
  return out;
}

const state = fc
  .record({
    phase: fc.constantFrom('idle', 'complete'),
    config: fc.record({
      suites: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      device: fc.oneof(plain, withBytes),
      pin: fc.string(),
    }),
    status: plain,
    sync: fc.oneof(plain, withBytes),
    serviceBooks: fc.array(fc.record({ uid: fc.string(), config: fc.oneof(plain, withBytes), data: smallBytes }), { maxLength: 3 }),
    identity: fc.record({ secretKey: smallBytes, publicKey: smallBytes, key: smallBytes, keyId: smallBytes }),
    extra: plain,
  })
  .map((s) => toPlain(s) as HandsetState);

/** Every byte array of `value`, with the name of the field that holds it. */
function byteFields(value: unknown, name = ''): [string, Uint8Array][] {
  if (value instanceof Uint8Array) return [[name, value]];
  if (Array.isArray(value)) return value.flatMap((item) => byteFields(item, name));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => byteFields(item, key));
  return [];
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('compactState on arbitrary plain data (issue 14)', () => {
  it('is the same value; equal public bytes are one view, secret bytes are each their own, apart from the public ones', () => {
    fc.assert(
      fc.property(state, (s) => {
        const before = structuredClone(s);
        const compact = compactState(s);
        expect(compact).toStrictEqual(s);
        expect(s).toStrictEqual(before); // the input is left as it was
        const fields = byteFields(compact);
        const inputs = new Set(byteFields(s).map(([, b]) => b));
        const open = fields.filter(([name]) => PUBLIC.includes(name)).map(([, b]) => b);
        const secret = fields.filter(([name]) => !PUBLIC.includes(name)).map(([, b]) => b);
        // Copies, but for empty arrays: a state whose arrays on one side are all empty has no buffer
        // for them, and its empty arrays stay as they were (as before issue 14).
        for (const b of fields.map(([, x]) => x)) if (b.length > 0) expect(inputs.has(b)).toBe(false);
        for (const a of open) for (const b of open) expect(a === b).toBe(sameBytes(a, b));
        for (const [i, a] of secret.entries()) for (const b of secret.slice(i + 1)) if (a.length > 0) expect(a).not.toBe(b);
        const openBuffers = new Set(open.filter((b) => b.length > 0).map((b) => b.buffer));
        for (const b of secret) if (b.length > 0) expect(openBuffers.has(b.buffer)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('shares exactly the parts at the shared paths that hold no bytes: frozen, one object for two equal states', () => {
    fc.assert(
      fc.property(state, (s) => {
        const a = compactState(structuredClone(s)) as unknown as Record<string, Record<string, unknown>>;
        const b = compactState(structuredClone(s)) as unknown as Record<string, Record<string, unknown>>;
        const hasBytes = (v: unknown) => byteFields(v).length > 0;
        const check = (x: unknown, y: unknown, sharedPath: boolean) => {
          if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return;
          const shareable = sharedPath && !hasBytes(x);
          expect(x === y).toBe(shareable);
          expect(Object.isFrozen(x)).toBe(shareable);
        };
        check(a.config!.suites, b.config!.suites, true);
        check(a.config!.device, b.config!.device, true);
        check(a.status, b.status, true);
        check(a.sync, b.sync, true);
        check(a.config, b.config, false);
        check(a.identity, b.identity, false);
        const booksA = a.serviceBooks as unknown as Record<string, unknown>[];
        const booksB = b.serviceBooks as unknown as Record<string, unknown>[];
        booksA.forEach((book, i) => {
          check(book, booksB[i], true);
          check(book.config, booksB[i]!.config, true);
        });
      }),
      { numRuns: 200 },
    );
  });
});
