/**
 * The noble provider's argument checks (src/crypto/noble-provider.ts, src/crypto/provider.ts):
 * every method that throws refuses a bad argument with INVALID_ARGUMENT (UNSUPPORTED for an
 * unknown HMAC hash), and its `cause` names the method as `operation` and the argument as
 * `field` (src/errors/activation-error.ts, ActivationErrorDetail). The message names the
 * argument and, for fixed-size ones, the size it must have.
 */
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleProvider as p } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { bytesToHex, utf8ToBytes } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

const random = seededRandom('noble-provider-arguments');
const KEY = random(32);
const NONCE = random(24);
const SEED = random(32);
const MSG = utf8ToBytes('message');
const EMPTY = new Uint8Array(0);

/** Values that are not a Uint8Array: a string, an array of numbers, another typed array, nothing. */
const NOT_BYTES: readonly unknown[] = ['abc', [1, 2, 3], new Uint16Array(32), new ArrayBuffer(32), undefined, null];

type Call = (value: unknown) => unknown;

interface ByteArgument {
  readonly name: string;
  readonly operation: string;
  readonly field: string;
  /** The required length, for fixed-size arguments. */
  readonly length?: number;
  readonly call: Call;
}

const ARGUMENTS: readonly ByteArgument[] = [
  { name: 'sha512 message', operation: 'sha512', field: 'message', call: (v) => p.sha512(v as Uint8Array) },
  { name: 'hmac key', operation: 'hmac', field: 'key', call: (v) => p.hmac('SHA-256', v as Uint8Array, MSG) },
  { name: 'hmac message', operation: 'hmac', field: 'message', call: (v) => p.hmac('SHA-512', KEY, v as Uint8Array) },
  { name: 'hkdf ikm', operation: 'hkdf', field: 'ikm', call: (v) => p.hkdf(v as Uint8Array, EMPTY, EMPTY, 32) },
  { name: 'hkdf salt', operation: 'hkdf', field: 'salt', call: (v) => p.hkdf(KEY, v as Uint8Array, EMPTY, 32) },
  { name: 'hkdf info', operation: 'hkdf', field: 'info', call: (v) => p.hkdf(KEY, EMPTY, v as Uint8Array, 32) },
  { name: 'aeadSeal key', operation: 'aeadSeal', field: 'key', length: 32, call: (v) => p.aeadSeal(v as Uint8Array, NONCE, MSG, EMPTY) },
  { name: 'aeadSeal nonce', operation: 'aeadSeal', field: 'nonce', length: 24, call: (v) => p.aeadSeal(KEY, v as Uint8Array, MSG, EMPTY) },
  { name: 'aeadSeal plaintext', operation: 'aeadSeal', field: 'plaintext', call: (v) => p.aeadSeal(KEY, NONCE, v as Uint8Array, EMPTY) },
  { name: 'aeadSeal ad', operation: 'aeadSeal', field: 'ad', call: (v) => p.aeadSeal(KEY, NONCE, MSG, v as Uint8Array) },
  { name: 'signingKeyPair seed', operation: 'signingKeyPair', field: 'seed', length: 32, call: (v) => p.signingKeyPair(v as Uint8Array) },
  { name: 'sign secretKey', operation: 'sign', field: 'secretKey', length: 32, call: (v) => p.sign(v as Uint8Array, MSG) },
  { name: 'sign message', operation: 'sign', field: 'message', call: (v) => p.sign(SEED, v as Uint8Array) },
  {
    name: 'agreementKeyPair seed',
    operation: 'agreementKeyPair',
    field: 'seed',
    length: 32,
    call: (v) => p.agreementKeyPair(v as Uint8Array),
  },
];

function expectRefused(arg: ByteArgument, value: unknown): void {
  const err = expectCode(() => arg.call(value), 'INVALID_ARGUMENT');
  expect(err.cause).toEqual({ operation: arg.operation, field: arg.field });
  expect(err.message).toContain(arg.field);
  expect(err.message).toContain(arg.length === undefined ? 'Uint8Array' : `${arg.length} bytes`);
  expect(err.message).not.toContain('undefined');
}

describe('byte arguments', () => {
  it.each(ARGUMENTS.map((a) => [a.name, a] as const))('%s: anything but a Uint8Array is INVALID_ARGUMENT naming it', (_name, arg) => {
    for (const value of NOT_BYTES) expectRefused(arg, value);
  });

  it.each(ARGUMENTS.filter((a) => a.length !== undefined).map((a) => [a.name, a] as const))(
    '%s: a Uint8Array one byte short or long is INVALID_ARGUMENT naming the size',
    (_name, arg) => {
      const n = arg.length!;
      for (const value of [new Uint8Array(0), new Uint8Array(n - 1), new Uint8Array(n + 1), new Uint8Array(2 * n)]) {
        expectRefused(arg, value);
      }
      expect(() => arg.call(random(n))).not.toThrow();
    },
  );

  it.each(ARGUMENTS.filter((a) => a.length === undefined).map((a) => [a.name, a] as const))(
    '%s: any length is accepted, empty included',
    (_name, arg) => {
      for (const n of [0, 1, 200]) expect(() => arg.call(random(n))).not.toThrow();
    },
  );
});

describe('hmac hash', () => {
  it('a hash other than SHA-256 or SHA-512 is UNSUPPORTED on field hash', () => {
    for (const hash of ['SHA-1', 'MD5', 'sha-256', 'SHA512', '', undefined]) {
      const err = expectCode(() => p.hmac(hash as 'SHA-256', KEY, MSG), 'UNSUPPORTED');
      expect(err.cause).toEqual({ operation: 'hmac', field: 'hash' });
      expect(err.message).toMatch(/HMAC hash/);
    }
  });
});

describe('hkdf length', () => {
  it('outside 1..16320 (255 SHA-512 blocks), or not an integer, is INVALID_ARGUMENT on field length', () => {
    for (const length of [0, -1, -0.5, 16321, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '32']) {
      const err = expectCode(() => p.hkdf(KEY, EMPTY, EMPTY, length as number), 'INVALID_ARGUMENT');
      expect(err.cause).toEqual({ operation: 'hkdf', field: 'length' });
      expect(err.message).toMatch(/1\.\.16320/);
    }
  });

  it('the bounds 1 and 16320 are allowed and agree with node:crypto', () => {
    for (const length of [1, 2, 16320]) {
      const ours = p.hkdf(KEY, MSG, EMPTY, length);
      expect(ours.length).toBe(length);
      expect(bytesToHex(ours)).toBe(bytesToHex(new Uint8Array(hkdfSync('sha512', KEY, MSG, EMPTY, length))));
    }
  });
});

describe('key pairs keep their own copy of the seed', () => {
  it.each([
    ['signingKeyPair', (seed: Uint8Array) => p.signingKeyPair(seed)],
    ['agreementKeyPair', (seed: Uint8Array) => p.agreementKeyPair(seed)],
  ])('%s: wiping the caller seed leaves the secret key intact', (_name, make) => {
    const seed = random(32);
    const original = seed.slice();
    const kp = make(seed);
    expect(kp.secretKey).toEqual(original);
    seed.fill(0);
    expect(kp.secretKey).toEqual(original);
    expect(make(original).publicKey).toEqual(kp.publicKey);
  });
});
