/**
 * Issue 8, finding 18: the transport key was both the CBC key that wrapped each message key and
 * the HKDF input of the MAC key. Now the wrap key is its own HKDF output (info "key wrap") and the
 * transport key is never a cipher key. These tests open sealed messages with OpenSSL (node:crypto)
 * alone, following docs/protocol.md "Message protection", and show that the raw transport key no
 * longer unwraps the message key.
 */
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { deriveWrapKey, openMessage, sealMessage } from '../../src/crypto/transport-key/sealed-message.js';
import { TRANSPORT_CIPHERS } from '../../src/crypto/transport-key/select.js';
import { hasOddParity, setOddParity } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { bytesToHex, concatBytes, u32be, utf8ToBytes } from '../../src/util/bytes.js';

const random = seededRandom('sealed-message-key-separation.test');
const OPENSSL: Record<TransportKeyAlgorithm, string> = { 'AES-256-CBC': 'aes-256-cbc', 'TDES-EDE2-CBC': 'des-ede-cbc' };

function cbcDecrypt(algorithm: TransportKeyAlgorithm, key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad = true): Uint8Array {
  const d = createDecipheriv(OPENSSL[algorithm], key, iv);
  d.setAutoPadding(pad);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

function hkdf(ikm: Uint8Array, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), concatBytes(utf8ToBytes(info)), length));
}

function lv(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.flatMap((p) => [u32be(p.length), p]));
}

describe.each(['AES-256-CBC', 'TDES-EDE2-CBC'] as const)('%s: wrap key and MAC key are separate derivations (finding 18)', (algorithm) => {
  const cipher = TRANSPORT_CIPHERS[algorithm];
  const transportKey = cipher.generateKey(random);
  const ad = utf8ToBytes('type=policy;seq=3');
  const plaintext = utf8ToBytes('an IT policy, or any other protected payload');

  it('the wrap key is HKDF-SHA-256(TK, info "enterprise-activation/v1 key wrap" || alg), computed by OpenSSL', () => {
    let expected = hkdf(transportKey, `enterprise-activation/v1 key wrap${algorithm}`, cipher.keyLength);
    if (algorithm === 'TDES-EDE2-CBC') expected = setOddParity(expected);
    const wrapKey = deriveWrapKey(algorithm, transportKey);
    expect(bytesToHex(wrapKey)).toBe(bytesToHex(expected));
    expect(bytesToHex(wrapKey)).not.toBe(bytesToHex(transportKey));
    if (algorithm === 'TDES-EDE2-CBC') expect(hasOddParity(wrapKey)).toBe(true);
  });

  it('OpenSSL alone opens a sealed message by the documented construction', () => {
    const sealed = sealMessage(algorithm, transportKey, plaintext, ad, random);
    const wrapKey = deriveWrapKey(algorithm, transportKey);
    const messageKey = cbcDecrypt(algorithm, wrapKey, sealed.keyIv, sealed.wrappedKey);
    const macKey = hkdf(concatBytes(transportKey, messageKey), `enterprise-activation/v1 message mac${algorithm}`, 32);
    const tag = createHmac('sha256', macKey)
      .update(lv(ad, utf8ToBytes(algorithm), sealed.keyIv, sealed.wrappedKey, sealed.iv, sealed.ciphertext))
      .digest();
    expect(bytesToHex(tag)).toBe(bytesToHex(sealed.tag));
    expect(bytesToHex(cbcDecrypt(algorithm, messageKey, sealed.iv, sealed.ciphertext))).toBe(bytesToHex(plaintext));
    // And the wrap key is not the MAC key of this message (nor a prefix of it).
    expect(bytesToHex(macKey)).not.toContain(bytesToHex(wrapKey));
  });

  it('the attack: unwrapping the message key with the raw transport key (the old construction) no longer works', () => {
    const sealed = sealMessage(algorithm, transportKey, plaintext, ad, random);
    // Without padding checks both decryptions always return bytes: compare them.
    const withWrapKey = cbcDecrypt(algorithm, deriveWrapKey(algorithm, transportKey), sealed.keyIv, sealed.wrappedKey, false);
    const withTransportKey = cbcDecrypt(algorithm, transportKey, sealed.keyIv, sealed.wrappedKey, false);
    expect(bytesToHex(withTransportKey)).not.toBe(bytesToHex(withWrapKey));
    const messageKey = withWrapKey.subarray(0, cipher.keyLength);
    expect(bytesToHex(withTransportKey.subarray(0, cipher.keyLength))).not.toBe(bytesToHex(messageKey));
    // The genuine one still opens.
    expect(bytesToHex(openMessage(transportKey, sealed, ad))).toBe(bytesToHex(plaintext));
  });
});
