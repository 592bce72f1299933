/**
 * The key rollover's key schedule, shared by handset and server (docs/lifecycle.md, "Key
 * rollover"): a triple Diffie-Hellman over X25519 with the long-term agreement keys exchanged at
 * activation (the device's `A` in the ETP.DAT body, the server's `B` in the key grant) and one
 * ephemeral key on each side. The construction is Noise's `KK` / Signal's X3DH without prekeys;
 * using it in place of RIM's ECMQV is our design.
 *
 *   dh1 = X25519(eS, EH)             ephemeral-ephemeral: forward secrecy
 *   dh2 = X25519(b, EH) = X25519(eH, B)   authenticates the server
 *   dh3 = X25519(eS, A) = X25519(a, ES)   authenticates the device
 *
 * Every X25519 goes through the crypto provider (`agree`), which refuses an all-zero result.
 */
import type { CryptoProvider, TransportKeyAlgorithm } from '../crypto/provider.js';
import { lvCat } from '../crypto/cpace/encoding.js';
import { setOddParity } from '../crypto/transport-key/des-parity.js';
import { concatBytes, utf8ToBytes, zeroize } from '../util/bytes.js';

const LABEL = 'enterprise-activation/v1';

/** Everything both sides know of one rollover: what the transcript hash binds. */
export interface RolloverTranscript {
  /** The device's PIN. */
  readonly pin: string;
  /** The server's SRP identifier. */
  readonly srp: string;
  /** Id of the key being replaced (8 bytes). */
  readonly oldKeyId: Uint8Array;
  /** Id of the new key, chosen by the server (8 bytes). */
  readonly newKeyId: Uint8Array;
  /** The new key's algorithm. */
  readonly algorithm: TransportKeyAlgorithm;
  /** `A`: the device's long-term X25519 public key. */
  readonly deviceKey: Uint8Array;
  /** `B`: the server's long-term X25519 public key. */
  readonly serverKey: Uint8Array;
  /** `ES`: the server's ephemeral public key. */
  readonly serverEphemeral: Uint8Array;
  /** `EH`: the handset's ephemeral public key. */
  readonly handsetEphemeral: Uint8Array;
}

/** `th`: SHA-256 over the length-prefixed transcript; the salt of the key and what both proofs cover. */
export function rolloverTranscriptHash(provider: CryptoProvider, t: RolloverTranscript): Uint8Array {
  return provider.sha256(
    lvCat(
      utf8ToBytes(`${LABEL} key rollover`),
      utf8ToBytes(t.pin),
      utf8ToBytes(t.srp),
      t.oldKeyId,
      t.newKeyId,
      utf8ToBytes(t.algorithm),
      t.deviceKey,
      t.serverKey,
      t.serverEphemeral,
      t.handsetEphemeral,
    ),
  );
}

/** The handset's three shared secrets: `eH` its ephemeral secret, `a` its long-term secret. */
export function handsetSharedSecrets(
  provider: CryptoProvider,
  keys: {
    readonly ephemeral: Uint8Array;
    readonly agreement: Uint8Array;
    readonly serverEphemeral: Uint8Array;
    readonly serverKey: Uint8Array;
  },
): Uint8Array[] {
  return [
    provider.agree(keys.ephemeral, keys.serverEphemeral),
    provider.agree(keys.ephemeral, keys.serverKey),
    provider.agree(keys.agreement, keys.serverEphemeral),
  ];
}

/** The server's three shared secrets: `eS` its ephemeral secret, `b` its long-term secret. */
export function serverSharedSecrets(
  provider: CryptoProvider,
  keys: {
    readonly ephemeral: Uint8Array;
    readonly agreement: Uint8Array;
    readonly handsetEphemeral: Uint8Array;
    readonly deviceKey: Uint8Array;
  },
): Uint8Array[] {
  return [
    provider.agree(keys.ephemeral, keys.handsetEphemeral),
    provider.agree(keys.agreement, keys.handsetEphemeral),
    provider.agree(keys.ephemeral, keys.deviceKey),
  ];
}

/**
 * The new transport key: HKDF (the provider's, SHA-512) of `dh1 ‖ dh2 ‖ dh3` salted with `th`,
 * as long as the algorithm's key (Triple DES keys get odd parity, as at activation). The shared
 * secrets are erased (zeroized) here, once used.
 */
export function deriveRolloverKey(
  provider: CryptoProvider,
  shared: readonly Uint8Array[],
  transcriptHash: Uint8Array,
  algorithm: TransportKeyAlgorithm,
): Uint8Array {
  const length = provider.transportCipher(algorithm).keyLength;
  const ikm = concatBytes(...shared);
  const key = provider.hkdf(ikm, transcriptHash, utf8ToBytes(`${LABEL} rollover key ${algorithm}`), length);
  zeroize(ikm, ...shared);
  return algorithm === 'TDES-EDE2-CBC' ? setOddParity(key) : key;
}
