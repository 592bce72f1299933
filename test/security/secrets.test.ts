/**
 * Secrets never leak into anything observable: handset outputs and events, error messages and
 * `cause`, `toJSON()`, simulator log events, the public account view, the activation result.
 * Sealed snapshots hold no secret in clear and refuse another key or any alteration. That tag
 * checks go through the constant-time comparison is read off the sources in
 * constant-time-source.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { expectCode } from '../support/errors.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError, isActivationError } from '../../src/errors/activation-error.js';
import { Handset, type HandsetEvents } from '../../src/handset/handset.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { createPolicy } from '../../src/policy/policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { generateUserData } from '../../src/simulator/user-data/generate-user-data.js';
import type { SyncData } from '../../src/sync/databases.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { bytesToHex, constantTimeEqual, utf8ToBytes } from '../../src/util/bytes.js';
import { EMAIL, HANDSET_CONFIG, T0 } from '../support/fixtures.js';
import { containsBytes } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { runActivation, type SecurityHarness } from './harness.js';
import { allAlgorithms } from '../support/providers.js';

/** JSON with byte strings as hex, errors as their toJSON (or name/message), Maps and Sets as arrays. */
function serializeObservable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return `hex:${bytesToHex(v)}`;
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v.values()];
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) {
      const withJson = v as Error & { toJSON?: () => unknown };
      return typeof withJson.toJSON === 'function' ? withJson.toJSON() : { name: v.name, message: v.message, cause: v.cause };
    }
    return v;
  });
}

const SECRET_PASSWORD = 'Pw-Q9z!xK';
const WRONG_PASSWORD = 'Zx-7Wrong!q';
const SUBJECT = 'Qv3 Confidential Merger Talks';
const MEMO_BODY = 'Safe combination is 31-17-42-Xq';
const STORAGE_KEY = seededRandom('storage-key')(32);

function userData(): SyncData {
  const data = generateUserData({
    seed: EMAIL,
    counts: { calendar: 3, contacts: 2, tasks: 1, memos: 1, messages: 2, options: 1 },
    owner: { email: EMAIL, displayName: 'Alice' },
    now: T0,
  });
  return {
    ...data,
    calendar: data.calendar.map((e, i) => (i === 0 ? { ...e, subject: SUBJECT } : e)),
    memos: data.memos.map((m, i) => (i === 0 ? { ...m, body: MEMO_BODY } : m)),
  };
}

interface Scenario {
  readonly name: string;
  readonly h: SecurityHarness;
}

function scenario(name: string, typed: string, options: { reject?: boolean } = {}): Scenario {
  const policy = options.reject ? createPolicy('strict', 'BES', T0, { 'Disable Bluetooth': true }) : undefined;
  const { sim, clock, log } = createServer({
    users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: SECRET_PASSWORD }],
    serverOptions: policy ? { services: { policy } } : {},
  });
  sim.setUserData(EMAIL, userData());
  const enforcer = new InMemoryPolicyEnforcer(options.reject ? { unsupported: ['Disable Bluetooth'] } : {});
  const h = runActivation({ sim, clock, log, password: typed, enforcer, handsetSeed: `secrets/${name}` });
  return { name, h };
}

const wrong = scenario('wrong password', WRONG_PASSWORD);
const success = scenario('success', SECRET_PASSWORD);
const rejected = scenario('policy rejection', SECRET_PASSWORD, { reject: true });

/** Everything a caller, a log or an event listener can see. */
function observable({ h }: Scenario): string {
  const errors = h.outputsOf('failed').map((o) => o.error);
  return serializeObservable({
    // store-records carries the records to the device's own record store (the driver performs it
    // and tells no listener), as the state held them before issue 14: not observable.
    outputs: h.outputs.filter((o) => o.type !== 'store-records'),
    ignored: h.ignored,
    errors: errors.map((e) => ({ message: e.message, json: e.toJSON(), cause: e.cause, string: String(e), stack: e.stack })),
    simLog: h.simLog,
    account: h.sim.account(EMAIL),
    result: h.result,
    keyEstablished: h.keyEstablished,
    status: h.state.status,
    failure: h.state.failure,
    policyAck: h.sim.policyAck(EMAIL),
  });
}

