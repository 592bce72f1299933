/**
 * runWithAsyncProvider (src/crypto/replay-bridge.ts): a synchronous, pure step run against an
 * asynchronous provider gives exactly what the step gives on the synchronous provider, byte for
 * byte, with the same random stream; whatever the step catches; with the step zeroizing what it
 * is given; and a step that asks for different operations when replayed is refused.
 */
import { describe, expect, it } from 'vitest';
import type { AnyCryptoProvider, AsyncCryptoProvider } from '../../src/crypto/async-provider.js';
import { createWebCryptoProvider } from '../../src/crypto/webcrypto/webcrypto-provider.js';
import { runWithAsyncProvider, type ReplayStats } from '../../src/crypto/replay-bridge.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { p521Suite } from '../../src/crypto/cpace/p521-suite.js';
import { x25519Suite } from '../../src/crypto/cpace/x25519-suite.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';
import { expectCode } from '../support/errors.js';

/** `provider` with every computing method answering through a promise (a microtask later). */
function asyncOf(provider: CryptoProvider): AsyncCryptoProvider & { calls: number } {
  const counter = { calls: 0 };
  const later =
    <A extends unknown[], T>(fn: (...args: A) => T) =>
    (...args: A): Promise<T> => {
      counter.calls++;
      return Promise.resolve().then(() => fn(...args));
    };
  const wrapped: AsyncCryptoProvider = {
    name: `async ${provider.name}`,
    asynchronous: true,
    cpaceSuite(id) {
      const s = provider.cpaceSuite(id);
      return {
        id: s.id,
        dsi: s.dsi,
        shareLength: s.shareLength,
        sampleScalar: (r) => s.sampleScalar(r),
        hash: later(s.hash),
        calculateGenerator: later(s.calculateGenerator),
        scalarMult: later(s.scalarMult),
        scalarMultVfy: later(s.scalarMultVfy),
      };
    },
    transportCipher(id) {
      const c = provider.transportCipher(id);
      return {
        id: c.id,
        keyLength: c.keyLength,
        blockLength: c.blockLength,
        strength: c.strength,
        generateKey: (r) => c.generateKey(r),
        encryptCbc: later(c.encryptCbc),
        decryptCbc: later(c.decryptCbc),
      };
    },
    sha512: later(provider.sha512),
    sha256: later(provider.sha256),
    hmac: later(provider.hmac),
    hkdf: later(provider.hkdf),
    aeadSeal: later(provider.aeadSeal),
    aeadOpen: later(provider.aeadOpen),
    signingKeyPair: later(provider.signingKeyPair),
    sign: later(provider.sign),
    verify: later(provider.verify),
    agreementKeyPair: later(provider.agreementKeyPair),
    agree: later(provider.agree),
    sealMessage: later(provider.sealMessage),
    openMessage: later(provider.openMessage),
  };
  return Object.defineProperty(wrapped, 'calls', { get: () => counter.calls }) as AsyncCryptoProvider & { calls: number };
}

/**
 * Replays a recorded activation's handset inputs through the bridge and checks every step's
 * outputs and state against the recording (which ran on the synchronous noble provider).
 */
async function replayActivation(provider: AnyCryptoProvider): Promise<ReplayStats[]> {
  const pair = activatePair();
  expect(pair.result?.email).toBeDefined();
  const random = seededRandom('handset-seed'); // the Pair's handset seed: the same stream
  const stats: ReplayStats[] = [];
  let state: HandsetState = pair.states[0]!;
  for (const [i, recorded] of pair.steps.entries()) {
    const result = await runWithAsyncProvider(
      provider,
      random,
      (p, r) => handsetStep(state, recorded.input, { provider: p, random: r }),
      (s) => stats.push(s),
    );
    expect(result.outputs, `step ${i} (${recorded.input.type})`).toEqual(recorded.outputs);
    expect(result.state).toEqual(recorded.after);
    state = result.state;
  }
  expect(state.phase).toBe('complete');
  return stats;
}

