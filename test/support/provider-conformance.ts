/**
 * The provider conformance suite (issue 14): what every {@link CryptoProvider} must do, registered
 * for one provider by {@link describeProviderConformance}. test/crypto/provider-conformance.test.ts
 * runs it for the noble provider (with every suite and cipher) and the node:crypto provider.
 *
 * 1. The CPace vectors of draft-irtf-cfrg-cpace (test/vectors/cpace-testvectors.json), through the
 *    provider's own suites: generators, shares, K, ISK, the low-order and invalid points.
 * 2. Every operation byte for byte against the noble provider, on random inputs (fast-check), and
 *    each one opening or verifying what the other made.
 * 3. Interop with OpenSSL through node:crypto directly, an implementation neither provider is.
 * 4. The error contracts: INVALID_ARGUMENT for a bad argument (the same `cause` as noble's),
 *    UNSUPPORTED for what it lacks, verify and aeadOpen never throw, agree refuses an all-zero
 *    secret with PROTOCOL_ERROR, a bad padding or an altered message is DECRYPT_FAILED.
 *
 * Every call of the provider (and of its suites and ciphers) is awaited, so that a provider whose
 * methods return promises (a WebCrypto one) can be held to the same suite once the interface
 * allows it; awaiting a plain value changes nothing.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  verify as nodeVerify,
} from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lvCat, transcriptIr } from '../../src/crypto/cpace/encoding.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS, type CPaceSuiteId, type TransportKeyAlgorithm } from '../../src/crypto/ids.js';
import type { AsyncCryptoProvider } from '../../src/crypto/async-provider.js';
import type { CryptoProvider, SealedMessage } from '../../src/crypto/provider.js';

/** A provider under test: synchronous, or asynchronous (every call is awaited either way). */
type AnyProvider = CryptoProvider | AsyncCryptoProvider;
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError, type ActivationErrorCode } from '../../src/errors/activation-error.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/cpace-testvectors.json';
import { allAlgorithms as reference } from './providers.js';

const X25519: CPaceSuiteId = 'CPACE-X25519-SHA512';
const P521: CPaceSuiteId = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';
/** OpenSSL's names for the transport ciphers. */
const OPENSSL_CBC: Record<TransportKeyAlgorithm, string> = { 'AES-256-CBC': 'aes-256-cbc', 'TDES-EDE2-CBC': 'des-ede-cbc' };
/** Runs of each fast-check property: enough to meet every length class, light on a shared machine. */
const RUNS = 20;

const hex = (s: string): Uint8Array => hexToBytes(s.replace(/\s+/g, ''));
const h = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : bytesToHex(bytes));
const bytes = (maxLength = 300) => fc.uint8Array({ maxLength });
const fixed = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

/** What the awaited `fn` throws: an ActivationError with `code`, returned for more checks. */
async function rejects(fn: () => unknown, code: ActivationErrorCode): Promise<ActivationError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe(code);
  return err as ActivationError;
}

/** What an awaited call gives: its value, or `{ threw }` with the error. */
async function outcome(fn: () => unknown): Promise<unknown> {
  try {
    return await fn();
  } catch (err) {
    return { threw: err };
  }
}

/** RFC 8410 prefixes: a raw X25519 or Ed25519 key as a PKCS#8 private or SPKI public key for OpenSSL. */
const DER = {
  x25519: { pkcs8: '302e020100300506032b656e04220420', spki: '302a300506032b656e032100' },
  ed25519: { pkcs8: '302e020100300506032b657004220420', spki: '302a300506032b6570032100' },
} as const;
function opensslKey(curve: keyof typeof DER, kind: 'pkcs8' | 'spki', raw: Uint8Array) {
  const key = Buffer.concat([Buffer.from(DER[curve][kind], 'hex'), raw]);
  return kind === 'pkcs8' ? createPrivateKey({ key, format: 'der', type: 'pkcs8' }) : createPublicKey({ key, format: 'der', type: 'spki' });
}

