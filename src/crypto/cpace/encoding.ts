/**
 * String utility functions of CPace (draft-irtf-cfrg-cpace-21, section "Notation for string
 * operations" and appendix "Definition and test vectors for string utility functions").
 *
 * Everything here is pure byte manipulation on public or secret inputs; none of it branches on
 * secret data except {@link lexicographicallyLarger}, which is only applied to public transcripts.
 */
import { concatBytes } from '../../util/bytes.js';

/**
 * LEB128 encoding of a non-negative integer (draft section "Notation for string operations"):
 * 7 bits per byte, least significant group first, bit #7 set while more groups follow.
 */
function leb128(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('LEB128: expected a non-negative safe integer');
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest === 0) {
      out.push(low);
      return Uint8Array.from(out);
    }
    out.push(low | 0x80);
  }
}

/**
 * `prepend_len(data)`: the LEB128 encoding of `len(data)` followed by `data`
 * (draft appendix "prepend_len function").
 */
export function prependLen(data: Uint8Array): Uint8Array {
  return concatBytes(leb128(data.length), data);
}

/**
 * `lv_cat(a0, a1, ...)`: `prepend_len(a0) || prepend_len(a1) || ...`
 * (draft appendix "lv_cat function").
 */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen));
}

/**
 * `generator_string(DSI, PRS, CI, sid, s_in_bytes)` = `lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid)`
 * with `len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) - len(prepend_len(DSI)))`
 * (draft section "Common function for computing generators").
 *
 * The zero padding makes DSI, PRS and the padding fill the hash's first input block, so for short
 * passwords the amount of hashed data does not depend on the password length.
 *
 * The result contains the PRS: callers should zeroize it after use.
 */
export function generatorString(dsi: Uint8Array, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array, sInBytes: number): Uint8Array {
  const prsPrefix = leb128(prs.length).length;
  const dsiPrefix = leb128(dsi.length).length;
  const lenZpad = Math.max(0, sInBytes - 1 - (prsPrefix + prs.length) - (dsiPrefix + dsi.length));
  return lvCat(dsi, prs, new Uint8Array(lenZpad), ci, sid);
}

/**
 * `lexiographically_larger(bytes1, bytes2)`: true when `a > b` in lexicographical order, a proper
 * prefix being smaller than the longer string (draft appendix "Definitions for lexiographical ordering").
 */
export function lexicographicallyLarger(a: Uint8Array, b: Uint8Array): boolean {
  const bBytes = b.values();
  for (const x of a) {
    const next = bBytes.next();
    if (next.done === true) return true; // b is a proper prefix of a
    const y = next.value;
    if (x > y) return true;
    if (x < y) return false;
  }
  return false; // a is b or a prefix of it
}

const OC = Uint8Array.of(0x6f, 0x63); // b"oc"

/**
 * `o_cat(bytes1, bytes2)`: b"oc" followed by the lexicographically larger string, then the other
 * (draft appendix "Definitions for ordered concatenation").
 */
export function oCat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return lexicographicallyLarger(a, b) ? concatBytes(OC, a, b) : concatBytes(OC, b, a);
}

/**
 * `transcript_ir(Ya, ADa, Yb, ADb)` = `lv_cat(Ya, ADa) || lv_cat(Yb, ADb)`: the transcript for
 * the initiator-responder setting (draft appendix "Definitions for transcript_ir function").
 */
export function transcriptIr(ya: Uint8Array, adA: Uint8Array, yb: Uint8Array, adB: Uint8Array): Uint8Array {
  return concatBytes(lvCat(ya, adA), lvCat(yb, adB));
}

/**
 * `transcript_oc(Ya, ADa, Yb, ADb)` = `o_cat(lv_cat(Ya, ADa), lv_cat(Yb, ADb))`: the transcript for
 * the symmetric setting without fixed roles (draft appendix "Definitions for transcript_oc function").
 */
export function transcriptOc(ya: Uint8Array, adA: Uint8Array, yb: Uint8Array, adB: Uint8Array): Uint8Array {
  return oCat(lvCat(ya, adA), lvCat(yb, adB));
}
