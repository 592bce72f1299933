/**
 * CPace wipes its secret intermediates once it has used them (docs/reliability.md: "Key buffers
 * are zeroized on a best-effort basis. This covers the CPace scalar and K, ... the PRS"; cpace.ts:
 * the generator "is zeroized before returning", "K and the hash input are zeroized after use"):
 * the generator g that cpaceStart derives from the password, the shared point K and the hash
 * input that holds it, the hash input of the confirmation key, the expected tag that
 * verifyConfirmationTag computes, and the generator string (which holds the PRS) that each suite
 * hashes to a point. The suite, the provider and encoding.ts are wrapped to keep a reference to
 * what CPace is handed; every result is still checked (both parties agree, node:crypto's SHA-512
 * and HMAC give the same bytes), so the wrappers change nothing else.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  confirmationKey,
  cpaceDeriveIsk,
  cpaceIskSymmetric,
  cpaceStart,
  verifyConfirmationTag,
  type CPaceIskInputs,
} from '../../src/crypto/cpace/cpace.js';
import { lvCat } from '../../src/crypto/cpace/encoding.js';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { CPaceSuite } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '../../src/util/bytes.js';

/** Every generator string encoding.ts built (the suites hash it to the generator). */
const generatorStrings = vi.hoisted(() => [] as Uint8Array[]);

vi.mock('../../src/crypto/cpace/encoding.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/crypto/cpace/encoding.js')>();
  return {
    ...real,
    generatorString: (...args: Parameters<typeof real.generatorString>): Uint8Array => {
      const out = real.generatorString(...args);
      generatorStrings.push(out);
      return out;
    },
  };
});

const random = seededRandom('cpace-secrets-zeroized.test');

/** True for a non-empty buffer of zeros only (an empty one would prove nothing). */
const isZero = (bytes: Uint8Array | undefined): boolean => bytes !== undefined && bytes.length > 0 && bytes.every((b) => b === 0);

/** What a suite returned or was handed, by operation. */
interface Seen {
  generators: Uint8Array[];
  shared: Uint8Array[];
  hashed: Uint8Array[];
}

/** `suite`, computing exactly as before, keeping a reference to the buffers CPace owns. */
function watched(suite: CPaceSuite): { suite: CPaceSuite; seen: Seen } {
  const seen: Seen = { generators: [], shared: [], hashed: [] };
  const wrapper: CPaceSuite = {
    id: suite.id,
    dsi: suite.dsi,
    shareLength: suite.shareLength,
    hash(message) {
      seen.hashed.push(message);
      return suite.hash(message);
    },
    calculateGenerator(prs, ci, sid) {
      const g = suite.calculateGenerator(prs, ci, sid);
      seen.generators.push(g);
      return g;
    },
    sampleScalar: (r) => suite.sampleScalar(r),
    scalarMult: (scalar, point) => suite.scalarMult(scalar, point),
    scalarMultVfy(scalar, point) {
      const k = suite.scalarMultVfy(scalar, point);
      if (k !== undefined) seen.shared.push(k);
      return k;
    },
  };
  return { suite: wrapper, seen };
}

const sha512Hex = (data: Uint8Array): string => createHash('sha512').update(data).digest('hex');

afterEach(() => {
  generatorStrings.length = 0;
});

