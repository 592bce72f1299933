/**
 * Why a recorded activation does not let an eavesdropper test password guesses offline
 * (docs/protocol.md, "Why recorded traffic does not allow offline guessing").
 *
 * The argument, with what each test below checks:
 *
 * 1. The shares are uniformly distributed group elements whatever the password is.
 *    Ya = ya·g(PRS), where g(PRS) is the CPace generator (a hash of the password, CI and sid
 *    mapped onto the curve). For X25519 the clamped scalar is a multiple of the cofactor 8, so Ya
 *    lies in the prime-order subgroup of order ℓ; so does 8·g(P) and 8·g(Q) for any candidate
 *    passwords P and Q, and neither is the identity. A cyclic group of prime order is generated
 *    by each of its non-identity elements, so there exist scalars s_P and s_Q with
 *    s_P·g(P) = Ya = s_Q·g(Q). The test checks exactly these facts (Ya and Yb on the curve and
 *    torsion-free; 8·g(P), 8·g(Q) non-identity and torsion-free): both candidates are consistent
 *    with the recorded shares. Finding s_P or s_Q is a discrete logarithm.
 *    (a) The recorded shares are not any scalar-free function of the password the attacker can
 *    compute: not g(P) itself, not hashes of the password or of the generator string.
 *
 * 2. The key confirmation tags do not help either. Tb = HMAC(mac_key, Yb || ADb), with mac_key
 *    derived from ISK = H(..., K, transcript) and K = ya·Yb = yb·Ya. Computing K needs ya or yb.
 *    (b) An attacker who guesses P' and picks his own scalar z can compute z·g(P') and z·Yb, and
 *    from them an ISK and a Tb' — and Tb' mismatches for the right password exactly as it does
 *    for a wrong one: the verdict is the same for P and Q, so the transcript does not tell them
 *    apart. Only with the secret scalar ya (which never leaves the handset; here we read it from
 *    the handset's in-memory state) does a password test exist: ya·g(P) = Ya, ya·g(Q) ≠ Ya. The
 *    test shows both sides of this, and that with ya the recorded Tb does verify (so the
 *    computation itself is right).
 *
 * 3. (c) Nothing in the ETP.DAT is a function of the password alone. With the same password and
 *    even the same session id (so the same generator g(P)), two ETP.DATs made with different
 *    randomness have identical public headers and share no bytes in their shares or bodies
 *    beyond the structure: the share is blinded by the scalar and the body is encrypted under a
 *    random body key that is sent only under the CPace session key.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { invert, mod } from '@noble/curves/abstract/modular.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { allAlgorithms } from '../support/providers.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { CPaceSuite, RandomSource } from '../../src/crypto/provider.js';
import { confirmationKey, confirmationTag, cpaceDeriveIsk } from '../../src/crypto/cpace/cpace.js';
import { generatorString } from '../../src/crypto/cpace/encoding.js';
import { channelIdentifier, passwordToPrs } from '../../src/protocol/key-schedule.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeServerShare } from '../../src/wire/messages/server-share.js';
import { decodeHandsetConfirm } from '../../src/wire/messages/handset-confirm.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import { EMAIL, HANDSET_CONFIG, P521 } from '../support/fixtures.js';
import { runActivation, type SecurityHarness } from './harness.js';

const P = 'Corr3ct-Horse!';
const Q = 'Battery-Staple?';
const X25519 = nobleProvider.cpaceSuite('CPACE-X25519-SHA512');
const FIELD_P = 2n ** 255n - 19n;

interface Recorded {
  readonly sid: Uint8Array;
  readonly ci: Uint8Array;
  readonly Ya: Uint8Array;
  readonly ADa: Uint8Array;
  readonly Yb: Uint8Array;
  readonly ADb: Uint8Array;
  readonly Tb: Uint8Array;
  readonly Ta: Uint8Array;
  readonly etpBytes: Uint8Array;
}

/** What an eavesdropper records: the frames, nothing else. */
function record(h: SecurityHarness): Recorded {
  const etpFrame = decodeFrame(h.sent('to-server', 'etp-dat')[0]!);
  const etp = decodeEtpDat(etpFrame.body);
  const share = decodeServerShare(decodeFrame(h.sent('to-handset', 'server-share')[0]!).body);
  const confirm = decodeHandsetConfirm(decodeFrame(h.sent('to-server', 'handset-confirm')[0]!).body);
  return {
    sid: etpFrame.sid,
    ci: channelIdentifier(etp.header.pin, etp.header.email),
    Ya: etp.share,
    ADa: etp.headerBytes,
    Yb: share.share,
    ADb: share.adBytes,
    Tb: share.tag,
    Ta: confirm.tag,
    etpBytes: etpFrame.body,
  };
}

