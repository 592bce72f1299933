/**
 * Key rollover on the handset (src/handset/phase-rollover.ts; docs/lifecycle.md, "Key rollover",
 * "Key states"), stepped through `handsetStep` from the states of one rollover run by the Pair:
 * "Regenerate Encryption Key", the offer and its accept (kept, repeated byte for byte), rekey-done
 * and its proof, the pending key promoted by any message under it, and the previous key tried for
 * 7 days. Frames the server did not send are sealed here under keys the handset holds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { HandsetOutput, StepResult } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState, HandsetStateIn } from '../../src/handset/state.js';
import { defaultServiceBooks } from '../../src/service-books/server-books.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { encodeFrame, frameAssociatedData, type MessageType } from '../../src/wire/frame.js';
import { decodeRekeyOffer, encodeRekeyOffer } from '../../src/wire/messages/rekey-offer.js';
import { encodeRekeyDone } from '../../src/wire/messages/rekey-done.js';
import { openBody, sealBody, type TransportKeyRef } from '../../src/wire/messages/sealed-body.js';
import { encodeServiceBooks } from '../../src/wire/messages/service-books.js';
import { EMAIL, USERS } from '../support/fixtures.js';
import { frameOf } from '../support/frames.js';
import { activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const ENV = { provider: allAlgorithms, random: seededRandom('rollover-phase') };
const SRP = 'srp:S0000001';
const SEVEN_DAYS = 7 * 24 * 3_600_000;

type Complete = HandsetStateIn<'complete'>;
let before: Complete; // activated, no rollover yet
let pending: Complete; // the offer taken: a key pending
let after: Complete; // rekey-done taken: switched
let offer: Uint8Array;
let done: Uint8Array;
let doneAt: number;

beforeAll(() => {
  const pair = activatePair({ users: USERS, serverOptions: { keyRolloverDays: 0 } });
  if (pair.handset.phase !== 'complete') throw new Error('not complete');
  before = pair.handset;
  pair.server.regenerateKey(EMAIL);
  pair.pollServer();
  pair.drive();
  const complete = (s: HandsetState | undefined): Complete => {
    if (s?.phase !== 'complete') throw new Error('not complete');
    return s;
  };
  pending = complete(pair.states.find((s) => s.pendingKey !== undefined));
  after = complete(pair.handset);
  offer = pair.sent('to-handset', 'rekey-offer')[0]!;
  done = pair.sent('to-handset', 'rekey-done')[0]!;
  doneAt = pair.clock.now;
  expect(pair.outputsOf('key-changed')).toHaveLength(1);
});

function step(state: HandsetState, bytes: Uint8Array, now = doneAt, env = ENV): StepResult<HandsetState> {
  return handsetStep(state, { type: 'frame', bytes, now }, env);
}

/** A provider that keeps the secret key of every agreement key pair it makes (to see it erased after use). */
function secretsSpy(): { secrets: Uint8Array[]; spy: CryptoProvider } {
  const secrets: Uint8Array[] = [];
  const spy: CryptoProvider = {
    ...allAlgorithms,
    agreementKeyPair: (seed) => {
      const pair = allAlgorithms.agreementKeyPair(seed);
      secrets.push(pair.secretKey);
      return pair;
    },
  };
  return { secrets, spy };
}

/** A server frame in the session, of `type`, `seq` (default: next expected), its body `plaintext` sealed under `tk`. */
function serverFrame(
  state: Complete,
  type: MessageType,
  plaintext: Uint8Array,
  tk: TransportKeyRef,
  seq = state.session.recvSeq,
): Uint8Array {
  const { body: _body, ...header } = { ...frameOf(offer), type, seq };
  return encodeFrame({ ...header, body: sealBody(allAlgorithms, tk, plaintext, frameAssociatedData(header), ENV.random) });
}

const BOOKS = encodeServiceBooks(defaultServiceBooks({ srp: 'S0000001', besDomain: 'example.com', email: EMAIL }));
const types = (outputs: readonly HandsetOutput[]) => outputs.map((o) => o.type);
const offerOf = () =>
  decodeRekeyOffer(openBody(allAlgorithms, before.transportKey, frameOf(offer).body, frameAssociatedData(frameOf(offer)), 'rekey-offer'));