/** Secrets of a run: passwords, keys, scalars, session keys, plaintext records. */
function secretsOf({ h }: Scenario): { label: string; bytes: Uint8Array }[] {
  const out: { label: string; bytes: Uint8Array }[] = [
    { label: 'password', bytes: utf8ToBytes(SECRET_PASSWORD) },
    { label: 'typed password', bytes: utf8ToBytes(WRONG_PASSWORD) },
    { label: 'record subject', bytes: utf8ToBytes(SUBJECT) },
    { label: 'memo body', bytes: utf8ToBytes(MEMO_BODY) },
    { label: 'server domain secret key', bytes: h.sim.identity.domainKey.secretKey },
  ];
  const device = h.sim.accounts.get(EMAIL)?.device;
  if (device) out.push({ label: 'server copy of the transport key', bytes: device.transportKey });
  for (const s of h.states) {
    if (s.transportKey) out.push({ label: 'transport key', bytes: s.transportKey.key });
    if (s.identity)
      out.push(
        { label: 'identity signing secret', bytes: s.identity.signing.secretKey },
        { label: 'identity agreement secret', bytes: s.identity.agreement.secretKey },
      );
    const session = s.session;
    if (session?.scalar) out.push({ label: 'CPace scalar', bytes: session.scalar });
    if (session?.bodyKey) out.push({ label: 'body key', bytes: session.bodyKey });
    if (session?.handsetToServer) out.push({ label: 'k_HS', bytes: session.handsetToServer });
    if (session?.serverToHandset) out.push({ label: 'k_SH', bytes: session.serverToHandset });
  }
  return out;
}

function expectNoSecretIn(text: string, secrets: { label: string; bytes: Uint8Array }[]): void {
  const lower = text.toLowerCase();
  for (const { label, bytes } of secrets) {
    const asText = Buffer.from(bytes).toString('utf8');
    const found =
      lower.includes(bytesToHex(bytes)) ||
      (label.includes('password') || label.includes('subject') || label.includes('memo') ? text.includes(asText) : false);
    expect(found, `${label} leaked`).toBe(false);
  }
}

describe('nothing observable contains a secret', () => {
  it('the scenarios end as intended', () => {
    expect(wrong.h.error?.code).toBe('WRONG_PASSWORD');
    expect(success.h.state.phase).toBe('complete');
    expect(success.h.records.calendar?.some((e) => e.kind === 'calendar' && e.subject === SUBJECT)).toBe(true);
    expect(rejected.h.error?.code).toBe('POLICY_REJECTED');
    expect(rejected.h.keyEstablished).toBeDefined();
  });

  for (const s of [wrong, success, rejected]) {
    it(`${s.name}: outputs, events, errors, logs, account and result hold no password, key or record content`, () => {
      const secrets = secretsOf(s);
      expect(secrets.map((x) => x.label)).toContain('password');
      if (s !== wrong)
        expect(secrets.map((x) => x.label)).toEqual(expect.arrayContaining(['transport key', 'k_HS', 'k_SH', 'CPace scalar']));
      const text = observable(s);
      expect(text.length).toBeGreaterThan(1000);
      expectNoSecretIn(text, secrets);
    });
  }

  it('the serializer would find them (control): a leaked key, password or subject is detected', () => {
    const secrets = secretsOf(success);
    const key = secrets.find((x) => x.label === 'transport key')!;
    expect(() => expectNoSecretIn(serializeObservable({ oops: key.bytes }), [key])).toThrow();
    expect(() => expectNoSecretIn(serializeObservable({ oops: `pw ${SECRET_PASSWORD}` }), secrets)).toThrow();
    expect(() => expectNoSecretIn(serializeObservable({ oops: new ActivationError('MALFORMED', SUBJECT) }), secrets)).toThrow();
  });

  it('through the Handset driver: every event of a successful and of a failed activation is secret-free', async () => {
    const events: unknown[] = [];
    const runDriver = async (typed: string): Promise<{ handset: Handset; sim: BesSimulator; outcome: unknown }> => {
      const { sim } = createServer({ users: [{ email: EMAIL, displayName: 'Alice', activationPassword: SECRET_PASSWORD }] });
      sim.setUserData(EMAIL, userData());
      const [handsetSide, serverSide] = createMemoryTransportPair();
      sim.attach(serverSide);
      const handset = new Handset({ config: HANDSET_CONFIG, transport: handsetSide, random: seededRandom(`driver/${typed}`) });
      const names: (keyof HandsetEvents)[] = [
        'status',
        'error',
        'key-established',
        'complete',
        'policy',
        'service-books',
        'sync-progress',
        'ignored',
        'output',
      ];
      for (const name of names) handset.on(name, (value) => events.push({ name, value }));
      const outcome = await handset.activate({ email: EMAIL, password: typed }).catch((err: unknown) => err);
      events.push({ outcome });
      await handset.close();
      sim.close();
      return { handset, sim, outcome };
    };
    const ok = await runDriver(SECRET_PASSWORD);
    const bad = await runDriver(WRONG_PASSWORD);
    expect(ok.handset.state.phase).toBe('complete');
    expect(isActivationError(bad.outcome, 'WRONG_PASSWORD')).toBe(true);
    const text = serializeObservable(events);
    expect(text).toContain('Activation Complete');
    const secrets = [
      { label: 'password', bytes: utf8ToBytes(SECRET_PASSWORD) },
      { label: 'typed password', bytes: utf8ToBytes(WRONG_PASSWORD) },
      { label: 'record subject', bytes: utf8ToBytes(SUBJECT) },
      { label: 'transport key', bytes: ok.handset.state.transportKey!.key },
      { label: 'identity signing secret', bytes: ok.handset.state.identity!.signing.secretKey },
    ];
    expectNoSecretIn(text, secrets);
  });
});