describe('runWithAsyncProvider', () => {
  it('runs a whole recorded activation on an all-asynchronous provider, byte for byte', async () => {
    const provider = asyncOf(allAlgorithms);
    const stats = await replayActivation(provider);
    // Every operation answered later: each costs one more pass.
    const operations = stats.reduce((n, s) => n + s.operations, 0);
    expect(operations).toBeGreaterThan(20);
    expect(stats.every((s) => s.passes === s.operations + 1)).toBe(true);
  });

  it('runs it on the WebCrypto provider (native where this runtime has it), byte for byte', async () => {
    const provider = await createWebCryptoProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
    await replayActivation(provider);
  });

  it('costs one pass when every answer is synchronous (a CryptoProvider is an AsyncCryptoProvider)', async () => {
    const stats = await replayActivation(allAlgorithms);
    expect(stats.every((s) => s.passes === 1)).toBe(true);
  });

  it("keeps the random stream aligned: operations that draw (sealing) use the source, the step's own draws replay", async () => {
    const compute = (p: CryptoProvider, r: (n: number) => Uint8Array) => {
      const key = p.transportCipher('AES-256-CBC').generateKey(r); // the step's draw
      const sealed = p.sealMessage('AES-256-CBC', key, new Uint8Array(40), new Uint8Array(3), r); // draws inside
      const after = r(8); // the step's draw after the sealing
      const digest = p.sha256(after);
      return { key, sealed, after, digest };
    };
    const direct = compute(allAlgorithms, seededRandom('align'));
    const bridged = await runWithAsyncProvider(asyncOf(allAlgorithms), seededRandom('align'), compute);
    expect(bridged).toEqual(direct);
  });

  it('is not fooled by a step that catches everything, nor by one that zeroizes what it is given', async () => {
    const compute = (p: CryptoProvider) => {
      const trail: string[] = [];
      let secret: Uint8Array | undefined;
      try {
        secret = p.hkdf(new Uint8Array(32).fill(1), new Uint8Array(0), new Uint8Array(0), 32);
        trail.push('derived');
      } catch {
        trail.push('caught'); // a pass waiting for hkdf ends here; it must not be the result
      }
      const tag = secret === undefined ? undefined : p.hmac('SHA-256', secret, new Uint8Array(5));
      secret?.fill(0); // the step wipes its secret: later passes must still see the real answer
      return { trail, tag };
    };
    const direct = compute(allAlgorithms);
    expect(direct.trail).toEqual(['derived']);
    expect(await runWithAsyncProvider(asyncOf(allAlgorithms), seededRandom('z'), compute)).toEqual(direct);
  });

  it('keeps the stream aligned when a step draws randomness while it handles a pending operation', async () => {
    const compute = (p: CryptoProvider, r: (n: number) => Uint8Array) => {
      let digest: Uint8Array;
      try {
        digest = p.sha256(r(4));
      } catch {
        digest = r(32); // only a pass waiting for sha256 gets here: its draws must not be kept
      }
      return { digest, next: r(6) };
    };
    const direct = compute(allAlgorithms, seededRandom('catch-draw'));
    expect(await runWithAsyncProvider(asyncOf(allAlgorithms), seededRandom('catch-draw'), compute)).toEqual(direct);
  });

  it('gives the step the same error, at the same point, when an asynchronous operation rejects', async () => {
    const key = new Uint8Array(32).fill(7);
    const compute = (p: CryptoProvider) => {
      try {
        p.transportCipher('AES-256-CBC').decryptCbc(key, new Uint8Array(16), new Uint8Array(32)); // bad padding
        return 'decrypted';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    expect(compute(allAlgorithms)).toBe('DECRYPT_FAILED');
    expect(await runWithAsyncProvider(asyncOf(allAlgorithms), seededRandom('e'), compute)).toBe('DECRYPT_FAILED');
    await expect(
      runWithAsyncProvider(asyncOf(allAlgorithms), seededRandom('e'), (p) => p.agree(new Uint8Array(32).fill(1), new Uint8Array(32))),
    ).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('refuses a step that asks for different operations when replayed (INVALID_STATE)', async () => {
    let run = 0;
    const err = await runWithAsyncProvider(asyncOf(allAlgorithms), seededRandom('n'), (p) => {
      run++;
      p.sha256(new Uint8Array([run])); // different arguments on every pass
      return p.sha512(new Uint8Array(1));
    }).catch((e: unknown) => e);
    expectCode(() => {
      throw err;
    }, 'INVALID_STATE');
  });
});
