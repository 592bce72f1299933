/**
 * Ed25519 on OpenSSL (node:crypto), answering exactly as the noble provider does.
 *
 * Signing is deterministic (RFC 8032), so OpenSSL's signature is noble's, byte for byte. Verifying
 * is where the two libraries differ: noble (with `zip215: false`, as the noble provider calls it)
 * refuses a non-canonical or small-order public key and checks the cofactored equation; OpenSSL
 * takes any public key that decodes and checks the cofactorless one, encode([s]B - [k]A) == R.
 * OpenSSL's "yes" is noble's "yes" once the public key is canonical and not of small order
 * (src/crypto/ed25519-strict-key.ts says why). So OpenSSL answers when it says yes to such a key,
 * and noble answers everything else: a bad signature costs what it costs on the noble provider, a
 * good one a tenth of it.
 */
import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { nativeYesIsStrict } from '../../crypto/ed25519-strict-key.js';
import { wrapErrors } from '../../errors/activation-error.js';
import { isBytes, requireBytes } from '../../crypto/provider-arguments.js';
import type { KeyPair } from '../../crypto/provider.js';
import { okpPrivateKey, okpPublicBytes, okpPublicKey, ownBytes } from './okp-keys.js';

const SEED_LENGTH = 32;
const PUBLIC_KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;

/** The Ed25519 operations of the node:crypto provider. */
export const nativeEd25519Operations = {
  signingKeyPair(seed: Uint8Array): KeyPair {
    requireBytes('signingKeyPair', 'seed', seed, SEED_LENGTH);
    // A copy: the caller may wipe its seed.
    const secretKey = seed.slice();
    return { secretKey, publicKey: okpPublicBytes(okpPrivateKey('Ed25519', secretKey)) };
  },

  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    requireBytes('sign', 'secretKey', secretKey, SEED_LENGTH);
    requireBytes('sign', 'message', message);
    return wrapErrors('INVALID_ARGUMENT', 'sign', () => ownBytes(nodeSign(null, message, okpPrivateKey('Ed25519', secretKey))));
  },

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // Never throws: the checks are inside the try too, since reading a hostile argument (a Proxy) throws.
    try {
      if (
        !isBytes(publicKey) ||
        publicKey.length !== PUBLIC_KEY_LENGTH ||
        !isBytes(message) ||
        !isBytes(signature) ||
        signature.length !== SIGNATURE_LENGTH
      ) {
        return false;
      }
      if (nativeYesIsStrict(publicKey) && nativeVerifies(publicKey, message, signature)) return true;
      // Strict RFC 8032 / FIPS 186-5 decoding (no ZIP-215 leniency), as the noble provider.
      return ed25519.verify(signature, message, publicKey, { zip215: false }) === true;
    } catch {
      return false;
    }
  },
};

/** OpenSSL's verdict; false when it cannot even decode the key. */
function nativeVerifies(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nodeVerify(null, message, okpPublicKey('Ed25519', publicKey), signature);
  } catch {
    return false;
  }
}