describe.each([
  ['CPACE-X25519-SHA512', x25519Suite],
  ['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512', p521Suite],
])('%s: CPace wipes its secrets after use', (_, realSuite) => {
  const session = { prs: utf8ToBytes('Password1'), ci: utf8ToBytes('ci'), sid: random(16) };
  const ADa = utf8ToBytes('handset');
  const ADb = utf8ToBytes('server');

  it('cpaceStart: the generator g derived from the password is all zero once the share is returned', () => {
    const { suite, seen } = watched(realSuite);
    const { scalar, share } = cpaceStart(suite, session, random);
    expect(seen.generators).toHaveLength(1);
    expect(seen.generators[0]).toHaveLength(realSuite.shareLength);
    expect(isZero(seen.generators[0])).toBe(true);
    // It was used before it was wiped: the share is y * g for the real generator.
    const g = realSuite.calculateGenerator(session.prs, session.ci, session.sid);
    expect(bytesToHex(share)).toBe(bytesToHex(realSuite.scalarMult(scalar, g)));
  });

  it.each([
    ['cpaceDeriveIsk', cpaceDeriveIsk],
    ['cpaceIskSymmetric', cpaceIskSymmetric],
  ])('%s: K and the hash input that holds it are all zero once ISK is returned', (_name, derive) => {
    const a = cpaceStart(realSuite, session, random);
    const b = cpaceStart(realSuite, session, random);
    const common = { sid: session.sid, Ya: a.share, ADa, Yb: b.share, ADb };
    const inputsA: CPaceIskInputs = { ...common, scalar: a.scalar, peerShare: b.share };
    const inputsB: CPaceIskInputs = { ...common, scalar: b.scalar, peerShare: a.share };

    const { suite, seen } = watched(realSuite);
    const iskA = derive(suite, inputsA);
    expect(seen.shared).toHaveLength(1);
    expect(isZero(seen.shared[0])).toBe(true);
    expect(seen.hashed).toHaveLength(1);
    expect(isZero(seen.hashed[0])).toBe(true);
    // ISK was computed from the real K: the other party, unwatched, gets the same.
    expect(iskA).toHaveLength(64);
    expect(bytesToHex(iskA)).toBe(bytesToHex(derive(realSuite, inputsB)));
  });

  it('confirmationKey: the hash input b"CPaceMac" || sid || ISK is all zero once mac_key is returned', () => {
    const { suite, seen } = watched(realSuite);
    const isk = random(64);
    const macKey = confirmationKey(suite, session.sid, isk);
    expect(seen.hashed).toHaveLength(1);
    expect(seen.hashed[0]).toHaveLength(8 + session.sid.length + 64);
    expect(isZero(seen.hashed[0])).toBe(true);
    expect(bytesToHex(macKey)).toBe(sha512Hex(concatBytes(utf8ToBytes('CPaceMac'), session.sid, isk)));
  });

  it('calculateGenerator: the generator string, which holds the PRS, is all zero once g is returned', () => {
    const g = realSuite.calculateGenerator(session.prs, session.ci, session.sid);
    expect(g).toHaveLength(realSuite.shareLength);
    expect(generatorStrings).toHaveLength(1);
    // DSI, PRS and the zero padding fill SHA-512's first 128-byte block, then CI and sid follow.
    expect(generatorStrings[0]!.length).toBeGreaterThanOrEqual(128);
    expect(isZero(generatorStrings[0])).toBe(true);
    // The same inputs give the same generator: it was hashed before it was wiped.
    expect(bytesToHex(realSuite.calculateGenerator(session.prs, session.ci, session.sid))).toBe(bytesToHex(g));
  });
});

describe('verifyConfirmationTag wipes the tag it expected', () => {
  const macKey = random(64);
  const share = random(32);
  const ad = utf8ToBytes('server');
  /** HMAC-SHA-512(mac_key, lv_cat(Y, AD)) by OpenSSL. */
  const good = new Uint8Array(createHmac('sha512', macKey).update(lvCat(share, ad)).digest());

  it.each([
    ['the right tag', good, true],
    ['a tag with one bit flipped', good.map((b, i) => (i === 0 ? b ^ 1 : b)), false],
  ])('%s: the HMAC it computed is all zero afterwards, and the answer is %s', (_, tag, expected) => {
    const computed: Uint8Array[] = [];
    const provider = {
      hmac(...args: Parameters<typeof nobleProvider.hmac>): Uint8Array {
        const out = nobleProvider.hmac(...args);
        computed.push(out);
        return out;
      },
    };
    expect(verifyConfirmationTag(macKey, share, ad, tag, provider)).toBe(expected);
    expect(computed).toHaveLength(1);
    expect(computed[0]).toHaveLength(64);
    expect(isZero(computed[0])).toBe(true);
  });
});
