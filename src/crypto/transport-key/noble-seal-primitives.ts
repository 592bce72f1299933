/**
 * The sealed message's keyed hashes on @noble/hashes: what the noble provider and
 * sealed-message.ts seal with. Apart from sealed-core.ts so that the core names no library and a
 * native provider gives it its own (src/node/crypto/).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { SealPrimitives } from './sealed-core.js';

const NO_SALT = /* @__PURE__ */ new Uint8Array(0);

/** HKDF-SHA-256 (empty salt) and HMAC-SHA-256 from @noble/hashes. */
export const nobleSealPrimitives: SealPrimitives = /* @__PURE__ */ Object.freeze({
  hkdfSha256: (ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array => hkdf(sha256, ikm, NO_SALT, info, length),
  hmacSha256: (key: Uint8Array, message: Uint8Array): Uint8Array => hmac(sha256, key, message),
});
