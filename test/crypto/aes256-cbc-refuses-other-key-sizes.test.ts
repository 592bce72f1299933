/**
 * AES-256-CBC decrypts with 32-byte keys only (aes256-cbc.ts, provider.ts: "Throws
 * ActivationError('DECRYPT_FAILED') on a bad length"). The AES underneath also takes 16- and
 * 24-byte keys, so a valid AES-128-CBC or AES-192-CBC ciphertext (made by OpenSSL) with its own
 * key must still be refused, with the one DECRYPT_FAILED error and no detail; and so must
 * arguments that are not bytes at all, which must never surface as a TypeError.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { caught } from '../support/errors.js';

const random = seededRandom('aes256-cbc-refuses-other-key-sizes.test');

const DECRYPT_FAILED = {
  name: 'ActivationError',
  code: 'DECRYPT_FAILED',
  message: 'AES-256-CBC decryption failed',
  cause: { operation: 'AES-256-CBC decrypt' },
};

function expectDecryptFailed(decrypt: () => unknown): void {
  const err = caught(decrypt);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).toJSON()).toEqual(DECRYPT_FAILED);
}

describe('AES-256-CBC refuses keys of other AES sizes', () => {
  const iv = random(16);
  const plaintext = random(40);

  it.each([
    ['aes-128-cbc', 16],
    ['aes-192-cbc', 24],
  ] as const)('a valid %s ciphertext under its own %i-byte key is DECRYPT_FAILED', (openssl, keyLength) => {
    const key = random(keyLength);
    const c = createCipheriv(openssl, key, iv);
    const ciphertext = new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
    expectDecryptFailed(() => aes256Cbc.decryptCbc(key, iv, ciphertext));
  });

  it('the same plaintext under a 32-byte key (aes-256-cbc) decrypts', () => {
    const key = random(32);
    const c = createCipheriv('aes-256-cbc', key, iv);
    const ciphertext = new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
    expect(aes256Cbc.decryptCbc(key, iv, ciphertext)).toEqual(plaintext);
  });

  it.each([[undefined], [null], [42]])('a ciphertext of %o is DECRYPT_FAILED, not a TypeError', (ciphertext) => {
    expectDecryptFailed(() => aes256Cbc.decryptCbc(random(32), iv, ciphertext as unknown as Uint8Array));
  });
});
