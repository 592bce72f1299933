/**
 * PKCS#7 padding for the CBC transport ciphers that pad for themselves: Triple DES on des.js and
 * both native ciphers (src/node/crypto/), which run OpenSSL with its own padding off, because
 * OpenSSL's unpadding stops at the first bad byte and ours checks the last block in a fixed shape.
 */

/** `data` padded to a whole number of `blockLength` blocks (1..blockLength bytes of value n). */
export function pkcs7Pad(data: Uint8Array, blockLength: number): Uint8Array {
  const pad = blockLength - (data.length % blockLength);
  const out = new Uint8Array(data.length + pad);
  out.set(data);
  out.fill(pad, data.length);
  return out;
}

/**
 * Length of the plaintext after removing PKCS#7 padding, or -1 if the padding is invalid. The
 * last block is checked in a fixed shape (no early exit on the first bad byte). `data` is a
 * whole, non-zero number of blocks.
 */
export function pkcs7UnpaddedLength(data: Uint8Array, blockLength: number): number {
  const len = data.length;
  // Callers pass whole blocks, so every index read here exists; `?? 0` only satisfies the type
  // (and is what `undefined` amounted to in these bit operations anyway: pad 0 is refused).
  const pad = data[len - 1] ?? 0;
  let bad = 0;
  bad |= (pad - 1) >>> 31; // pad >= 1
  bad |= (blockLength - pad) >>> 31; // pad <= blockLength
  for (let i = 0; i < blockLength; i++) {
    const inPad = (i - pad) >>> 31; // 1 when i < pad
    bad |= inPad & (((data[len - 1 - i] ?? 0) ^ pad) !== 0 ? 1 : 0);
  }
  return bad === 0 ? len - pad : -1;
}
