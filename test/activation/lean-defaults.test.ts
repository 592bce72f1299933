/**
 * The default provider is lean: X25519 and AES-256 only, so that a bundle of the README's usage
 * carries neither P-521 nor des.js (test/package/size.test.ts). These tests pin what that means
 * for the peers: what they offer and accept by default, and the way to get the rest.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset } from '../../src/handset/handset.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { expectCode } from '../support/errors.js';
import { allAlgorithms } from '../support/providers.js';

const USER = { email: 'alice@example.com', displayName: 'Alice', activationPassword: 'bb8800pw' };
const CONFIG = { pin: '2100000A', routing: { relay: 'relay.example', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } };
const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512' as const;

async function activate(options: {
  server?: ConstructorParameters<typeof BesSimulator>[0];
  handset?: Partial<ConstructorParameters<typeof Handset>[0]>;
}) {
  const server = new BesSimulator({ random: seededRandom('lean/server'), ...options.server });
  server.addUser(USER);
  const [handsetSide, serverSide] = createMemoryTransportPair();
  server.attach(serverSide);
  const sent: Uint8Array[] = [];
  serverSide.onFrame((f) => void sent.push(f));
  const handset = new Handset({ config: CONFIG, transport: handsetSide, random: seededRandom('lean/handset'), ...options.handset });
  try {
    const result = await handset.activate({ email: USER.email, password: USER.activationPassword });
    return { result, etp: decodeEtpDat(decodeFrame(sent[0]!).body) };
  } finally {
    await handset.close();
  }
}

describe('the default provider has X25519 and AES-256 only', () => {
  it('a default handset and a default server offer and accept those, and activate with AES-256', async () => {
    const { result, etp } = await activate({});
    expect(etp.header.suites).toEqual(['CPACE-X25519-SHA512']);
    expect(etp.header.ciphers).toEqual(['AES-256-CBC']);
    expect(result.keyAlgorithm).toBe('AES-256-CBC');
    expect(new BesSimulator().policy).toEqual({ suites: ['CPACE-X25519-SHA512'], ciphers: ['AES-256-CBC'] });
  });

  it('P-521 and Triple DES are there for peers given a provider built with them', async () => {
    const { result, etp } = await activate({
      server: { provider: allAlgorithms, ciphers: ['TDES-EDE2-CBC'] },
      handset: { provider: allAlgorithms, config: { ...CONFIG, suites: [P521] } },
    });
    expect(etp.header.suites).toEqual([P521]);
    expect(etp.header.ciphers).toEqual(['AES-256-CBC', 'TDES-EDE2-CBC']);
    expect(result.keyAlgorithm).toBe('TDES-EDE2-CBC');
  });

  it('asking for what the provider lacks is INVALID_ARGUMENT at construction, never a failure mid-activation', () => {
    const [transport] = createMemoryTransportPair();
    expectCode(() => new Handset({ config: { ...CONFIG, suites: [P521] }, transport }), 'INVALID_ARGUMENT');
    expectCode(() => new Handset({ config: { ...CONFIG, ciphers: ['TDES-EDE2-CBC'] }, transport }), 'INVALID_ARGUMENT');
    expectCode(() => new BesSimulator({ suites: [P521] }), 'INVALID_ARGUMENT');
    expectCode(() => new BesSimulator({ ciphers: ['TDES-EDE2-CBC'], provider: nobleProvider }), 'INVALID_ARGUMENT');
  });

  it('a P-521 handset against a default server: UNSUPPORTED, as for any suite the server does not accept', async () => {
    // An unauthenticated refusal ends the activation only once the retries are spent: keep them short.
    const config = { ...CONFIG, suites: [P521], retry: { replyTimeoutMs: 20, retries: 1 } };
    await expect(activate({ handset: { provider: allAlgorithms, config } })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
