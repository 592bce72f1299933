/**
 * The key rollover's key schedule (src/protocol/key-rollover.ts; docs/lifecycle.md, "Key
 * rollover"): both sides derive the same key from their own secrets, Triple DES keys get odd
 * parity, every input of the transcript changes the key, and a low-order point is refused.
 */
import { describe, expect, it } from 'vitest';
import { createNobleProvider, nobleProvider } from '../../src/crypto/noble-provider.js';
import { aes256Cbc } from '../../src/crypto/transport-key/aes256-cbc.js';
import { tdesEde2Cbc } from '../../src/crypto/transport-key/tdes-ede2-cbc.js';
import { hasOddParity } from '../../src/crypto/transport-key/des-parity.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import {
  deriveRolloverKey,
  handsetSharedSecrets,
  rolloverTranscriptHash,
  serverSharedSecrets,
  type RolloverTranscript,
} from '../../src/protocol/key-rollover.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { expectCode } from '../support/errors.js';
import { EMAIL } from '../support/fixtures.js';
import { activatePair } from '../support/pair.js';
import { decodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { decodeRekeyOffer } from '../../src/wire/messages/rekey-offer.js';
import { decodeRekeyAccept } from '../../src/wire/messages/rekey-accept.js';

const provider = createNobleProvider({ ciphers: [aes256Cbc, tdesEde2Cbc] });

function rollover(seed: string, algorithm: TransportKeyAlgorithm = 'AES-256-CBC') {
  const random = seededRandom(seed);
  const a = provider.agreementKeyPair(random(32));
  const b = provider.agreementKeyPair(random(32));
  const eS = provider.agreementKeyPair(random(32));
  const eH = provider.agreementKeyPair(random(32));
  const transcript: RolloverTranscript = {
    pin: '2100000A',
    srp: 'S0000001',
    oldKeyId: random(8),
    newKeyId: random(8),
    algorithm,
    deviceKey: a.publicKey,
    serverKey: b.publicKey,
    serverEphemeral: eS.publicKey,
    handsetEphemeral: eH.publicKey,
  };
  return { a, b, eS, eH, transcript };
}

function handsetKey(r: ReturnType<typeof rollover>, transcript = r.transcript): Uint8Array {
  const shared = handsetSharedSecrets(provider, {
    ephemeral: r.eH.secretKey,
    agreement: r.a.secretKey,
    serverEphemeral: r.eS.publicKey,
    serverKey: r.b.publicKey,
  });
  return deriveRolloverKey(provider, shared, rolloverTranscriptHash(provider, transcript), transcript.algorithm);
}

function serverKey(r: ReturnType<typeof rollover>, transcript = r.transcript): Uint8Array {
  const shared = serverSharedSecrets(provider, {
    ephemeral: r.eS.secretKey,
    agreement: r.b.secretKey,
    handsetEphemeral: r.eH.publicKey,
    deviceKey: r.a.publicKey,
  });
  return deriveRolloverKey(provider, shared, rolloverTranscriptHash(provider, transcript), transcript.algorithm);
}

describe('key rollover derivation', () => {
  it('handset and server derive the same key, as long as the algorithm wants', () => {
    for (const algorithm of ['AES-256-CBC', 'TDES-EDE2-CBC'] as const) {
      const r = rollover(`same-${algorithm}`, algorithm);
      const h = handsetKey(r);
      expect(h.length).toBe(algorithm === 'AES-256-CBC' ? 32 : 16);
      expect(bytesToHex(serverKey(r))).toBe(bytesToHex(h));
    }
  });

  it('Triple DES keys get odd DES parity', () => {
    for (let i = 0; i < 8; i++) expect(hasOddParity(handsetKey(rollover(`parity-${i}`, 'TDES-EDE2-CBC')))).toBe(true);
  });

  it('a different transcript (any field) gives a different key', () => {
    const r = rollover('transcript');
    const base = bytesToHex(handsetKey(r));
    const changed: Partial<RolloverTranscript>[] = [
      { pin: '2100000B' },
      { srp: 'S0000002' },
      { oldKeyId: new Uint8Array(8) },
      { newKeyId: new Uint8Array(8) },
      { deviceKey: rollover('other').a.publicKey },
    ];
    for (const change of changed) expect(bytesToHex(handsetKey(r, { ...r.transcript, ...change }))).not.toBe(base);
    // Other runs (other ephemeral keys) give other keys too.
    expect(bytesToHex(handsetKey(rollover('transcript-2')))).not.toBe(base);
  });

  it('the shared secrets are erased once the key is derived', () => {
    const r = rollover('erase');
    const shared = handsetSharedSecrets(provider, {
      ephemeral: r.eH.secretKey,
      agreement: r.a.secretKey,
      serverEphemeral: r.eS.publicKey,
      serverKey: r.b.publicKey,
    });
    deriveRolloverKey(provider, shared, rolloverTranscriptHash(provider, r.transcript), 'AES-256-CBC');
    for (const s of shared) expect(s.every((byte) => byte === 0)).toBe(true);
  });

  it('an all-zero X25519 result (a low-order point) is refused with PROTOCOL_ERROR', () => {
    const r = rollover('low-order');
    // The identity (0) and the point of order 8 from RFC 7748's list of low-order points.
    for (const point of [
      new Uint8Array(32),
      Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
    ]) {
      expectCode(() => nobleProvider.agree(r.eH.secretKey, point), 'PROTOCOL_ERROR');
      expectCode(
        () =>
          handsetSharedSecrets(provider, {
            ephemeral: r.eH.secretKey,
            agreement: r.a.secretKey,
            serverEphemeral: point,
            serverKey: r.b.publicKey,
          }),
        'PROTOCOL_ERROR',
      );
    }
  });
});

describe('forward secrecy of a rolled key', () => {
  it('the long-term private keys of both sides and every earlier transport key do not give the rolled key from a recording', () => {
    const pair = activatePair({ serverOptions: { keyRolloverDays: 0 } });
    const earlier = pair.handset.transportKey;
    if (earlier === undefined) throw new Error('not activated');
    pair.server.regenerateKey(EMAIL);
    pair.pollServer();
    pair.drive();
    pair.server.updatePolicy('after-rollover', { 'Password Required': true });
    pair.pollServer();
    pair.drive();
    // The recording: every frame as sent.
    const offer = decodeFrame(pair.sent('to-handset', 'rekey-offer')[0] ?? new Uint8Array());
    const accept = decodeFrame(pair.sent('to-server', 'rekey-accept')[0] ?? new Uint8Array());
    const policy = decodeFrame(pair.sent('to-handset', 'it-policy').at(-1) ?? new Uint8Array());
    // Stolen later: both long-term secrets and the transport key before the rollover.
    const a = pair.handset.identity?.agreement;
    const b = pair.server.identity.agreementKey;
    if (a === undefined || b === undefined) throw new Error('no agreement keys');
    const opened = (frame: typeof offer) => openBody(nobleProvider, earlier, frame.body, frameAssociatedData(frame), frame.type);
    const o = decodeRekeyOffer(opened(offer));
    const h = decodeRekeyAccept(opened(accept));
    const th = rolloverTranscriptHash(nobleProvider, {
      pin: offer.pin,
      srp: pair.server.identity.srp,
      oldKeyId: earlier.keyId,
      newKeyId: o.keyId,
      algorithm: o.algorithm,
      deviceKey: a.publicKey,
      serverKey: b.publicKey,
      serverEphemeral: o.ephemeral,
      handsetEphemeral: h.ephemeral,
    });
    const tryKey = (key: Uint8Array): boolean => {
      try {
        openBody(nobleProvider, { algorithm: o.algorithm, key }, policy.body, frameAssociatedData(policy), 'it-policy');
        return true;
      } catch {
        return false;
      }
    };
    // The test can succeed: the real rolled key opens the recorded traffic.
    const rolled = pair.handset.transportKey;
    expect(rolled && tryKey(rolled.key)).toBe(true);
    // dh2 and dh3 the thief can compute; dh1 needs an ephemeral secret, erased on both sides.
    const dh2 = nobleProvider.agree(b.secretKey, h.ephemeral);
    const dh3 = nobleProvider.agree(a.secretKey, o.ephemeral);
    const guesses = [
      nobleProvider.agree(a.secretKey, h.ephemeral),
      nobleProvider.agree(b.secretKey, o.ephemeral),
      nobleProvider.agree(a.secretKey, b.publicKey),
      earlier.key.length === 32 ? earlier.key.slice() : new Uint8Array(32),
      new Uint8Array(32),
    ];
    for (const dh1 of guesses) {
      const key = deriveRolloverKey(nobleProvider, [dh1, dh2.slice(), dh3.slice()], th, o.algorithm);
      expect(tryKey(key)).toBe(false);
    }
    // Neither is the old key, nor the old key's id, any help.
    expect(tryKey(earlier.key)).toBe(false);
  });
});
