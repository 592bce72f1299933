/** Wire forms of the two encrypted containers: an AEAD box (session key) and a sealed message (transport key). */
import * as v from 'valibot';
import type { SealedMessage } from '../../crypto/provider.js';
import { MAX_FRAME_BYTES } from '../../codec/cbor.js';
import { bytes, type SchemaOf } from '../../codec/schema.js';
import { TRANSPORT_KEY_ALGORITHMS } from '../../crypto/ids.js';

/** XChaCha20-Poly1305 output under a session key. */
export interface AeadBox {
  /** The 24-byte nonce. */
  readonly nonce: Uint8Array;
  /** Ciphertext with its 16-byte tag. */
  readonly ciphertext: Uint8Array;
}

export const aeadBoxSchema = v.strictObject({ nonce: bytes(24), ciphertext: bytes(16, MAX_FRAME_BYTES) }) satisfies SchemaOf<AeadBox>;

export function aeadBoxToWire(box: AeadBox): Record<string, Uint8Array> {
  return { nonce: box.nonce, ciphertext: box.ciphertext };
}

export const sealedMessageSchema = v.strictObject({
  algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS),
  keyIv: bytes(8, 16),
  wrappedKey: bytes(16, 48),
  iv: bytes(8, 16),
  ciphertext: bytes(8, MAX_FRAME_BYTES),
  tag: bytes(32),
}) satisfies SchemaOf<SealedMessage>;

export function sealedMessageToWire(m: SealedMessage): Record<string, unknown> {
  return { algorithm: m.algorithm, keyIv: m.keyIv, wrappedKey: m.wrappedKey, iv: m.iv, ciphertext: m.ciphertext, tag: m.tag };
}
