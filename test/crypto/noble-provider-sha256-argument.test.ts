/**
 * The provider's SHA-256 (added when the protocol's hashes outside src/crypto moved behind
 * CryptoProvider) refuses what is not a Uint8Array like every other method
 * (noble-provider-arguments.test.ts): INVALID_ARGUMENT, `cause` { operation: 'sha256', field:
 * 'message' }, and a message naming the argument; and it is OpenSSL's SHA-256 (node:crypto).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';

const random = seededRandom('noble-provider-sha256-argument.test');

describe('nobleProvider.sha256', () => {
  it.each([0, 1, 55, 56, 64, 1000])('is SHA-256 as OpenSSL computes it (%i bytes)', (length) => {
    const message = random(length);
    expect(bytesToHex(nobleProvider.sha256(message))).toBe(createHash('sha256').update(message).digest('hex'));
  });

  it.each([['abc'], [[1, 2, 3]], [new Uint16Array(8)], [new ArrayBuffer(8)], [undefined], [null]])(
    'refuses %o: INVALID_ARGUMENT naming sha256 and its message',
    (value) => {
      const err = expectCode(() => nobleProvider.sha256(value as unknown as Uint8Array), 'INVALID_ARGUMENT');
      expect(err.cause).toEqual({ operation: 'sha256', field: 'message' });
      expect(err.message).toBe('message must be a Uint8Array');
    },
  );
});
