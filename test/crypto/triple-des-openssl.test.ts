import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isActivationError } from '../../src/errors/activation-error.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { hasOddParity, setOddParity, tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../src/util/bytes.js';

const random = seededRandom('triple-des-openssl.test');

function openssl(
  mode: 'encrypt' | 'decrypt',
  algo: string,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
  pad = true,
): Uint8Array {
  const c = mode === 'encrypt' ? createCipheriv(algo, key, iv) : createDecipheriv(algo, key, iv);
  c.setAutoPadding(pad);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function randomLength(max: number): number {
  return random(1)[0]! % (max + 1);
}

function expectDecryptFailed(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isActivationError(thrown, 'DECRYPT_FAILED')).toBe(true);
}

const cases = [
  { cipher: tdesEde2Cbc, openssl: 'des-ede-cbc', keyLength: 16, blockLength: 8 },
  { cipher: aes256Cbc, openssl: 'aes-256-cbc', keyLength: 32, blockLength: 16 },
] as const;

describe.each(cases)('$cipher.id interoperates with OpenSSL $openssl', ({ cipher, openssl: algo, keyLength, blockLength }) => {
  it('has the documented parameters', () => {
    expect(cipher.keyLength).toBe(keyLength);
    expect(cipher.blockLength).toBe(blockLength);
  });

  it('encrypts exactly like OpenSSL for every length 0..100 (random keys/IVs)', () => {
    for (let len = 0; len <= 100; len++) {
      const key = cipher.generateKey(random);
      const iv = random(blockLength);
      const plaintext = random(len);
      const ours = cipher.encryptCbc(key, iv, plaintext);
      expect(ours.length).toBe((Math.floor(len / blockLength) + 1) * blockLength);
      expect(bytesToHex(ours)).toBe(bytesToHex(openssl('encrypt', algo, key, iv, plaintext)));
      expect(bytesToHex(cipher.decryptCbc(key, iv, ours))).toBe(bytesToHex(plaintext));
    }
  });

  it('decrypts OpenSSL output (random keys, including non-parity keys, and random lengths)', () => {
    for (let i = 0; i < 200; i++) {
      const key = random(keyLength); // raw bytes: parity bits are ignored by DES
      const iv = random(blockLength);
      const plaintext = random(randomLength(100));
      const theirs = openssl('encrypt', algo, key, iv, plaintext);
      expect(bytesToHex(cipher.decryptCbc(key, iv, theirs))).toBe(bytesToHex(plaintext));
      expect(bytesToHex(openssl('decrypt', algo, key, iv, cipher.encryptCbc(key, iv, plaintext)))).toBe(bytesToHex(plaintext));
    }
  });

  it('rejects bad lengths and bad padding with DECRYPT_FAILED only', () => {
    const key = cipher.generateKey(random);
    const iv = random(blockLength);
    expectDecryptFailed(() => cipher.decryptCbc(key, iv, new Uint8Array(0)));
    expectDecryptFailed(() => cipher.decryptCbc(key, iv, new Uint8Array(blockLength + 1)));
    expectDecryptFailed(() => cipher.decryptCbc(key.subarray(1), iv, new Uint8Array(blockLength)));
    expectDecryptFailed(() => cipher.decryptCbc(key, iv.subarray(1), new Uint8Array(blockLength)));
    expectDecryptFailed(() => cipher.decryptCbc(key, iv, 'nope' as unknown as Uint8Array));

    // Craft every possible final byte with a no-padding OpenSSL encryption, check that exactly
    // the valid PKCS#7 paddings are accepted.
    for (let last = 0; last < 256; last++) {
      const block = random(blockLength);
      block[blockLength - 1] = last;
      const ct = openssl('encrypt', algo, key, iv, block, false);
      const validPad = last >= 1 && last <= blockLength && block.subarray(blockLength - last).every((b) => b === last);
      if (validPad) expect(cipher.decryptCbc(key, iv, ct).length).toBe(blockLength - last);
      else expectDecryptFailed(() => cipher.decryptCbc(key, iv, ct));
    }
    // Every valid padding length, built explicitly.
    for (let pad = 1; pad <= blockLength; pad++) {
      const block = random(blockLength);
      block.fill(pad, blockLength - pad);
      const ct = openssl('encrypt', algo, key, iv, block, false);
      expect(bytesToHex(cipher.decryptCbc(key, iv, ct))).toBe(bytesToHex(block.subarray(0, blockLength - pad)));
    }
    // A padding byte of 0 (des.js's own unpadding would accept this) and a broken run.
    const zeroPad = new Uint8Array(blockLength);
    expectDecryptFailed(() => cipher.decryptCbc(key, iv, openssl('encrypt', algo, key, iv, zeroPad, false)));
    const brokenRun = new Uint8Array(blockLength).fill(3);
    brokenRun[blockLength - 2] = 4;
    expectDecryptFailed(() => cipher.decryptCbc(key, iv, openssl('encrypt', algo, key, iv, brokenRun, false)));
  });

  it('throws INVALID_ARGUMENT (not a TypeError) for a bad key or IV on encrypt', () => {
    const key = cipher.generateKey(random);
    const iv = random(blockLength);
    for (const call of [
      () => cipher.encryptCbc(new Uint8Array(keyLength - 1), iv, new Uint8Array(3)),
      () => cipher.encryptCbc(key, new Uint8Array(blockLength + 1), new Uint8Array(3)),
      () => cipher.encryptCbc(key, iv, [1, 2, 3] as unknown as Uint8Array),
    ]) {
      let thrown: unknown;
      try {
        call();
      } catch (err) {
        thrown = err;
      }
      expect(isActivationError(thrown, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('TDES-EDE2-CBC known answers and parity', () => {
  const nowIsTheTime = utf8ToBytes('Now is the time for all '); // 4e6f7720...616c6c20

  it('matches the two-key EDE vector K1=0123456789abcdef, K2=fedcba9876543210 (as in Bouncy Castle DESedeTest)', () => {
    const key = hexToBytes('0123456789abcdeffedcba9876543210');
    const expected = ['d80a0d8b2bae5e4e', '6a0094171abcfc27', '75d2235a706e232c'];
    // CBC with a zero IV over a single block is ECB.
    for (let i = 0; i < 3; i++) {
      const ct = tdesEde2Cbc.encryptCbc(key, new Uint8Array(8), nowIsTheTime.subarray(8 * i, 8 * i + 8));
      expect(bytesToHex(ct.subarray(0, 8))).toBe(expected[i]);
    }
  });

  it('with K1 = K2 reduces to single DES: the FIPS 81 CBC example', () => {
    const key = hexToBytes('0123456789abcdef0123456789abcdef');
    const iv = hexToBytes('1234567890abcdef');
    const ct = tdesEde2Cbc.encryptCbc(key, iv, nowIsTheTime);
    // 24-byte plaintext: three data blocks, then a full padding block.
    expect(bytesToHex(ct.subarray(0, 24))).toBe('e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6');
    expect(ct.length).toBe(32);
  });

  it('generateKey gives odd parity in every byte and K1 != K2', () => {
    for (let i = 0; i < 500; i++) {
      const key = tdesEde2Cbc.generateKey(random);
      expect(key.length).toBe(16);
      expect(hasOddParity(key)).toBe(true);
      for (const byte of key) {
        let ones = 0;
        for (let b = byte; b; b >>= 1) ones += b & 1;
        expect(ones % 2).toBe(1);
      }
      expect(bytesToHex(key.subarray(0, 8))).not.toBe(bytesToHex(key.subarray(8)));
    }
  });

  it('setOddParity only changes the low bit and does not change the cipher', () => {
    for (let byte = 0; byte < 256; byte++) {
      const fixed = setOddParity(Uint8Array.of(byte))[0]!;
      expect(fixed & 0xfe).toBe(byte & 0xfe);
      expect(hasOddParity(Uint8Array.of(fixed))).toBe(true);
    }
    const raw = random(16);
    const input = raw.slice();
    const fixed = setOddParity(raw);
    expect(bytesToHex(raw)).toBe(bytesToHex(input)); // the input is not modified
    const iv = random(8);
    const pt = random(40);
    expect(bytesToHex(tdesEde2Cbc.encryptCbc(fixed, iv, pt))).toBe(bytesToHex(tdesEde2Cbc.encryptCbc(raw, iv, pt)));
  });

  it('redraws a degenerate K1 = K2 key', () => {
    let call = 0;
    const same = (n: number): Uint8Array => {
      call++;
      return call === 1 ? new Uint8Array(n).fill(0x40) : Uint8Array.from({ length: n }, (_, i) => i * 16);
    };
    const key = tdesEde2Cbc.generateKey(same);
    expect(call).toBe(2);
    expect(hasOddParity(key)).toBe(true);
  });

  it('reports strengths in the order AES-256 > two-key 3DES', () => {
    expect(aes256Cbc.strength).toBe(256);
    expect(tdesEde2Cbc.strength).toBe(112);
  });
});
