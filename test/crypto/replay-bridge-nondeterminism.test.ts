/**
 * runWithAsyncProvider (src/crypto/replay-bridge.ts) refuses a step that is not deterministic: when
 * a replayed pass asks for an operation other than the one the journal answered (another
 * operation, other arguments, a draw of another length), the run rejects with INVALID_STATE, its
 * message, and a cause naming the operation that differed (`field`: `sha512`, `hmac`,
 * `CPACE-X25519-SHA512.scalarMult`, `AES-256-CBC.decryptCbc`, `random`, ...). Replaying the
 * journal's answer instead would hand the step an answer to a question it did not ask.
 *
 * Issue 9: mutation survivors. Each operation's name is pinned through the cause, and each way two
 * arguments can differ (bytes of another length, bytes against an array of the same numbers, an
 * object with one more field or one other field, one argument of several) is pinned by a refusal.
 */
import { describe, expect, it } from 'vitest';
import type { AsyncCryptoProvider, AsyncCPaceSuite, AsyncTransportCipher } from '../../src/crypto/async-provider.js';
import type { CPaceSuiteId, CryptoProvider, SealedMessage, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { runWithAsyncProvider } from '../../src/crypto/replay-bridge.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';

const X25519: CPaceSuiteId = 'CPACE-X25519-SHA512';
const AES: TransportKeyAlgorithm = 'AES-256-CBC';

/** An answer a microtask later: every operation of {@link laterProvider} is pending for one pass. */
const later = <T>(value: T) => Promise.resolve(value);

/** A provider whose every operation answers through a promise, with fixed placeholder answers. */
const laterProvider: AsyncCryptoProvider = {
  name: 'later',
  asynchronous: true,
  cpaceSuite(id): AsyncCPaceSuite {
    return {
      id,
      dsi: new Uint8Array(1),
      shareLength: 32,
      sampleScalar: (random) => random(32),
      hash: () => later(new Uint8Array(64)),
      calculateGenerator: () => later(new Uint8Array(32)),
      scalarMult: () => later(new Uint8Array(32)),
      scalarMultVfy: () => later(new Uint8Array(32)),
    };
  },
  transportCipher(id): AsyncTransportCipher {
    return {
      id,
      keyLength: 32,
      blockLength: 16,
      strength: 256,
      generateKey: (random) => random(32),
      encryptCbc: () => later(new Uint8Array(16)),
      decryptCbc: () => later(new Uint8Array(16)),
    };
  },
  sha512: () => later(new Uint8Array(64)),
  sha256: () => later(new Uint8Array(32)),
  hmac: () => later(new Uint8Array(32)),
  hkdf: (_ikm, _salt, _info, length) => later(new Uint8Array(length)),
  aeadSeal: () => later(new Uint8Array(16)),
  aeadOpen: () => later(new Uint8Array(0)),
  signingKeyPair: () => later({ publicKey: new Uint8Array(32), secretKey: new Uint8Array(32) }),
  sign: () => later(new Uint8Array(64)),
  verify: () => later(true),
  agreementKeyPair: () => later({ publicKey: new Uint8Array(32), secretKey: new Uint8Array(32) }),
  agree: () => later(new Uint8Array(32)),
  sealMessage: (algorithm) => later(sealedMessage(algorithm)),
  openMessage: () => later(new Uint8Array(0)),
};

function sealedMessage(algorithm: TransportKeyAlgorithm = AES): SealedMessage {
  return {
    algorithm,
    keyIv: new Uint8Array(16).fill(1),
    wrappedKey: new Uint8Array(32).fill(2),
    iv: new Uint8Array(16).fill(3),
    ciphertext: new Uint8Array(32).fill(4),
    tag: new Uint8Array(32).fill(5),
  };
}

/** The error a run that must fail rejects with (a run that resolves fails the test). */
async function refusal(run: Promise<unknown>): Promise<ActivationError> {
  const settled = await run.then(
    (value: unknown) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  expect(settled).toMatchObject({ rejected: true });
  const error = settled.rejected ? settled.error : undefined;
  expect(error).toBeInstanceOf(ActivationError);
  return error as ActivationError;
}

/** The refusal of a step that is not deterministic, naming what differed (`field`). */
function notDeterministic(field: string): ReturnType<ActivationError['toJSON']> {
  return {
    name: 'ActivationError',
    code: 'INVALID_STATE',
    message: 'a step asked for different crypto operations when replayed (it is not deterministic)',
    cause: { operation: 'replay crypto', field },
  };
}

/**
 * Runs `step` on {@link laterProvider}, telling it which pass it is on (1, 2, ...): a step that
 * asks something else on the second pass than on the first is the one the bridge must refuse.
 */
function runCountingPasses<R>(step: (provider: CryptoProvider, pass: number, random: (n: number) => Uint8Array) => R): Promise<R> {
  let pass = 0;
  return runWithAsyncProvider(laterProvider, seededRandom('nondeterminism'), (provider, random) => step(provider, ++pass, random));
}

/** One byte that changes from pass to pass. */
const varying = (pass: number) => new Uint8Array([pass]);
const fixed = (length: number, fill = 9) => new Uint8Array(length).fill(fill);

describe('runWithAsyncProvider refuses a step that is not deterministic', () => {
  // Each operation, asked with an argument that differs on the second pass: the cause names it.
  const operations: ReadonlyArray<readonly [field: string, ask: (p: CryptoProvider, pass: number) => unknown]> = [
    ['sha512', (p, pass) => p.sha512(varying(pass))],
    ['sha256', (p, pass) => p.sha256(varying(pass))],
    ['hmac', (p, pass) => p.hmac('SHA-256', fixed(32), varying(pass))],
    ['hkdf', (p, pass) => p.hkdf(varying(pass), fixed(0), fixed(4), 32)],
    ['aeadSeal', (p, pass) => p.aeadSeal(fixed(32), fixed(12), varying(pass), fixed(0))],
    ['aeadOpen', (p, pass) => p.aeadOpen(fixed(32), fixed(12), varying(pass), fixed(0))],
    ['signingKeyPair', (p, pass) => p.signingKeyPair(varying(pass))],
    ['sign', (p, pass) => p.sign(fixed(32), varying(pass))],
    ['verify', (p, pass) => p.verify(fixed(32), varying(pass), fixed(64))],
    ['agreementKeyPair', (p, pass) => p.agreementKeyPair(varying(pass))],
    ['agree', (p, pass) => p.agree(fixed(32), varying(pass))],
    ['sealMessage', (p, pass) => p.sealMessage(AES, fixed(32), varying(pass), fixed(0), seededRandom('seal'))],
    ['openMessage', (p, pass) => p.openMessage(fixed(32), sealedMessage(), varying(pass))],
    [`${X25519}.hash`, (p, pass) => p.cpaceSuite(X25519).hash(varying(pass))],
    [`${X25519}.calculateGenerator`, (p, pass) => p.cpaceSuite(X25519).calculateGenerator(fixed(8), varying(pass), fixed(16))],
    [`${X25519}.scalarMult`, (p, pass) => p.cpaceSuite(X25519).scalarMult(fixed(32), varying(pass))],
    [`${X25519}.scalarMultVfy`, (p, pass) => p.cpaceSuite(X25519).scalarMultVfy(fixed(32), varying(pass))],
    [`${AES}.encryptCbc`, (p, pass) => p.transportCipher(AES).encryptCbc(fixed(32), fixed(16), varying(pass))],
    [`${AES}.decryptCbc`, (p, pass) => p.transportCipher(AES).decryptCbc(fixed(32), fixed(16), varying(pass))],
  ];

  it.each(operations)('names %s in the cause when its arguments differ on replay', async (field, ask) => {
    const err = await refusal(runCountingPasses((p, pass) => ask(p, pass)));
    expect(err.toJSON()).toEqual(notDeterministic(field));
  });

  it('refuses a step that asks for another operation with the same arguments, naming the new one', async () => {
    const err = await refusal(runCountingPasses((p, pass) => (pass === 1 ? p.sha256(fixed(3)) : p.sha512(fixed(3)))));
    expect(err.toJSON()).toEqual(notDeterministic('sha512'));
  });

  it('refuses an argument that differs in one position only (the others the same)', async () => {
    const err = await refusal(runCountingPasses((p, pass) => p.hmac('SHA-512', fixed(64), fixed(10, pass))));
    expect(err.toJSON()).toEqual(notDeterministic('hmac'));
  });

  it('refuses bytes that grow on replay, even when they start with the bytes journaled', async () => {
    const err = await refusal(runCountingPasses((p, pass) => p.sha256(fixed(pass, 7))));
    expect(err.toJSON()).toEqual(notDeterministic('sha256'));
  });

  it('refuses bytes replaced by an array of the same numbers (the provider was never asked about an array)', async () => {
    const err = await refusal(
      runCountingPasses((p, pass) => p.sha256(pass === 1 ? Uint8Array.of(1, 2, 3) : ([1, 2, 3] as unknown as Uint8Array))),
    );
    expect(err.toJSON()).toEqual(notDeterministic('sha256'));
  });

  it('refuses an object argument that gains a field on replay', async () => {
    const err = await refusal(
      runCountingPasses((p, pass) => {
        const sealed = pass === 1 ? sealedMessage() : ({ ...sealedMessage(), extra: fixed(1) } as SealedMessage);
        return p.openMessage(fixed(32), sealed, fixed(0));
      }),
    );
    expect(err.toJSON()).toEqual(notDeterministic('openMessage'));
  });

  it('refuses an object argument that differs in one field only', async () => {
    const err = await refusal(
      runCountingPasses((p, pass) => p.openMessage(fixed(32), { ...sealedMessage(), tag: fixed(32, pass) }, fixed(0))),
    );
    expect(err.toJSON()).toEqual(notDeterministic('openMessage'));
  });

  it("refuses a step whose own draw changes length on replay, naming 'random'", async () => {
    const err = await refusal(
      runCountingPasses((p, pass, random) => {
        random(3 + pass); // journaled on the first pass (4 bytes), asked again for 5
        return p.sha256(fixed(2));
      }),
    );
    expect(err.toJSON()).toEqual(notDeterministic('random'));
  });

  it('still resolves a step that asks the same things on every pass (the refusals above are not spurious)', async () => {
    const result = await runCountingPasses((p, _pass, random) => {
      const drawn = random(4);
      const sealed = p.openMessage(fixed(32), sealedMessage(), Uint8Array.of(1, 2, 3));
      return { drawn: drawn.length, digest: p.sha256(fixed(4, 7)), mac: p.hmac('SHA-512', fixed(64), fixed(10)), sealed };
    });
    expect(result).toEqual({ drawn: 4, digest: new Uint8Array(32), mac: new Uint8Array(32), sealed: new Uint8Array(0) });
  });
});
