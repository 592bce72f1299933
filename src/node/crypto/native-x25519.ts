/**
 * X25519 (RFC 7748) on OpenSSL (node:crypto): the key rollover's key pairs and agreement, and the
 * ladder of the CPace X25519 suite (native-cpace-suites.ts).
 *
 * OpenSSL masks bit 255 of the u-coordinate and reduces a non-canonical one modulo p, as RFC 7748
 * asks (the draft's vectors u6, u8..ub check it), and clamps the scalar itself. It refuses one
 * input the draft and noble answer: a u of low order, whose result is all zeros, where OpenSSL
 * fails the derivation instead. {@link x25519} reports every refusal as `undefined` and its
 * callers answer it with noble, so the bytes are noble's for every input.
 */
import { diffieHellman } from 'node:crypto';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { isAllZero, lowOrderAgreement, requireBytes } from '../../crypto/provider-arguments.js';
import type { KeyPair } from '../../crypto/provider.js';
import { okpPrivateKey, okpPublicBytes, okpPublicKey, ownBytes } from './okp-keys.js';

const KEY_LENGTH = 32;

/**
 * X25519(scalar, u) on OpenSSL, or `undefined` where OpenSSL refuses (a low-order u, whose answer
 * is all zeros). Both arguments are 32 bytes (the caller checks).
 */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array | undefined {
  try {
    return ownBytes(diffieHellman({ privateKey: okpPrivateKey('X25519', scalar), publicKey: okpPublicKey('X25519', u) }));
  } catch {
    return undefined;
  }
}

/** noble's X25519(scalar, u), or `undefined` where noble refuses (the same low-order points). */
export function nobleX25519OrUndefined(scalar: Uint8Array, u: Uint8Array): Uint8Array | undefined {
  try {
    return nobleX25519.scalarMult(scalar, u);
  } catch {
    return undefined;
  }
}

/** The X25519 operations of the node:crypto provider. */
export const nativeX25519Operations = {
  agreementKeyPair(seed: Uint8Array): KeyPair {
    requireBytes('agreementKeyPair', 'seed', seed, KEY_LENGTH);
    const secretKey = seed.slice();
    return { secretKey, publicKey: okpPublicBytes(okpPrivateKey('X25519', secretKey)) };
  },

  agree(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    requireBytes('agree', 'secretKey', secretKey, KEY_LENGTH);
    requireBytes('agree', 'publicKey', publicKey, KEY_LENGTH);
    const shared = x25519(secretKey, publicKey) ?? nobleX25519OrUndefined(secretKey, publicKey);
    // RFC 7748 section 6.1, checked whoever computed it, without a data-dependent early exit.
    if (shared === undefined || isAllZero(shared)) throw lowOrderAgreement();
    return shared;
  },
};