describe('Regenerate Encryption Key', () => {
  const regenerate = (state: HandsetState) => handsetStep(state, { type: 'regenerate-key', now: doneAt }, ENV);

  it('sends rekey-request to the server and waits for its offer', () => {
    const result = regenerate(before);
    expect(result.outputs).toEqual([
      { type: 'send', bytes: expect.any(Uint8Array), to: SRP },
      { type: 'set-timer', at: doneAt + before.config.retry.replyTimeoutMs },
    ]);
    const sent = result.outputs[0];
    expect(sent?.type === 'send' && frameOf(sent.bytes).type).toBe('rekey-request');
  });

  it('is ignored when the server gave no agreement key (it cannot roll keys over)', () => {
    const old: HandsetState = { ...before, server: { ...before.server, agreementKey: undefined } };
    const result = regenerate(old);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'the server cannot roll keys over (no agreement key)' }]);
    expect(result.state).toBe(old);
  });

  it('is ignored while a rollover is under way', () => {
    const result = regenerate(pending);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'a key rollover is already under way' }]);
    expect(result.state).toBe(pending);
  });
});

describe('rekey-offer', () => {
  it('derives the new key, keeps it pending with the accept as sent, and sends rekey-accept', () => {
    const result = step(before, offer);
    expect(types(result.outputs)).toEqual(['send', 'set-timer']);
    const send = result.outputs[0] as Extract<HandsetOutput, { type: 'send' }>;
    expect(send.to).toBe(SRP);
    expect(frameOf(send.bytes).type).toBe('rekey-accept');
    const state = result.state;
    expect(state.pendingKey?.key.keyId).toEqual(offerOf().keyId);
    expect(state.pendingKey?.accept).toEqual(send.bytes);
    expect(state.transportKey).toEqual(before.transportKey);
    expect(state.session?.recvSeq).toBe(frameOf(offer).seq + 1);
  });

  it('the same offer again (its accept was lost) gets the same accept, byte for byte, whatever became of the copy sent', () => {
    // The server seals its repeated offer again, with a new sequence number.
    const again = step(pending, serverFrame(pending, 'rekey-offer', encodeRekeyOffer(offerOf()), pending.transportKey));
    expect(again.outputs).toEqual([{ type: 'send', bytes: pending.pendingKey!.accept, to: SRP }]);
    const held = pending.pendingKey!.accept.slice();
    (again.outputs[0] as Extract<HandsetOutput, { type: 'send' }>).bytes.fill(0);
    expect(again.state.pendingKey?.accept).toEqual(held);
    expect(again.state.session?.recvSeq).toBe(pending.session.recvSeq + 1);
  });

  it('an offer for another key id while one is pending is a new rollover: a new key pending, a new accept', () => {
    const keyId = offerOf().keyId.map((b) => b ^ 0xff);
    const result = step(pending, serverFrame(pending, 'rekey-offer', encodeRekeyOffer({ ...offerOf(), keyId }), pending.transportKey));
    expect(types(result.outputs)).toEqual(['send', 'set-timer']);
    expect(result.state.pendingKey?.key.keyId).toEqual(keyId);
    expect(result.state.pendingKey?.accept).not.toEqual(pending.pendingKey!.accept);
  });

  it('an offer for the current key (late, after the switch) is ignored, its sequence number taken', () => {
    const late = serverFrame(after, 'rekey-offer', encodeRekeyOffer({ ...offerOf() }), after.transportKey);
    const result = step(after, late);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rekey-offer for the current key' }]);
    expect(result.state.transportKey).toEqual(after.transportKey);
    expect(result.state.session?.recvSeq).toBe(after.session.recvSeq + 1);
  });

  it.each([
    [
      'a server without an agreement key',
      (s: Complete): Complete => ({ ...s, server: { ...s.server, agreementKey: undefined } }),
      'AES-256-CBC',
    ],
    [
      'an algorithm the handset does not offer',
      (s: Complete): Complete => ({ ...s, config: { ...s.config, ciphers: ['AES-256-CBC'] } }),
      'TDES-EDE2-CBC',
    ],
  ] as const)('from %s is ignored (PROTOCOL_ERROR) and leaves no key pending', (_what, alter, algorithm) => {
    const state = alter(before);
    const frame = serverFrame(state, 'rekey-offer', encodeRekeyOffer({ ...offerOf(), algorithm }), before.transportKey);
    const result = step(state, frame);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rekey-offer the handset cannot take', code: 'PROTOCOL_ERROR' }]);
    expect(result.state.pendingKey).toBeUndefined();
    expect(result.state.session?.recvSeq).toBe(before.session.recvSeq + 1);
  });

  it('control: the same offer for Triple DES is taken by a handset that offers it', () => {
    const frame = serverFrame(before, 'rekey-offer', encodeRekeyOffer({ ...offerOf(), algorithm: 'TDES-EDE2-CBC' }), before.transportKey);
    expect(step(before, frame).state.pendingKey?.key.algorithm).toBe('TDES-EDE2-CBC');
  });

  it('with an all-zero ephemeral key (low order) is refused with PROTOCOL_ERROR, and the handset’s ephemeral secret is erased', () => {
    const { secrets, spy } = secretsSpy();
    const frame = serverFrame(
      before,
      'rekey-offer',
      encodeRekeyOffer({ ...offerOf(), ephemeral: new Uint8Array(32) }),
      before.transportKey,
    );
    const result = step(before, frame, doneAt, { ...ENV, provider: spy });
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rekey-offer refused', code: 'PROTOCOL_ERROR' }]);
    expect(result.state.pendingKey).toBeUndefined();
    expect(result.state.session?.recvSeq).toBe(before.session.recvSeq + 1);
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.every((b) => b === 0)).toBe(true);
  });

  it('the ephemeral secret is erased when the key is derived too', () => {
    const { secrets, spy } = secretsSpy();
    expect(step(before, offer, doneAt, { ...ENV, provider: spy }).state.pendingKey).toBeDefined();
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.every((b) => b === 0)).toBe(true);
  });

  it('a provider that fails with its own error (not an ActivationError) is not reported as a refused offer', () => {
    const bug = new TypeError('provider bug');
    const broken: CryptoProvider = {
      ...allAlgorithms,
      agree: () => {
        throw bug;
      },
    };
    expect(() => step(before, offer, doneAt, { ...ENV, provider: broken })).toThrow(bug);
  });
});

