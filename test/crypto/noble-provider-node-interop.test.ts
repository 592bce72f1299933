/**
 * The noble provider's Ed25519 and X25519 against node:crypto (OpenSSL), an independent
 * implementation: the same seed gives the same public key, and each side verifies the other's
 * signatures (RFC 8032 signatures are deterministic, so they are equal too).
 */
import { createPrivateKey, createPublicKey, diffieHellman, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleProvider as p } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { bytesToHex } from '../../src/util/bytes.js';

const random = seededRandom('noble-provider-node-interop');

/** PKCS#8 prefixes for a raw 32-byte private key (RFC 8410): Ed25519 (OID 1.3.101.112), X25519 (1.3.101.110). */
const PKCS8_PREFIX = { ed25519: '302e020100300506032b657004220420', x25519: '302e020100300506032b656e04220420' } as const;

function nodePrivateKey(kind: keyof typeof PKCS8_PREFIX, seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([Buffer.from(PKCS8_PREFIX[kind], 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

describe('Ed25519 against node:crypto', () => {
  it('the same seed gives the same public key', () => {
    for (let i = 0; i < 10; i++) {
      const seed = random(32);
      expect(bytesToHex(p.signingKeyPair(seed).publicKey)).toBe(bytesToHex(rawPublicKey(nodePrivateKey('ed25519', seed))));
    }
  });

  it("each side verifies the other's signatures, which are equal", () => {
    for (const size of [0, 1, 64, 1000]) {
      const seed = random(32);
      const message = random(size);
      const kp = p.signingKeyPair(seed);
      const nodeKey = nodePrivateKey('ed25519', seed);
      const ours = p.sign(kp.secretKey, message);
      const theirs = new Uint8Array(nodeSign(null, message, nodeKey));
      expect(bytesToHex(ours)).toBe(bytesToHex(theirs));
      expect(nodeVerify(null, message, createPublicKey(nodeKey), ours)).toBe(true);
      expect(p.verify(kp.publicKey, message, theirs)).toBe(true);
    }
  });
});

describe('X25519 against node:crypto', () => {
  it('the same seed gives the same public key', () => {
    for (let i = 0; i < 10; i++) {
      const seed = random(32);
      expect(bytesToHex(p.agreementKeyPair(seed).publicKey)).toBe(bytesToHex(rawPublicKey(nodePrivateKey('x25519', seed))));
    }
  });
});

describe('X25519 agreement (agree) against node:crypto', () => {
  it('gives the same shared secret as OpenSSL, from either side', () => {
    for (let i = 0; i < 10; i++) {
      const ours = p.agreementKeyPair(random(32));
      const theirSeed = random(32);
      const theirKey = nodePrivateKey('x25519', theirSeed);
      const theirPublic = rawPublicKey(theirKey);
      const nodeShared = new Uint8Array(
        diffieHellman({ privateKey: theirKey, publicKey: createPublicKey(nodePrivateKey('x25519', ours.secretKey)) }),
      );
      expect(bytesToHex(p.agree(ours.secretKey, theirPublic))).toBe(bytesToHex(nodeShared));
      expect(bytesToHex(p.agree(theirSeed, ours.publicKey))).toBe(bytesToHex(nodeShared));
    }
  });

  it('matches RFC 7748 section 6.1', () => {
    const alice = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
    const bobPublic = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
    expect(bytesToHex(p.agree(hex(alice), hex(bobPublic)))).toBe(shared);
  });
});
