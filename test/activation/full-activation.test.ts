import { describe, expect, it, vi } from 'vitest';
import type { CPaceSuiteId, TransportKeyAlgorithm } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import type { HandsetConfig } from '../../src/handset/config.js';
import { Handset } from '../../src/handset/handset.js';
import type { ActivationResult } from '../../src/handset/io.js';
import type { Status } from '../../src/handset/status.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { frameOf, frameType } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { runExchange, sentFrames } from './harness.js';

const SUITES: CPaceSuiteId[] = ['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'];

interface CipherCase {
  readonly name: string;
  readonly server?: readonly TransportKeyAlgorithm[];
  readonly handset?: readonly TransportKeyAlgorithm[];
  readonly expected: TransportKeyAlgorithm;
}

const CIPHER_CASES: CipherCase[] = [
  { name: 'server allows only AES-256', server: ['AES-256-CBC'], expected: 'AES-256-CBC' },
  { name: 'server allows only Triple DES (old server)', server: ['TDES-EDE2-CBC'], expected: 'TDES-EDE2-CBC' },
  { name: 'server allows both (3DES listed first): the strongest wins', server: ['TDES-EDE2-CBC', 'AES-256-CBC'], expected: 'AES-256-CBC' },
  { name: 'handset offers only Triple DES', handset: ['TDES-EDE2-CBC'], expected: 'TDES-EDE2-CBC' },
];

const EXPECTED_STATUSES = ['Activating', 'Verifying Encryption', 'Encryption Verified. Waiting for Services'];

function config(suite: CPaceSuiteId, ciphers?: readonly TransportKeyAlgorithm[]): HandsetConfig {
  return ciphers ? { ...HANDSET_CONFIG, suites: [suite], ciphers } : { ...HANDSET_CONFIG, suites: [suite] };
}

describe.each(SUITES)('full activation (phases 1-2) with %s', (suite) => {
  it.each(CIPHER_CASES)('$name', ({ server, handset, expected }) => {
    const options = {
      handsetConfig: config(suite, handset),
      serverOptions: server ? { ciphers: server } : {},
      handsetSeed: `full/${suite}/${expected}/${server?.join('+') ?? 'default'}`,
    };
    const run = runExchange(options);

    expect(run.stoppedBy).toBe('key-established');
    expect(run.error).toBeUndefined();
    expect(run.statuses.map((s) => s.text)).toEqual(EXPECTED_STATUSES);
    expect(run.statuses.map((s) => s.id)).toEqual(['activating', 'verifying-encryption', 'encryption-verified']);
    expect(run.state.status?.text).toBe('Encryption Verified. Waiting for Services');
    // Exactly the five messages of phases 1 and 2, in order, none dropped or repeated.
    expect(run.frames.map((f) => `${f.direction}:${frameType(f.sent)}`)).toEqual([
      'to-server:etp-dat',
      'to-handset:server-share',
      'to-server:handset-confirm',
      'to-handset:key-issue',
      'to-server:key-verified',
    ]);
    expect(run.ignored).toEqual([]);

    const result = run.keyEstablished!;
    expect(result.email).toBe(EMAIL);
    expect(result.keyAlgorithm).toBe(expected);
    expect(result.server.srp).toBe('S0000001');
    expect(result.server.name).toBe('BES01');
    expect(result.server.publicKey).toBe(bytesToHex(run.sim.identity.domainKey.publicKey));

    // The ETP.DAT carried the suite the handset was configured with.
    const etp = decodeEtpDat(frameOf(sentFrames(run, 'to-server', 'etp-dat')[0]!).body);
    expect(etp.header.suite).toBe(suite);
    expect(etp.header.ciphers).toEqual(handset ?? ['AES-256-CBC', 'TDES-EDE2-CBC']);

    const tk = run.state.transportKey!;
    expect(tk.algorithm).toBe(expected);
    expect(bytesToHex(tk.keyId)).toBe(result.keyId);
    if (expected === 'AES-256-CBC') {
      expect(tk.key.length).toBe(32);
    } else {
      expect(tk.key.length).toBe(16);
      expect(oddParity(tk.key)).toBe(true);
      // Two-key 3DES: K1 and K2 differ (a key with K1 = K2 would be single DES).
      expect(bytesToHex(tk.key.subarray(0, 8))).not.toBe(bytesToHex(tk.key.subarray(8)));
    }
    // The server verified the handset's proof under the key: it answered key-verified with the
    // next message (phase 3) and did not send an error.
    expect(run.undelivered.map(frameType)).not.toContain('error');

    // The account is activated (password deleted) once the device has applied the IT policy, so
    // the same run (same seeds, hence the same key) is taken to its end.
    const full = runExchange({ ...options, until: 'end' });
    expect(full.stoppedBy).toBe('complete');
    expect(full.statuses.slice(0, 3).map((s) => s.text)).toEqual(EXPECTED_STATUSES);
    expect(bytesToHex(full.state.transportKey!.key)).toBe(bytesToHex(tk.key));
    const device = full.sim.accounts.get(EMAIL)!.device!;
    expect(device).toBeDefined();
    expect(bytesToHex(device.transportKey)).toBe(bytesToHex(tk.key));
    expect(bytesToHex(device.keyId)).toBe(result.keyId);
    expect(device.keyAlgorithm).toBe(expected);
    expect(device.pin).toBe('2100000A');
    expect(device.model).toBe('8800');
    expect(device.os).toBe('4.5.0.110');
    // The device's long-term keys reached the server through the sealed ETP.DAT body.
    expect(bytesToHex(device.identityKey)).toBe(bytesToHex(full.state.identity!.signing.publicKey));
    expect(bytesToHex(device.agreementKey)).toBe(bytesToHex(full.state.identity!.agreement.publicKey));
    expect(full.sim.account(EMAIL)).toEqual({
      email: EMAIL,
      displayName: 'Alice Example',
      status: 'Activated',
      failedAttempts: 0,
      locked: false,
      hasPassword: false,
      devicePin: '2100000A',
    });
    // No secret left in the handset's session once the key is verified.
    expect(run.state.phase).toBe('awaiting-policy');
    expect(run.state.session?.scalar).toBeUndefined();
    expect(run.state.session?.bodyKey).toBeUndefined();
    expect(run.state.session?.handsetToServer).toBeUndefined();
    expect(run.state.session?.serverToHandset).toBeUndefined();
  });
});

