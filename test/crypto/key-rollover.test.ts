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
