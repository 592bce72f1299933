/**
 * The activation key schedule, shared by handset and server: how the password becomes CPace's
 * PRS, what CPace's channel identifier is, which keys come from the CPace session key (ISK), and
 * what the proofs under the new transport key cover. docs/protocol.md explains each choice.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { CPaceSuite, CryptoProvider } from '../crypto/provider.js';
import { confirmationKey } from '../crypto/cpace/cpace.js';
import { lvCat } from '../crypto/cpace/encoding.js';
import { utf8ToBytes } from '../util/bytes.js';

const LABEL = 'enterprise-activation/v1';

/** The longest activation password a handset accepts (RIM: up to 31 characters; facts file, "Activation password"). */
export const MAX_PASSWORD_LENGTH = 31;

/**
 * The activation password as CPace's PRS: Unicode NFC (RFC 8265 OpaqueString preparation, minus
 * its width mapping), UTF-8. Empty or longer than 31 characters is INVALID_ARGUMENT.
 */
export function passwordToPrs(password: string): Uint8Array {
  if (typeof password !== 'string') {
    throw new ActivationError('INVALID_ARGUMENT', 'the activation password must be a string', { field: 'password' });
  }
  const prepared = password.normalize('NFC');
  const length = [...prepared].length;
  if (length < 1 || length > MAX_PASSWORD_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', `the activation password must have 1 to ${MAX_PASSWORD_LENGTH} characters`, {
      field: 'password',
      length,
    });
  }
  return utf8ToBytes(prepared);
}

/** Email addresses compare case-insensitively and without surrounding blanks. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** CPace's channel identifier: binds the session to this protocol, this device and this account. */
export function channelIdentifier(pin: string, email: string): Uint8Array {
  return lvCat(utf8ToBytes(LABEL), utf8ToBytes(pin), utf8ToBytes(normalizeEmail(email)));
}

/** Keys derived from the CPace session key. */
export interface SessionKeys {
  /** Key-confirmation MAC key (draft-irtf-cfrg-cpace, "Key confirmation"). */
  readonly macKey: Uint8Array;
  /** XChaCha20-Poly1305 key for handset-to-server messages until the transport key exists. */
  readonly handsetToServer: Uint8Array;
  /** XChaCha20-Poly1305 key for server-to-handset messages until the transport key exists. */
  readonly serverToHandset: Uint8Array;
}

export function deriveSessionKeys(provider: CryptoProvider, suite: CPaceSuite, sid: Uint8Array, isk: Uint8Array): SessionKeys {
  return {
    macKey: confirmationKey(suite, sid, isk),
    handsetToServer: provider.hkdf(isk, sid, utf8ToBytes(`${LABEL} handset->server`), 32),
    serverToHandset: provider.hkdf(isk, sid, utf8ToBytes(`${LABEL} server->handset`), 32),
  };
}

/** Everything both sides have seen up to the key grant; the key proofs cover its hash. */
export interface Transcript {
  readonly sid: Uint8Array;
  readonly etpHeader: Uint8Array;
  readonly handsetShare: Uint8Array;
  readonly serverAd: Uint8Array;
  readonly serverShare: Uint8Array;
  /** The key grant plaintext (algorithm, key id, key, server identity). */
  readonly grant: Uint8Array;
}

export function transcriptHash(provider: CryptoProvider, t: Transcript): Uint8Array {
  return provider.sha512(lvCat(utf8ToBytes(`${LABEL} transcript`), t.sid, t.etpHeader, t.handsetShare, t.serverAd, t.serverShare, t.grant));
}

/** The payload each side seals under the new transport key to prove it holds it. */
export function keyProofPayload(role: 'server' | 'handset', hash: Uint8Array): Uint8Array {
  return lvCat(utf8ToBytes(`${LABEL} ${role} key proof`), hash);
}
