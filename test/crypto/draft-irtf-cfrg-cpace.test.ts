/**
 * CPace against draft-irtf-cfrg-cpace-21: the appendix string-utility vectors, the published
 * test vectors (test/vectors/cpace-testvectors.json) for CPACE-X25519-SHA512 and
 * CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512, the invalid-point cases, and full two-party runs.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { p521 } from '@noble/curves/nist.js';
import { numberToBytesBE } from '@noble/curves/utils.js';
import type { ActivationError, ActivationErrorCode } from '../../src/errors/activation-error.js';
import { expectCode } from '../support/errors.js';
import type { CPaceSuite, RandomSource } from '../../src/crypto/provider.js';
import {
  CPACE_SUITES,
  DEFAULT_CPACE_SUITE,
  confirmationKey,
  confirmationTag,
  cpaceDeriveIsk,
  cpaceIskSymmetric,
  cpaceSidOutput,
  cpaceStart,
  generatorString,
  lexicographicallyLarger,
  lvCat,
  oCat,
  p521Suite,
  prependLen,
  transcriptIr,
  transcriptOc,
  verifyConfirmationTag,
  x25519Suite,
} from '../../src/crypto/cpace/index.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/cpace-testvectors.json';

const hex = (s: string): Uint8Array => hexToBytes(s.replace(/\s+/g, ''));
const b = (s: string): Uint8Array => utf8ToBytes(s);
const range = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);
const nodeRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/** Asserts that `fn` throws an ActivationError with `code`, and returns it. */
function expectActivationError(fn: () => unknown, code: ActivationErrorCode): ActivationError {
  return expectCode(fn, code);
}

describe('string utility functions (appendix "Definition and test vectors for string utility functions")', () => {
  it('prepend_len', () => {
    expect(bytesToHex(prependLen(b('')))).toBe('00');
    expect(bytesToHex(prependLen(b('1234')))).toBe('0431323334');
    expect(bytesToHex(prependLen(range(127)))).toBe('7f' + bytesToHex(range(127)));
    expect(prependLen(range(127))).toHaveLength(128);
    expect(bytesToHex(prependLen(range(128)))).toBe('8001' + bytesToHex(range(128)));
    expect(prependLen(range(128))).toHaveLength(130);
  });

  it('prepend_len uses multi-byte LEB128 for longer strings', () => {
    expect(bytesToHex(prependLen(new Uint8Array(300)).subarray(0, 2))).toBe('ac02');
    expect(bytesToHex(prependLen(new Uint8Array(16383)).subarray(0, 2))).toBe('ff7f');
    expect(bytesToHex(prependLen(new Uint8Array(16384)).subarray(0, 3))).toBe('808001');
  });

  it('lv_cat', () => {
    expect(bytesToHex(lvCat(b('1234'), b('5'), b(''), b('678')))).toBe('043132333401350003363738');
    expect(lvCat()).toHaveLength(0);
  });

  it('lexiographically_larger', () => {
    const z = (...v: number[]) => Uint8Array.from(v);
    expect(lexicographicallyLarger(z(0), z(0, 0))).toBe(false);
    expect(lexicographicallyLarger(z(1), z(0, 0))).toBe(true);
    expect(lexicographicallyLarger(z(0, 0), z(0))).toBe(true);
    expect(lexicographicallyLarger(z(0, 0), z(1))).toBe(false);
    expect(lexicographicallyLarger(z(0, 1), z(1))).toBe(false);
    expect(lexicographicallyLarger(b('ABCD'), b('BCD'))).toBe(false);
    expect(lexicographicallyLarger(b('ABC'), b('ABC'))).toBe(false);
  });

  it('o_cat', () => {
    expect(bytesToHex(oCat(b('ABCD'), b('BCD')))).toBe('6f6342434441424344');
    expect(bytesToHex(oCat(b('BCD'), b('ABCDE')))).toBe('6f634243444142434445');
  });

  it('transcript_ir', () => {
    expect(bytesToHex(transcriptIr(b('123'), b('PartyA'), b('234'), b('PartyB')))).toBe('03313233065061727479410332333406506172747942');
    expect(bytesToHex(transcriptIr(b('3456'), b('PartyA'), b('2345'), b('PartyB')))).toBe(
      '043334353606506172747941043233343506506172747942',
    );
  });

  it('transcript_oc', () => {
    expect(bytesToHex(transcriptOc(b('123'), b('PartyA'), b('234'), b('PartyB')))).toBe('6f6303323334065061727479420331323306506172747941');
    expect(bytesToHex(transcriptOc(b('3456'), b('PartyA'), b('2345'), b('PartyB')))).toBe(
      '6f63043334353606506172747941043233343506506172747942',
    );
  });

  it('generator_string for G_X25519 (appendix "Test vectors for calculate_generator with group X25519")', () => {
    const t = vectors.G_25519;
    const genStr = generatorString(b('CPace255'), hex(t.PRS), hex(t.CI), hex(t.sid), 128);
    expect(genStr).toHaveLength(170);
    expect(bytesToHex(genStr)).toBe(
      '0843506163653235350850617373776f72646d' +
        '00'.repeat(109) +
        '180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57',
    );
    // "hash generator string": the first 32 bytes of SHA-512(gen_str).
    expect(createHash('sha512').update(genStr).digest('hex').slice(0, 64)).toBe(
      '03998087bdb1a2617bbe25ef5a7c18cd4f84f902328701790958755ee4aed1d3',
    );
  });

  it('generator_string: no zero padding once PRS fills the first block', () => {
    const dsi = b('CPace255');
    const prs = new Uint8Array(200).fill(0x41);
    // lv_cat(DSI, PRS, b"", CI, sid): the padding field is present but empty.
    expect(bytesToHex(generatorString(dsi, prs, b(''), b(''), 128))).toBe(bytesToHex(lvCat(dsi, prs, new Uint8Array(0), b(''), b(''))));
  });
});