describe('rekey-done', () => {
  it('with the server’s proof: the pending key becomes current, the current one previous for 7 days, keyChanged', () => {
    const result = step(pending, done);
    const key = pending.pendingKey!.key;
    expect(result.outputs).toEqual([
      { type: 'clear-timer' },
      { type: 'key-changed', keyId: bytesToHex(key.keyId), algorithm: key.algorithm },
    ]);
    const state = result.state;
    expect(state.transportKey).toEqual(key);
    expect(state.pendingKey).toBeUndefined();
    expect(state.previousKey).toEqual({ key: pending.transportKey, until: doneAt + SEVEN_DAYS });
    expect(state.session?.deadline).toBeUndefined();
    expect(state.session?.retriesUsed).toBe(0);
    expect(state.session?.recvSeq).toBe(frameOf(done).seq + 1);
  });

  it('after retransmissions of the accept, the switch starts the retry count again', () => {
    const retried: Complete = { ...pending, session: { ...pending.session, retriesUsed: 2 } };
    expect(step(retried, done).state.session?.retriesUsed).toBe(0);
  });

  it.each([
    ['another key id', (keyId: Uint8Array, proof: Uint8Array) => ({ keyId: keyId.map((b) => b ^ 1), proof })],
    ['another proof', (keyId: Uint8Array, proof: Uint8Array) => ({ keyId, proof: proof.map((b, i) => (i === 0 ? b ^ 1 : b)) })],
  ])('with %s, under the pending key: ignored (PROTOCOL_ERROR), the key stays pending', (_what, alter) => {
    const key = pending.pendingKey!;
    const forged = serverFrame(pending, 'rekey-done', encodeRekeyDone(alter(key.key.keyId, key.serverProof)), key.key, frameOf(done).seq);
    const result = step(pending, forged);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rekey-done with a wrong proof', code: 'PROTOCOL_ERROR' }]);
    expect(result.state).toBe(pending);
  });

  it('without a key pending: ignored, nothing changes', () => {
    const frame = serverFrame(
      after,
      'rekey-done',
      encodeRekeyDone({ keyId: after.transportKey.keyId, proof: new Uint8Array(32) }),
      after.transportKey,
    );
    const result = step(after, frame);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rekey-done without a pending key' }]);
    expect(result.state).toBe(after);
  });
});

