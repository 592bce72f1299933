/**
 * The node:crypto provider where a runtime's node:crypto lacks an operation it uses: Bun 1.4 has
 * no ChaCha20-Poly1305 (BoringSSL), Deno 2.9 no P-521 ECDH (docs/crypto-providers.md). node:crypto
 * is mocked to refuse them as those runtimes do (`getCiphers` without the cipher, `createCipheriv`
 * and `createECDH` throwing), and the provider must still give the noble provider's bytes: it runs
 * noble for that operation.
 */
import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { bytesToHex } from '../../src/util/bytes.js';
import vectors from '../vectors/cpace-testvectors.json';
import { allAlgorithms as noble } from '../support/providers.js';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const refuse = (what: string): never => {
    throw new Error(`Unknown ${what}`);
  };
  return {
    ...real,
    getCiphers: () => real.getCiphers().filter((c) => c !== 'chacha20-poly1305'),
    createCipheriv: ((name: string, ...rest: unknown[]) =>
      name === 'chacha20-poly1305'
        ? refuse('cipher')
        : (real.createCipheriv as (...a: unknown[]) => unknown)(name, ...rest)) as typeof real.createCipheriv,
    createDecipheriv: ((name: string, ...rest: unknown[]) =>
      name === 'chacha20-poly1305'
        ? refuse('cipher')
        : (real.createDecipheriv as (...a: unknown[]) => unknown)(name, ...rest)) as typeof real.createDecipheriv,
    createECDH: ((curve: string) => (curve === 'secp521r1' ? refuse('curve') : real.createECDH(curve))) as typeof real.createECDH,
  };
});

const { createNodeCryptoProvider } = await import('../../src/node/crypto/node-crypto-provider.js');
const provider = createNodeCryptoProvider({ suites: ['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'], ciphers: ['AES-256-CBC'] });
const random = seededRandom('node-crypto-provider-gaps');
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

describe('node:crypto without ChaCha20-Poly1305 (as Bun)', () => {
  it('aeadSeal gives noble bytes; aeadOpen opens them and refuses an altered tag', () => {
    for (const size of [0, 1, 100]) {
      const [key, nonce, plaintext, ad] = [random(32), random(24), random(size), random(8)];
      const sealed = provider.aeadSeal(key, nonce, plaintext, ad);
      expect(bytesToHex(sealed)).toBe(bytesToHex(noble.aeadSeal(key, nonce, plaintext, ad)));
      expect(bytesToHex(provider.aeadOpen(key, nonce, sealed, ad)!)).toBe(bytesToHex(plaintext));
      sealed[sealed.length - 1]! ^= 1;
      expect(provider.aeadOpen(key, nonce, sealed, ad)).toBeUndefined();
    }
  });
});

describe('node:crypto without P-521 ECDH (as Deno)', () => {
  it('scalar_mult_vfy still gives the vector K and the valid point x-coordinate', () => {
    const suite = provider.cpaceSuite('CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512');
    const t = vectors.G_NistP521;
    expect(bytesToHex(suite.scalarMultVfy(hex(t.ya), hex(t.Yb))!)).toBe(t.K.toLowerCase());
    const v = vectors.G_NistP521_points.Valid;
    expect(bytesToHex(suite.scalarMultVfy(hex(v.s), hex(v.X))!)).toBe(v['G.scalar_mult_vfy(s,X) (only X-coordinate)'].toLowerCase());
    expect(suite.scalarMultVfy(hex(v.s), hex(vectors.G_NistP521_points['Invalid Y1']))).toBeUndefined();
  });
});
