/**
 * AES-256-CBC (src/crypto/transport-key/aes256-cbc.ts) refuses every bad decryption with one and
 * the same error, where the first mutation run of `crypto` found nothing holding its text: no
 * detail may tell a padding failure from a length or key failure (no padding oracle). Bad
 * paddings are made with OpenSSL (node:crypto) without padding.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { caught } from '../support/errors.js';

const random = seededRandom('aes256-cbc.test');

function opensslEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad: boolean): Uint8Array {
  const c = createCipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(pad);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** One block ending 04 03 03: the last byte claims three bytes of padding, but the third from the end is 04. */
const BROKEN_RUN = Uint8Array.of(...new Uint8Array(13), 4, 3, 3);

const DECRYPT_FAILED = {
  name: 'ActivationError',
  code: 'DECRYPT_FAILED',
  message: 'AES-256-CBC decryption failed',
  cause: { operation: 'AES-256-CBC decrypt' },
};

describe('AES-256-CBC decryption failures', () => {
  const key = aes256Cbc.generateKey(random);
  const iv = random(16);
  const good = opensslEncrypt(key, iv, random(40), true);

  it('decrypts what OpenSSL encrypted', () => {
    const plaintext = random(40);
    expect(bytesToHex(aes256Cbc.decryptCbc(key, iv, opensslEncrypt(key, iv, plaintext, true)))).toBe(bytesToHex(plaintext));
  });

  it.each([
    ['bad padding (last byte 0)', () => aes256Cbc.decryptCbc(key, iv, opensslEncrypt(key, iv, new Uint8Array(16), false))],
    ['bad padding (last byte 17)', () => aes256Cbc.decryptCbc(key, iv, opensslEncrypt(key, iv, new Uint8Array(16).fill(17), false))],
    ['bad padding (broken run)', () => aes256Cbc.decryptCbc(key, iv, opensslEncrypt(key, iv, BROKEN_RUN, false))],
    ['an empty ciphertext', () => aes256Cbc.decryptCbc(key, iv, new Uint8Array(0))],
    ['a ciphertext of partial blocks', () => aes256Cbc.decryptCbc(key, iv, good.subarray(1))],
    ['a short key', () => aes256Cbc.decryptCbc(key.subarray(1), iv, good)],
    ['a long IV', () => aes256Cbc.decryptCbc(key, new Uint8Array(17), good)],
    ['a ciphertext that is not bytes', () => aes256Cbc.decryptCbc(key, iv, Array.from(good) as unknown as Uint8Array)],
  ])('%s gives the one DECRYPT_FAILED error, with no detail', (_, decrypt) => {
    const err = caught(decrypt);
    expect(err).toBeInstanceOf(ActivationError);
    expect((err as ActivationError).toJSON()).toEqual(DECRYPT_FAILED);
  });
});
