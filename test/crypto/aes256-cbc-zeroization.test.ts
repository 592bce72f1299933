/**
 * AES-256-CBC decrypts into a buffer of its own and wipes all of it afterwards, padding included
 * (aes256-cbc.ts: "we copy the plaintext out and wipe the whole buffer"; docs/reliability.md:
 * decrypted plaintexts are zeroized), also when the padding is bad. @noble/ciphers' `cbc` is
 * wrapped (vi.mock) to keep a reference to the output buffer it is handed; results are still
 * checked against OpenSSL's aes-256-cbc, so the wrapper changes nothing else.
 */
import { createCipheriv } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

/** The output buffers handed to `cbc(...).decrypt`. */
const outputs = vi.hoisted(() => [] as unknown[]);

vi.mock('@noble/ciphers/aes.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/ciphers/aes.js')>();
  const cbc = (...args: Parameters<typeof real.cbc>) => {
    const cipher = real.cbc(...args);
    return {
      encrypt: (data: Uint8Array, output?: Uint8Array) => cipher.encrypt(data, output),
      decrypt: (data: Uint8Array, output?: Uint8Array) => {
        outputs.push(output);
        return cipher.decrypt(data, output);
      },
    };
  };
  return { ...real, cbc };
});

const random = seededRandom('aes256-cbc-zeroization.test');

function opensslEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad: boolean): Uint8Array {
  const c = createCipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(pad);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

const isZero = (bytes: unknown): boolean => bytes instanceof Uint8Array && bytes.length > 0 && bytes.every((b) => b === 0);

afterEach(() => {
  outputs.length = 0;
});

describe('AES-256-CBC wipes what it decrypted into', () => {
  const key = random(32);
  const iv = random(16);

  it('after a good decryption the whole buffer, padding included, is zero, and the plaintext is a copy', () => {
    const plaintext = random(40);
    const ciphertext = opensslEncrypt(key, iv, plaintext, true);
    const out = aes256Cbc.decryptCbc(key, iv, ciphertext);
    expect(bytesToHex(out)).toBe(bytesToHex(plaintext));
    expect(outputs).toHaveLength(1);
    expect((outputs[0] as Uint8Array).length).toBe(ciphertext.length);
    expect(isZero(outputs[0])).toBe(true);
    expect(out.buffer).not.toBe((outputs[0] as Uint8Array).buffer);
  });

  it('after bad padding (DECRYPT_FAILED) the buffer is zero too', () => {
    const ciphertext = opensslEncrypt(key, iv, new Uint8Array(32).fill(0x41), false);
    expectCode(() => aes256Cbc.decryptCbc(key, iv, ciphertext), 'DECRYPT_FAILED');
    expect(outputs).toHaveLength(1);
    expect((outputs[0] as Uint8Array).length).toBe(32);
    expect(isZero(outputs[0])).toBe(true);
  });
});