describe('sealed snapshots', () => {
  const noTimers = { setTimeout: () => 0, clearTimeout: () => {} };
  const idleTransport: Transport = { send: async () => {}, onFrame: () => () => {}, close: async () => {} };

  function expectSealed(snapshot: Uint8Array, secrets: { label: string; bytes: Uint8Array }[]): void {
    for (const { label, bytes } of secrets) {
      expect(containsBytes(snapshot, bytes), `${label} in clear`).toBe(false);
      expect(Buffer.from(snapshot).toString('latin1').includes(bytesToHex(bytes)), `${label} as hex`).toBe(false);
    }
  }

  it('handset.snapshot(storageKey) of a completed device holds no key, password or record in clear, and round-trips', () => {
    const handset = new Handset({
      config: HANDSET_CONFIG,
      transport: idleTransport,
      state: success.h.state,
      random: seededRandom('snap'),
      timers: noTimers,
    });
    const snapshot = handset.snapshot(STORAGE_KEY);
    expectSealed(snapshot, secretsOf(success));
    expect(openHandsetState(snapshot, STORAGE_KEY, allAlgorithms)).toEqual(success.h.state);
    const restored = Handset.restore(snapshot, STORAGE_KEY, { transport: idleTransport, timers: noTimers, provider: allAlgorithms });
    expect(restored.state).toEqual(success.h.state);
  });

  it('mid-activation handset states (scalar, body key, session keys) are sealed too', () => {
    const secrets = secretsOf(success);
    for (const state of success.h.states) expectSealed(sealHandsetState(state, STORAGE_KEY, nobleProvider, seededRandom('mid')), secrets);
  });

  it('sim.snapshot(key) holds no transport key, password or record in clear, and round-trips', () => {
    for (const s of [wrong, success]) {
      const snapshot = s.h.sim.snapshot(STORAGE_KEY);
      expectSealed(snapshot, secretsOf(s));
      // On the same clock: the account view says whether the password has expired by then.
      const back = BesSimulator.restore(snapshot, STORAGE_KEY, { provider: allAlgorithms, now: () => s.h.clock.now });
      expect(back.account(EMAIL)).toEqual(s.h.sim.account(EMAIL));
    }
    // The wrong-password run left the password on the server: still not in clear.
    expect(wrong.h.sim.accounts.get(EMAIL)!.password!.value).toBe(SECRET_PASSWORD);
  });

  it('opening with another key: DECRYPT_FAILED (handset and simulator)', () => {
    const otherKey = seededRandom('other-key')(32);
    const handsetSnapshot = sealHandsetState(success.h.state, STORAGE_KEY, nobleProvider, seededRandom('k'));
    const simSnapshot = success.h.sim.snapshot(STORAGE_KEY);
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'no error';
      } catch (err) {
        return isActivationError(err) ? err.code : `not an ActivationError: ${String(err)}`;
      }
    };
    expect(code(() => openHandsetState(handsetSnapshot, otherKey, nobleProvider))).toBe('DECRYPT_FAILED');
    expect(code(() => Handset.restore(handsetSnapshot, otherKey, { transport: idleTransport, timers: noTimers }))).toBe('DECRYPT_FAILED');
    expect(code(() => BesSimulator.restore(simSnapshot, otherKey))).toBe('DECRYPT_FAILED');
    // A snapshot of the other kind is refused before decryption.
    expect(code(() => openHandsetState(simSnapshot, STORAGE_KEY, nobleProvider))).toBe('MALFORMED');
    expect(code(() => BesSimulator.restore(handsetSnapshot, STORAGE_KEY))).toBe('MALFORMED');
    // Keys of the wrong size are a caller error.
    expect(code(() => openHandsetState(handsetSnapshot, new Uint8Array(31), nobleProvider))).toBe('INVALID_ARGUMENT');
  });

  it('any flipped byte or truncation: MALFORMED in the envelope header, DECRYPT_FAILED after it, never a state', () => {
    const snapshot = sealHandsetState(success.h.states[3]!, STORAGE_KEY, nobleProvider, seededRandom('flip'));
    const random = seededRandom('positions');
    const positions = new Set<number>();
    for (let i = 0; i < Math.min(snapshot.length, 128); i++) positions.add(i); // the whole envelope
    for (let i = 0; i < 128; i++) {
      const r = random(4);
      positions.add(new DataView(r.buffer, r.byteOffset, 4).getUint32(0) % snapshot.length);
    }
    positions.add(snapshot.length - 1);
    const seen = new Set<string>();
    for (const at of positions) {
      for (const mask of [0x01, 0x80]) {
        const altered = snapshot.slice();
        altered[at]! ^= mask;
        // The envelope (sealed-snapshot.ts): "EA-SNAP2" (8) || kind length (1) || "handset" (7) ||
        // generation || nonce || ciphertext. A flip before the generation is MALFORMED, any later
        // one fails authentication: DECRYPT_FAILED. Never a state.
        const expected = at < 8 + 1 + 'handset'.length ? 'MALFORMED' : 'DECRYPT_FAILED';
        expectCode(() => openHandsetState(altered, STORAGE_KEY, nobleProvider), expected);
        seen.add(expected);
      }
    }
    for (const length of [0, 1, 10, snapshot.length >> 1, snapshot.length - 1]) {
      expect(() => openHandsetState(snapshot.subarray(0, length), STORAGE_KEY, nobleProvider)).toThrow(ActivationError);
    }
    expect([...seen].sort()).toEqual(['DECRYPT_FAILED', 'MALFORMED']);
  });

  it('a flipped byte in a simulator snapshot: MALFORMED in the envelope header, DECRYPT_FAILED after it', () => {
    const snapshot = success.h.sim.snapshot(STORAGE_KEY);
    for (const at of [0, 5, 20, 60, 100, snapshot.length >> 1, snapshot.length - 1]) {
      const altered = snapshot.slice();
      altered[at]! ^= 0x04;
      // "EA-SNAP2" (8) || kind length (1) || "bes-simulator" (13): MALFORMED there, DECRYPT_FAILED after.
      expectCode(() => BesSimulator.restore(altered, STORAGE_KEY), at < 8 + 1 + 'bes-simulator'.length ? 'MALFORMED' : 'DECRYPT_FAILED');
    }
  });
});

describe('constant-time comparison of tags', () => {
  it('constantTimeEqual behaves: equal, different, different lengths', () => {
    const a = seededRandom('ct')(64);
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    const b = a.slice();
    b[63]! ^= 1;
    expect(constantTimeEqual(a, b)).toBe(false);
    expect(constantTimeEqual(a, a.subarray(0, 63))).toBe(false);
  });
});
