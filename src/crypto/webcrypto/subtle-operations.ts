/**
 * The operations WebCrypto (`crypto.subtle`) can do for the protocol, each one call (or two) on
 * raw bytes: digests, HMAC, HKDF-SHA-512, Ed25519, X25519, AES-256-CBC. No argument checks here:
 * the provider (webcrypto-provider.ts) checks arguments as the noble provider does before it
 * calls these, so both providers refuse the same inputs with the same codes.
 *
 * Raw 32-byte Ed25519 and X25519 secret keys enter WebCrypto as PKCS #8 (RFC 8410): a fixed
 * 16-byte DER prefix naming the curve, then the key. WebCrypto has no raw import for secret keys.
 */
import { fromBase64Url } from '../../util/base64url.js';
import { concatBytes } from '../../util/bytes.js';

/** PKCS #8 PrivateKeyInfo prefix for id-X25519 (1.3.101.110), RFC 8410 section 7. */
const PKCS8_X25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
/** PKCS #8 PrivateKeyInfo prefix for id-Ed25519 (1.3.101.112), RFC 8410 section 7. */
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** WebCrypto's typings want an ArrayBuffer-backed view; ours always are, a copy covers the rest. */
function view(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** A kind of raw secret key: its PKCS #8 prefix, its WebCrypto algorithm and what it is for. */
interface SecretKind {
  readonly prefix: Uint8Array;
  readonly algorithm: 'Ed25519' | 'X25519';
  readonly usage: KeyUsage;
}

const ED25519_SECRET: SecretKind = { prefix: PKCS8_ED25519, algorithm: 'Ed25519', usage: 'sign' };
const X25519_SECRET: SecretKind = { prefix: PKCS8_X25519, algorithm: 'X25519', usage: 'deriveBits' };

/** PKCS #8 bytes for a raw secret key; the caller's key is copied in, the result wiped after import. */
async function importSecret(subtle: SubtleCrypto, kind: SecretKind, secret: Uint8Array, extractable = false): Promise<CryptoKey> {
  const der = concatBytes(kind.prefix, secret);
  try {
    return await subtle.importKey('pkcs8', view(der), { name: kind.algorithm }, extractable, [kind.usage]);
  } finally {
    der.fill(0);
  }
}

/** The public key of an imported secret key (JWK `x`, base64url). */
async function publicOf(subtle: SubtleCrypto, key: CryptoKey): Promise<Uint8Array> {
  const jwk = await subtle.exportKey('jwk', key);
  const x = fromBase64Url(jwk.x ?? '');
  if (x === undefined || x.length !== 32) throw new Error('WebCrypto exported no 32-byte public key');
  return x;
}

export function subtleOperations(subtle: SubtleCrypto) {
  return {
    async digest(hash: 'SHA-256' | 'SHA-512', message: Uint8Array): Promise<Uint8Array> {
      return new Uint8Array(await subtle.digest(hash, view(message)));
    },

    async hmac(hash: 'SHA-256' | 'SHA-512', key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
      const k = await subtle.importKey('raw', view(key), { name: 'HMAC', hash }, false, ['sign']);
      return new Uint8Array(await subtle.sign('HMAC', k, view(message)));
    },

    async hkdfSha512(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
      const k = await subtle.importKey('raw', view(ikm), 'HKDF', false, ['deriveBits']);
      return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-512', salt: view(salt), info: view(info) }, k, length * 8));
    },

    async ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
      // Extractable only here: WebCrypto gives a secret key's public half only through its export.
      return publicOf(subtle, await importSecret(subtle, ED25519_SECRET, seed, true));
    },

    async ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
      const k = await importSecret(subtle, ED25519_SECRET, seed);
      return new Uint8Array(await subtle.sign('Ed25519', k, view(message)));
    },

    async ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
      const k = await subtle.importKey('raw', view(publicKey), { name: 'Ed25519' }, false, ['verify']);
      return subtle.verify('Ed25519', k, view(signature), view(message));
    },

    async x25519PublicKey(secret: Uint8Array): Promise<Uint8Array> {
      return publicOf(subtle, await importSecret(subtle, X25519_SECRET, secret, true));
    },

    /** X25519(secret, u): rejects when the result is all zeros (WebCrypto refuses it). */
    async x25519(secret: Uint8Array, u: Uint8Array): Promise<Uint8Array> {
      const priv = await importSecret(subtle, X25519_SECRET, secret);
      const pub = await subtle.importKey('raw', view(u), { name: 'X25519' }, false, []);
      return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256));
    },

    async aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
      const k = await subtle.importKey('raw', view(key), 'AES-CBC', false, ['encrypt']);
      return new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv: view(iv) }, k, view(plaintext)));
    },

    /** Rejects on bad padding (WebCrypto's OperationError). */
    async aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
      const k = await subtle.importKey('raw', view(key), 'AES-CBC', false, ['decrypt']);
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: view(iv) }, k, view(ciphertext)));
    },
  };
}

export type SubtleOperations = ReturnType<typeof subtleOperations>;