const generator = (suite: CPaceSuite, password: string, r: Recorded) => suite.calculateGenerator(passwordToPrs(password), r.ci, r.sid);

/** The Edwards form of an X25519 u-coordinate (either sign), or undefined when u is on the twist. */
function edwardsOf(u: Uint8Array) {
  const x = mod(bytesToNumberLE(u), FIELD_P);
  const y = mod((x - 1n) * invert(mod(x + 1n, FIELD_P), FIELD_P), FIELD_P);
  try {
    return ed25519.Point.fromBytes(numberToBytesLE(y, 32));
  } catch {
    return undefined;
  }
}

/** The attacker's best offline attempt at Tb for a candidate password, with his own scalar. */
function attackerTb(
  r: Recorded,
  candidate: string,
  attackerScalar: Uint8Array,
): { asA: Uint8Array; asOwnShare: Uint8Array; ta: Uint8Array } {
  const g = generator(X25519, candidate, r);
  const ownShare = X25519.scalarMult(attackerScalar, g);
  const tags = (Ya: Uint8Array) => {
    const isk = cpaceDeriveIsk(X25519, { sid: r.sid, scalar: attackerScalar, peerShare: r.Yb, Ya, ADa: r.ADa, Yb: r.Yb, ADb: r.ADb });
    const macKey = confirmationKey(X25519, r.sid, isk);
    return { tb: confirmationTag(macKey, r.Yb, r.ADb), ta: confirmationTag(macKey, Ya, r.ADa) };
  };
  const recordedTranscript = tags(r.Ya);
  return { asA: recordedTranscript.tb, asOwnShare: tags(ownShare).tb, ta: recordedTranscript.ta };
}

const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function longestCommonRun(a: Uint8Array, b: Uint8Array): number {
  let best = 0;
  const prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = a[i - 1] === b[j - 1] ? diag + 1 : 0;
      if (prev[j]! > best) best = prev[j]!;
      diag = up;
    }
  }
  return best;
}

