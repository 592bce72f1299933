/**
 * The server's sans-I/O core on its own, without BesSimulator: a small driver (one session, an
 * AccountStore, the outputs applied in order) takes a handset through a whole activation with
 * serverStep, and the states it returns are never changed afterwards. Also the one thing the core
 * changed on purpose: an unconfirmed attempt is reported to the administrator once, across a
 * restart too.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import type { HandsetInput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { AccountStore } from '../../src/simulator/accounts.js';
import { type AdminEvent } from '../../src/simulator/admission.js';
import { BesSimulator, UNCONFIRMED_ATTEMPT_MS } from '../../src/simulator/bes-simulator.js';
import type { AccountChange, ServerEnv, ServerInput, ServerOutput } from '../../src/simulator/server-io.js';
import { serverStep, startServerSession } from '../../src/simulator/server-machine.js';
import { routeFrame } from '../../src/simulator/server-routing.js';
import { resolveServicesConfig } from '../../src/simulator/server-services.js';
import type { ServerPhase, ServerSessionState } from '../../src/simulator/server-state.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { expectCode } from '../support/errors.js';

const EMAIL = 'core@example.com';
const PASSWORD = 'Core-pw-123';
const T0 = Date.UTC(2024, 0, 1);

/** Every byte and field of a state, as text (to see that a state kept does not change). */
function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? bytesToHex(v) : v === Number.NEGATIVE_INFINITY ? '-inf' : v));
}

describe('serverStep without BesSimulator', () => {
  it('activates a handset: one session, the account changes as outputs, states never changed once returned', () => {
    const now = T0;
    const accounts = new AccountStore(() => now);
    accounts.add({ email: EMAIL, displayName: 'Core', activationPassword: PASSWORD });
    const identity = {
      srp: 'S0000001',
      relay: 'relay.blackberry.test',
      name: 'BES01',
      version: 'BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4',
      besDomain: 'BESDomain',
      domainKey: nobleProvider.signingKeyPair(seededRandom('core domain')(32)),
    };
    const base: Omit<ServerEnv, 'account'> = {
      provider: nobleProvider,
      random: seededRandom('core server'),
      now,
      identity,
      policy: { suites: ['CPACE-X25519-SHA512'], ciphers: ['AES-256-CBC'] },
      services: resolveServicesConfig({ pageSize: 5 }, identity, () => now),
      dummySecret: seededRandom('core dummy')(32),
      replyToUnknownUsers: false,
      claimTimeoutMs: accounts.claimTimeoutMs,
      policyRetransmitMs: 60_000,
    };
    const env = (): ServerEnv => ({ ...base, account: accounts.get(EMAIL) });

    let session: ServerSessionState | undefined;
    const kept: { state: ServerSessionState; text: string }[] = [];
    const phases: ServerPhase[] = [];
    const changes: AccountChange['kind'][] = [];
    const perform = (outputs: readonly ServerOutput[]): Uint8Array[] => {
      const sends: Uint8Array[] = [];
      for (const o of outputs) {
        if (o.type === 'send') sends.push(o.bytes);
        if (o.type === 'account') {
          changes.push(o.change.kind);
          accounts.apply(o.change);
        }
      }
      return sends;
    };
    const keep = (state: ServerSessionState | undefined) => {
      if (state === undefined || state === session) return;
      session = state;
      kept.push({ state, text: fingerprint(state) });
      if (phases.at(-1) !== state.phase) phases.push(state.phase);
    };
    const toServer = (bytes: Uint8Array): Uint8Array[] => {
      const frame = decodeFrame(bytes);
      if (frame.type === 'etp-dat') {
        const started = startServerSession(frame, decodeEtpDat(frame.body), env());
        keep(started.state);
        return perform(started.outputs);
      }
      if (session === undefined) return [];
      const route = routeFrame(frame, [['the session', session]], { provider: nobleProvider, sidKnown: false });
      if (route.to === 'nowhere') return perform(route.outputs);
      const input: ServerInput = { type: 'frame', frame };
      const result = serverStep(session, input, env());
      keep(result.state);
      return perform(result.outputs);
    };

    const config = resolveHandsetConfig({
      pin: '2100C0DE',
      routing: { relay: 'relay.blackberry.test', uid: 'u' },
      device: { model: '8800', os: '4.5.0.110' },
      databases: ['tasks', 'memos'],
    });
    const handsetEnv = { provider: nobleProvider, random: seededRandom('core handset') };
    const enforcer = new InMemoryPolicyEnforcer();
    let handset: HandsetState = initialHandsetState(config);
    const inputs: HandsetInput[] = [{ type: 'activate', email: EMAIL, password: PASSWORD, now }];
    for (let input = inputs.shift(); input !== undefined; input = inputs.shift()) {
      const result = handsetStep(handset, input, handsetEnv);
      handset = result.state;
      for (const o of result.outputs) {
        if (o.type === 'apply-policy') inputs.push({ type: 'policy-applied', ack: applyPolicy(enforcer, o.policy), now });
        if (o.type === 'send') for (const reply of toServer(o.bytes)) inputs.push({ type: 'frame', bytes: reply, now });
      }
    }

    expect(handset.phase).toBe('complete');
    expect(phases).toEqual([
      'awaiting-confirm',
      'awaiting-key-verified',
      'awaiting-policy-ack',
      'awaiting-books-ack',
      'syncing',
      'complete',
    ]);
    expect(changes).toEqual(['attempt-started', 'claim', 'activated']);
    expect(accounts.get(EMAIL)?.status).toBe('Activated');
    // Each phase carries its own data only: the CPace keys and the ETP.DAT are gone once the key is
    // issued, the device's body once the books are acknowledged.
    expect(session?.phase === 'complete' && Object.keys(session).sort()).toEqual([
      'email',
      'lastReply',
      'phase',
      'pin',
      'policyAck',
      'recvSeq',
      'sendSeq',
      'sid',
      'startedAt',
      'transportKey',
    ]);
    // No step changed a state it was given (or one it returned before).
    for (const { state, text } of kept) expect(fingerprint(state)).toBe(text);
  });

  it('refuses an input that is not one', () => {
    const state = {
      phase: 'failed',
      sid: new Uint8Array(16),
      pin: '2100C0DE',
      email: EMAIL,
      recvSeq: 0,
      sendSeq: 0,
      startedAt: T0,
    } as const;
    const env = {} as ServerEnv; // never read: the input is checked first
    expectCode(() => serverStep(state, null as unknown as ServerInput, env), 'INVALID_ARGUMENT');
    expectCode(() => serverStep(state, { type: 'other' } as unknown as ServerInput, env), 'INVALID_ARGUMENT');
  });
});

