/**
 * The server's sans-I/O core (`startServerSession`, `serverStep`) driven step by step against a
 * handset (`handsetStep`), without BesSimulator: one session, an AccountStore the account changes
 * are applied to, a virtual clock. A test runs the pair up to a server phase, then feeds the
 * session frames of its own (altered, resealed under the session's keys, which it can read in the
 * state) and asserts on the step's outputs and state directly.
 *
 * Not the Pair (pair.ts): the Pair goes through `BesSimulator.receive`, which routes frames and
 * keeps the session states to itself. This rig hands the test the session state and every
 * `ServerOutput`, and lets it choose the `env` of each step (the time, the account).
 */
import { expect } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { type HandsetConfig, resolveHandsetConfig } from '../../src/handset/config.js';
import type { HandsetInput, HandsetOutput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import { type HandsetState, initialHandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer, type PolicyEnforcer } from '../../src/policy/enforcer.js';
import { AccountStore, type NewUser } from '../../src/simulator/accounts.js';
import type { ServerIdentity } from '../../src/simulator/server-config.js';
import type { ServerEnv, ServerInput, ServerOutput, ServerStepResult } from '../../src/simulator/server-io.js';
import { serverStep, startServerSession } from '../../src/simulator/server-machine.js';
import { type ServicesConfig, resolveServicesConfig } from '../../src/simulator/server-services.js';
import type { ServerPhase, ServerSessionState } from '../../src/simulator/server-state.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeHandsetConfirm, encodeHandsetConfirm, type HandsetConfirm } from '../../src/wire/messages/handset-confirm.js';
import { sealBody } from '../../src/wire/messages/sealed-body.js';
import { decodeFrame, encodeFrame, frameAssociatedData, type Frame } from '../../src/wire/frame.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from './fixtures.js';
import { reframe } from './frames.js';

export interface CoreRigOptions {
  /** Users of the store (default: {@link EMAIL} with {@link PASSWORD}). */
  readonly users?: readonly NewUser[];
  readonly handsetConfig?: HandsetConfig;
  readonly enforcer?: PolicyEnforcer;
  readonly services?: Partial<ServicesConfig>;
  /** Replaces fields of every step's env (the provider, say). */
  readonly env?: Partial<Omit<ServerEnv, 'account' | 'now'>>;
  readonly seed?: string;
  /** Give the server a long-term agreement key, as BesSimulator always does (a key rollover needs it). */
  readonly agreementKey?: boolean;
}

export class CoreRig {
  readonly clock = { now: T0 };
  readonly accounts: AccountStore;
  /** The session's current state (undefined before the ETP.DAT). */
  session: ServerSessionState | undefined;
  handset: HandsetState;
  /** Frames the handset sent that have not reached the server yet, oldest first. */
  readonly toServer: Uint8Array[] = [];
  /** Every server output, in order. */
  readonly outputs: ServerOutput[] = [];
  readonly handsetOutputs: HandsetOutput[] = [];
  readonly enforcer: PolicyEnforcer;
  private readonly base: Omit<ServerEnv, 'account' | 'now'>;
  private readonly handsetRandom;
  private readonly email: string;

  constructor(options: CoreRigOptions = {}) {
    const seed = options.seed ?? 'core rig';
    this.accounts = new AccountStore(() => this.clock.now);
    const users = options.users ?? [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD }];
    for (const user of users) this.accounts.add(user);
    this.email = users[0]?.email ?? EMAIL;
    const identity = rigIdentity(seed, options.agreementKey ? `${seed} agreement` : undefined);
    this.base = {
      provider: nobleProvider,
      random: seededRandom(`${seed} server`),
      identity,
      policy: { suites: ['CPACE-X25519-SHA512'], ciphers: ['AES-256-CBC'] },
      services: resolveServicesConfig(options.services, identity, () => this.clock.now),
      dummySecret: seededRandom(`${seed} dummy`)(32),
      replyToUnknownUsers: false,
      claimTimeoutMs: this.accounts.claimTimeoutMs,
      policyRetransmitMs: 60_000,
      ...options.env,
    };
    this.handsetRandom = seededRandom(`${seed} handset`);
    this.enforcer = options.enforcer ?? new InMemoryPolicyEnforcer();
    this.handset = initialHandsetState(resolveHandsetConfig(options.handsetConfig ?? HANDSET_CONFIG, nobleProvider));
  }

  /** The env of a step now, with the account as the store has it (or `account` given). */
  env(patch: Partial<ServerEnv> = {}): ServerEnv {
    return { ...this.base, now: this.clock.now, account: this.accounts.get(this.email), ...patch };
  }

  /** The user chooses Activate (the ETP.DAT goes to `toServer`). */
  activate(email = this.email, password = PASSWORD): void {
    this.toHandset({ type: 'activate', email, password, now: this.clock.now });
  }

  /** Feeds the handset one input; its frames go to `toServer`, an `apply-policy` is answered at once. */
  toHandset(input: HandsetInput): void {
    const pending: HandsetInput[] = [input];
    for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
      const result = handsetStep(this.handset, next, { provider: nobleProvider, random: this.handsetRandom });
      this.handset = result.state;
      for (const o of result.outputs) {
        this.handsetOutputs.push(o);
        if (o.type === 'send') this.toServer.push(o.bytes);
        if (o.type === 'apply-policy')
          pending.push({ type: 'policy-applied', ack: applyPolicy(this.enforcer, o.policy), now: this.clock.now });
      }
    }
  }

  /**
   * One frame to the server: an ETP.DAT starts the session, anything else is a `frame` input of
   * the session. The account changes are applied to the store, the state kept. Returns the step.
   */
  server(bytes: Uint8Array, patch: Partial<ServerEnv> = {}): ServerStepResult {
    const frame = decodeFrame(bytes);
    if (frame.type === 'etp-dat' && this.session === undefined) {
      const started = startServerSession(frame, decodeEtpDat(frame.body), this.env(patch));
      this.perform(started.outputs);
      this.session = started.state;
      return { state: started.state!, outputs: started.outputs };
    }
    return this.input({ type: 'frame', frame }, patch);
  }

  /** One input to the session (a frame, `tick`, `push-policy`). */
  input(input: ServerInput, patch: Partial<ServerEnv> = {}): ServerStepResult {
    if (this.session === undefined) throw new Error('no session yet');
    const result = serverStep(this.session, input, this.env(patch));
    this.perform(result.outputs);
    this.session = result.state;
    return result;
  }

  /** Hands the server's sends of `result` to the handset (its answers go to `toServer`). */
  deliver(result: ServerStepResult): void {
    for (const o of result.outputs) if (o.type === 'send') this.toHandset({ type: 'frame', bytes: o.bytes, now: this.clock.now });
  }

  /**
   * Delivers the handset's frames to the server and the server's replies to the handset until the
   * session is in `phase` (returns true) or nothing is left to deliver (false). The handset's next
   * frame, if any, is left in `toServer`.
   */
  runUntil(phase: ServerPhase): boolean {
    for (;;) {
      if (this.session?.phase === phase) return true;
      const next = this.toServer.shift();
      if (next === undefined) return false;
      for (const o of this.server(next).outputs)
        if (o.type === 'send') this.toHandset({ type: 'frame', bytes: o.bytes, now: this.clock.now });
    }
  }

  /** The sends among `outputs`, decoded. */
  static sends(outputs: readonly ServerOutput[]): Frame[] {
    return outputs.flatMap((o) => (o.type === 'send' ? [decodeFrame(o.bytes)] : []));
  }

  /** The log lines among `outputs`. */
  static logs(outputs: readonly ServerOutput[]): { event: string; detail?: Record<string, unknown> }[] {
    return outputs.flatMap((o) =>
      o.type === 'log' ? [o.detail === undefined ? { event: o.event } : { event: o.event, detail: o.detail }] : [],
    );
  }

  private perform(outputs: readonly ServerOutput[]): void {
    for (const o of outputs) {
      this.outputs.push(o);
      if (o.type === 'account') this.accounts.apply(o.change);
    }
  }
}

