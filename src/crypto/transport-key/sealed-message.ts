/**
 * Messages protected under the device transport key, in the style RIM described for BES
 * traffic (a random message key per message, itself encrypted under the transport key:
 * ../shared/reference/blackberry-activation-facts.md, "Cryptography"), with a key derivation and
 * a MAC that are ours (docs/protocol.md, "Message protection under the transport key").
 *
 * ## Construction
 *
 * To seal `plaintext` with associated data `ad` under transport key `TK` and algorithm `alg`
 * (AES-256-CBC or TDES-EDE2-CBC; `n` = its block length):
 *
 * 0. `wrapKey = HKDF-SHA-256(ikm = TK, salt = "", info = "enterprise-activation/v1 key wrap" || alg, k)`,
 *    `k` = the algorithm's key length; for TDES-EDE2-CBC the 16 bytes get DES odd parity (the
 *    low bit of each byte, which DES ignores). K1 = K2, which would make EDE single DES, happens
 *    with probability 2^-56 and is not worth a branch.
 * 1. `MK = alg.generateKey(random)`: a fresh random message key for every message.
 * 2. `keyIv = random(n)`, `wrappedKey = CBC-Enc(wrapKey, keyIv, MK)`: the message key under the wrap key.
 * 3. `iv = random(n)`, `ciphertext = CBC-Enc(MK, iv, plaintext)`: the payload under the message key.
 * 4. `macKey = HKDF-SHA-256(ikm = TK || MK, salt = "", info = "enterprise-activation/v1 message mac" || alg, 32)`.
 * 5. `tag = HMAC-SHA-256(macKey, LV(ad) || LV(alg) || LV(keyIv) || LV(wrappedKey) || LV(iv) || LV(ciphertext))`,
 *    where `LV(x)` is x's length as 4 bytes big-endian followed by x, so no two different field
 *    lists encode to the same MAC input.
 *
 * Opening checks the field lengths for the algorithm, unwraps MK, recomputes the tag, compares
 * it in constant time and only then decrypts the payload.
 *
 * ## Why encrypt-then-MAC
 *
 * RIM's scheme as published (message key wrapped by the transport key, payload CBC-encrypted;
 * facts file, "Cryptography") names no integrity check, and CBC without a MAC is malleable and,
 * through padding errors, a decryption oracle (Vaudenay 2002). Authenticating the ciphertext and
 * rejecting anything altered before the payload is decrypted removes both. The MAC key depends on
 * the transport key *and* the message key, so it changes with every message, and it binds the
 * algorithm id and the caller's associated data (e.g. message type, sequence number) against
 * substitution.
 *
 * Unwrapping the message key necessarily happens before the MAC check (the MAC key depends on
 * it), so that step is made oracle-free: an unwrap (padding or length) failure continues with a
 * dummy key through the same HKDF and HMAC work and then fails exactly like a bad tag, with the
 * same code (`DECRYPT_FAILED`) and message (`message authentication failed`).
 *
 * ## One key, one purpose

The transport key itself is never a cipher key: it is only ever HKDF input keying material, under
two distinct info strings (`key wrap` and `message mac`). Before issue 8 (finding 18) the
transport key was both the CBC key that wrapped MK and the HKDF input of the MAC key; using one
key in two primitives makes the security of each depend on the other (no proof covers the
combination). With the wrap key derived, the two uses are independent PRF outputs.

## No compression
 *
 * RIM compressed payloads before encrypting them (facts file, "Cryptography"). That is
 * deliberately left out: compressing secret data together with attacker-influenced data before
 * encryption makes the ciphertext length depend on the content, which leaks it (CRIME, BREACH).
 */
import type { RandomSource, SealedMessage, TransportKeyAlgorithm } from '../provider.js';
import { openMessageWith, sealMessageWith } from './sealed-core.js';
import { TRANSPORT_CIPHERS } from './select.js';

export { deriveWrapKey } from './sealed-core.js';

/**
 * Seals `plaintext` under `transportKey` (see the module comment), with any transport cipher
 * (Triple DES included, so this imports des.js; a provider's own `sealMessage` does not).
 * `associatedData` is authenticated but not encrypted and not included in the result; the opener
 * must supply it. Throws ActivationError('UNSUPPORTED') for an unknown algorithm and
 * 'INVALID_ARGUMENT' for a transport key of the wrong length.
 */
export function sealMessage(
  algorithm: TransportKeyAlgorithm,
  transportKey: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
  random: RandomSource,
): SealedMessage {
  return sealMessageWith((id) => TRANSPORT_CIPHERS[id], algorithm, transportKey, plaintext, { associatedData, random });
}

/**
 * Opens a message made by {@link sealMessage}, with any transport cipher. Field lengths that
 * cannot be right for the algorithm (or non-byte fields, or an unknown algorithm) give
 * ActivationError('MALFORMED'); everything else that goes wrong gives
 * ActivationError('DECRYPT_FAILED', 'message authentication failed'), always the same.
 */
export function openMessage(transportKey: Uint8Array, sealed: SealedMessage, associatedData: Uint8Array): Uint8Array {
  return openMessageWith((id) => TRANSPORT_CIPHERS[id], transportKey, sealed, associatedData);
}
