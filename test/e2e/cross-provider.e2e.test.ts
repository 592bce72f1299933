/**
 * A handset on one crypto provider activates against a server on the other (issue 14: "an
 * activation between a handset on one provider and a server on another completes"), through the
 * built package by its name, as ESM and as CommonJS (test/e2e/load-package.ts): the node:crypto
 * provider from `enterprise-activation/node`, the noble one from `/crypto`. Each configuration the
 * protocol has in common use: X25519 with AES-256, X25519 with Triple DES, P-521 with AES-256.
 * Both sides end with the same transport key, which they could only have if every primitive of
 * the two providers gave the same bytes. And a handset on the WebCrypto provider (asynchronous:
 * its steps run through the replay bridge) against a server on node:crypto.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../package/ensure-built.js';
import { type Format, type Package, loadPackage } from './load-package.js';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

const EMAIL = 'alice@example.com';
const PASSWORD = 'bb8800pw';
const CONFIG = { pin: '2100000A', routing: { relay: 'relay.example', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } };
const X25519 = 'CPACE-X25519-SHA512';
const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** [name, the handset's suite, the ciphers the server allows, the key algorithm it must issue]. */
const CONFIGURATIONS = [
  ['X25519 + AES-256-CBC', X25519, ['AES-256-CBC', 'TDES-EDE2-CBC'], 'AES-256-CBC'],
  ['X25519 + TDES-EDE2-CBC', X25519, ['TDES-EDE2-CBC'], 'TDES-EDE2-CBC'],
  ['P-521 + AES-256-CBC', P521, ['AES-256-CBC', 'TDES-EDE2-CBC'], 'AES-256-CBC'],
] as const;

describe.each(['esm', 'cjs'] as const)('handset and server on different providers, the built package (%s)', (format: Format) => {
  let pkg: Package;
  beforeAll(async () => {
    pkg = await loadPackage(format);
  });

  type Provider = ReturnType<Package['crypto']['createNobleProvider']>;

  /** Each provider with both suites and both ciphers. */
  function providers(): { noble: Provider; native: Provider } {
    const { createNobleProvider, x25519Suite, p521Suite, aes256Cbc, tdesEde2Cbc } = pkg.crypto;
    return {
      noble: createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] }),
      native: pkg.node.createNodeCryptoProvider({ suites: [X25519, P521], ciphers: ['AES-256-CBC', 'TDES-EDE2-CBC'] }),
    };
  }

  async function activate(handsetProvider: Provider, serverProvider: Provider, suite: string, ciphers: readonly string[]) {
    const sim = new pkg.simulator.BesSimulator({ provider: serverProvider, ciphers: [...ciphers] as never });
    sim.addUser({ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD });
    const [handsetSide, serverSide] = pkg.root.createMemoryTransportPair();
    cleanups.push(
      () => sim.close(),
      () => handsetSide.close(),
      () => serverSide.close(),
      sim.attach(serverSide),
    );
    const handset = new pkg.root.Handset({
      config: { ...CONFIG, suites: [suite as typeof X25519] },
      transport: handsetSide,
      provider: handsetProvider,
    });
    cleanups.push(() => handset.close());
    const statuses: string[] = [];
    handset.on('status', (s) => statuses.push(s.text));
    const result = await handset.activate({ email: EMAIL, password: PASSWORD });
    return { sim, handset, statuses, result };
  }

  it('the node:crypto provider comes from /node and names itself', () => {
    const { native } = providers();
    expect(native.name).toBe('node:crypto');
    expect(providers().noble.name).toBe('noble');
  });

  for (const [name, suite, ciphers, algorithm] of CONFIGURATIONS) {
    it.each([
      ['node:crypto', 'noble'],
      ['noble', 'node:crypto'],
    ] as const)(`${name}: handset on %s, server on %s, to Activation Complete with one transport key`, async (handsetOn, serverOn) => {
      const { noble, native } = providers();
      const pick = (n: string) => (n === 'noble' ? noble : native);
      const { sim, handset, statuses, result } = await activate(pick(handsetOn), pick(serverOn), suite, ciphers);
      expect(statuses.at(-1)).toBe('Activation Complete');
      expect(handset.state.phase).toBe('complete');
      expect(result.keyAlgorithm).toBe(algorithm);
      const device = sim.accounts.get(EMAIL)!.device!;
      expect(device.keyAlgorithm).toBe(algorithm);
      expect(hex(handset.state.transportKey!.key)).toBe(hex(device.transportKey));
      expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', hasPassword: false });
    });

    it(`${name}: handset on WebCrypto (asynchronous, through the replay bridge), server on node:crypto`, async () => {
      const { createWebCryptoProvider, x25519Suite, p521Suite, aes256Cbc, tdesEde2Cbc } = pkg.crypto;
      const web = await createWebCryptoProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
      expect(web.asynchronous).toBe(true);
      expect(web.native.has('X25519')).toBe(true);
      const { sim, handset, statuses, result } = await activate(web as unknown as Provider, providers().native, suite, ciphers);
      expect(statuses[0]).toBe('Activating');
      expect(statuses.at(-1)).toBe('Activation Complete');
      expect(handset.state.phase).toBe('complete');
      expect(result.keyAlgorithm).toBe(algorithm);
      expect(hex(handset.state.transportKey!.key)).toBe(hex(sim.accounts.get(EMAIL)!.device!.transportKey));
    });
  }
});
