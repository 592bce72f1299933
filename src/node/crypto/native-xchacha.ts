/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) on OpenSSL's ChaCha20-Poly1305 (RFC 8439):
 * HChaCha20 of the key and the nonce's first 16 bytes gives a subkey (noble's `hchacha`, since
 * OpenSSL has no HChaCha20), and the IETF construction runs under it with the nonce 0x00000000 ||
 * the last 8 bytes. The bytes are those of noble's `xchacha20poly1305`.
 *
 * Where node:crypto has no ChaCha20-Poly1305 (Bun 1.4's, on BoringSSL), noble's
 * `xchacha20poly1305` runs whole: asked once, on first use.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { wrapErrors } from '../../errors/activation-error.js';
import { isBytes, requireBytes } from '../../crypto/provider-arguments.js';
import { zeroize } from '../../util/bytes.js';
import { ownBytes } from './okp-keys.js';

const KEY_LENGTH = 32;
const NONCE_LENGTH = 24;
const TAG_LENGTH = 16;
/** "expand 32-byte k" as four little-endian words. */
const SIGMA = Uint32Array.of(0x61707865, 0x3320646e, 0x79622d32, 0x6b206574);

let nativeChaCha: boolean | undefined;

/** Whether this runtime's node:crypto has ChaCha20-Poly1305 (asked once). */
function hasNativeChaCha(): boolean {
  return (nativeChaCha ??= getCiphers().includes('chacha20-poly1305'));
}

/** `count` little-endian 32-bit words of `bytes` from `offset` (independent of the host's byte order). */
function wordsLE(bytes: Uint8Array, offset: number, count: number): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  return Uint32Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
}

/** HChaCha20(key, nonce[0..16]) as 32 bytes. */
function subkey(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const k = wordsLE(key, 0, 8);
  const n = wordsLE(nonce, 0, 4);
  const out = new Uint32Array(8);
  try {
    hchacha(SIGMA, k, n, out);
    const bytes = new Uint8Array(KEY_LENGTH);
    const view = new DataView(bytes.buffer);
    out.forEach((w, i) => view.setUint32(i * 4, w, true));
    return bytes;
  } finally {
    k.fill(0);
    out.fill(0);
  }
}

/** The RFC 8439 nonce: four zero bytes and the last 8 bytes of the 24-byte nonce. */
function ietfNonce(nonce: Uint8Array): Uint8Array {
  const iv = new Uint8Array(12);
  iv.set(nonce.subarray(16), 4);
  return iv;
}

function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  if (!hasNativeChaCha()) return xchacha20poly1305(key, nonce, ad).encrypt(plaintext);
  const k = subkey(key, nonce);
  try {
    const c = createCipheriv('chacha20-poly1305', k, ietfNonce(nonce), { authTagLength: TAG_LENGTH });
    c.setAAD(ad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    const last = c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(body.length + last.length + tag.length);
    out.set(body, 0);
    out.set(last, body.length);
    out.set(tag, body.length + last.length);
    return out;
  } finally {
    k.fill(0);
  }
}

/** The plaintext, or `undefined` when the tag does not verify (what was decrypted is wiped first). */
function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  if (!hasNativeChaCha()) return xchacha20poly1305(key, nonce, ad).decrypt(sealed);
  const ciphertext = sealed.subarray(0, sealed.length - TAG_LENGTH);
  const k = subkey(key, nonce);
  let body: Buffer | undefined;
  try {
    const d = createDecipheriv('chacha20-poly1305', k, ietfNonce(nonce), { authTagLength: TAG_LENGTH });
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    d.setAAD(ad, { plaintextLength: ciphertext.length });
    // OpenSSL decrypts before it checks the tag: `body` is released only once `final` passes.
    body = d.update(ciphertext);
    d.final();
    const plaintext = ownBytes(body);
    body = undefined;
    return plaintext;
  } catch {
    return undefined;
  } finally {
    zeroize(k, body);
  }
}

/** The AEAD operations of the node:crypto provider, with the noble provider's checks. */
export const nativeXChaChaOperations = {
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    requireBytes('aeadSeal', 'key', key, KEY_LENGTH);
    requireBytes('aeadSeal', 'nonce', nonce, NONCE_LENGTH);
    requireBytes('aeadSeal', 'plaintext', plaintext);
    requireBytes('aeadSeal', 'ad', ad);
    return wrapErrors('INVALID_ARGUMENT', 'aeadSeal', () => seal(key, nonce, plaintext, ad));
  },

  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | undefined {
    // Never throws: the checks are inside the try too, since reading a hostile argument (a Proxy) throws.
    try {
      if (
        !isBytes(key) ||
        key.length !== KEY_LENGTH ||
        !isBytes(nonce) ||
        nonce.length !== NONCE_LENGTH ||
        !isBytes(ciphertext) ||
        !isBytes(ad)
      ) {
        return undefined;
      }
      return open(key, nonce, ciphertext, ad);
    } catch {
      return undefined;
    }
  },
};
