/**
 * Unpadded base64url (RFC 4648 §5), for values that travel in HTTP and mail headers (relay
 * receive credentials, vouches). Runtime-agnostic. Decoding is canonical and never throws: a
 * hostile header is `undefined`, and two different texts never decode to the same bytes.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PATTERN = /^[A-Za-z0-9_-]*$/;

/** Unpadded base64url of `bytes`. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0; // i < bytes.length: always there
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    // Every index below is six bits, 0..63: charAt never falls off the alphabet.
    out += ALPHABET.charAt(b0 >> 2);
    out += ALPHABET.charAt(((b0 & 3) << 4) | ((b1 ?? 0) >> 4));
    if (b1 !== undefined) out += ALPHABET.charAt(((b1 & 15) << 2) | ((b2 ?? 0) >> 6));
    if (b2 !== undefined) out += ALPHABET.charAt(b2 & 63);
  }
  return out;
}

/**
 * Decodes unpadded base64url of at most `maxLength` characters. Returns `undefined` for anything
 * else: other characters, padding, an impossible length, or non-zero leftover bits.
 */
export function fromBase64Url(text: string, maxLength = 1024): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length > maxLength || text.length % 4 === 1 || !PATTERN.test(text)) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const ch of text) {
    acc = (acc << 6) | ALPHABET.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