describe('an attempt never confirmed', () => {
  it('is reported to the administrator once, also across a snapshot and restore', () => {
    const clock = { now: T0 };
    const events: AdminEvent[] = [];
    const options = { now: () => clock.now, onAdminEvent: (e: AdminEvent) => events.push(e) };
    const sim = new BesSimulator({ ...options, random: seededRandom('unconfirmed server') });
    sim.addUser({ email: EMAIL, displayName: 'Core', activationPassword: PASSWORD });
    const config = resolveHandsetConfig({
      pin: '2100C0DE',
      routing: { relay: 'relay.blackberry.test', uid: 'u' },
      device: { model: '8800', os: '4.5.0.110' },
    });
    const { outputs } = handsetStep(
      initialHandsetState(config),
      { type: 'activate', email: EMAIL, password: PASSWORD, now: clock.now },
      { provider: nobleProvider, random: seededRandom('unconfirmed handset') },
    );
    const etp = outputs.find((o) => o.type === 'send');
    expect(sim.receive(etp?.type === 'send' ? etp.bytes : new Uint8Array())).toHaveLength(1);
    clock.now += UNCONFIRMED_ATTEMPT_MS;
    sim.poll();
    expect(events.map((e) => e.type === 'attempt-failed' && e.reason)).toEqual(['unconfirmed']);
    const key = new Uint8Array(32);
    const restored = BesSimulator.restore(sim.snapshot(key), key, { ...options, random: seededRandom('unconfirmed restored') });
    clock.now += UNCONFIRMED_ATTEMPT_MS;
    restored.poll();
    sim.poll();
    expect(events).toHaveLength(1);
  });
});
