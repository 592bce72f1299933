/**
 * Receive credentials (docs/transports.md, "Authentication"): a handset's relay client proves it
 * holds the receive key its ETP.DAT introduced by signing the address and the time with it. The
 * relay checks the Ed25519 signature with node:crypto.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { RECEIVE_CREDENTIAL_WINDOW_SECONDS, receiveCredentialMessage } from '../../transport/relay-protocol.js';
import { fromBase64Url } from '../../util/base64url.js';
import { RelayRefusal } from './relay-refusal.js';

/** A receive public key as the wire gives it (base64url of 32 bytes); undefined when it is not one. */
export function parseReceiveKey(text: string | undefined): string | undefined {
  if (typeof text !== 'string' || text.length !== 43) return undefined;
  const bytes = fromBase64Url(text);
  return bytes && bytes.length === 32 ? text : undefined;
}

function publicKey(x: string): KeyObject | undefined {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/**
 * Checks a credential `<pub>.<unix-seconds>.<sig>` for `address` at `nowMs`; returns the public key
 * (base64url). RelayRefusal 401 when it is malformed, out of the time window or does not verify.
 */
export function verifyReceiveCredential(credential: string, address: string, nowMs: number): string {
  // A function declaration, so that TypeScript narrows after a call to it (not so for an arrow
  // whose type is inferred).
  function refuse(why: string): never {
    throw new RelayRefusal(401, 'UNAUTHORIZED', `receive credential ${why}`);
  }
  if (credential.length > 200) refuse('is malformed');
  const [pub, time, sig, ...more] = credential.split('.');
  if (pub === undefined || time === undefined || sig === undefined || more.length > 0) refuse('is malformed');
  const key = parseReceiveKey(pub);
  const signature = fromBase64Url(sig);
  if (!key || !/^\d{1,12}$/.test(time) || !signature || signature.length !== 64) refuse('is malformed');
  const seconds = Number(time);
  if (Math.abs(seconds - nowMs / 1000) > RECEIVE_CREDENTIAL_WINDOW_SECONDS) refuse('is out of its time window');
  const keyObject = publicKey(key);
  if (!keyObject) refuse('names no valid key');
  let ok: boolean;
  try {
    ok = verify(null, receiveCredentialMessage(address, seconds), keyObject, signature);
  } catch {
    ok = false;
  }
  if (!ok) refuse('does not verify');
  return key;
}

/** The credential of an `authorization: Receive <credential>` header. */
export function receiveCredentialOf(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Receive\s+(\S+)$/i.exec(header.trim());
  return m?.[1];
}
