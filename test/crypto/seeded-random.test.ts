/**
 * The random sources (src/crypto/seeded-random.ts) against their documentation, where the first
 * mutation run of `crypto` found nothing holding them (issue 9): `seededRandom` is computed here
 * independently with OpenSSL's ChaCha20 (node:crypto), bad seeds and lengths are INVALID_ARGUMENT
 * naming the source, and a seeded source refuses to run past its call counter instead of
 * reusing a nonce.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom, systemRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { caught } from '../support/errors.js';

/** The error `fn` throws, as JSON; fails the test when it throws nothing or not an ActivationError. */
function thrownJson(fn: () => unknown): ReturnType<ActivationError['toJSON']> {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  return (err as ActivationError).toJSON();
}

/**
 * Call number `call` of a source seeded with `seed`, by the documented construction: the first
 * `length` bytes of the RFC 8439 ChaCha20 keystream under key SHA-256(seed), nonce = `call` as
 * 12 bytes little-endian. OpenSSL's IV is the 32-bit block counter (little-endian, from 0) and
 * then the nonce.
 */
function expectedOutput(seed: Uint8Array, call: number, length: number): string {
  const key = createHash('sha256').update(seed).digest();
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64LE(BigInt(call), 4);
  const c = createCipheriv('chacha20', key, iv);
  return Buffer.concat([c.update(Buffer.alloc(length)), c.final()]).toString('hex');
}

const LENGTHS = [32, 0, 1, 63, 64, 65, 300, 16];

describe('seededRandom', () => {
  it('call i is the ChaCha20 keystream under SHA-256(seed) with nonce i (checked with OpenSSL)', () => {
    const seed = Uint8Array.from([0, 1, 2, 250, 255]);
    const r = seededRandom(seed);
    LENGTHS.forEach((length, call) => {
      const out = r(length);
      expect(out).toBeInstanceOf(Uint8Array);
      expect(bytesToHex(out)).toBe(expectedOutput(seed, call, length));
    });
  });

  it('a string seed is its UTF-8 bytes', () => {
    const text = 'héllo wörld ✓ 🔑';
    const utf8 = new Uint8Array(Buffer.from(text, 'utf8'));
    const fromString = seededRandom(text);
    const fromBytes = seededRandom(utf8);
    LENGTHS.forEach((length, call) => {
      const expected = expectedOutput(utf8, call, length);
      expect(bytesToHex(fromString(length))).toBe(expected);
      expect(bytesToHex(fromBytes(length))).toBe(expected);
    });
  });

  it('an empty seed is a seed like any other', () => {
    const r = seededRandom('');
    expect(bytesToHex(r(48))).toBe(expectedOutput(new Uint8Array(0), 0, 48));
    expect(bytesToHex(seededRandom(new Uint8Array(0))(48))).toBe(expectedOutput(new Uint8Array(0), 0, 48));
  });

  it('refuses a seed that is neither a string nor a Uint8Array', () => {
    for (const seed of [undefined, null, 42, [1, 2, 3], { length: 0 }, new ArrayBuffer(4)]) {
      expect(thrownJson(() => seededRandom(seed as unknown as string))).toEqual({
        name: 'ActivationError',
        code: 'INVALID_ARGUMENT',
        message: 'seed must be a string or a Uint8Array',
        cause: { operation: 'seededRandom' },
      });
    }
  });
});

describe.each([
  ['seededRandom', () => seededRandom('lengths')],
  ['systemRandom', () => systemRandom],
] as const)('%s lengths', (operation, make) => {
  it('gives exactly the bytes asked for, none for 0', () => {
    const r = make();
    for (const length of [0, 1, 33, 1024]) {
      const out = r(length);
      expect(out).toBeInstanceOf(Uint8Array);
      expect(out).toHaveLength(length);
    }
  });

  it('refuses a length that is not a non-negative safe integer, naming the source and the length', () => {
    const r = make();
    for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '8']) {
      expect(thrownJson(() => r(length as number))).toEqual({
        name: 'ActivationError',
        code: 'INVALID_ARGUMENT',
        message: 'random length must be a non-negative integer',
        cause: { operation, length },
      });
    }
  });
});

describe('seededRandom exhaustion', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('refuses every call once the call counter reaches Number.MAX_SAFE_INTEGER, so no nonce repeats', () => {
    // 2^53 calls cannot be made in a test: lower the limit the source reads from the global Number.
    const LIMIT = 3;
    // (A proxy of Number itself may not misreport its read-only property, hence the stand-in target.)
    const RealNumber = Number;
    const lowered = new Proxy(function stand() {}, {
      get: (_, key) => (key === 'MAX_SAFE_INTEGER' ? LIMIT : Reflect.get(RealNumber, key)),
      apply: (_, __, args: unknown[]) => RealNumber(...args),
    });
    vi.stubGlobal('Number', lowered);
    let outputs: string[];
    let refusals: unknown[];
    try {
      const r = seededRandom('exhaust');
      outputs = Array.from({ length: LIMIT }, () => bytesToHex(r(8)));
      refusals = [caught(() => r(8)), caught(() => r(0))];
    } finally {
      vi.unstubAllGlobals();
    }

    expect(outputs).toEqual(Array.from({ length: LIMIT }, (_, call) => expectedOutput(new Uint8Array(Buffer.from('exhaust')), call, 8)));
    for (const err of refusals) {
      expect(err).toBeInstanceOf(ActivationError);
      expect((err as ActivationError).toJSON()).toEqual({
        name: 'ActivationError',
        code: 'INVALID_STATE',
        message: 'seeded random source exhausted',
        cause: { operation: 'seededRandom' },
      });
    }
  });
});

describe('systemRandom pool', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('serves small draws from one platform call per 4 KiB, and large draws directly', () => {
    const platform = vi.spyOn(globalThis.crypto, 'getRandomValues');
    // 128 draws of 32 bytes are exactly one pool's worth (4096 bytes), wherever the pool stood.
    for (let i = 0; i < 128; i++) systemRandom(32);
    expect(platform.mock.calls.length).toBeLessThanOrEqual(2);
    expect(platform.mock.calls.every(([array]) => (array as Uint8Array).length === 4096)).toBe(true);
    platform.mockClear();
    systemRandom(257);
    expect(platform.mock.calls.map(([array]) => (array as Uint8Array).length)).toEqual([257]);
  });

  it('never serves a byte twice, across refills of the pool', () => {
    const seen = new Set<string>();
    // 400 draws of 32 bytes cross at least three refills; a repeat of 32 random bytes has probability ~2^-240.
    for (let i = 0; i < 400; i++) seen.add(bytesToHex(systemRandom(32)));
    expect(seen.size).toBe(400);
  });

  it('hands out copies: a draw keeps its bytes after later draws, and changing it changes nothing else', () => {
    const first = systemRandom(32);
    const kept = bytesToHex(first);
    expect(kept).not.toBe('00'.repeat(32));
    first.fill(0xff);
    const later = Array.from({ length: 200 }, () => systemRandom(32));
    expect(first.every((byte) => byte === 0xff)).toBe(true);
    expect(later.some((draw) => draw.every((byte) => byte === 0xff))).toBe(false);
    for (const draw of later) expect(draw.byteLength).toBe(draw.buffer.byteLength);
  });
});
