/**
 * Byte arguments that @noble accepts but the provider does not, and ones that fail when read.
 *
 * The library takes a byte argument only when it is `instanceof Uint8Array` (src/crypto/
 * noble-provider.ts, `isBytes`); @noble is looser: it also takes a Uint8Array from another realm
 * (node:vm, an iframe) and treats missing AEAD associated data as empty. `aeadOpen` and `verify`
 * must apply the library's checks, not fall back on @noble's: what `aeadSeal` or `sign` refuses,
 * they refuse too. And they never throw (src/crypto/provider.ts), even for a Proxy of a
 * Uint8Array, which passes `instanceof` but cannot be read; where a method may throw, such a
 * failure inside @noble is an INVALID_ARGUMENT naming the method (`wrapErrors`).
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { nobleProvider as p } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

const random = seededRandom('noble-provider-foreign-bytes');

/** The same bytes in a Uint8Array made by another realm: not `instanceof Uint8Array` here. */
function otherRealm(bytes: Uint8Array): Uint8Array {
  const copy = runInNewContext(`new Uint8Array(${bytes.length})`) as Uint8Array;
  copy.set(bytes);
  return copy;
}

/** A Proxy of a copy of the bytes: `instanceof Uint8Array`, but reading its length throws a TypeError. */
function unreadable(bytes: Uint8Array): Uint8Array {
  return new Proxy(bytes.slice(), {});
}

describe('the test inputs', () => {
  it("another realm's Uint8Array is not instanceof Uint8Array; a Proxy is, but cannot be read", () => {
    const bytes = random(8);
    expect(otherRealm(bytes) instanceof Uint8Array).toBe(false);
    expect(Array.from(otherRealm(bytes))).toEqual(Array.from(bytes));
    expect(unreadable(bytes) instanceof Uint8Array).toBe(true);
    expect(() => unreadable(bytes).length).toThrow(TypeError);
  });
});

describe('aeadOpen applies the byte checks of aeadSeal', () => {
  const key = random(32);
  const nonce = random(24);
  const ad = utf8ToBytes('header');
  const plaintext = utf8ToBytes('secret');

  it.each([
    ['key', 0],
    ['nonce', 1],
    ['ciphertext', 2],
    ['associated data', 3],
  ] as const)('aeadOpen refuses a %s from another realm', (_name, slot) => {
    const ciphertext = p.aeadSeal(key, nonce, plaintext, ad);
    const args = [key, nonce, ciphertext, ad] as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    expect(p.aeadOpen(...args)).toEqual(plaintext);
    args[slot] = otherRealm(args[slot]);
    expect(p.aeadOpen(...args)).toBeUndefined();
  });

  it.each([
    ['key', 0],
    ['nonce', 1],
    ['plaintext', 2],
    ['ad', 3],
  ] as const)('aeadSeal refuses a %s from another realm', (field, slot) => {
    const args = [key, nonce, plaintext, ad] as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    args[slot] = otherRealm(args[slot]);
    expect(expectCode(() => p.aeadSeal(...args), 'INVALID_ARGUMENT').cause).toEqual({ operation: 'aeadSeal', field });
  });

  it('missing associated data is not taken as empty', () => {
    const ciphertext = p.aeadSeal(key, nonce, plaintext, new Uint8Array(0));
    expect(p.aeadOpen(key, nonce, ciphertext, new Uint8Array(0))).toEqual(plaintext);
    expect(p.aeadOpen(key, nonce, ciphertext, undefined as unknown as Uint8Array)).toBeUndefined();
    const err = expectCode(() => p.aeadSeal(key, nonce, plaintext, undefined as unknown as Uint8Array), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ operation: 'aeadSeal', field: 'ad' });
  });

  it('returns undefined, never throws, when an argument cannot be read', () => {
    const ciphertext = p.aeadSeal(key, nonce, plaintext, ad);
    const args = [key, nonce, ciphertext, ad] as const;
    for (let slot = 0; slot < args.length; slot++) {
      const bad = args.slice() as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      bad[slot] = unreadable(args[slot]!);
      expect(p.aeadOpen(...bad)).toBeUndefined();
    }
  });
});

describe('verify applies the byte checks of sign', () => {
  const kp = p.signingKeyPair(random(32));
  const message = utf8ToBytes('IT policy v7');
  const signature = p.sign(kp.secretKey, message);

  it.each([
    ['public key', 0],
    ['message', 1],
    ['signature', 2],
  ] as const)('a %s from another realm does not verify', (_name, slot) => {
    const args = [kp.publicKey, message, signature] as [Uint8Array, Uint8Array, Uint8Array];
    expect(p.verify(...args)).toBe(true);
    const foreign = args.slice() as typeof args;
    foreign[slot] = otherRealm(args[slot]);
    expect(p.verify(...foreign)).toBe(false);
  });

  it('sign refuses a secret key or message from another realm', () => {
    expect(expectCode(() => p.sign(otherRealm(kp.secretKey), message), 'INVALID_ARGUMENT').cause).toEqual({
      operation: 'sign',
      field: 'secretKey',
    });
    expect(expectCode(() => p.sign(kp.secretKey, otherRealm(message)), 'INVALID_ARGUMENT').cause).toEqual({
      operation: 'sign',
      field: 'message',
    });
  });

  it('returns false, never throws, when an argument cannot be read', () => {
    const args = [kp.publicKey, message, signature] as const;
    for (let slot = 0; slot < args.length; slot++) {
      const bad = args.slice() as [Uint8Array, Uint8Array, Uint8Array];
      bad[slot] = unreadable(args[slot]!);
      expect(p.verify(...bad)).toBe(false);
    }
  });
});

describe('a failure inside @noble is INVALID_ARGUMENT naming the method', () => {
  it('aeadSeal with a plaintext that cannot be read', () => {
    const err = expectCode(
      () => p.aeadSeal(random(32), random(24), unreadable(utf8ToBytes('secret')), new Uint8Array(0)),
      'INVALID_ARGUMENT',
    );
    expect(err.cause).toMatchObject({ operation: 'aeadSeal', reason: 'TypeError' });
  });

  it('sign with a message that cannot be read', () => {
    const err = expectCode(() => p.sign(random(32), unreadable(utf8ToBytes('IT policy'))), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ operation: 'sign', reason: 'TypeError' });
  });
});
