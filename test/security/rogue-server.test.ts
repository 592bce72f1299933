/**
 * A rogue server that knows the password and holds the transport key it issued, but breaks the
 * rules of message 4, `key-issue` (docs/protocol.md): "The handset checks the following and fails
 * with PROTOCOL_ERROR if any check fails: the algorithm is one it offered, and the key length is
 * right for it; the SRP id matches ADb; the proof opens under the new key and equals the expected
 * payload." Byte flips on the wire cannot test these: the MAC catches them first. Here the server
 * itself seals what it should not, so only the handset's own checks stand in the way.
 *
 * The cipher choice is made by `strongestCommon` (src/crypto/transport-key/select.ts), which only
 * the simulator calls; this file replaces it for the simulator (vi.mock) so that the server can
 * issue a cipher the handset did not offer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { HANDSET_CONFIG } from '../support/fixtures.js';
import { runActivation, type SecurityHarness } from './harness.js';

const rogue = vi.hoisted(() => ({ issue: undefined as string | undefined }));

vi.mock('../../src/crypto/transport-key/algorithms.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/crypto/transport-key/algorithms.js')>();
  return {
    ...real,
    strongestCommon: (offered: readonly TransportKeyAlgorithm[], allowed: readonly TransportKeyAlgorithm[]) =>
      (rogue.issue as TransportKeyAlgorithm | undefined) ?? real.strongestCommon(offered, allowed),
  };
});

afterEach(() => {
  rogue.issue = undefined;
});

const AES_ONLY = { ...HANDSET_CONFIG, ciphers: ['AES-256-CBC'] as const };

/** The activation failed with PROTOCOL_ERROR at key-issue and the handset kept no key. */
function expectRefusedKey(h: SecurityHarness, detail: Record<string, unknown>): void {
  expect(h.error?.code).toBe('PROTOCOL_ERROR');
  expect(h.error?.cause).toMatchObject(detail);
  expect(h.outputsOf('key-established')).toEqual([]);
  expect(h.states.every((s) => s.transportKey === undefined)).toBe(true);
  expect(h.state.phase).toBe('failed');
}

describe('cipher downgrade by the server', () => {
  it('control: the replaced choice really makes the server issue Triple DES to a handset that offers it', () => {
    rogue.issue = 'TDES-EDE2-CBC';
    const h = runActivation();
    expect(h.error).toBeUndefined();
    expect(h.keyEstablished?.keyAlgorithm).toBe('TDES-EDE2-CBC');
  });

  it('a handset that offered only AES-256 refuses a Triple DES key (PROTOCOL_ERROR) and keeps no key', () => {
    rogue.issue = 'TDES-EDE2-CBC';
    const h = runActivation({ handsetConfig: AES_ONLY });
    expectRefusedKey(h, { algorithm: 'TDES-EDE2-CBC' });
    expect(h.logged('transport key issued').map((e) => e.detail)).toMatchObject([{ algorithm: 'TDES-EDE2-CBC' }]);
  });

  it('control: the same AES-only handset completes against an honest server, with AES-256', () => {
    const h = runActivation({ handsetConfig: AES_ONLY });
    expect(h.error).toBeUndefined();
    expect(h.result?.keyAlgorithm).toBe('AES-256-CBC');
  });
});

describe("the content of the server's key proof", () => {
  /** A provider for the server that seals its first message under the transport key (the key proof) over altered bytes. */
  function rogueProvider(alter: (payload: Uint8Array) => Uint8Array): { provider: CryptoProvider; sealed: () => number } {
    let sealed = 0;
    const provider: CryptoProvider = {
      ...nobleProvider,
      sealMessage: (algorithm, key, payload, ad, random) => {
        sealed++;
        return nobleProvider.sealMessage(algorithm, key, sealed === 1 ? alter(payload) : payload, ad, random);
      },
    };
    return { provider, sealed: () => sealed };
  }

  it('control: the unaltered proof from this provider is accepted', () => {
    const rogueServer = rogueProvider((p) => p);
    const h = runActivation({ serverOptions: { provider: rogueServer.provider } });
    expect(rogueServer.sealed()).toBeGreaterThan(0);
    expect(h.error).toBeUndefined();
    expect(h.result).toBeDefined();
  });

  it('a proof that opens under the new key but covers another transcript: PROTOCOL_ERROR, no key', () => {
    // keyProofPayload('server', th) ends with the transcript hash th; change its last byte.
    const rogueServer = rogueProvider((p) => {
      const q = p.slice();
      q[q.length - 1]! ^= 0x01;
      return q;
    });
    const h = runActivation({ serverOptions: { provider: rogueServer.provider } });
    expect(rogueServer.sealed()).toBe(1);
    expectRefusedKey(h, { reason: 'key-proof' });
  });

  it('a proof that opens under the new key but is empty, or cut short: PROTOCOL_ERROR, no key', () => {
    for (const alter of [() => new Uint8Array(0), (p: Uint8Array) => p.subarray(0, p.length - 1)]) {
      const rogueServer = rogueProvider(alter);
      const h = runActivation({ serverOptions: { provider: rogueServer.provider } });
      expect(rogueServer.sealed()).toBe(1);
      expectRefusedKey(h, { reason: 'key-proof' });
    }
  });
});
