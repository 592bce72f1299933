/**
 * DES key parity. Apart from tdes-ede2-cbc.ts because the message protection sets parity on
 * derived Triple DES wrap keys, and importing it from there would pull des.js into every bundle.
 */

/**
 * Returns a copy of `key` in which every byte has odd parity: the low bit of each byte is set
 * so that the byte has an odd number of one bits. The high seven bits (the ones DES uses) are
 * unchanged, so the cipher is the same.
 */
export function setOddParity(key: Uint8Array): Uint8Array {
  return Uint8Array.from(key, (byte) => {
    const high = byte & 0xfe;
    let ones = 0;
    for (let b = high; b !== 0; b >>= 1) ones += b & 1;
    return high | (ones % 2 === 0 ? 1 : 0);
  });
}

/** True when every byte of `key` has an odd number of one bits. */
export function hasOddParity(key: Uint8Array): boolean {
  for (const byte of key) {
    let ones = 0;
    for (let b = byte; b !== 0; b >>= 1) ones += b & 1;
    if (ones % 2 === 0) return false;
  }
  return true;
}