describe('the pending key promoted by another message under it (rekey-done was lost)', () => {
  it('service books under the pending key: switched first (keyChanged), then taken', () => {
    const key = pending.pendingKey!.key;
    const frame = serverFrame(pending, 'service-books', BOOKS, key);
    const result = step(pending, frame);
    expect(types(result.outputs)).toEqual(['clear-timer', 'key-changed', 'service-books', 'send', 'clear-timer']);
    expect(result.state.transportKey).toEqual(key);
    expect(result.state.previousKey).toEqual({ key: pending.transportKey, until: doneAt + SEVEN_DAYS });
  });

  // The phases after the commit point may all carry the rollover's keys (state.ts, RolloverKeys).
  it.each([
    ['syncing', (s: Complete): HandsetState => ({ ...s, phase: 'syncing' })],
    ['sync-pending', (s: Complete): HandsetState => ({ ...s, phase: 'sync-pending' })],
    [
      'applying-policy-update',
      (s: Complete): HandsetState => ({ ...s, phase: 'applying-policy-update', pendingPolicy: { policy: s.policy.policy, frameSeq: 0 } }),
    ],
  ])('in %s too: a message under the pending key switches to it', (_phase, alter) => {
    const state = alter(pending);
    const result = step(state, serverFrame(pending, 'service-books', BOOKS, pending.pendingKey!.key));
    expect(types(result.outputs).slice(0, 2)).toEqual(['clear-timer', 'key-changed']);
    expect(result.state.transportKey).toEqual(pending.pendingKey!.key);
  });

  it('a provider that fails with its own error while the pending key is tried: the error reaches the caller', () => {
    const bug = new TypeError('provider bug');
    const broken: CryptoProvider = {
      ...allAlgorithms,
      openMessage: () => {
        throw bug;
      },
    };
    // A sync-page is not taken after activation: only the pending key's try opens it.
    const frame = serverFrame(pending, 'sync-page', new Uint8Array(8), pending.pendingKey!.key);
    expect(() => step(pending, frame, doneAt, { ...ENV, provider: broken })).toThrow(bug);
    // Control: with a working provider the frame switches the key, then is not taken.
    expect(types(step(pending, frame).outputs)).toEqual(['clear-timer', 'key-changed', 'ignored']);
  });

  it('control: a message under the current key leaves the key pending', () => {
    const result = step(pending, serverFrame(pending, 'service-books', BOOKS, pending.transportKey));
    expect(types(result.outputs)).toEqual(['service-books', 'send', 'clear-timer']);
    expect(result.state.pendingKey).toEqual(pending.pendingKey);
  });
});

describe('the previous key: tried for 7 days after the switch, then dropped', () => {
  const underPrevious = () => serverFrame(after, 'service-books', BOOKS, after.previousKey!.key);

  it('up to its last millisecond a message under it is taken, and the key kept', () => {
    const until = after.previousKey!.until;
    expect(until).toBe(doneAt + SEVEN_DAYS);
    const result = step(after, underPrevious(), until);
    expect(types(result.outputs)).toEqual(['service-books', 'send', 'clear-timer']);
    expect(result.state.previousKey).toEqual(after.previousKey);
  });

  it('one millisecond later it is dropped: the message is not taken, and the key is gone from the state', () => {
    const result = step(after, underPrevious(), after.previousKey!.until + 1);
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'rejected service-books', code: 'DECRYPT_FAILED' }]);
    expect(result.state.previousKey).toBeUndefined();
    expect(result.state.transportKey).toEqual(after.transportKey);
  });
});