/**
 * `frameBytes` with its body replaced by `plaintext` sealed under `key` and bound to the frame's
 * header, as a peer holding the transport key would seal it.
 */
export function resealed(
  frameBytes: Uint8Array,
  plaintext: Uint8Array,
  key: Parameters<typeof sealBody>[1],
  patch: Partial<Omit<Frame, 'body'>> = {},
): Uint8Array {
  const header = { ...decodeFrame(frameBytes), ...patch };
  const body = sealBody(nobleProvider, key, plaintext, frameAssociatedData(header), seededRandom('resealed'));
  return encodeFrame({ ...header, body });
}

/**
 * The rig's server identity for `seed` (its domain key from `${seed} domain`), with a long-term
 * agreement key drawn from `agreementSeed` when given (a key rollover or a rekey-request needs one).
 */
export function rigIdentity(seed = 'core rig', agreementSeed?: string): ServerIdentity {
  return {
    srp: 'S0000001',
    relay: 'relay.blackberry.test',
    name: 'BES01',
    version: 'BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4',
    besDomain: 'BESDomain',
    domainKey: nobleProvider.signingKeyPair(seededRandom(`${seed} domain`)(32)),
    ...(agreementSeed === undefined ? {} : { agreementKey: nobleProvider.agreementKeyPair(seededRandom(agreementSeed)(32)) }),
  };
}

/** A rig activated up to `complete`, with nothing left in `toServer` (both asserted). */
export function activatedRig(options: CoreRigOptions = {}): CoreRig {
  const rig = new CoreRig(options);
  rig.activate();
  expect(rig.runUntil('complete')).toBe(true);
  expect(rig.toServer).toHaveLength(0);
  return rig;
}

/** A rig run until the server is in `phase` (the handset's next frame waits in `toServer`). */
export function rigAt(phase: ServerSessionState['phase'], options: CoreRigOptions = {}): CoreRig {
  const rig = new CoreRig(options);
  rig.activate();
  if (!rig.runUntil(phase)) throw new Error(`the rig never reached ${phase}`);
  return rig;
}

/**
 * Sends the server the handset's confirmation (the next frame in `toServer`) with its message
 * altered by `alter`, and asserts that the step drops it: the very same state, one `frame dropped`
 * log line with `reason`. Then asserts that the genuine confirmation still goes through
 * (`awaiting-key-verified`).
 */
export function expectConfirmDropped(rig: CoreRig, alter: (msg: HandsetConfirm) => HandsetConfirm, reason: string): void {
  const before = rig.session;
  const bytes = rig.toServer.shift()!;
  const msg = decodeHandsetConfirm(decodeFrame(bytes).body);
  const { state, outputs } = rig.server(reframe(bytes, { body: encodeHandsetConfirm(alter(msg)) }));
  expect(state).toBe(before);
  expect(outputs).toEqual([
    {
      type: 'log',
      event: 'frame dropped',
      detail: { reason, type: 'handset-confirm', pin: HANDSET_CONFIG.pin, seq: 1 },
    },
  ]);
  expect(rig.server(bytes).state.phase).toBe('awaiting-key-verified');
}

/** The rig's server session; throws when there is none yet. */
export function sessionOf(rig: CoreRig): ServerSessionState {
  if (rig.session === undefined) throw new Error('no session yet');
  return rig.session;
}