describe('offline guessing on a recorded X25519 activation', () => {
  const users = [{ email: EMAIL, displayName: 'Alice Example', activationPassword: P }];
  const h = runActivation({ users, password: P, handsetSeed: 'recorded-run' });
  const r = record(h);
  /** The handset's secret scalar ya, from its state right after `activate` (never on the wire). */
  const ya = h.states[1]!.session!.scalar!;

  it('the recorded run completed (the transcript is a real, successful activation)', () => {
    expect(h.state.phase).toBe('complete');
    expect(P).not.toBe(Q);
  });

  it('both shares are valid elements of the prime-order group, as are 8·g(P) and 8·g(Q): scalars exist for both candidates', () => {
    for (const share of [r.Ya, r.Yb]) {
      const point = edwardsOf(share);
      expect(point).toBeDefined();
      expect(point!.isTorsionFree()).toBe(true);
      expect(point!.is0()).toBe(false);
      expect(X25519.scalarMultVfy(seededRandom('any-scalar')(32), share)).toBeDefined();
    }
    for (const candidate of [P, Q]) {
      const g = edwardsOf(generator(X25519, candidate, r));
      expect(g).toBeDefined();
      const g8 = g!.clearCofactor();
      expect(g8.is0()).toBe(false);
      expect(g8.isTorsionFree()).toBe(true);
    }
  });

  it('(a) the recorded shares are no scalar-free function of the password an attacker can compute', () => {
    for (const candidate of [P, Q]) {
      const prs = passwordToPrs(candidate);
      const g = generator(X25519, candidate, r);
      const genStr = generatorString(X25519.dsi, prs, r.ci, r.sid, 128);
      const attackerValues = [
        g,
        sha512(genStr).subarray(0, 32),
        sha256(prs),
        sha512(prs).subarray(0, 32),
        sha256(genStr),
        utf8ToBytes(candidate.padEnd(32, '\0')).subarray(0, 32),
      ];
      for (const value of attackerValues) {
        expect(eq(value, r.Ya)).toBe(false);
        expect(eq(value, r.Yb)).toBe(false);
      }
    }
    // Ya and Yb are not even related to each other by anything public: they differ.
    expect(eq(r.Ya, r.Yb)).toBe(false);
  });

  it('(b) with his own scalar, an attacker gets a mismatching Tb for the right and the wrong password alike', () => {
    for (const seed of ['attacker-1', 'attacker-2', 'attacker-3']) {
      const z = seededRandom(seed)(32);
      const verdict = (candidate: string) => {
        const t = attackerTb(r, candidate, z);
        return { tbAsA: eq(t.asA, r.Tb), tbOwnShare: eq(t.asOwnShare, r.Tb), ta: eq(t.ta, r.Ta) };
      };
      const forP = verdict(P);
      const forQ = verdict(Q);
      expect(forP).toEqual({ tbAsA: false, tbOwnShare: false, ta: false });
      expect(forQ).toEqual(forP);
    }
  });

  it('only the secret scalar ya gives a password test, and with it the recorded Tb verifies (the computation is right)', () => {
    // ya·g(P) reproduces the recorded Ya, ya·g(Q) does not: a test that needs ya.
    expect(eq(X25519.scalarMult(ya, generator(X25519, P, r)), r.Ya)).toBe(true);
    expect(eq(X25519.scalarMult(ya, generator(X25519, Q, r)), r.Ya)).toBe(false);
    // With ya, K = ya·Yb and the recorded confirmation tags verify.
    const isk = cpaceDeriveIsk(X25519, { sid: r.sid, scalar: ya, peerShare: r.Yb, Ya: r.Ya, ADa: r.ADa, Yb: r.Yb, ADb: r.ADb });
    const macKey = confirmationKey(X25519, r.sid, isk);
    expect(eq(confirmationTag(macKey, r.Yb, r.ADb), r.Tb)).toBe(true);
    expect(eq(confirmationTag(macKey, r.Ya, r.ADa), r.Ta)).toBe(true);
    // The scalar is gone from the handset state once the server share has been processed.
    expect(h.state.session?.scalar).toBeUndefined();
    expect(h.states.filter((s) => s.session?.scalar !== undefined)).toHaveLength(1);
  });

  it('(c) two ETP.DATs with the same password and sid but different randomness share nothing but structure', () => {
    const sid = seededRandom('fixed-sid')(16);
    /** Different randomness, except that the one 16-byte request (the sid) is fixed. */
    const withFixedSid = (seed: string): RandomSource => {
      const inner = seededRandom(seed);
      return (n) => (n === 16 ? sid.slice() : inner(n));
    };
    const runs = ['etp-1', 'etp-2'].map((seed) =>
      runActivation({ users, password: P, random: withFixedSid(seed), stopWhen: (x) => x.sent('to-server', 'etp-dat').length > 0 }),
    );
    const [a, b] = runs.map((x) => decodeEtpDat(decodeFrame(x.sent('to-server', 'etp-dat')[0]!).body));
    // Same public header (same sid: the same generator g(P) on both sides).
    expect(eq(a!.headerBytes, b!.headerBytes)).toBe(true);
    expect(eq(decodeFrame(runs[0]!.sent('to-server', 'etp-dat')[0]!).sid, sid)).toBe(true);
    expect(eq(decodeFrame(runs[1]!.sent('to-server', 'etp-dat')[0]!).sid, sid)).toBe(true);
    // Shares: blinded by independent scalars.
    expect(eq(a!.share, b!.share)).toBe(false);
    expect(longestCommonRun(a!.share, b!.share)).toBeLessThan(4);
    // Bodies: random nonces, ciphertexts under independent random body keys.
    expect(longestCommonRun(a!.sealedBody.nonce, b!.sealedBody.nonce)).toBeLessThan(4);
    expect(a!.sealedBody.ciphertext.length).toBe(b!.sealedBody.ciphertext.length);
    expect(longestCommonRun(a!.sealedBody.ciphertext, b!.sealedBody.ciphertext)).toBeLessThan(5);
    // And no trace of the password anywhere in either file.
    for (const run of runs) {
      const etpBytes = decodeFrame(run.sent('to-server', 'etp-dat')[0]!).body;
      expect(Buffer.from(etpBytes).includes(Buffer.from(P))).toBe(false);
      expect(Buffer.from(etpBytes).toString('hex').includes(Buffer.from(P).toString('hex'))).toBe(false);
    }
  });

  it('(c) the same randomness with P or Q gives different shares, both valid: the share depends on the password only through ya', () => {
    const shares = [P, Q].map((password) => {
      const x = runActivation({
        users: [{ email: EMAIL, displayName: 'Alice', activationPassword: password }],
        password,
        handsetSeed: 'same-randomness',
        stopWhen: (y) => y.sent('to-server', 'etp-dat').length > 0,
      });
      return decodeEtpDat(decodeFrame(x.sent('to-server', 'etp-dat')[0]!).body);
    });
    expect(eq(shares[0]!.headerBytes, shares[1]!.headerBytes)).toBe(true);
    expect(eq(shares[0]!.share, shares[1]!.share)).toBe(false);
    for (const s of shares) expect(edwardsOf(s.share)?.isTorsionFree()).toBe(true);
  });
});

