/**
 * End-to-end activations through the built package, by its name, in both module formats (issue
 * 10: "Tests prove the package, not the sources"). Every value comes from `enterprise-activation`,
 * `/simulator`, `/wire`, `/crypto` or `/node` as a consumer imports them: ESM through `import()`,
 * CommonJS through `require()` of dist/*.cjs (test/e2e/load-package.ts). No src/ file is loaded,
 * so a packaging fault (a missing export, a second copy of a class, a broken chunk, a wrong
 * export-map condition) fails here. The tests of the same behaviour against src/ are in
 * test/activation, test/phases and test/transport.
 *
 * Real time throughout: an activation over memory takes a few hundred milliseconds.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../package/ensure-built.js';
import { type Format, type Package, ENTRIES, loadPackage } from './load-package.js';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

const EMAIL = 'alice@example.com';
const PASSWORD = 'bb8800pw';
const PIN = '2100000A';
const SRP = 'S0000001';
const CONFIG = { pin: PIN, routing: { relay: 'relay.example', uid: 'U1' }, device: { model: '8800', os: '4.5.0' } };
const X25519 = 'CPACE-X25519-SHA512';
const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';

/**
 * Every screen of a successful activation, in order, with the simulator's default data set
 * (DEFAULT_DATA_COUNTS: 12 calendar, 30 contacts, 8 tasks, 5 memos, 40 messages, 6 options) sent
 * in pages of 25.
 */
const SUCCESS = [
  'Activating',
  'Verifying Encryption',
  'Encryption Verified. Waiting for Services',
  'Services Received',
  `Your email address "${EMAIL}" is now enabled`,
  `Synchronization service Desktop [${SRP}]`,
  'Synchronizing Calendar (12/12)',
  'Synchronizing Address Book (25/30)',
  'Synchronizing Address Book (30/30)',
  'Synchronizing Tasks (8/8)',
  'Synchronizing Memos (5/5)',
  'Synchronizing Email Settings (1/1)',
  'Synchronizing Email Messages (25/40)',
  'Synchronizing Email Messages (40/40)',
  'Synchronizing Device Options (6/6)',
  'Activation Complete',
];

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Whether `needle` occurs anywhere in `haystack`. */
function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The password as a handset or a careless encoder could put it in bytes: UTF-8 and UTF-16LE. */
function passwordEncodings(password: string): Uint8Array[] {
  const utf16 = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) utf16[i * 2] = password.charCodeAt(i);
  return [new TextEncoder().encode(password), utf16];
}