describe('suite and cipher negotiation failures', () => {
  it('a server without the handset suite refuses with UNSUPPORTED, and the account is untouched', () => {
    const run = runExchange({
      handsetConfig: config('CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'),
      serverOptions: { suites: ['CPACE-X25519-SHA512'] },
    });
    expect(run.stoppedBy).toBe('failed');
    expect(run.error).toBeInstanceOf(ActivationError);
    expect(run.error!.code).toBe('UNSUPPORTED');
    expect(run.state.transportKey).toBeUndefined();
    expect(run.sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0, hasPassword: true });
  });

  it('a handset offering only AES-256 and a 3DES-only server: UNSUPPORTED, no key', () => {
    const run = runExchange({
      handsetConfig: config('CPACE-X25519-SHA512', ['AES-256-CBC']),
      serverOptions: { ciphers: ['TDES-EDE2-CBC'] },
    });
    expect(run.stoppedBy).toBe('failed');
    expect(run.error!.code).toBe('UNSUPPORTED');
    expect(run.keyEstablished).toBeUndefined();
    expect(run.state.transportKey).toBeUndefined();
    expect(run.sim.account(EMAIL)!.status).not.toBe('Activated');
    expect(run.sim.accounts.get(EMAIL)!.device).toBeUndefined();
  });

  it('the email is matched case-insensitively and trimmed', () => {
    const run = runExchange({ email: '  ALICE@Example.COM ' });
    expect(run.stoppedBy).toBe('key-established');
    expect(run.keyEstablished!.email).toBe('ALICE@Example.COM');
  });

  it('the password is compared after Unicode NFC normalization on both sides', () => {
    const decomposed = 'Cafe\u0301-2024';
    const precomposed = 'Caf\u00e9-2024';
    const run = runExchange({
      password: precomposed,
      users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: decomposed }],
    });
    expect(run.stoppedBy).toBe('key-established');
  });
});

describe('through the Handset driver and a memory transport', () => {
  it('emits the statuses and key-established, and both sides hold the same key', async () => {
    const clock = { now: T0 };
    const { sim } = createServer({
      serverSeed: 'driver-server',
      clock,
      users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD }],
    });
    const [handsetSide, serverSide] = createMemoryTransportPair();
    const detach = sim.attach(serverSide);
    const handset = new Handset({
      config: HANDSET_CONFIG,
      transport: handsetSide,
      random: seededRandom('driver-handset'),
      now: () => clock.now,
    });
    const statuses: Status[] = [];
    const errors: ActivationError[] = [];
    handset.on('status', (s) => statuses.push(s));
    handset.on('error', (e) => errors.push(e));
    const established = new Promise<ActivationResult>((resolve) => handset.on('key-established', resolve));

    // activate() resolves only after phases 3-4; keep its rejection (ABORTED on close) from going unhandled.
    const activation = handset.activate({ email: EMAIL, password: PASSWORD });
    const settled = activation.then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );

    const result = await established;
    expect(result.email).toBe(EMAIL);
    expect(result.keyAlgorithm).toBe('AES-256-CBC');
    expect(statuses.map((s) => s.text)).toEqual(EXPECTED_STATUSES);
    expect(handset.status?.id).toBe('encryption-verified');
    expect(errors).toEqual([]);

    // key-verified is sent right after the event; the server activates the account on it.
    await vi.waitFor(() => expect(sim.account(EMAIL)!.status).toBe('Activated'));
    const device = sim.accounts.get(EMAIL)!.device!;
    expect(bytesToHex(handset.state.transportKey!.key)).toBe(bytesToHex(device.transportKey));
    expect(bytesToHex(device.keyId)).toBe(result.keyId);
    expect(sim.account(EMAIL)!.hasPassword).toBe(false);

    await handset.close();
    const outcome = await settled;
    if (!outcome.ok) {
      expect(outcome.error).toBeInstanceOf(ActivationError);
      expect((outcome.error as ActivationError).code).toBe('ABORTED');
    }
    detach();
    await handsetSide.close();
    await serverSide.close();
  });
});

/** True when every byte has an odd number of one bits (DES key parity). */
function oddParity(key: Uint8Array): boolean {
  return [...key].every((byte) => {
    let ones = 0;
    for (let b = byte; b !== 0; b >>= 1) ones += b & 1;
    return ones % 2 === 1;
  });
}
