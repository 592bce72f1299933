/**
 * Two-key Triple DES (TDEA keying option 2), EDE, in outer CBC mode with PKCS#7 padding: the
 * weaker, legacy device transport key algorithm RIM documented ("Triple DES, 112-bit key";
 * ../shared/reference/blackberry-activation-facts.md, "Cryptography").
 *
 * A key is 16 bytes K1||K2 as stored, each byte carrying an odd-parity low bit (the DES
 * convention; DES itself ignores those bits). Each block is E_K1(D_K2(E_K1(x))), chained
 * CBC-style over whole 3DES blocks with an 8-byte IV. This is exactly OpenSSL's `des-ede-cbc`.
 *
 * The DES rounds come from `des.js` (fed the 24-byte key K1||K2||K1); we only do padding, key
 * expansion and parity here. We pad and unpad ourselves (des.js runs with `padding: false`)
 * because des.js's own unpadding accepts a final byte of 0 and does not check the padding in
 * constant shape.
 */
import des from 'des.js';
import type { RandomSource, TransportCipher } from '../provider.js';
import { TRANSPORT_KEY_STRENGTH } from './algorithms.js';
import { type CbcShape, cbcDecryptFailed, checkEncryptArgs, decryptArgsOk, joinWiped } from './cbc-checks.js';
import { pkcs7Pad, pkcs7UnpaddedLength } from './pkcs7.js';
import { generateTdesEde2Key, tdesEde3Key } from './tdes-key.js';

export { hasOddParity, setOddParity } from './des-parity.js';

const KEY_LENGTH = 16;
const BLOCK_LENGTH = 8;

/**
 * des.js's EDE (24-byte key) wrapped in outer CBC, built on first use and then kept: building it
 * at module load would be work (and, for bundlers, a side effect) for every importer.
 */
let edeCbc: ReturnType<typeof des.CBC.instantiate> | undefined;

const SHAPE: CbcShape = { name: 'TDES-EDE2-CBC', keyLength: KEY_LENGTH, blockLength: BLOCK_LENGTH };

function run(type: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const k24 = tdesEde3Key(key);
  try {
    const c = (edeCbc ??= des.CBC.instantiate(des.EDE)).create({ type, key: k24, iv, padding: false });
    return joinWiped(c.update(data), c.final());
  } finally {
    k24.fill(0);
  }
}

/** The two-key Triple DES (EDE, CBC) {@link TransportCipher}: 16-byte keys with odd parity, 8-byte blocks, as OpenSSL's `des-ede-cbc`. */
export const tdesEde2Cbc: TransportCipher = /* @__PURE__ */ Object.freeze({
  id: 'TDES-EDE2-CBC',
  keyLength: KEY_LENGTH,
  blockLength: BLOCK_LENGTH,
  /**
   * NIST SP 800-57 Part 1 rates two-key Triple DES at 80 bits (and SP 800-131A disallows it for
   * encryption). We use 112 because RIM described it as a "112-bit key"; only the ordering matters
   * here (AES-256 > two-key 3DES), and it is the same with either figure.
   */
  strength: TRANSPORT_KEY_STRENGTH['TDES-EDE2-CBC'],

  /**
   * A fresh K1||K2 with odd parity. K1 = K2 would collapse EDE to single DES, so such a draw
   * (probability about 2^-56) is rejected and redrawn.
   */
  generateKey(random: RandomSource): Uint8Array {
    return generateTdesEde2Key(SHAPE, random);
  },

  encryptCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkEncryptArgs(SHAPE, key, iv, plaintext);
    const padded = pkcs7Pad(plaintext, BLOCK_LENGTH);
    try {
      return run('encrypt', key, iv, padded);
    } finally {
      padded.fill(0);
    }
  },

  decryptCbc(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!decryptArgsOk(SHAPE, key, iv, ciphertext)) throw cbcDecryptFailed(SHAPE);
    let padded: Uint8Array;
    try {
      padded = run('decrypt', key, iv, ciphertext);
    } catch {
      throw cbcDecryptFailed(SHAPE);
    }
    try {
      const n = pkcs7UnpaddedLength(padded, BLOCK_LENGTH);
      if (n < 0) throw cbcDecryptFailed(SHAPE);
      return padded.slice(0, n);
    } finally {
      padded.fill(0);
    }
  },
});