/** What the suite needs to know about the provider under test. */
export interface ConformanceOptions {
  /** The suites it was built with (all of them are checked against the vectors). */
  readonly suites: readonly CPaceSuiteId[];
  /** The ciphers it was built with. */
  readonly ciphers: readonly TransportKeyAlgorithm[];
}

/**
 * Registers the conformance suite for `provider` (a `describe` named after it). `provider` is a
 * function so that a provider which needs set-up (a browser page, say) is made inside the suite.
 */
export function describeProviderConformance(
  name: string,
  makeProvider: () => AnyProvider | Promise<AnyProvider>,
  options: ConformanceOptions = { suites: [...CPACE_SUITE_IDS], ciphers: [...TRANSPORT_KEY_ALGORITHMS] },
): void {
  describe(`provider conformance: ${name}`, () => {
    let p: AnyProvider;
    const provider = async (): Promise<AnyProvider> => (p ??= await makeProvider());

    describe('1. the CPace vectors (draft-irtf-cfrg-cpace), through its suites', () => {
      const cases = [
        [X25519, vectors.G_25519],
        [P521, vectors.G_NistP521],
      ] as const;

      it.each(cases.filter(([id]) => options.suites.includes(id)))('%s: g, Ya, Yb, K both ways, ISK_IR', async (id, t) => {
        const suite = await (await provider()).cpaceSuite(id);
        const g = await suite.calculateGenerator(hex(t.PRS), hex(t.CI), hex(t.sid));
        expect(h(g)).toBe(t.g.toLowerCase());
        expect(h(await suite.scalarMult(hex(t.ya), g))).toBe(t.Ya.toLowerCase());
        expect(h(await suite.scalarMult(hex(t.yb), g))).toBe(t.Yb.toLowerCase());
        const [ka, kb] = [await suite.scalarMultVfy(hex(t.ya), hex(t.Yb)), await suite.scalarMultVfy(hex(t.yb), hex(t.Ya))];
        expect([h(ka), h(kb)]).toEqual([t.K.toLowerCase(), t.K.toLowerCase()]);
        // ISK = H(lv_cat(DSI || "_ISK", sid, K) || transcript_ir(Ya, ADa, Yb, ADb)), through the suite's H.
        const prefix = lvCat(concatBytes(await suite.dsi, utf8ToBytes('_ISK')), hex(t.sid), ka!);
        const isk = await suite.hash(concatBytes(prefix, transcriptIr(hex(t.Ya), hex(t.ADa), hex(t.Yb), hex(t.ADb))));
        expect(h(isk)).toBe(t.ISK_IR.toLowerCase());
      });

      // The outputs q0..qb for this scalar are printed in the draft ("Test vectors for
      // G_X25519.scalar_mult_vfy"); u0..u5 and u7 are of low order (G.I), the others have bit #255
      // set or are not canonical, which X25519 must mask and reduce.
      const s = hex('af46e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449aff');
      const expectedQ: Record<string, string | undefined> = {
        'Invalid Y6': 'd8e2c776bbacd510d09fd9278b7edcd25fc5ae9adfba3b6e040e8d3b71b21806',
        'Invalid Y8': 'c85c655ebe8be44ba9c0ffde69f2fe10194458d137f09bbff725ce58803cdb38',
        'Invalid Y9': 'db64dafa9b8fdd136914e61461935fe92aa372cb056314e1231bc4ec12417456',
        'Invalid Y10': 'e062dcd5376d58297be2618c7498f55baa07d7e03184e8aada20bca28888bf7a',
        'Invalid Y11': '993c6ad11c4c29da9a56f7691fd0ff8d732e49de6250b6c2e80003ff4629a175',
      };
      it.runIf(options.suites.includes(X25519))('X25519 u0..ub: q from the draft, G.I (undefined, zeros) for low order', async () => {
        const suite = await (await provider()).cpaceSuite(X25519);
        for (const [point, u] of Object.entries(vectors.X25519_points)) {
          const q = expectedQ[point];
          expect(h(await suite.scalarMultVfy(s, hex(u))), point).toBe(q);
          expect(h(await suite.scalarMult(s, hex(u))), point).toBe(q ?? '00'.repeat(32));
        }
      });

      it.runIf(options.suites.includes(P521))('P-521: the valid point, and the invalid ones give undefined', async () => {
        const suite = await (await provider()).cpaceSuite(P521);
        const v = vectors.G_NistP521_points.Valid;
        const X = hex(v.X);
        expect(h(await suite.scalarMultVfy(hex(v.s), X))).toBe(v['G.scalar_mult_vfy(s,X) (only X-coordinate)'].toLowerCase());
        expect(h(await suite.scalarMult(hex(v.s), X))).toBe(v['G.scalar_mult(s,X) (full coordinates)'].toLowerCase());
        const compressed = concatBytes(Uint8Array.of((X[132]! & 1) === 1 ? 3 : 2), X.subarray(1, 67));
        expect(h(await suite.scalarMultVfy(hex(v.s), compressed))).toBe(v['G.scalar_mult_vfy(s,X) (only X-coordinate)'].toLowerCase());
        const n = hex(
          '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
        );
        const p521 = hex('01' + 'ff'.repeat(65));
        const invalid: [string, Uint8Array, Uint8Array][] = [
          ['Invalid Y1 (not on the curve)', hex(v.s), hex(vectors.G_NistP521_points['Invalid Y1'])],
          ['Invalid Y2 (infinity)', hex(v.s), hex(vectors.G_NistP521_points['Invalid Y2'])],
          ['hybrid encoding 0x06', hex(v.s), concatBytes(Uint8Array.of(6), X.subarray(1))],
          ['hybrid encoding 0x07', hex(v.s), concatBytes(Uint8Array.of(7), X.subarray(1))],
          ['x = p', hex(v.s), concatBytes(Uint8Array.of(4), p521, X.subarray(67))],
          ['(0, 0)', hex(v.s), concatBytes(Uint8Array.of(4), new Uint8Array(132))],
          ['s = 0', new Uint8Array(66), X],
          ['s = n', n, X],
          ['s of 65 bytes', hex(v.s).subarray(1), X],
          ['truncated point', hex(v.s), X.subarray(0, 132)],
        ];
        for (const [label, scalar, point] of invalid) expect(await suite.scalarMultVfy(scalar, point), label).toBeUndefined();
      });
    });

    describe('2. byte for byte against the noble provider', () => {
      it('sha256, sha512, hmac (SHA-256, SHA-512), hkdf (SHA-512, long info included)', async () => {
        const pr = await provider();
        await fc.assert(
          fc.asyncProperty(bytes(), bytes(200), fc.integer({ min: 1, max: 600 }), async (m, k, length) => {
            expect(h(await pr.sha256(m))).toBe(h(reference.sha256(m)));
            expect(h(await pr.sha512(m))).toBe(h(reference.sha512(m)));
            expect(h(await pr.hmac('SHA-256', k, m))).toBe(h(reference.hmac('SHA-256', k, m)));
            expect(h(await pr.hmac('SHA-512', k, m))).toBe(h(reference.hmac('SHA-512', k, m)));
            expect(h(await pr.hkdf(k, m, m, length))).toBe(h(reference.hkdf(k, m, m, length)));
          }),
          { numRuns: RUNS },
        );
        const longInfo = new Uint8Array(1500).fill(7);
        expect(h(await pr.hkdf(new Uint8Array(0), new Uint8Array(0), longInfo, 16320))).toBe(
          h(reference.hkdf(new Uint8Array(0), new Uint8Array(0), longInfo, 16320)),
        );
      });

      it('aeadSeal equal, and each side opens what the other sealed', async () => {
        const pr = await provider();
        await fc.assert(
          fc.asyncProperty(fixed(32), fixed(24), bytes(), bytes(64), async (key, nonce, plaintext, ad) => {
            const ours = await pr.aeadSeal(key, nonce, plaintext, ad);
            expect(h(ours)).toBe(h(reference.aeadSeal(key, nonce, plaintext, ad)));
            expect(h(reference.aeadOpen(key, nonce, ours, ad))).toBe(h(plaintext));
            expect(h(await pr.aeadOpen(key, nonce, ours, ad))).toBe(h(plaintext));
          }),
          { numRuns: RUNS },
        );
      });

      it('Ed25519: key pairs and signatures equal; each verifies the other', async () => {
        const pr = await provider();
        await fc.assert(
          fc.asyncProperty(fixed(32), bytes(), async (seed, message) => {
            const kp = await pr.signingKeyPair(seed);
            expect(h(kp.publicKey)).toBe(h(reference.signingKeyPair(seed).publicKey));
            expect(h(kp.secretKey)).toBe(h(seed));
            const sig = await pr.sign(kp.secretKey, message);
            expect(h(sig)).toBe(h(reference.sign(seed, message)));
            expect(await pr.verify(kp.publicKey, message, sig)).toBe(true);
            expect(reference.verify(kp.publicKey, message, sig)).toBe(true);
          }),
          { numRuns: RUNS },
        );
      });

      it('Ed25519 verify answers as noble on altered, non-canonical and small-order inputs', async () => {
        const pr = await provider();
        const random = seededRandom('provider-conformance verify');
        const kp = reference.signingKeyPair(random(32));
        const msg = utf8ToBytes('IT policy');
        const sig = reference.sign(kp.secretKey, msg);
        const cases: [Uint8Array, Uint8Array][] = [[kp.publicKey, sig]];
        for (let i = 0; i < 64; i += 7) {
          const bad = sig.slice();
          bad[i]! ^= 1;
          cases.push([kp.publicKey, bad]);
        }
        // The eight small-order points (noble refuses them as keys, OpenSSL does not), p itself
        // (y not canonical), and the identity key with a signature that holds cofactorless.
        for (const t of ['01', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'ecff', '00']) {
          const key = hex(t.padEnd(64, t === 'ecff' ? 'f' : '0'));
          if (t === 'ecff') key[31] = 0x7f;
          for (const s of [new Uint8Array(64), concatBytes(hex('01'.padEnd(64, '0')), new Uint8Array(32)), sig]) cases.push([key, s]);
        }
        const p = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
        cases.push([p, sig], [concatBytes(kp.publicKey.subarray(0, 31), Uint8Array.of(kp.publicKey[31]! | 0x80)), sig]);
        for (const [key, s] of cases) {
          expect(await pr.verify(key, msg, s), `${h(key)} ${h(s)}`).toBe(reference.verify(key, msg, s));
        }
      });

      it('X25519: key pairs equal, agree equal from both sides', async () => {
        const pr = await provider();
        await fc.assert(
          fc.asyncProperty(fixed(32), fixed(32), async (a, b) => {
            const ka = await pr.agreementKeyPair(a);
            const kb = reference.agreementKeyPair(b);
            expect(h(ka.publicKey)).toBe(h(reference.agreementKeyPair(a).publicKey));
            const shared = await pr.agree(a, kb.publicKey);
            expect(h(shared)).toBe(h(reference.agree(b, ka.publicKey)));
            expect(h(shared)).toBe(h(reference.agree(a, kb.publicKey)));
          }),
          { numRuns: RUNS },
        );
      });

      it.each(options.ciphers)('%s: keys from the same random source, encryptions and decryptions equal', async (id) => {
        const cipher = await (await provider()).transportCipher(id);
        const ref = reference.transportCipher(id);
        expect([cipher.id, cipher.keyLength, cipher.blockLength, cipher.strength]).toEqual([
          ref.id,
          ref.keyLength,
          ref.blockLength,
          ref.strength,
        ]);
        await fc.assert(
          fc.asyncProperty(fc.string(), bytes(), async (seed, plaintext) => {
            const key = await cipher.generateKey(seededRandom(`key ${seed}`));
            expect(h(key)).toBe(h(ref.generateKey(seededRandom(`key ${seed}`))));
            const iv = seededRandom(`iv ${seed}`)(cipher.blockLength);
            const ct = await cipher.encryptCbc(key, iv, plaintext);
            expect(h(ct)).toBe(h(ref.encryptCbc(key, iv, plaintext)));
            expect(h(await cipher.decryptCbc(key, iv, ct))).toBe(h(plaintext));
          }),
          { numRuns: RUNS },
        );
      });

      it.each(options.ciphers)('%s: sealMessage equal under the same random source; each opens the other', async (id) => {
        const pr = await provider();
        await fc.assert(
          fc.asyncProperty(fc.string(), bytes(), bytes(40), async (seed, plaintext, ad) => {
            const tk = reference.transportCipher(id).generateKey(seededRandom(`tk ${seed}`));
            const ours = await pr.sealMessage(id, tk, plaintext, ad, seededRandom(`seal ${seed}`));
            const theirs = reference.sealMessage(id, tk, plaintext, ad, seededRandom(`seal ${seed}`));
            expect(Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, v instanceof Uint8Array ? h(v) : v]))).toEqual(
              Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, v instanceof Uint8Array ? h(v) : v])),
            );
            expect(h(reference.openMessage(tk, ours, ad))).toBe(h(plaintext));
            expect(h(await pr.openMessage(tk, theirs, ad))).toBe(h(plaintext));
          }),
          { numRuns: RUNS },
        );
      });

      it.each(options.suites)('%s: generator, scalars, shares and K equal on random inputs', async (id) => {
        const suite = await (await provider()).cpaceSuite(id);
        const ref = reference.cpaceSuite(id);
        expect([suite.id, h(await suite.dsi), suite.shareLength]).toEqual([ref.id, h(ref.dsi), ref.shareLength]);
        await fc.assert(
          fc.asyncProperty(bytes(40), bytes(40), fixed(16), fc.string(), async (prs, ci, sid, seed) => {
            const g = await suite.calculateGenerator(prs, ci, sid);
            expect(h(g)).toBe(h(ref.calculateGenerator(prs, ci, sid)));
            const ya = await suite.sampleScalar(seededRandom(`a ${seed}`));
            const yb = ref.sampleScalar(seededRandom(`b ${seed}`));
            expect(h(ya)).toBe(h(ref.sampleScalar(seededRandom(`a ${seed}`))));
            const Ya = await suite.scalarMult(ya, g);
            const Yb = ref.scalarMult(yb, g);
            expect(h(Ya)).toBe(h(ref.scalarMult(ya, g)));
            const k = await suite.scalarMultVfy(ya, Yb);
            expect(h(k)).toBe(h(ref.scalarMultVfy(yb, Ya)));
            expect(h(await suite.hash(k!))).toBe(h(ref.hash(k!)));
          }),
          { numRuns: id === P521 ? 3 : 10 },
        );
      });
    });

    describe('3. interop with OpenSSL (node:crypto directly)', () => {
      const random = seededRandom(`provider-conformance openssl ${name}`);

      it('SHA-2, HMAC and HKDF equal OpenSSL', async () => {
        const pr = await provider();
        const [m, k, salt, info] = [random(200), random(32), random(16), random(40)];
        expect(h(await pr.sha256(m))).toBe(createHash('sha256').update(m).digest('hex'));
        expect(h(await pr.sha512(m))).toBe(createHash('sha512').update(m).digest('hex'));
        expect(h(await pr.hmac('SHA-512', k, m))).toBe(createHmac('sha512', k).update(m).digest('hex'));
        expect(h(await pr.hkdf(k, salt, info, 96))).toBe(Buffer.from(hkdfSync('sha512', k, salt, info, 96)).toString('hex'));
      });

      it('Ed25519: OpenSSL verifies its signatures; it verifies OpenSSL public keys', async () => {
        const pr = await provider();
        for (const size of [0, 1, 1000]) {
          const seed = random(32);
          const message = random(size);
          const kp = await pr.signingKeyPair(seed);
          const sig = await pr.sign(seed, message);
          expect(nodeVerify(null, message, opensslKey('ed25519', 'spki', kp.publicKey), sig)).toBe(true);
          const opensslPublic = createPublicKey(opensslKey('ed25519', 'pkcs8', seed)).export({ format: 'der', type: 'spki' });
          expect(h(kp.publicKey)).toBe(h(new Uint8Array(opensslPublic.subarray(-32))));
        }
      });

      it('X25519: agree equals OpenSSL diffieHellman', async () => {
        const pr = await provider();
        for (let i = 0; i < 5; i++) {
          const [a, b] = [random(32), random(32)];
          const bPublic = await pr.agreementKeyPair(b);
          const openssl = diffieHellman({
            privateKey: opensslKey('x25519', 'pkcs8', a),
            publicKey: opensslKey('x25519', 'spki', bPublic.publicKey),
          });
          expect(h(await pr.agree(a, bPublic.publicKey))).toBe(openssl.toString('hex'));
        }
      });

      it.each(options.ciphers)('%s: OpenSSL decrypts what it encrypts, and the reverse', async (id) => {
        const cipher = await (await provider()).transportCipher(id);
        for (const size of [0, 1, 15, 16, 17, 100]) {
          const key = await cipher.generateKey(random);
          const iv = random(cipher.blockLength);
          const plaintext = random(size);
          const ct = await cipher.encryptCbc(key, iv, plaintext);
          const d = createDecipheriv(OPENSSL_CBC[id], key, iv);
          expect(Buffer.concat([d.update(ct), d.final()]).toString('hex')).toBe(h(plaintext));
          const c = createCipheriv(OPENSSL_CBC[id], key, iv);
          expect(h(await cipher.decryptCbc(key, iv, Buffer.concat([c.update(plaintext), c.final()])))).toBe(h(plaintext));
        }
      });

      it.runIf(options.suites.includes(P521))('P-521 scalar_mult_vfy equals OpenSSL ECDH', async () => {
        const suite = await (await provider()).cpaceSuite(P521);
        const peer = createECDH('secp521r1');
        peer.generateKeys();
        const scalar = await suite.sampleScalar(random);
        const ecdh = createECDH('secp521r1');
        ecdh.setPrivateKey(scalar);
        expect(h(await suite.scalarMultVfy(scalar, peer.getPublicKey()))).toBe(ecdh.computeSecret(peer.getPublicKey()).toString('hex'));
      });
    });

    describe('4. error contracts', () => {
      const random = seededRandom(`provider-conformance errors ${name}`);
      const [KEY, NONCE, MSG, EMPTY] = [random(32), random(24), utf8ToBytes('message'), new Uint8Array(0)];
      const NOT_BYTES: readonly unknown[] = ['abc', [1, 2, 3], new Uint16Array(32), new ArrayBuffer(32), undefined, null];
      type Call = (pr: AnyProvider, v: unknown) => unknown;
      const ARGS: readonly [string, string, number | undefined, Call][] = [
        ['sha256', 'message', undefined, (pr, v) => pr.sha256(v as Uint8Array)],
        ['sha512', 'message', undefined, (pr, v) => pr.sha512(v as Uint8Array)],
        ['hmac', 'key', undefined, (pr, v) => pr.hmac('SHA-256', v as Uint8Array, MSG)],
        ['hmac', 'message', undefined, (pr, v) => pr.hmac('SHA-512', KEY, v as Uint8Array)],
        ['hkdf', 'ikm', undefined, (pr, v) => pr.hkdf(v as Uint8Array, EMPTY, EMPTY, 32)],
        ['hkdf', 'salt', undefined, (pr, v) => pr.hkdf(KEY, v as Uint8Array, EMPTY, 32)],
        ['hkdf', 'info', undefined, (pr, v) => pr.hkdf(KEY, EMPTY, v as Uint8Array, 32)],
        ['aeadSeal', 'key', 32, (pr, v) => pr.aeadSeal(v as Uint8Array, NONCE, MSG, EMPTY)],
        ['aeadSeal', 'nonce', 24, (pr, v) => pr.aeadSeal(KEY, v as Uint8Array, MSG, EMPTY)],
        ['aeadSeal', 'plaintext', undefined, (pr, v) => pr.aeadSeal(KEY, NONCE, v as Uint8Array, EMPTY)],
        ['aeadSeal', 'ad', undefined, (pr, v) => pr.aeadSeal(KEY, NONCE, MSG, v as Uint8Array)],
        ['signingKeyPair', 'seed', 32, (pr, v) => pr.signingKeyPair(v as Uint8Array)],
        ['sign', 'secretKey', 32, (pr, v) => pr.sign(v as Uint8Array, MSG)],
        ['sign', 'message', undefined, (pr, v) => pr.sign(KEY, v as Uint8Array)],
        ['agreementKeyPair', 'seed', 32, (pr, v) => pr.agreementKeyPair(v as Uint8Array)],
        ['agree', 'secretKey', 32, (pr, v) => pr.agree(v as Uint8Array, KEY)],
        ['agree', 'publicKey', 32, (pr, v) => pr.agree(KEY, v as Uint8Array)],
      ];

      it.each(ARGS)(
        '%s %s: a non-byte or wrong-length argument is INVALID_ARGUMENT naming it, as noble',
        async (operation, field, length, call) => {
          const pr = await provider();
          const bad = [...NOT_BYTES, ...(length === undefined ? [] : [new Uint8Array(length - 1), new Uint8Array(length + 1)])];
          for (const value of bad) {
            const err = await rejects(() => call(pr, value), 'INVALID_ARGUMENT');
            expect(err.cause).toEqual({ operation, field });
            expect(err.message).toBe(((await outcome(() => call(reference, value))) as { threw: Error }).threw.message);
          }
        },
      );

      it('hmac of another hash is UNSUPPORTED; hkdf out of 1..16320 is INVALID_ARGUMENT', async () => {
        const pr = await provider();
        for (const hash of ['SHA-1', 'sha-256', '', undefined]) {
          expect((await rejects(() => pr.hmac(hash as 'SHA-256', KEY, MSG), 'UNSUPPORTED')).cause).toEqual({
            operation: 'hmac',
            field: 'hash',
          });
        }
        for (const length of [0, -1, 1.5, 16321, Number.NaN]) {
          expect((await rejects(() => pr.hkdf(KEY, EMPTY, EMPTY, length), 'INVALID_ARGUMENT')).cause).toEqual({
            operation: 'hkdf',
            field: 'length',
          });
        }
      });

      it('a suite or cipher it lacks, or an unknown id, is UNSUPPORTED', async () => {
        const pr = await provider();
        for (const id of [...CPACE_SUITE_IDS.filter((s) => !options.suites.includes(s)), 'CPACE-X448', '__proto__', 'toString']) {
          await rejects(() => pr.cpaceSuite(id as CPaceSuiteId), 'UNSUPPORTED');
        }
        for (const id of [...TRANSPORT_KEY_ALGORITHMS.filter((c) => !options.ciphers.includes(c)), 'DES-CBC', '__proto__', 'constructor']) {
          await rejects(() => pr.transportCipher(id as TransportKeyAlgorithm), 'UNSUPPORTED');
        }
      });

      it('verify and aeadOpen never throw: false and undefined for anything wrong, a hostile Proxy included', async () => {
        const pr = await provider();
        const kp = await pr.signingKeyPair(KEY);
        const sig = await pr.sign(KEY, MSG);
        const sealed = await pr.aeadSeal(KEY, NONCE, MSG, EMPTY);
        const hostile = new Proxy(new Uint8Array(32), {});
        const verifyArgs: unknown[][] = [
          [hostile, MSG, sig],
          [kp.publicKey, hostile, sig],
          [kp.publicKey, MSG, new Proxy(sig.slice(), {})],
          [null, MSG, sig],
          [kp.publicKey, 'msg', sig],
          [kp.publicKey.subarray(1), MSG, sig],
          [new Uint8Array(32).fill(0xff), MSG, sig],
          [kp.publicKey, MSG, new Uint8Array(64).fill(0xff)],
        ];
        for (const args of verifyArgs)
          expect(await outcome(() => pr.verify(...(args as [Uint8Array, Uint8Array, Uint8Array])))).toBe(false);
        const tampered = sealed.slice();
        tampered[0]! ^= 1;
        const openArgs: unknown[][] = [
          [KEY, NONCE, tampered, EMPTY],
          [KEY, NONCE, sealed, MSG],
          [KEY, NONCE, sealed.subarray(0, 15), EMPTY],
          [KEY, NONCE, new Uint8Array(0), EMPTY],
          [hostile, NONCE, sealed, EMPTY],
          [KEY, NONCE.subarray(1), sealed, EMPTY],
          [KEY, NONCE, sealed, null],
          [KEY.subarray(1), NONCE, sealed, EMPTY],
        ];
        for (const args of openArgs) {
          expect(await outcome(() => pr.aeadOpen(...(args as [Uint8Array, Uint8Array, Uint8Array, Uint8Array])))).toBeUndefined();
        }
      });

      it('agree refuses every low-order point of the draft with PROTOCOL_ERROR', async () => {
        const pr = await provider();
        const lowOrder = ['Invalid Y0', 'Invalid Y1', 'Invalid Y2', 'Invalid Y3', 'Invalid Y4', 'Invalid Y5', 'Invalid Y7'] as const;
        for (const point of lowOrder) {
          const err = await rejects(() => pr.agree(KEY, hex(vectors.X25519_points[point])), 'PROTOCOL_ERROR');
          expect(err.cause).toEqual({ operation: 'agree', field: 'publicKey' });
        }
      });

      it.each(options.ciphers)('%s: bad padding, a wrong length or key is DECRYPT_FAILED, the same for every cause', async (id) => {
        const cipher = await (await provider()).transportCipher(id);
        const key = await cipher.generateKey(random);
        const iv = random(cipher.blockLength);
        const c = createCipheriv(OPENSSL_CBC[id], key, iv).setAutoPadding(false);
        const block = (last: number[]) => concatBytes(random(cipher.blockLength - last.length), Uint8Array.from(last));
        const badPads = [[0], [cipher.blockLength + 1], [2, 3], [1, 2], [5, 4, 4, 4]].map((last) => new Uint8Array(c.update(block(last))));
        const messages = new Set<string>();
        for (const ct of [...badPads, new Uint8Array(0), random(cipher.blockLength + 1)]) {
          const err = await rejects(() => cipher.decryptCbc(key, iv, ct), 'DECRYPT_FAILED');
          messages.add(JSON.stringify([err.message, err.cause]));
        }
        await rejects(() => cipher.decryptCbc(key.subarray(1), iv, random(cipher.blockLength)), 'DECRYPT_FAILED');
        expect(messages.size).toBe(1);
      });

      it.each(options.ciphers)('%s: an altered sealed message, or another key, is DECRYPT_FAILED', async (id) => {
        const pr = await provider();
        const tk = reference.transportCipher(id).generateKey(random);
        const sealed = await pr.sealMessage(id, tk, MSG, EMPTY, random);
        const alter = (field: keyof Omit<SealedMessage, 'algorithm'>): SealedMessage => {
          const value = sealed[field].slice();
          value[0]! ^= 1;
          return { ...sealed, [field]: value };
        };
        for (const field of ['keyIv', 'wrappedKey', 'iv', 'ciphertext', 'tag'] as const) {
          expect((await rejects(() => pr.openMessage(tk, alter(field), EMPTY), 'DECRYPT_FAILED')).message).toBe(
            'message authentication failed',
          );
        }
        await rejects(() => pr.openMessage(tk, sealed, MSG), 'DECRYPT_FAILED');
        await rejects(() => pr.openMessage(reference.transportCipher(id).generateKey(random), sealed, EMPTY), 'DECRYPT_FAILED');
      });
    });
  });
}
