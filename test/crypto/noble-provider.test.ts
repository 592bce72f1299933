import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ActivationError, isActivationError } from '../../src/errors/activation-error.js';
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { createNobleProvider, nobleProvider } from '../../src/crypto/noble-provider.js';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { seededRandom, systemRandom } from '../../src/crypto/seeded-random.js';
import { TRANSPORT_CIPHERS, isTransportKeyAlgorithm, strongestCommon } from '../../src/crypto/transport-key/select.js';
import * as cryptoApi from '../../src/crypto/index.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../src/util/bytes.js';
import { caught } from '../support/errors.js';
import { allAlgorithms } from '../support/providers.js';

const random = seededRandom('noble-provider.test');
const p = nobleProvider;

describe('nobleProvider basics', () => {
  it('is named noble and frozen', () => {
    expect(p.name).toBe('noble');
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('has X25519 only by default; one built with P-521 returns both; unknown ids are UNSUPPORTED', () => {
    const P521: CPaceSuiteId = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';
    expect(p.cpaceSuite('CPACE-X25519-SHA512')).toBe(x25519Suite);
    expect(
      isActivationError(
        caught(() => p.cpaceSuite(P521)),
        'UNSUPPORTED',
      ),
    ).toBe(true);
    expect(allAlgorithms.cpaceSuite('CPACE-X25519-SHA512')).toBe(x25519Suite);
    expect(allAlgorithms.cpaceSuite(P521)).toBe(p521Suite);
    for (const provider of [p, allAlgorithms]) {
      for (const bad of ['CPACE-RISTR255-SHA512', 'toString', '__proto__', '']) {
        expect(
          isActivationError(
            caught(() => provider.cpaceSuite(bad as CPaceSuiteId)),
            'UNSUPPORTED',
          ),
        ).toBe(true);
      }
    }
  });

  it('has AES-256 only by default; one built with Triple DES returns both; unknown ids are UNSUPPORTED', () => {
    expect(p.transportCipher('AES-256-CBC')).toBe(TRANSPORT_CIPHERS['AES-256-CBC']);
    expect(
      isActivationError(
        caught(() => p.transportCipher('TDES-EDE2-CBC')),
        'UNSUPPORTED',
      ),
    ).toBe(true);
    expect(allAlgorithms.transportCipher('AES-256-CBC')).toBe(TRANSPORT_CIPHERS['AES-256-CBC']);
    expect(allAlgorithms.transportCipher('TDES-EDE2-CBC')).toBe(TRANSPORT_CIPHERS['TDES-EDE2-CBC']);
    for (const provider of [p, allAlgorithms]) {
      for (const bad of ['DES-CBC', 'toString', '__proto__', '']) {
        expect(
          isActivationError(
            caught(() => provider.transportCipher(bad as TransportKeyAlgorithm)),
            'UNSUPPORTED',
          ),
        ).toBe(true);
      }
    }
  });

  it('seals only with its own ciphers: Triple DES needs a provider built with it', () => {
    const key = new Uint8Array(16).fill(0x01);
    expect(
      isActivationError(
        caught(() => p.sealMessage('TDES-EDE2-CBC', key, utf8ToBytes('x'), new Uint8Array(0), random)),
        'UNSUPPORTED',
      ),
    ).toBe(true);
    const sealed = allAlgorithms.sealMessage('TDES-EDE2-CBC', key, utf8ToBytes('x'), new Uint8Array(0), random);
    expect(allAlgorithms.openMessage(key, sealed, new Uint8Array(0))).toEqual(utf8ToBytes('x'));
    expect(
      isActivationError(
        caught(() => p.openMessage(key, sealed, new Uint8Array(0))),
        'MALFORMED',
      ),
    ).toBe(true);
  });

  it('createNobleProvider needs at least one suite and one cipher', () => {
    expect(
      isActivationError(
        caught(() => createNobleProvider({ suites: [] })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(
      isActivationError(
        caught(() => createNobleProvider({ ciphers: [] })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(Object.isFrozen(allAlgorithms)).toBe(true);
  });

  it('sha512 matches the FIPS 180 "abc" vector', () => {
    expect(bytesToHex(p.sha512(utf8ToBytes('abc')))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
        '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('seals and opens sealed messages', () => {
    const key = p.transportCipher('AES-256-CBC').generateKey(random);
    const sealed = p.sealMessage('AES-256-CBC', key, utf8ToBytes('payload'), new Uint8Array(0), random);
    expect(p.openMessage(key, sealed, new Uint8Array(0))).toEqual(utf8ToBytes('payload'));
  });
});

describe('hmac and hkdf against node:crypto', () => {
  it('hmac SHA-256 and SHA-512 match createHmac', () => {
    for (let i = 0; i < 50; i++) {
      const key = random(random(1)[0]! % 200); // includes keys longer than the block size
      const msg = random(random(1)[0]!);
      for (const [ours, node] of [
        ['SHA-256', 'sha256'],
        ['SHA-512', 'sha512'],
      ] as const) {
        const expected = createHmac(node, key).update(msg).digest('hex');
        expect(bytesToHex(p.hmac(ours, key, msg))).toBe(expected);
      }
    }
    expect(
      isActivationError(
        caught(() => p.hmac('MD5' as 'SHA-256', new Uint8Array(1), new Uint8Array(1))),
        'UNSUPPORTED',
      ),
    ).toBe(true);
  });

  it('hkdf (SHA-512) matches hkdfSync("sha512", ...)', () => {
    for (let i = 0; i < 50; i++) {
      const ikm = random(1 + (random(1)[0]! % 80));
      const salt = random(random(1)[0]! % 100); // includes empty salt
      const info = random(random(1)[0]! % 100);
      const length = 1 + (((random(1)[0]! << 8) | random(1)[0]!) % 500);
      const expected = new Uint8Array(hkdfSync('sha512', ikm, salt, info, length));
      expect(bytesToHex(p.hkdf(ikm, salt, info, length))).toBe(bytesToHex(expected));
    }
    // Largest allowed output, then one byte too many.
    const max = 255 * 64;
    expect(bytesToHex(p.hkdf(utf8ToBytes('k'), new Uint8Array(0), new Uint8Array(0), max))).toBe(
      bytesToHex(new Uint8Array(hkdfSync('sha512', utf8ToBytes('k'), new Uint8Array(0), new Uint8Array(0), max))),
    );
    for (const bad of [0, -1, max + 1, 1.5, Number.NaN]) {
      expect(
        isActivationError(
          caught(() => p.hkdf(utf8ToBytes('k'), new Uint8Array(0), new Uint8Array(0), bad)),
          'INVALID_ARGUMENT',
        ),
      ).toBe(true);
    }
  });
});

describe('aeadSeal / aeadOpen (XChaCha20-Poly1305)', () => {
  const key = random(32);
  const nonce = random(24);
  const ad = utf8ToBytes('header');

  it('round-trips', () => {
    for (const size of [0, 1, 15, 16, 17, 64, 1000]) {
      const pt = random(size);
      const ct = p.aeadSeal(key, nonce, pt, ad);
      expect(ct.length).toBe(size + 16);
      expect(p.aeadOpen(key, nonce, ct, ad)).toEqual(pt);
    }
  });

  it('matches the draft-irtf-cfrg-xchacha-03 AEAD test vector', () => {
    const pt = utf8ToBytes(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const ct = p.aeadSeal(
      hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
      hexToBytes('404142434445464748494a4b4c4d4e4f5051525354555657'),
      pt,
      hexToBytes('50515253c0c1c2c3c4c5c6c7'),
    );
    expect(bytesToHex(ct.subarray(ct.length - 16))).toBe('c0875924c1c7987947deafd8780acf49');
    expect(bytesToHex(ct.subarray(0, 16))).toBe('bd6d179d3e83d43b9576579493c0e939');
  });

  it('returns undefined (never throws) on any failure', () => {
    const ct = p.aeadSeal(key, nonce, utf8ToBytes('secret'), ad);
    for (let i = 0; i < ct.length; i++) {
      const bad = ct.slice();
      bad[i]! ^= 0x80;
      expect(p.aeadOpen(key, nonce, bad, ad)).toBeUndefined();
    }
    const otherKey = key.slice();
    otherKey[0]! ^= 1;
    const otherNonce = nonce.slice();
    otherNonce[23]! ^= 1;
    expect(p.aeadOpen(otherKey, nonce, ct, ad)).toBeUndefined();
    expect(p.aeadOpen(key, otherNonce, ct, ad)).toBeUndefined();
    expect(p.aeadOpen(key, nonce, ct, utf8ToBytes('headex'))).toBeUndefined();
    expect(p.aeadOpen(key, nonce.subarray(0, 12), ct, ad)).toBeUndefined();
    expect(p.aeadOpen(key, new Uint8Array(25), ct, ad)).toBeUndefined();
    expect(p.aeadOpen(key.subarray(1), nonce, ct, ad)).toBeUndefined();
    expect(p.aeadOpen(key, nonce, ct.subarray(0, 15), ad)).toBeUndefined();
    expect(p.aeadOpen(key, nonce, new Uint8Array(0), ad)).toBeUndefined();
    expect(p.aeadOpen(key, nonce, 'x' as unknown as Uint8Array, ad)).toBeUndefined();
    expect(p.aeadOpen(key, nonce, ct, null as unknown as Uint8Array)).toBeUndefined();
  });

  it('aeadSeal rejects a bad key or nonce with INVALID_ARGUMENT', () => {
    expect(
      isActivationError(
        caught(() => p.aeadSeal(key, nonce.subarray(1), new Uint8Array(1), ad)),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(
      isActivationError(
        caught(() => p.aeadSeal(key.subarray(1), nonce, new Uint8Array(1), ad)),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });
});

describe('Ed25519 and X25519', () => {
  it('matches RFC 8032 test 1 (empty message)', () => {
    const kp = p.signingKeyPair(hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    expect(bytesToHex(kp.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = p.sign(kp.secretKey, new Uint8Array(0));
    expect(bytesToHex(sig)).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(p.verify(kp.publicKey, new Uint8Array(0), sig)).toBe(true);
  });

  it('signs and verifies; verify returns false for anything wrong, never throws', () => {
    const kp = p.signingKeyPair(random(32));
    const msg = utf8ToBytes('IT policy v42');
    const sig = p.sign(kp.secretKey, msg);
    expect(sig.length).toBe(64);
    expect(p.verify(kp.publicKey, msg, sig)).toBe(true);

    for (let i = 0; i < 64; i++) {
      const bad = sig.slice();
      bad[i]! ^= 1;
      expect(p.verify(kp.publicKey, msg, bad)).toBe(false);
    }
    expect(p.verify(kp.publicKey, utf8ToBytes('IT policy v43'), sig)).toBe(false);
    expect(p.verify(p.signingKeyPair(random(32)).publicKey, msg, sig)).toBe(false);

    const malformed: [unknown, unknown, unknown][] = [
      [kp.publicKey.subarray(1), msg, sig],
      [new Uint8Array(33), msg, sig],
      [new Uint8Array(32).fill(0xff), msg, sig], // not a valid point encoding
      [kp.publicKey, msg, sig.subarray(1)],
      [kp.publicKey, msg, new Uint8Array(65)],
      [kp.publicKey, msg, new Uint8Array(64).fill(0xff)], // S >= L
      [kp.publicKey, msg, new Uint8Array(64)],
      [new Uint8Array(32), msg, new Uint8Array(64)], // identity-ish key, zero signature
      [null, msg, sig],
      [kp.publicKey, 'msg', sig],
      [kp.publicKey, msg, undefined],
      [Array.from(kp.publicKey), msg, sig],
    ];
    for (const [pub, m, s] of malformed) {
      expect(p.verify(pub as Uint8Array, m as Uint8Array, s as Uint8Array)).toBe(false);
    }
  });

  it('key pairs do not alias the caller seed', () => {
    const seed = random(32);
    const kp = p.signingKeyPair(seed);
    const pub = kp.publicKey.slice();
    seed.fill(0);
    expect(kp.secretKey.some((b) => b !== 0)).toBe(true);
    expect(p.verify(pub, utf8ToBytes('m'), p.sign(kp.secretKey, utf8ToBytes('m')))).toBe(true);
  });

  it('rejects bad seeds and keys with INVALID_ARGUMENT', () => {
    expect(caught(() => p.signingKeyPair(new Uint8Array(31)))).toBeInstanceOf(ActivationError);
    expect(caught(() => p.agreementKeyPair(new Uint8Array(33)))).toBeInstanceOf(ActivationError);
    expect(
      isActivationError(
        caught(() => p.sign(new Uint8Array(64), utf8ToBytes('m'))),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });

  it('x25519 matches RFC 7748 section 6.1 public keys', () => {
    const alice = p.agreementKeyPair(hexToBytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    expect(bytesToHex(alice.publicKey)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bob = p.agreementKeyPair(hexToBytes('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
    expect(bytesToHex(bob.publicKey)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  });
});

describe('strongestCommon / isTransportKeyAlgorithm', () => {
  it('picks the strongest algorithm in both lists', () => {
    expect(strongestCommon(['TDES-EDE2-CBC', 'AES-256-CBC'], ['AES-256-CBC', 'TDES-EDE2-CBC'])).toBe('AES-256-CBC');
    expect(strongestCommon(['TDES-EDE2-CBC'], ['AES-256-CBC', 'TDES-EDE2-CBC'])).toBe('TDES-EDE2-CBC');
    expect(strongestCommon(['AES-256-CBC', 'TDES-EDE2-CBC'], ['TDES-EDE2-CBC'])).toBe('TDES-EDE2-CBC');
    expect(strongestCommon(['AES-256-CBC'], ['TDES-EDE2-CBC'])).toBeUndefined();
    expect(strongestCommon([], ['AES-256-CBC'])).toBeUndefined();
  });

  it('ignores unknown strings', () => {
    const offered = ['ROT13', 'toString', 'TDES-EDE2-CBC', 'AES-512-CBC'] as TransportKeyAlgorithm[];
    const allowed = ['ROT13', 'toString', 'TDES-EDE2-CBC', 'AES-512-CBC'] as TransportKeyAlgorithm[];
    expect(strongestCommon(offered, allowed)).toBe('TDES-EDE2-CBC');
    expect(
      strongestCommon(['ROT13'] as unknown as TransportKeyAlgorithm[], ['ROT13'] as unknown as TransportKeyAlgorithm[]),
    ).toBeUndefined();
  });

  it('isTransportKeyAlgorithm accepts only the two ids', () => {
    expect(isTransportKeyAlgorithm('AES-256-CBC')).toBe(true);
    expect(isTransportKeyAlgorithm('TDES-EDE2-CBC')).toBe(true);
    for (const x of ['aes-256-cbc', 'constructor', '__proto__', '', 1, null, undefined, {}]) {
      expect(isTransportKeyAlgorithm(x)).toBe(false);
    }
  });
});

describe('random sources', () => {
  it('seededRandom: same seed gives the same bytes', () => {
    const a = seededRandom('seed');
    const b = seededRandom(utf8ToBytes('seed'));
    for (const n of [0, 1, 32, 64, 65, 1000]) expect(bytesToHex(a(n))).toBe(bytesToHex(b(n)));
  });

  it('seededRandom: different seeds differ', () => {
    expect(bytesToHex(seededRandom('seed-1')(32))).not.toBe(bytesToHex(seededRandom('seed-2')(32)));
    expect(bytesToHex(seededRandom(new Uint8Array(0))(32))).not.toBe(bytesToHex(seededRandom(new Uint8Array(1))(32)));
  });

  it('seededRandom: successive calls never repeat output', () => {
    const r = seededRandom('seed');
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const chunk = bytesToHex(r(16));
      expect(seen.has(chunk)).toBe(false);
      seen.add(chunk);
    }
    // A short call followed by a long one: the long one is not a continuation of the short one.
    const r2 = seededRandom('seed');
    const first = r2(8);
    const second = r2(16);
    expect(bytesToHex(second.subarray(0, 8))).not.toBe(bytesToHex(first));
  });

  it('seededRandom: pins its construction (ChaCha20, key = SHA-256(seed), nonce = call index)', async () => {
    const { chacha20 } = await import('@noble/ciphers/chacha.js');
    const { sha256 } = await import('@noble/hashes/sha2.js');
    const r = seededRandom('pin');
    r(5);
    const nonce = new Uint8Array(12);
    nonce[0] = 1;
    expect(bytesToHex(r(40))).toBe(bytesToHex(chacha20(sha256(utf8ToBytes('pin')), nonce, new Uint8Array(40))));
  });

  it('random sources reject bad lengths with INVALID_ARGUMENT', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(
        isActivationError(
          caught(() => seededRandom('x')(bad)),
          'INVALID_ARGUMENT',
        ),
      ).toBe(true);
      expect(
        isActivationError(
          caught(() => systemRandom(bad)),
          'INVALID_ARGUMENT',
        ),
      ).toBe(true);
    }
  });

  it('systemRandom returns fresh bytes of the requested length', () => {
    expect(systemRandom(0).length).toBe(0);
    const a = systemRandom(32);
    expect(a.length).toBe(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(systemRandom(32)));
  });
});

describe('crypto index', () => {
  it('re-exports the public API', () => {
    for (const name of [
      'nobleProvider',
      'seededRandom',
      'systemRandom',
      'TRANSPORT_CIPHERS',
      'strongestCommon',
      'isTransportKeyAlgorithm',
      'sealMessage',
      'openMessage',
      'x25519Suite',
      'p521Suite',
    ]) {
      expect(cryptoApi).toHaveProperty(name);
    }
  });
});
