/**
 * Bodies sealed under the device transport key (every message after phase 2): the message
 * protection of the crypto provider (docs/protocol.md, "Message protection under the transport
 * key"), wire-encoded, bound to the frame header.
 */
import type { CryptoProvider, RandomSource, TransportKeyAlgorithm } from '../../crypto/provider.js';
import { ActivationError } from '../../errors/activation-error.js';
import { encodeCborView } from '../../codec/cbor.js';
import { decodeGuarded } from '../../codec/decode-guarded.js';
import { sealedMessageSchema, sealedMessageToWire } from './boxes.js';

/** A device transport key with its algorithm: what a body is sealed under after activation. */
export interface TransportKeyRef {
  /** AES-256 or two-key Triple DES. */
  readonly algorithm: TransportKeyAlgorithm;
  /** The key itself: secret. */
  readonly key: Uint8Array;
}

/**
 * Seals a body under the transport key. The bytes are a view of the encoder's buffer
 * (`encodeCborView`): they go straight into a frame, which copies them; nothing keeps them.
 */
export function sealBody(
  provider: CryptoProvider,
  tk: TransportKeyRef,
  plaintext: Uint8Array,
  ad: Uint8Array,
  random: RandomSource,
): Uint8Array {
  return encodeCborView(sealedMessageToWire(provider.sealMessage(tk.algorithm, tk.key, plaintext, ad, random)));
}

/** Opens a sealed body; MALFORMED if it is not one, DECRYPT_FAILED if it was altered or sealed under another key. */
export function openBody(provider: CryptoProvider, tk: TransportKeyRef, body: Uint8Array, ad: Uint8Array, what: string): Uint8Array {
  const sealed = decodeGuarded(sealedMessageSchema, body, what);
  if (sealed.algorithm !== tk.algorithm) {
    throw new ActivationError('DECRYPT_FAILED', 'message authentication failed', { operation: `open ${what}` });
  }
  return provider.openMessage(tk.key, sealed, ad);
}