describe('offline guessing on a recorded P-521 activation', () => {
  it('the shares are valid points of the prime-order group; the attacker-computed Tb mismatches for P and Q alike', () => {
    const users = [{ email: EMAIL, displayName: 'Alice Example', activationPassword: P }];
    const h = runActivation({
      users,
      password: P,
      handsetConfig: { ...HANDSET_CONFIG, suites: [P521] },
      stopWhen: (x) => x.keyEstablished !== undefined,
    });
    expect(h.keyEstablished).toBeDefined();
    const r = record(h);
    const suite = allAlgorithms.cpaceSuite(P521);
    const z = suite.sampleScalar(seededRandom('p521-attacker'));
    // Valid: a scalar multiplication with them succeeds (every valid P-521 point is in the group of prime order).
    expect(suite.scalarMultVfy(z, r.Ya)).toBeDefined();
    expect(suite.scalarMultVfy(z, r.Yb)).toBeDefined();
    const verdict = (candidate: string) => {
      const g = generator(suite, candidate, r);
      expect(eq(g, r.Ya)).toBe(false);
      const isk = cpaceDeriveIsk(suite, { sid: r.sid, scalar: z, peerShare: r.Yb, Ya: r.Ya, ADa: r.ADa, Yb: r.Yb, ADb: r.ADb });
      return eq(confirmationTag(confirmationKey(suite, r.sid, isk), r.Yb, r.ADb), r.Tb);
    };
    expect(verdict(P)).toBe(false);
    expect(verdict(Q)).toBe(false);
  });
});
