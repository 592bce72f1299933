/** Small byte helpers on top of @noble/hashes; nothing here is cryptographic beyond `constantTimeEqual`. */
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '@noble/ciphers/utils.js';

export { bytesToHex, concatBytes, hexToBytes, utf8ToBytes };

const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, throwing on invalid sequences. */
export function bytesToUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Constant-time equality of two byte strings (the length itself is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

/** Overwrites a buffer with zeros: best effort, since JS engines may have copied it. */
export function zeroize(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** Big-endian unsigned 32-bit encoding. */
export function u32be(n: number): Uint8Array {
  // Byte by byte, not through a DataView (a view object per call cost more than the rest) nor
  // from an array literal (about twice the time of these writes): issue 14.
  const v = n >>> 0;
  const out = new Uint8Array(4);
  out[0] = v >>> 24;
  out[1] = (v >>> 16) & 0xff;
  out[2] = (v >>> 8) & 0xff;
  out[3] = v & 0xff;
  return out;
}