/** What `fn` throws (or the promise rejects with); fails the test if nothing is thrown. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(['esm', 'cjs'] as const)('the built package by name (%s)', (format: Format) => {
  let pkg: Package;
  beforeAll(async () => {
    pkg = await loadPackage(format);
  });

  type Transport = ReturnType<Package['root']['createMemoryTransportPair']>[0];
  type Handset = InstanceType<Package['root']['Handset']>;
  type Sim = InstanceType<Package['simulator']['BesSimulator']>;
  type HandsetOptions = ConstructorParameters<Package['root']['Handset']>[0];
  type SimOptions = NonNullable<ConstructorParameters<Package['simulator']['BesSimulator']>[0]>;

  /** `transport`, keeping a copy of every frame sent through it. */
  function recording(transport: Transport): { transport: Transport; sent: Uint8Array[] } {
    const sent: Uint8Array[] = [];
    return {
      sent,
      transport: {
        send: (frame) => {
          sent.push(frame.slice());
          return transport.send(frame);
        },
        onFrame: (handler) => transport.onFrame(handler),
        close: () => transport.close(),
      },
    };
  }

  /** A simulator with Alice (activation password PASSWORD), closed after the test. */
  function server(options: SimOptions = {}): Sim {
    const sim = new pkg.simulator.BesSimulator(options);
    sim.addUser({ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD });
    cleanups.push(() => sim.close());
    return sim;
  }

  /** A handset with its statuses collected, closed after the test. */
  function handsetOn(transport: Transport, options: Partial<HandsetOptions> = {}): { handset: Handset; statuses: string[] } {
    const handset = new pkg.root.Handset({ config: CONFIG, transport, ...options });
    cleanups.push(() => handset.close());
    const statuses: string[] = [];
    handset.on('status', (s) => statuses.push(s.text));
    return { handset, statuses };
  }

  /** A simulator and a handset joined by a memory transport pair; `sent` holds what the handset sent. */
  function memoryRig(opts: { server?: SimOptions; handset?: Partial<HandsetOptions> } = {}) {
    const sim = server(opts.server);
    const [handsetSide, serverSide] = pkg.root.createMemoryTransportPair();
    cleanups.push(
      () => handsetSide.close(),
      () => serverSide.close(),
    );
    const detach = sim.attach(serverSide);
    cleanups.push(detach);
    const { transport, sent } = recording(handsetSide);
    return { sim, sent, handsetSide: transport, ...handsetOn(transport, opts.handset) };
  }

  /** The server's record of Alice's device, and that both sides hold the same transport key. */
  function expectSameKey(handset: Handset, sim: Sim) {
    const device = sim.accounts.get(EMAIL)!.device!;
    expect(device).toBeDefined();
    expect(hex(handset.state.transportKey!.key)).toBe(hex(device.transportKey));
    expect(hex(handset.state.transportKey!.keyId)).toBe(hex(device.keyId));
    return device;
  }

  /** A provider with both CPace suites and both ciphers, from /crypto. */
  function fullProvider() {
    const { createNobleProvider, x25519Suite, p521Suite, aes256Cbc, tdesEde2Cbc } = pkg.crypto;
    return createNobleProvider({ suites: [x25519Suite, p521Suite], ciphers: [aes256Cbc, tdesEde2Cbc] });
  }

  it(`loads all five entries from dist/, as ${format === 'esm' ? '.js (import)' : '.cjs (require)'}`, () => {
    const ext = format === 'esm' ? 'js' : 'cjs';
    expect(pkg.resolved).toEqual({
      'enterprise-activation': expect.stringMatching(new RegExp(`/dist/index\\.${ext}$`)),
      'enterprise-activation/simulator': expect.stringMatching(new RegExp(`/dist/simulator/index\\.${ext}$`)),
      'enterprise-activation/wire': expect.stringMatching(new RegExp(`/dist/wire/index\\.${ext}$`)),
      'enterprise-activation/crypto': expect.stringMatching(new RegExp(`/dist/crypto/index\\.${ext}$`)),
      'enterprise-activation/node': expect.stringMatching(new RegExp(`/dist/node/index\\.${ext}$`)),
    });
    expect(Object.keys(pkg.resolved)).toEqual([...ENTRIES]);
  });

  describe('1. full activation over the memory transport', () => {
    it('default provider: every status in order, AES-256-CBC, the account activated with the same key', async () => {
      const { handset, sim, statuses } = memoryRig();
      const result = await handset.activate({ email: EMAIL, password: PASSWORD });

      expect(statuses).toEqual(SUCCESS);
      expect(handset.status).toEqual({ id: 'activation-complete', text: 'Activation Complete' });
      expect(handset.state.phase).toBe('complete');
      expect(result.email).toBe(EMAIL);
      expect(result.keyAlgorithm).toBe('AES-256-CBC');
      expect(result.server.srp).toBe(SRP);
      expect(result.server.name).toBe('BES01');
      expect(result.server.publicKey).toBe(hex(sim.identity.domainKey.publicKey));
      expect(result.keyId).toBe(hex(handset.state.transportKey!.keyId));
      expect(handset.state.transportKey!.key).toHaveLength(32);
      const device = expectSameKey(handset, sim);
      expect(device.keyAlgorithm).toBe('AES-256-CBC');
      expect(device.pin).toBe(PIN);
      expect(sim.account(EMAIL)).toEqual({
        email: EMAIL,
        displayName: 'Alice Example',
        status: 'Activated',
        failedAttempts: 0,
        locked: false,
        hasPassword: false,
        devicePin: PIN,
      });
      // Phases 3 and 4 reached the device: the six default service books and every record.
      expect(handset.state.serviceBooks?.map((b) => b.cid)).toEqual(['ALP', 'BBIM', 'CICAL', 'CMIME', 'IPPP', 'SYNC']);
      const counts = Object.fromEntries(pkg.root.SYNC_ORDER.map((db) => [db, handset.state.sync?.store?.[db]?.length]));
      expect(counts).toEqual({ ...pkg.simulator.DEFAULT_DATA_COUNTS });
    });

    it('createNobleProvider with P-521 and Triple DES on both peers: P-521 activates with AES-256-CBC', async () => {
      const provider = fullProvider();
      const { handset, sim, sent, statuses } = memoryRig({
        server: { provider },
        handset: { provider, config: { ...CONFIG, suites: [P521] } },
      });
      const result = await handset.activate({ email: EMAIL, password: PASSWORD });

      expect(statuses).toEqual(SUCCESS);
      expect(result.keyAlgorithm).toBe('AES-256-CBC');
      const etp = pkg.wire.decodeEtpDat(pkg.wire.decodeFrame(sent[0]!).body);
      expect(etp.header.suite).toBe(P521);
      expect(etp.header.ciphers).toEqual(['AES-256-CBC', 'TDES-EDE2-CBC']);
      expect(etp.share).toHaveLength(pkg.crypto.p521Suite.shareLength);
      expect(expectSameKey(handset, sim).keyAlgorithm).toBe('AES-256-CBC');
    });

    it('a server limited to Triple DES issues TDES-EDE2-CBC (two-key, odd parity)', async () => {
      const provider = fullProvider();
      const { handset, sim, statuses } = memoryRig({
        server: { provider, ciphers: ['TDES-EDE2-CBC'] },
        handset: { provider, config: { ...CONFIG, suites: [P521] } },
      });
      const result = await handset.activate({ email: EMAIL, password: PASSWORD });

      expect(statuses).toEqual(SUCCESS);
      expect(result.keyAlgorithm).toBe('TDES-EDE2-CBC');
      const key = handset.state.transportKey!.key;
      expect(key).toHaveLength(16);
      expect(pkg.crypto.hasOddParity(key)).toBe(true);
      expect(hex(key.subarray(0, 8))).not.toBe(hex(key.subarray(8)));
      expect(expectSameKey(handset, sim).keyAlgorithm).toBe('TDES-EDE2-CBC');
    });

    it('the default provider has no P-521: its server refuses a P-521 handset with UNSUPPORTED', async () => {
      // The server's refusal is unauthenticated, so the handset keeps it as a hint and fails with
      // it when its reply timer runs out: a short timer and no retry keep the test fast.
      const config: HandsetOptions['config'] = { ...CONFIG, suites: [P521], retry: { replyTimeoutMs: 200, retries: 0 } };
      const { handset, sim } = memoryRig({ handset: { provider: fullProvider(), config } });
      const ignored: unknown[] = [];
      handset.on('ignored', (i) => ignored.push(i));
      const err = await thrown(() => handset.activate({ email: EMAIL, password: PASSWORD }));
      expect(pkg.root.isActivationError(err, 'UNSUPPORTED')).toBe(true);
      expect(err).toBeInstanceOf(pkg.root.ActivationError);
      expect(ignored).toEqual([{ reason: 'unauthenticated error frame (kept as a hint)', code: 'UNSUPPORTED' }]);
      expect(handset.state.transportKey).toBeUndefined();
      expect(sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0, hasPassword: true });
    });
  });

  describe('2. one ActivationError class across the entries', () => {
    it('a wrong password rejects with the root ActivationError WRONG_PASSWORD', async () => {
      const { handset, sim, statuses } = memoryRig();
      const events: unknown[] = [];
      handset.on('error', (e) => events.push(e));
      const err = await thrown(() => handset.activate({ email: EMAIL, password: 'wrong-password' }));

      expect(pkg.root.isActivationError(err)).toBe(true);
      expect(pkg.root.isActivationError(err, 'WRONG_PASSWORD')).toBe(true);
      expect(err).toBeInstanceOf(pkg.root.ActivationError);
      expect(err).toBeInstanceOf(Error);
      expect((err as InstanceType<Package['root']['ActivationError']>).code).toBe('WRONG_PASSWORD');
      expect(events).toEqual([err]);
      expect(statuses[0]).toBe('Activating');
      expect(statuses.at(-1)).toBe('Activation failed: the activation password is incorrect');
      expect(statuses).not.toContain('Activation Complete');
      expect(handset.state.transportKey).toBeUndefined();
      expect(sim.account(EMAIL)).toMatchObject({ status: 'Activating', failedAttempts: 1, hasPassword: true });
      // Nothing secret in the error.
      expect(JSON.stringify({ message: (err as Error).message, cause: (err as Error).cause })).not.toContain('wrong-password');
    });

    it("errors thrown by /simulator, /wire, /crypto and /node are the root entry's ActivationError", async () => {
      const garbage = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
      const errors = {
        'simulator: unknown server version': await thrown(() => new pkg.simulator.BesSimulator({ version: 'x' })),
        'wire: decodeEtpDat(garbage)': await thrown(() => pkg.wire.decodeEtpDat(garbage)),
        'wire: decodeFrame(garbage)': await thrown(() => pkg.wire.decodeFrame(garbage)),
        'crypto: provider without suites': await thrown(() => pkg.crypto.createNobleProvider({ suites: [] })),
        'node: parseEtpMail(garbage)': await thrown(() => pkg.node.parseEtpMail('garbage')),
      };
      const seen = Object.fromEntries(
        Object.entries(errors).map(([name, err]) => [
          name,
          {
            code: (err as { code?: unknown }).code,
            isActivationError: pkg.root.isActivationError(err),
            instanceOf: err instanceof pkg.root.ActivationError,
            sameConstructor: (err as object).constructor === pkg.root.ActivationError,
          },
        ]),
      );
      const one = (code: string) => ({ code, isActivationError: true, instanceOf: true, sameConstructor: true });
      expect(seen).toEqual({
        'simulator: unknown server version': one('INVALID_ARGUMENT'),
        'wire: decodeEtpDat(garbage)': one('MALFORMED'),
        'wire: decodeFrame(garbage)': one('MALFORMED'),
        'crypto: provider without suites': one('INVALID_ARGUMENT'),
        'node: parseEtpMail(garbage)': one('MALFORMED'),
      });
      for (const err of Object.values(errors)) expect(pkg.root.ACTIVATION_ERROR_CODES).toContain((err as { code: string }).code);
    });
  });

  describe('3. the ETP.DAT on the wire', () => {
    it('carries the email and PIN in its header and the password nowhere, in no frame', async () => {
      const { handset, sent } = memoryRig();
      await handset.activate({ email: EMAIL, password: PASSWORD });

      const frame = pkg.wire.decodeFrame(sent[0]!);
      expect(frame.type).toBe('etp-dat');
      expect(frame.seq).toBe(0);
      expect(frame.pin).toBe(PIN);
      expect(frame.to).toBe(`mailto:${EMAIL}`);
      const etp = pkg.wire.decodeEtpDat(frame.body);
      expect(etp.header.email).toBe(EMAIL);
      expect(etp.header.pin).toBe(PIN);
      expect(etp.header.suite).toBe(X25519);
      expect(etp.header.suites).toEqual([X25519]);
      expect(etp.header.ciphers).toEqual(['AES-256-CBC']);
      expect(etp.share).toHaveLength(32);
      // The header bytes decode to the same header, and the ETP.DAT re-encodes to the bytes sent.
      expect(pkg.wire.decodeEtpHeader(etp.headerBytes)).toEqual(etp.header);
      expect(hex(pkg.wire.encodeEtpDat(etp))).toBe(hex(frame.body));

      for (const encoding of passwordEncodings(PASSWORD)) {
        expect(contains(sent[0]!, encoding)).toBe(false);
        expect(contains(frame.body, encoding)).toBe(false);
      }
      // Nor in anything else the handset sent during the whole activation.
      expect(sent.length).toBeGreaterThan(5);
      for (const bytes of sent) for (const encoding of passwordEncodings(PASSWORD)) expect(contains(bytes, encoding)).toBe(false);
      expect(sent.map((f) => pkg.wire.decodeFrame(f).type).slice(0, 3)).toEqual(['etp-dat', 'handset-confirm', 'key-verified']);
    });
  });

  describe('4. handset snapshots', () => {
    const STORAGE_KEY = new Uint8Array(32).fill(7);

    it('a completed handset: snapshot, restore, the same keys, books and data; wrong key and stale generation refused', async () => {
      const { handset, sim } = memoryRig();
      const result = await handset.activate({ email: EMAIL, password: PASSWORD });
      const snapshot = handset.snapshot(STORAGE_KEY, { generation: 2 });

      expect(pkg.root.snapshotGeneration(snapshot)).toBe(2);
      // Sealed: neither the password nor the transport key in clear.
      for (const encoding of passwordEncodings(PASSWORD)) expect(contains(snapshot, encoding)).toBe(false);
      expect(contains(snapshot, handset.state.transportKey!.key)).toBe(false);

      const [other] = pkg.root.createMemoryTransportPair();
      cleanups.push(() => other.close());
      // The snapshot carries no records: the host keeps its record store and gives it back.
      const restored = pkg.root.Handset.restore(snapshot, STORAGE_KEY, {
        transport: other,
        minGeneration: 2,
        recordStore: handset.recordStore,
      });
      cleanups.push(() => restored.close());
      expect(restored).toBeInstanceOf(pkg.root.Handset);
      expect(restored.state.phase).toBe('complete');
      expect(restored.status).toEqual({ id: 'activation-complete', text: 'Activation Complete' });
      expect(restored.state.config.pin).toBe(PIN);
      expect(hex(restored.state.transportKey!.key)).toBe(hex(handset.state.transportKey!.key));
      expectSameKey(restored, sim);
      expect(restored.state.serviceBooks).toEqual(handset.state.serviceBooks);
      expect(restored.state.sync?.store).toEqual(handset.state.sync?.store);
      await expect(restored.resume()).resolves.toMatchObject({ email: EMAIL, keyAlgorithm: 'AES-256-CBC', keyId: result.keyId });

      const wrongKey = await thrown(() => pkg.root.Handset.restore(snapshot, new Uint8Array(32).fill(8), { transport: other }));
      expect(wrongKey).toBeInstanceOf(pkg.root.ActivationError);
      expect(pkg.root.isActivationError(wrongKey, 'DECRYPT_FAILED')).toBe(true);
      const stale = await thrown(() => pkg.root.Handset.restore(snapshot, STORAGE_KEY, { transport: other, minGeneration: 3 }));
      expect(stale).toBeInstanceOf(pkg.root.ActivationError);
      expect(pkg.root.isActivationError(stale, 'STALE_SNAPSHOT')).toBe(true);
    });

    it('mid-activation: snapshot at "Services Received", power off, restore on the same transport, resume to the end', async () => {
      // A short reply timeout: the restored handset asks again for what the first one lost.
      const config: HandsetOptions['config'] = { ...CONFIG, retry: { replyTimeoutMs: 400 } };
      const { handset, sim, handsetSide } = memoryRig({ handset: { config } });
      let restored: Handset | undefined;
      const statuses: string[] = [];
      const resumed = new Promise<unknown>((resolve) => {
        handset.on('status', (s) => {
          if (s.id !== 'services-received') return;
          queueMicrotask(() => {
            const snapshot = handset.snapshot(STORAGE_KEY);
            handset.suspend();
            restored = pkg.root.Handset.restore(snapshot, STORAGE_KEY, { transport: handsetSide, recordStore: handset.recordStore });
            cleanups.push(() => restored!.close());
            restored.on('status', (t) => statuses.push(t.text));
            resolve(restored.resume());
          });
        });
      });
      const first = await thrown(() => handset.activate({ email: EMAIL, password: PASSWORD }));
      expect(pkg.root.isActivationError(first, 'INVALID_STATE')).toBe(true);
      expect((first as Error).message).toMatch(/suspended/);

      const result = (await resumed) as Awaited<ReturnType<Handset['resume']>>;
      expect(result.email).toBe(EMAIL);
      expect(result.keyAlgorithm).toBe('AES-256-CBC');
      expect(restored!.state.phase).toBe('complete');
      expect(statuses.at(-1)).toBe('Activation Complete');
      expect(
        statuses.every((t) => t.startsWith('Synchronizing ') || t === 'Activation Complete' || t.startsWith('Your email address')),
      ).toBe(true);
      expectSameKey(restored!, sim);
      expect(sim.account(EMAIL)?.status).toBe('Activated');
      // Nothing lost, nothing twice.
      for (const db of pkg.root.SYNC_ORDER) {
        const ids = restored!.state.sync!.store![db]!.map((r: { id: string }) => r.id);
        expect(new Set(ids).size, db).toBe(ids.length);
        expect(ids.length, db).toBe(pkg.simulator.DEFAULT_DATA_COUNTS[db]);
      }
    });
  });

  describe('5. over the network: the relay server from /node', () => {
    it('a full activation through startRelayServer on port 0 and createRelayTransport on both sides', async () => {
      const relay = await pkg.node.startRelayServer({ port: 0 });
      cleanups.push(() => relay.close());
      expect(relay.port).toBeGreaterThan(0);
      expect(relay.url).toContain(String(relay.port));

      const sim = server({ srp: SRP, relay: 'relay.test', name: 'BES01' });
      const serverTransport = pkg.root.createRelayTransport({
        url: relay.url,
        address: `srp:${SRP}`,
        serves: ['example.com'],
        pollWaitSeconds: 10,
      });
      cleanups.push(() => serverTransport.close());
      cleanups.push(sim.attach(serverTransport));
      const handsetTransport = pkg.root.createRelayTransport({ url: relay.url, address: `pin:${PIN}`, pollWaitSeconds: 10 });
      cleanups.push(() => handsetTransport.close());
      const { handset, statuses } = handsetOn(handsetTransport);

      const result = await handset.activate({ email: EMAIL, password: PASSWORD });
      expect(statuses).toEqual(SUCCESS);
      expect(result.keyAlgorithm).toBe('AES-256-CBC');
      expect(result.server.srp).toBe(SRP);
      expectSameKey(handset, sim);
      expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', devicePin: PIN, hasPassword: false });
      expect(relay.stats.malformed).toBe(0);
      expect(relay.stats.received).toBeGreaterThan(6);
    });
  });
});
