/**
 * Per-password timing of CPace's calculate_generator (issue 8, finding 14). For a set of
 * passwords, each generator is timed many times and the median kept; the report gives the spread
 * of those medians (slowest minus fastest password) for the old path (noble's variable-time
 * `invert` after the Elligator 2 map; noble's `p521_hasher`, whose SSWU map ends with `Fp.inv`) and
 * for the suites as shipped (Fermat inversion with a fixed exponent). Run with
 * `npx tsx bench/cpace-generator.ts`. Numbers depend on the machine and on BigInt internals, which
 * are not constant time whatever the algorithm; this is a report, not a test.
 */
import { performance } from 'node:perf_hooks';
import { _map_to_curve_elligator2_curve25519 } from '@noble/curves/ed25519.js';
import { p521_hasher } from '@noble/curves/nist.js';
import { invert, mod } from '@noble/curves/abstract/modular.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { generatorString } from '../src/crypto/cpace/encoding.js';
import { x25519Suite } from '../src/crypto/cpace/x25519-suite.js';
import { p521Suite } from '../src/crypto/cpace/p521-suite.js';
import { utf8ToBytes } from '../src/util/bytes.js';

const CI = utf8ToBytes('ci');
const SID = new Uint8Array(16).fill(7);
const P25519 = 2n ** 255n - 19n;
const P521_DSI = utf8ToBytes('CPaceP521_XMD:SHA-512_SSWU_NU_');
const P521_DST = utf8ToBytes('CPaceP521_XMD:SHA-512_SSWU_NU__DST');

/** The generator as it was computed before the fix (variable-time inversion). */
function x25519Old(prs: Uint8Array): Uint8Array {
  const digest = sha512(generatorString(utf8ToBytes('CPace255'), prs, CI, SID, 128));
  digest[31]! &= 0x7f;
  const { xMn, xMd } = _map_to_curve_elligator2_curve25519(mod(bytesToNumberLE(digest.subarray(0, 32)), P25519));
  return numberToBytesLE(mod(xMn * invert(xMd, P25519), P25519), 32);
}

function p521Old(prs: Uint8Array): Uint8Array {
  return p521_hasher.encodeToCurve(generatorString(P521_DSI, prs, CI, SID, 128), { DST: P521_DST }).toBytes(false);
}

/**
 * Per-password median time, measured round-robin (every password once per round) so that machine
 * noise and drift hit all passwords alike.
 */
function perPasswordMedians(generator: (prs: Uint8Array) => Uint8Array, passwords: Uint8Array[], rounds: number): number[] {
  const samples = passwords.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    passwords.forEach((prs, i) => {
      const start = performance.now();
      generator(prs);
      samples[i]!.push((performance.now() - start) * 1000);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]!);
}

function report(name: string, generator: (prs: Uint8Array) => Uint8Array, passwords: Uint8Array[], rounds: number): void {
  for (let i = 0; i < 50; i++) generator(passwords[i % passwords.length]!);
  const medians = perPasswordMedians(generator, passwords, rounds).sort((a, b) => a - b);
  const at = (q: number) => medians[Math.min(medians.length - 1, Math.floor(q * medians.length))]!;
  console.log(
    `${name.padEnd(44)} median ${at(0.5).toFixed(1).padStart(7)} us   fastest ${at(0).toFixed(1).padStart(7)}   slowest ${at(1).toFixed(1).padStart(7)}` +
      `   spread ${(at(1) - at(0)).toFixed(1).padStart(5)} us (p10-p90 ${(at(0.9) - at(0.1)).toFixed(1)} us)`,
  );
}

const passwords = Array.from({ length: 64 }, (_, i) => utf8ToBytes(`password-${i}`));
report('X25519 generator, noble invert (before)', x25519Old, passwords, 301);
report('X25519 generator, Fermat inversion (now)', (prs) => x25519Suite.calculateGenerator(prs, CI, SID), passwords, 301);
report('P-521 generator, noble p521_hasher (before)', p521Old, passwords.slice(0, 32), 61);
report('P-521 generator, Fermat inversion (now)', (prs) => p521Suite.calculateGenerator(prs, CI, SID), passwords.slice(0, 32), 61);
