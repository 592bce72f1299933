/**
 * The WebCrypto provider's suites and ciphers (src/crypto/webcrypto/webcrypto-provider.ts,
 * `cpaceSuite` and `transportCipher`): the library's own X25519 suite and AES-256-CBC cipher are
 * wrapped to run on `crypto.subtle`; any other suite or cipher the provider was given (P-521,
 * Triple DES, or a caller's own object, even one with the X25519 or AES id) is returned as given,
 * since only the library's objects are known to be what WebCrypto computes. Each call returns the
 * same object, as the noble provider's registry does. Written for issue 9: mutation survivors.
 */
import { describe, expect, it } from 'vitest';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import type { CPaceSuite, TransportCipher } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { recordingSubtle } from '../support/subtle.js';

const random = seededRandom('webcrypto-provider-registry');
const X25519 = 'CPACE-X25519-SHA512';
const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';

describe('cpaceSuite', () => {
  it('the library’s X25519 suite runs on crypto.subtle, the same wrapped object on every call', async () => {
    const recording = recordingSubtle();
    const web = await createWebCryptoProvider({ subtle: recording.subtle });
    const suite = web.cpaceSuite(X25519);
    expect(suite).not.toBe(x25519Suite);
    expect(web.cpaceSuite(X25519)).toBe(suite);
    recording.clear();
    const [y, u] = [random(32), x25519Suite.scalarMult(random(32), x25519Suite.calculateGenerator(random(8), random(8), random(8)))];
    expect(await suite.scalarMult(y, u)).toEqual(x25519Suite.scalarMult(y, u));
    expect(recording.calls).toContain('deriveBits');
  });

  it('P-521 and a caller’s own suite, even one with the X25519 id, are returned as given', async () => {
    const own: CPaceSuite = Object.freeze({ ...x25519Suite });
    const web = await createWebCryptoProvider({ suites: [own, p521Suite] });
    expect(web.cpaceSuite(X25519)).toBe(own);
    expect(web.cpaceSuite(P521)).toBe(p521Suite);
    expect(web.cpaceSuite(P521)).toBe(p521Suite);
  });
});

describe('transportCipher', () => {
  it('the library’s AES-256-CBC runs on crypto.subtle, the same wrapped object on every call', async () => {
    const recording = recordingSubtle();
    const web = await createWebCryptoProvider({ subtle: recording.subtle });
    const cipher = web.transportCipher('AES-256-CBC');
    expect(cipher).not.toBe(aes256Cbc);
    expect(web.transportCipher('AES-256-CBC')).toBe(cipher);
    recording.clear();
    const [key, iv, msg] = [random(32), random(16), random(33)];
    expect(await cipher.encryptCbc(key, iv, msg)).toEqual(aes256Cbc.encryptCbc(key, iv, msg));
    expect(recording.calls).toContain('encrypt');
  });

  it('Triple DES and a caller’s own cipher, even one with the AES-256-CBC id, are returned as given', async () => {
    const own: TransportCipher = Object.freeze({ ...aes256Cbc });
    const web = await createWebCryptoProvider({ ciphers: [own, tdesEde2Cbc] });
    expect(web.transportCipher('AES-256-CBC')).toBe(own);
    expect(web.transportCipher('TDES-EDE2-CBC')).toBe(tdesEde2Cbc);
    expect(web.transportCipher('TDES-EDE2-CBC')).toBe(tdesEde2Cbc);
  });
});