type SuiteVector = typeof vectors.G_25519;

const SUITE_CASES: readonly [string, CPaceSuite, SuiteVector][] = [
  ['G_25519 (CPACE-X25519-SHA512)', x25519Suite, vectors.G_25519],
  ['G_NistP521 (CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512)', p521Suite, vectors.G_NistP521],
];

describe.each(SUITE_CASES)('test vectors %s', (_name, suite, t) => {
  const prs = hex(t.PRS);
  const ci = hex(t.CI);
  const sid = hex(t.sid);
  const Ya = hex(t.Ya);
  const Yb = hex(t.Yb);
  const ADa = hex(t.ADa);
  const ADb = hex(t.ADb);

  it('calculate_generator', () => {
    expect(bytesToHex(suite.calculateGenerator(prs, ci, sid))).toBe(t.g.toLowerCase());
  });

  it('messages from A and B: Ya = scalar_mult(ya, g), Yb = scalar_mult(yb, g)', () => {
    const g = hex(t.g);
    expect(bytesToHex(suite.scalarMult(hex(t.ya), g))).toBe(t.Ya.toLowerCase());
    expect(bytesToHex(suite.scalarMult(hex(t.yb), g))).toBe(t.Yb.toLowerCase());
    expect(Ya).toHaveLength(suite.shareLength);
  });

  it('cpaceStart with the vector scalar as "random" reproduces Ya and Yb', () => {
    const fixed =
      (bytes: Uint8Array): RandomSource =>
      (n) => {
        expect(n).toBe(bytes.length);
        return bytes.slice();
      };
    const a = cpaceStart(suite, { prs, ci, sid }, fixed(hex(t.ya)));
    expect(bytesToHex(a.share)).toBe(t.Ya.toLowerCase());
    expect(bytesToHex(a.scalar)).toBe(t.ya.toLowerCase());
    const bStart = cpaceStart(suite, { prs, ci, sid }, fixed(hex(t.yb)));
    expect(bytesToHex(bStart.share)).toBe(t.Yb.toLowerCase());
  });

  it('secret points K = scalar_mult_vfy(ya, Yb) = scalar_mult_vfy(yb, Ya)', () => {
    expect(bytesToHex(suite.scalarMultVfy(hex(t.ya), Yb)!)).toBe(t.K.toLowerCase());
    expect(bytesToHex(suite.scalarMultVfy(hex(t.yb), Ya)!)).toBe(t.K.toLowerCase());
  });

  it('ISK initiator/responder (transcript_ir), from both sides', () => {
    const common = { sid, Ya, ADa, Yb, ADb };
    const iskA = cpaceDeriveIsk(suite, { ...common, scalar: hex(t.ya), peerShare: Yb });
    const iskB = cpaceDeriveIsk(suite, { ...common, scalar: hex(t.yb), peerShare: Ya });
    expect(bytesToHex(iskA)).toBe(t.ISK_IR.toLowerCase());
    expect(bytesToHex(iskB)).toBe(t.ISK_IR.toLowerCase());
  });

  it('ISK parallel execution (transcript_oc), from both sides', () => {
    const common = { sid, Ya, ADa, Yb, ADb };
    const iskA = cpaceIskSymmetric(suite, { ...common, scalar: hex(t.ya), peerShare: Yb });
    const iskB = cpaceIskSymmetric(suite, { ...common, scalar: hex(t.yb), peerShare: Ya });
    expect(bytesToHex(iskA)).toBe(t.ISK_SY.toLowerCase());
    expect(bytesToHex(iskB)).toBe(t.ISK_SY.toLowerCase());
    // transcript_oc does not depend on who is labelled A.
    const swapped = cpaceIskSymmetric(suite, { sid, Ya: Yb, ADa: ADb, Yb: Ya, ADb: ADa, scalar: hex(t.ya), peerShare: Yb });
    expect(bytesToHex(swapped)).toBe(t.ISK_SY.toLowerCase());
  });

  it('optional session id output', () => {
    expect(bytesToHex(cpaceSidOutput(suite, transcriptIr(Ya, ADa, Yb, ADb)))).toBe(t.sid_output_ir.toLowerCase());
    expect(bytesToHex(cpaceSidOutput(suite, transcriptOc(Ya, ADa, Yb, ADb)))).toBe(t.sid_output_oc.toLowerCase());
  });

  it('a share of the wrong length is a PROTOCOL_ERROR', () => {
    const common = { sid, Ya, ADa, Yb, ADb, scalar: hex(t.ya) };
    expectActivationError(() => cpaceDeriveIsk(suite, { ...common, peerShare: Yb.subarray(1) }), 'PROTOCOL_ERROR');
    expectActivationError(() => cpaceDeriveIsk(suite, { ...common, peerShare: concatBytes(Yb, Uint8Array.of(0)) }), 'PROTOCOL_ERROR');
    expectActivationError(() => cpaceDeriveIsk(suite, { ...common, peerShare: new Uint8Array(0) }), 'PROTOCOL_ERROR');
  });

  it('the suite DSI cannot be altered through the getter', () => {
    const dsi = suite.dsi;
    dsi.fill(0);
    expect(suite.dsi).not.toEqual(dsi);
    expect(bytesToHex(suite.calculateGenerator(prs, ci, sid))).toBe(t.g.toLowerCase());
  });
});

