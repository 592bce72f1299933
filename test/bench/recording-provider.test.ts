/**
 * The crypto floor is only as good as its recording: every call, on the provider and on the
 * suites and ciphers it hands out, with the arguments as they were at the call (the protocol
 * wipes keys afterwards) and the random bytes drawn, so that the replay computes the same thing.
 */
import { describe, expect, it } from 'vitest';
import { countOperations, createRecorder } from '../../bench/recording-provider.js';
import { checkReplay, prepareReplay } from '../../bench/replay.js';
import { createWebCryptoProvider } from '../../src/crypto/index.js';
import { seededRandom, type CryptoProvider } from '../../src/index.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { allAlgorithms } from '../support/providers.js';

const ad = new Uint8Array([1, 2, 3]);

describe('the recording provider', () => {
  it('keeps the arguments as they were at the call, though the caller wipes them after', () => {
    const recorder = createRecorder(allAlgorithms);
    const key = new Uint8Array(32).fill(7);
    recorder.start();
    recorder.provider.sha256(key);
    key.fill(0);
    expect(recorder.calls[0]!.args[0]).toEqual(new Uint8Array(32).fill(7));
  });

  it('records the calls on the suites and ciphers it hands out, and only while recording', () => {
    const recorder = createRecorder(allAlgorithms);
    const cipher = recorder.provider.transportCipher('TDES-EDE2-CBC');
    cipher.generateKey(seededRandom('before'));
    recorder.start();
    const key = cipher.generateKey(seededRandom('during'));
    recorder.provider.cpaceSuite('CPACE-X25519-SHA512').hash(key);
    recorder.stop();
    cipher.generateKey(seededRandom('after'));
    expect(countOperations(recorder.calls)).toEqual({
      'CPACE-X25519-SHA512.hash': 1,
      'TDES-EDE2-CBC.generateKey': 1,
      'provider.cpaceSuite': 1,
    });
  });

  it('replays the random bytes a call drew, so that the replay seals the very same message', async () => {
    const recorder = createRecorder(allAlgorithms);
    const transportKey = allAlgorithms.transportCipher('AES-256-CBC').generateKey(seededRandom('k'));
    recorder.start();
    const sealed = recorder.provider.sealMessage('AES-256-CBC', transportKey, new Uint8Array(100), ad, seededRandom('seal'));
    recorder.provider.openMessage(transportKey, sealed, ad);
    expect(recorder.calls[0]!.randomDraws.length).toBeGreaterThan(0);
    await expect(checkReplay(allAlgorithms, recorder.calls)).resolves.toBeUndefined();
    // Replayed twice: a replay must not use up what it replays.
    const replay = prepareReplay(allAlgorithms, recorder.calls);
    // A synchronous provider's replay is synchronous: no await in what the floor times.
    expect(replay()).toBeUndefined();
    replay();
    await expect(checkReplay(allAlgorithms, recorder.calls)).resolves.toBeUndefined();
  });

  it('records a call that threw with its code, and the check wants the replay to throw it too', async () => {
    const recorder = createRecorder(allAlgorithms);
    const transportKey = new Uint8Array(32).fill(1);
    const sealed = allAlgorithms.sealMessage('AES-256-CBC', transportKey, new Uint8Array(10), ad, seededRandom('s'));
    recorder.start();
    expect(() => recorder.provider.openMessage(new Uint8Array(32), sealed, ad)).toThrow();
    expect(recorder.calls[0]!.outcome).toEqual({ threw: 'DECRYPT_FAILED' });
    await expect(checkReplay(allAlgorithms, recorder.calls)).resolves.toBeUndefined();
    expect(() => prepareReplay(allAlgorithms, recorder.calls)()).not.toThrow();
  });

  it('refuses a replay that computes something else than was recorded', async () => {
    const recorder = createRecorder(allAlgorithms);
    recorder.start();
    recorder.provider.sha256(new Uint8Array([1]));
    const call = recorder.calls[0]!;
    (call.args[0] as Uint8Array)[0] = 2;
    await expect(checkReplay(allAlgorithms, recorder.calls)).rejects.toThrow(/replayed call 0 \(provider.sha256\)/);
  });

  it('records what an asynchronous provider (WebCrypto) settles to, and its replay awaits each call', async () => {
    // Typed as a synchronous provider: the drivers take no asynchronous one yet, the recorder already does.
    const webcrypto = (await createWebCryptoProvider()) as unknown as CryptoProvider;
    const recorder = createRecorder(webcrypto);
    const message = new Uint8Array([1, 2, 3]);
    recorder.start();
    const first = await recorder.provider.sha256(message);
    await recorder.provider.hmac('SHA-256', first, message);
    expect(recorder.calls.map((c) => c.outcome)).toEqual([{ returned: sha256(message) }, { returned: expect.any(Uint8Array) }]);
    await expect(checkReplay(webcrypto, recorder.calls)).resolves.toBeUndefined();
    const replayed = prepareReplay(webcrypto, recorder.calls)();
    expect(replayed).toBeInstanceOf(Promise);
    await replayed;
  });

  it('refuses to replay a recording with a call that never settled', async () => {
    const never = { ...allAlgorithms, sha256: () => new Promise<Uint8Array>(() => {}) } as unknown as CryptoProvider;
    const recorder = createRecorder(never);
    recorder.start();
    void recorder.provider.sha256(new Uint8Array(1));
    await expect(checkReplay(never, recorder.calls)).rejects.toThrow(/never settled/);
  });
});
