/**
 * Best-effort zeroization in TDES-EDE2-CBC (docs/reliability.md: key buffers, message keys and
 * decrypted plaintexts are zeroized): the expanded 24-byte key handed to des.js, the padded
 * plaintext handed to it for encryption, and the padded plaintext it decrypted are all zero once
 * encryptCbc/decryptCbc return, also when decryption fails on the padding. des.js is wrapped
 * (vi.mock) to keep a reference to what the cipher hands it; results are still checked against
 * OpenSSL's des-ede-cbc, so the wrapper changes nothing else.
 */
import { createCipheriv } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type des from 'des.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

/** What the cipher handed to des.js: the options of each `create` and the data of each `update`. */
const handed = vi.hoisted(() => ({ keys: [] as unknown[], updates: [] as unknown[] }));

vi.mock('des.js', async (importOriginal) => {
  const real = ((await importOriginal()) as { default: typeof des }).default;
  const CBC: des.CBCMode = {
    instantiate(base) {
      const mode = real.CBC.instantiate(base);
      return {
        create(options) {
          handed.keys.push(options.key);
          const cipher = mode.create(options);
          return {
            update(data) {
              handed.updates.push(data);
              return cipher.update(data);
            },
            final: (data) => cipher.final(data),
          };
        },
      };
    },
  };
  return { default: { DES: real.DES, EDE: real.EDE, CBC } };
});

const random = seededRandom('triple-des-zeroization.test');

function opensslEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad: boolean): Uint8Array {
  const c = createCipheriv('des-ede-cbc', key, iv);
  c.setAutoPadding(pad);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

const isZero = (bytes: unknown): boolean => bytes instanceof Uint8Array && bytes.length > 0 && bytes.every((b) => b === 0);

afterEach(() => {
  handed.keys.length = 0;
  handed.updates.length = 0;
  vi.restoreAllMocks();
});

describe('TDES-EDE2-CBC zeroizes its working buffers', () => {
  const key = tdesEde2Cbc.generateKey(random);
  const iv = random(8);

  it('encrypt: the 24-byte K1||K2||K1 and the padded plaintext handed to des.js are zero afterwards', () => {
    const plaintext = random(21);
    const before = plaintext.slice();
    const ct = tdesEde2Cbc.encryptCbc(key, iv, plaintext);
    expect(bytesToHex(ct)).toBe(bytesToHex(opensslEncrypt(key, iv, plaintext, true)));
    expect(handed.keys).toHaveLength(1);
    expect((handed.keys[0] as Uint8Array).length).toBe(24);
    expect(isZero(handed.keys[0])).toBe(true);
    expect(handed.updates).toHaveLength(1);
    expect((handed.updates[0] as Uint8Array).length).toBe(24);
    expect(isZero(handed.updates[0])).toBe(true);
    // The caller's buffers are not touched.
    expect(bytesToHex(plaintext)).toBe(bytesToHex(before));
    expect(key.some((b) => b !== 0)).toBe(true);
  });

  it('decrypt: the expanded key is zero afterwards, and so is the padded plaintext the result was cut from', () => {
    const plaintext = random(21);
    const ct = opensslEncrypt(key, iv, plaintext, true);
    const slice = vi.spyOn(Uint8Array.prototype, 'slice');
    const out = tdesEde2Cbc.decryptCbc(key, iv, ct);
    const cutFrom = slice.mock.contexts.filter((buffer) => buffer !== ct && buffer !== key && buffer !== iv);
    slice.mockRestore();
    expect(bytesToHex(out)).toBe(bytesToHex(plaintext));
    expect(handed.keys).toHaveLength(1);
    expect(isZero(handed.keys[0])).toBe(true);
    expect(cutFrom.length).toBeGreaterThan(0);
    for (const buffer of cutFrom) expect(isZero(buffer)).toBe(true);
    expect(isZero(out)).toBe(false);
  });

  it('decrypt with bad padding: the expanded key is zero afterwards', () => {
    const block = random(8);
    block[7] = 0;
    expectCode(() => tdesEde2Cbc.decryptCbc(key, iv, opensslEncrypt(key, iv, block, false)), 'DECRYPT_FAILED');
    expect(handed.keys).toHaveLength(1);
    expect(isZero(handed.keys[0])).toBe(true);
  });
});