describe('G_X25519.scalar_mult_vfy: low order points (appendix "Test vectors for G_X25519.scalar_mult_vfy")', () => {
  // The JSON file lists the inputs u0..ub only; the expected outputs q0..qb (for the scalar s below)
  // are printed in the draft. Only u0..u5 and u7 encode low-order points and must give G.I; u6 and
  // u8..ub have bit #255 set and would give G.I only if that bit were not cleared (RFC 7748).
  const s = hex('af46e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449aff');
  const expected: Record<string, string | undefined> = {
    'Invalid Y0': undefined,
    'Invalid Y1': undefined,
    'Invalid Y2': undefined,
    'Invalid Y3': undefined,
    'Invalid Y4': undefined,
    'Invalid Y5': undefined,
    'Invalid Y6': 'd8e2c776bbacd510d09fd9278b7edcd25fc5ae9adfba3b6e040e8d3b71b21806',
    'Invalid Y7': undefined,
    'Invalid Y8': 'c85c655ebe8be44ba9c0ffde69f2fe10194458d137f09bbff725ce58803cdb38',
    'Invalid Y9': 'db64dafa9b8fdd136914e61461935fe92aa372cb056314e1231bc4ec12417456',
    'Invalid Y10': 'e062dcd5376d58297be2618c7498f55baa07d7e03184e8aada20bca28888bf7a',
    'Invalid Y11': '993c6ad11c4c29da9a56f7691fd0ff8d732e49de6250b6c2e80003ff4629a175',
  };
  const points = Object.entries(vectors.X25519_points);
  const t = vectors.G_25519;
  const common = { sid: hex(t.sid), Ya: hex(t.Ya), ADa: hex(t.ADa), ADb: hex(t.ADb), scalar: hex(t.ya) };

  it('the file has the twelve inputs u0..ub', () => {
    expect(points.map(([k]) => k).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(points)('%s gives q from the draft', (name, u) => {
    const q = x25519Suite.scalarMultVfy(s, hex(u));
    expect(q === undefined ? undefined : bytesToHex(q)).toBe(expected[name]);
  });

  it.each(points.filter(([name]) => expected[name] === undefined))(
    '%s (low order) gives G.I for any scalar and makes cpaceDeriveIsk abort',
    (_name, u) => {
      const point = hex(u);
      expect(x25519Suite.scalarMultVfy(hex(t.ya), point)).toBeUndefined();
      expect(x25519Suite.scalarMultVfy(hex(t.yb), point)).toBeUndefined();
      expect(x25519Suite.scalarMultVfy(new Uint8Array(randomBytes(32)), point)).toBeUndefined();
      expect(bytesToHex(x25519Suite.scalarMult(hex(t.ya), point))).toBe('00'.repeat(32));
      const err = expectActivationError(() => cpaceDeriveIsk(x25519Suite, { ...common, Yb: point, peerShare: point }), 'PROTOCOL_ERROR');
      expect(err.message).toBe('invalid CPace share');
      expect(err.cause).toEqual({ operation: 'cpace', reason: 'invalid-point' });
      expectActivationError(() => cpaceIskSymmetric(x25519Suite, { ...common, Yb: point, peerShare: point }), 'PROTOCOL_ERROR');
    },
  );

  it('malformed lengths give undefined, never a throw', () => {
    expect(x25519Suite.scalarMultVfy(s, new Uint8Array(31))).toBeUndefined();
    expect(x25519Suite.scalarMultVfy(s, new Uint8Array(33).fill(9))).toBeUndefined();
    expect(x25519Suite.scalarMultVfy(s.subarray(1), hex(t.Yb))).toBeUndefined();
    expectActivationError(() => x25519Suite.scalarMult(s, new Uint8Array(31)), 'INVALID_ARGUMENT');
  });

  it('sample_scalar returns a copy of 32 random bytes', () => {
    const source = new Uint8Array(32).fill(7);
    const scalar = x25519Suite.sampleScalar(() => source);
    expect(scalar).toEqual(source);
    source.fill(0);
    expect(scalar[0]).toBe(7);
    expectActivationError(() => x25519Suite.sampleScalar(() => new Uint8Array(31)), 'INVALID_ARGUMENT');
  });
});

describe('G_NistP521 scalar_mult / scalar_mult_vfy (appendix "Test case for scalar_mult_vfy with correct inputs")', () => {
  const valid = vectors.G_NistP521_points.Valid;
  const s = hex(valid.s);
  const X = hex(valid.X);
  const fullHex = valid['G.scalar_mult(s,X) (full coordinates)'].toLowerCase();
  const xOnlyHex = valid['G.scalar_mult_vfy(s,X) (only X-coordinate)'].toLowerCase();
  const t = vectors.G_NistP521;
  const common = { sid: hex(t.sid), Ya: hex(t.Ya), ADa: hex(t.ADa), ADb: hex(t.ADb), scalar: hex(t.ya) };

  it('scalar_mult_vfy(s, X) is the 66-byte x-coordinate', () => {
    const k = p521Suite.scalarMultVfy(s, X)!;
    expect(k).toHaveLength(66);
    expect(bytesToHex(k)).toBe(xOnlyHex);
  });

  it('scalar_mult(s, X) is an uncompressed point with that x-coordinate', () => {
    const Y = p521Suite.scalarMult(s, X);
    expect(Y).toHaveLength(133);
    expect(Y[0]).toBe(0x04);
    expect(bytesToHex(Y.subarray(1, 67))).toBe(xOnlyHex);
    // The draft allows s*X or (-s)*X; this implementation returns s*X, equal to the vector.
    expect(bytesToHex(Y)).toBe(fullHex);
  });

  it('a compressed encoding of a valid point is accepted by scalar_mult_vfy', () => {
    const x = X.subarray(1, 67);
    const yOdd = (X[132]! & 1) === 1;
    const compressed = concatBytes(Uint8Array.of(yOdd ? 0x03 : 0x02), x);
    expect(bytesToHex(p521Suite.scalarMultVfy(s, compressed)!)).toBe(xOnlyHex);
  });

  it('Invalid Y1 (not on the curve) is rejected', () => {
    const Y1 = hex(vectors.G_NistP521_points['Invalid Y1']);
    expect(p521Suite.scalarMultVfy(s, Y1)).toBeUndefined();
    expectActivationError(() => cpaceDeriveIsk(p521Suite, { ...common, Yb: Y1, peerShare: Y1 }), 'PROTOCOL_ERROR');
    expectActivationError(() => p521Suite.scalarMult(s, Y1), 'INVALID_ARGUMENT');
  });

  it('Invalid Y2 (b"\\x00", the point at infinity) is rejected', () => {
    const Y2 = hex(vectors.G_NistP521_points['Invalid Y2']);
    expect(bytesToHex(Y2)).toBe('00');
    expect(p521Suite.scalarMultVfy(s, Y2)).toBeUndefined();
    // The protocol layer rejects it on length first; both give PROTOCOL_ERROR.
    expectActivationError(() => cpaceDeriveIsk(p521Suite, { ...common, Yb: Y2, peerShare: Y2 }), 'PROTOCOL_ERROR');
  });

  it('other malformed points and out-of-range scalars give undefined, never a throw', () => {
    const n = numberToBytesBE(p521.Point.Fn.ORDER, 66);
    expect(n).toHaveLength(66);
    expect(p521Suite.scalarMultVfy(s, new Uint8Array(133))).toBeUndefined(); // 0x00 || zeros
    expect(p521Suite.scalarMultVfy(s, concatBytes(Uint8Array.of(4), new Uint8Array(132)))).toBeUndefined(); // (0, 0)
    expect(p521Suite.scalarMultVfy(s, concatBytes(Uint8Array.of(6), X.subarray(1)))).toBeUndefined(); // hybrid
    expect(p521Suite.scalarMultVfy(s, X.subarray(0, 132))).toBeUndefined();
    expect(p521Suite.scalarMultVfy(s, new Uint8Array(0))).toBeUndefined();
    // x = p (non-canonical coordinate)
    const p = hex('01' + 'ff'.repeat(65));
    expect(p521Suite.scalarMultVfy(s, concatBytes(Uint8Array.of(4), p, X.subarray(67)))).toBeUndefined();
    expect(p521Suite.scalarMultVfy(new Uint8Array(66), X)).toBeUndefined(); // s = 0
    expect(p521Suite.scalarMultVfy(n, X)).toBeUndefined(); // s = n: identity
    expect(p521Suite.scalarMultVfy(s.subarray(1), X)).toBeUndefined();
  });

  it('sample_scalar: 66 bytes in [1, n-1], by rejection sampling', () => {
    const draws: Uint8Array[] = [
      new Uint8Array(66).fill(0xff), // masked to 2^521 - 1 >= n: rejected
      new Uint8Array(66), // zero: rejected
      Uint8Array.from({ length: 66 }, (_, i) => (i === 65 ? 5 : 0xfe)), // masked top byte 0x00: accepted
    ];
    let calls = 0;
    const scalar = p521Suite.sampleScalar((n) => {
      expect(n).toBe(66);
      return draws[calls++]!;
    });
    expect(calls).toBe(3);
    expect(scalar[0]).toBe(0);
    expect(scalar).toHaveLength(66);
    expectActivationError(() => p521Suite.sampleScalar((n) => new Uint8Array(n)), 'INVALID_ARGUMENT');
    expectActivationError(() => p521Suite.sampleScalar(() => new Uint8Array(65)), 'INVALID_ARGUMENT');
    for (let i = 0; i < 10; i++) {
      const y = p521Suite.sampleScalar(nodeRandom);
      expect(y).toHaveLength(66);
      expect(y[0]! <= 1).toBe(true);
    }
  });
});

describe('suite registry', () => {
  it('maps every suite id to its suite; the default is CPACE-X25519-SHA512', () => {
    expect(DEFAULT_CPACE_SUITE).toBe('CPACE-X25519-SHA512');
    expect(CPACE_SUITES[DEFAULT_CPACE_SUITE]).toBe(x25519Suite);
    expect(CPACE_SUITES['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512']).toBe(p521Suite);
    for (const [id, suite] of Object.entries(CPACE_SUITES)) expect(suite.id).toBe(id);
    expect(new TextDecoder().decode(x25519Suite.dsi)).toBe('CPace255');
    expect(new TextDecoder().decode(p521Suite.dsi)).toBe('CPaceP521_XMD:SHA-512_SSWU_NU_');
    expect(x25519Suite.shareLength).toBe(32);
    expect(p521Suite.shareLength).toBe(133);
  });
});

/** Runs both parties with fresh randomness and key confirmation; returns everything for checks. */
function twoPartyRun(suite: CPaceSuite, prsA: Uint8Array, prsB: Uint8Array, ci: Uint8Array, sid: Uint8Array) {
  const ADa = b('handset');
  const ADb = b('server');
  const a = cpaceStart(suite, { prs: prsA, ci, sid }, nodeRandom);
  const bb = cpaceStart(suite, { prs: prsB, ci, sid }, nodeRandom);
  const transcript = { sid, Ya: a.share, ADa, Yb: bb.share, ADb };
  const iskA = cpaceDeriveIsk(suite, { ...transcript, scalar: a.scalar, peerShare: bb.share });
  const iskB = cpaceDeriveIsk(suite, { ...transcript, scalar: bb.scalar, peerShare: a.share });
  const macA = confirmationKey(suite, sid, iskA);
  const macB = confirmationKey(suite, sid, iskB);
  const tagA = confirmationTag(macA, a.share, ADa); // Ta, sent by A
  const tagB = confirmationTag(macB, bb.share, ADb); // Tb, sent by B
  return { a, b: bb, ADa, ADb, iskA, iskB, macA, macB, tagA, tagB };
}

describe.each([
  ['CPACE-X25519-SHA512', x25519Suite],
  ['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512', p521Suite],
] as const)('two-party run with key confirmation, %s', (_id, suite) => {
  const ci = b('\x0bA_initiator\x0bB_responder');

  it('same password: equal ISKs, tags verify both ways', () => {
    const sid = new Uint8Array(randomBytes(16));
    const r = twoPartyRun(suite, b('activation-password'), b('activation-password'), ci, sid);
    expect(r.iskA).toHaveLength(64);
    expect(bytesToHex(r.iskA)).toBe(bytesToHex(r.iskB));
    expect(r.tagA).toHaveLength(64);
    expect(verifyConfirmationTag(r.macB, r.a.share, r.ADa, r.tagA)).toBe(true); // B checks Ta
    expect(verifyConfirmationTag(r.macA, r.b.share, r.ADb, r.tagB)).toBe(true); // A checks Tb
    // The tags bind the sender's own message: Ta is not accepted as Tb.
    expect(verifyConfirmationTag(r.macA, r.b.share, r.ADb, r.tagA)).toBe(false);
  });

  it('different passwords: different ISKs and the confirmation check fails', () => {
    const sid = new Uint8Array(randomBytes(16));
    const r = twoPartyRun(suite, b('activation-password'), b('activation-passw0rd'), ci, sid);
    expect(bytesToHex(r.iskA)).not.toBe(bytesToHex(r.iskB));
    expect(verifyConfirmationTag(r.macB, r.a.share, r.ADa, r.tagA)).toBe(false);
    expect(verifyConfirmationTag(r.macA, r.b.share, r.ADb, r.tagB)).toBe(false);
  });

  it('a tampered, truncated or empty tag fails; tampered AD fails', () => {
    const r = twoPartyRun(suite, b('pw'), b('pw'), ci, new Uint8Array(0));
    const tampered = r.tagA.slice();
    tampered[10]! ^= 0x01;
    expect(verifyConfirmationTag(r.macB, r.a.share, r.ADa, tampered)).toBe(false);
    expect(verifyConfirmationTag(r.macB, r.a.share, r.ADa, r.tagA.subarray(0, 32))).toBe(false);
    expect(verifyConfirmationTag(r.macB, r.a.share, r.ADa, new Uint8Array(0))).toBe(false);
    expect(verifyConfirmationTag(r.macB, r.a.share, b('handset!'), r.tagA)).toBe(false);
    expect(verifyConfirmationTag(r.macB, r.a.share, r.ADa, r.tagA)).toBe(true);
  });

  it('a different sid or CI on one side gives different ISKs', () => {
    const ADa = b('A');
    const ADb = b('B');
    const a = cpaceStart(suite, { prs: b('pw'), ci, sid: b('sid-1') }, nodeRandom);
    const bb = cpaceStart(suite, { prs: b('pw'), ci: b('other'), sid: b('sid-1') }, nodeRandom);
    const tr = { sid: b('sid-1'), Ya: a.share, ADa, Yb: bb.share, ADb };
    const iskA = cpaceDeriveIsk(suite, { ...tr, scalar: a.scalar, peerShare: bb.share });
    const iskB = cpaceDeriveIsk(suite, { ...tr, scalar: bb.scalar, peerShare: a.share });
    expect(bytesToHex(iskA)).not.toBe(bytesToHex(iskB));
  });

  it('confirmation key and tag match an independent HMAC-SHA-512 (node:crypto)', () => {
    const sid = b('sid');
    const isk = new Uint8Array(randomBytes(64));
    const macKey = confirmationKey(suite, sid, isk);
    const expectedKey = createHash('sha512')
      .update(concatBytes(b('CPaceMac'), sid, isk))
      .digest();
    expect(bytesToHex(macKey)).toBe(bytesToHex(new Uint8Array(expectedKey)));
    const share = new Uint8Array(randomBytes(suite.shareLength));
    const ad = b('AD');
    const expectedTag = createHmac('sha512', macKey).update(lvCat(share, ad)).digest();
    expect(bytesToHex(confirmationTag(macKey, share, ad))).toBe(bytesToHex(new Uint8Array(expectedTag)));
  });
});

describe('properties', () => {
  const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

  it('prepend_len: LEB128 prefix decodes back to the length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70000 }), (n) => {
        const out = prependLen(new Uint8Array(n));
        let value = 0;
        let shift = 1;
        let i = 0;
        for (;;) {
          const byte = out[i++]!;
          value += (byte & 0x7f) * shift;
          shift *= 128;
          if ((byte & 0x80) === 0) break;
        }
        return value === n && out.length === i + n;
      }),
      { numRuns: 200 },
    );
  });

  it('o_cat is symmetric', () => {
    fc.assert(
      fc.property(bytes(8), bytes(8), (x, y) => bytesToHex(oCat(x, y)) === bytesToHex(oCat(y, x))),
      { numRuns: 200 },
    );
  });

  it.each([
    ['CPACE-X25519-SHA512', x25519Suite, 20],
    ['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512', p521Suite, 20],
  ] as const)('%s: for random PRS, CI, sid and AD both sides agree (IR and symmetric)', (_id, suite, numRuns) => {
    fc.assert(
      fc.property(bytes(200), bytes(40), bytes(40), bytes(16), bytes(16), (prs, ci, sid, ADa, ADb) => {
        const a = cpaceStart(suite, { prs, ci, sid }, nodeRandom);
        const bb = cpaceStart(suite, { prs, ci, sid }, nodeRandom);
        const tr = { sid, Ya: a.share, ADa, Yb: bb.share, ADb };
        const ir = [
          cpaceDeriveIsk(suite, { ...tr, scalar: a.scalar, peerShare: bb.share }),
          cpaceDeriveIsk(suite, { ...tr, scalar: bb.scalar, peerShare: a.share }),
        ];
        const sy = [
          cpaceIskSymmetric(suite, { ...tr, scalar: a.scalar, peerShare: bb.share }),
          cpaceIskSymmetric(suite, { ...tr, scalar: bb.scalar, peerShare: a.share }),
        ];
        expect(bytesToHex(ir[0]!)).toBe(bytesToHex(ir[1]!));
        expect(bytesToHex(sy[0]!)).toBe(bytesToHex(sy[1]!));
        expect(bytesToHex(ir[0]!)).not.toBe(bytesToHex(sy[0]!));
      }),
      { numRuns },
    );
  });
});
