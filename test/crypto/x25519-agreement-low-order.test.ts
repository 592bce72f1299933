/**
 * The noble provider's X25519 agreement refuses a peer's low-order point (RFC 7748 section 6.1:
 * the "shared" secret would be all zeros, known to anyone) with one documented error, whatever
 * the point; `isAllZero`, which makes that check without a data-dependent exit, answers for every
 * byte. Written for issue 9: the crypto module's mutation run found the message and the check
 * free to change.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { isAllZero } from '../../src/crypto/provider-arguments.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { caught } from '../support/errors.js';

const random = seededRandom('x25519-agreement-low-order');

/** u-coordinates of points of small order on Curve25519 (0, 1 and the order-8 points), little-endian hex. */
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

describe('X25519 agreement with a low-order point', () => {
  it.each(LOW_ORDER)('%s: PROTOCOL_ERROR "X25519 gave an all-zero shared secret (a low-order point)"', (u) => {
    const err = caught(() => nobleProvider.agree(random(32), hexToBytes(u)));
    expect(err).toBeInstanceOf(ActivationError);
    expect((err as ActivationError).toJSON()).toEqual({
      name: 'ActivationError',
      code: 'PROTOCOL_ERROR',
      message: 'X25519 gave an all-zero shared secret (a low-order point)',
      cause: { operation: 'agree', field: 'publicKey' },
    });
  });

  it('a point of large order agrees, both ways', () => {
    const a = nobleProvider.agreementKeyPair(random(32));
    const b = nobleProvider.agreementKeyPair(random(32));
    expect(nobleProvider.agree(a.secretKey, b.publicKey)).toEqual(nobleProvider.agree(b.secretKey, a.publicKey));
  });
});

describe('isAllZero', () => {
  it('is true for zeros of any length (none included) and false when any one byte is set', () => {
    expect(isAllZero(new Uint8Array(0))).toBe(true);
    expect(isAllZero(new Uint8Array(32))).toBe(true);
    for (let i = 0; i < 32; i++) {
      for (const value of [1, 0x80, 0xff]) {
        const bytes = new Uint8Array(32);
        bytes[i] = value;
        expect(isAllZero(bytes), `byte ${i} = ${value}`).toBe(false);
      }
    }
  });
});
