/**
 * Which WebCrypto features this runtime has, found by a known-answer check: each feature runs
 * once on fixed inputs and must give the noble provider's answer byte for byte. A runtime that
 * lacks a feature (older browsers have no Ed25519 or X25519), throws, or answers differently
 * leaves it to noble. Ours; the inputs are arbitrary fixed bytes, not secrets.
 */
import type { CryptoProvider } from '../provider.js';
import { aes256Cbc } from '../transport-key/aes256-cbc.js';
import { constantTimeEqual as equalBytes } from '../../util/bytes.js';
import type { SubtleOperations } from './subtle-operations.js';

/** The features a WebCrypto provider can run natively, as `provider.native` lists them. */
export const WEBCRYPTO_FEATURES = ['SHA-256', 'SHA-512', 'HMAC', 'HKDF', 'AES-CBC', 'Ed25519', 'X25519'] as const;
/** One of {@link WEBCRYPTO_FEATURES}: an operation family the WebCrypto provider can run natively. */
export type WebCryptoFeature = (typeof WEBCRYPTO_FEATURES)[number];

const bytes = (length: number, start: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (start + 7 * i) & 0xff);

/** One known-answer check per feature: true when the native answer equals the noble provider's. */
const CHECKS: Readonly<Record<WebCryptoFeature, (ops: SubtleOperations, noble: CryptoProvider) => Promise<boolean>>> = {
  'SHA-256': async (o, n) => equalBytes(await o.digest('SHA-256', bytes(100, 1)), n.sha256(bytes(100, 1))),
  'SHA-512': async (o, n) => equalBytes(await o.digest('SHA-512', bytes(100, 2)), n.sha512(bytes(100, 2))),
  HMAC: async (o, n) =>
    equalBytes(await o.hmac('SHA-256', bytes(32, 3), bytes(50, 4)), n.hmac('SHA-256', bytes(32, 3), bytes(50, 4))) &&
    equalBytes(await o.hmac('SHA-512', bytes(64, 5), bytes(50, 6)), n.hmac('SHA-512', bytes(64, 5), bytes(50, 6))),
  HKDF: async (o, n) =>
    equalBytes(await o.hkdfSha512(bytes(32, 7), bytes(16, 8), bytes(10, 9), 80), n.hkdf(bytes(32, 7), bytes(16, 8), bytes(10, 9), 80)),
  'AES-CBC': async (o) => {
    const [key, iv, plain] = [bytes(32, 10), bytes(16, 11), bytes(40, 12)];
    const sealed = await o.aesCbcEncrypt(key, iv, plain);
    return equalBytes(sealed, aes256Cbc.encryptCbc(key, iv, plain)) && equalBytes(await o.aesCbcDecrypt(key, iv, sealed), plain);
  },
  Ed25519: async (o, n) => {
    const [seed, message] = [bytes(32, 13), bytes(20, 14)];
    const { publicKey } = n.signingKeyPair(seed);
    const signature = await o.ed25519Sign(seed, message);
    return (
      equalBytes(await o.ed25519PublicKey(seed), publicKey) &&
      equalBytes(signature, n.sign(seed, message)) &&
      (await o.ed25519Verify(publicKey, message, signature))
    );
  },
  X25519: async (o, n) => {
    const [a, b] = [bytes(32, 15), bytes(32, 16)];
    const bPublic = n.agreementKeyPair(b).publicKey;
    return (
      equalBytes(await o.x25519PublicKey(a), n.agreementKeyPair(a).publicKey) && equalBytes(await o.x25519(a, bPublic), n.agree(a, bPublic))
    );
  },
};

/** The features whose known-answer check passed on this runtime. Never rejects. */
export async function probeWebCrypto(ops: SubtleOperations, noble: CryptoProvider): Promise<ReadonlySet<WebCryptoFeature>> {
  const passed = await Promise.all(WEBCRYPTO_FEATURES.map((f) => CHECKS[f](ops, noble).catch(() => false)));
  return new Set(WEBCRYPTO_FEATURES.filter((_, i) => passed[i]));
}
