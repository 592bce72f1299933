/**
 * A handset restored while its enforcer was applying an IT policy (`applying-policy`,
 * `applying-policy-update`) applies it again and goes on (docs/handset.md, "Driver"): such a state
 * has no timer to arm, and no frame but an error moves it, so before the fix it stayed there for
 * good. The states come from real runs through the public API: the snapshot is taken inside the
 * enforcer (the power is lost there), and the same state is also sealed as an earlier version
 * wrote it (`awaiting-policy` or `complete` holding the policy waiting for the enforcer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset } from '../../src/handset/handset.js';
import type { HandsetState } from '../../src/handset/state.js';
import { sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { type EnforcementContext, type EnforcementResult, InMemoryPolicyEnforcer, type RuleSettings } from '../../src/policy/enforcer.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { flush } from '../phases/helpers.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';

const KEY = new Uint8Array(32).fill(0x5a);

/** Records the policies it applies; `during` runs inside `apply` (before the rules are applied). */
class RecordingEnforcer extends InMemoryPolicyEnforcer {
  readonly calls: string[] = [];
  constructor(private readonly during: (policyId: string) => void = () => undefined) {
    super();
  }
  override apply(effective: RuleSettings, context: EnforcementContext): EnforcementResult {
    this.calls.push(context.policyId);
    this.during(context.policyId);
    return super.apply(effective, context);
  }
}

interface Interrupted {
  readonly sim: BesSimulator;
  readonly transport: Transport;
  /** The snapshot taken inside the enforcer, and the state it holds. */
  readonly snapshot: Uint8Array;
  readonly state: HandsetState;
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/**
 * Activates (and, for `update`, pushes policy-2 to the activated device); the power is lost inside
 * the enforcer applying `policyId`: a snapshot, then `suspend()`.
 */
async function interruptedIn(policyId: 'default' | 'policy-2', seed: string): Promise<Interrupted> {
  const sim = new BesSimulator({
    random: seededRandom(`${seed}/server`),
    domainKeySeed: seededRandom(`${seed}/domain`)(32),
    now: () => T0,
  });
  sim.addUser({ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD });
  const [handsetSide, serverSide] = createMemoryTransportPair();
  sim.attach(serverSide);
  closers.push(() => sim.close());
  let taken: { snapshot: Uint8Array; state: HandsetState } | undefined;
  const enforcer = new RecordingEnforcer((id) => {
    if (id !== policyId) return;
    taken = { snapshot: handset.snapshot(KEY), state: handset.state };
    handset.suspend();
  });
  const handset = new Handset({
    config: HANDSET_CONFIG,
    transport: handsetSide,
    random: seededRandom(`${seed}/handset`),
    now: () => T0,
    enforcer,
  });
  const activation = handset.activate({ email: EMAIL, password: PASSWORD });
  if (policyId === 'policy-2') {
    await activation;
    await flush();
    sim.updatePolicy('policy-2', { 'Disable Camera': true });
  } else {
    await activation.catch(() => undefined);
  }
  await flush();
  if (!taken) throw new Error(`the enforcer was never asked to apply ${policyId}`);
  return { sim, transport: handsetSide, ...taken };
}

function restored(from: Interrupted, snapshot: Uint8Array, enforcer: RecordingEnforcer, seed: string): Handset {
  const handset = Handset.restore(snapshot, KEY, {
    transport: from.transport,
    random: seededRandom(`${seed}/restored`),
    now: () => T0,
    enforcer,
  });
  closers.push(() => handset.suspend());
  return handset;
}

/** The state as a version before `applying-policy` was a phase sealed it. */
function asEarlierVersion(state: HandsetState, phase: 'awaiting-policy' | 'complete'): Uint8Array {
  return sealSnapshot('handset', { ...state, phase }, KEY, nobleProvider, { random: seededRandom('earlier') });
}

describe('restored while applying the IT policy of the activation: the policy is applied again and the activation completes', () => {
  it.each(['snapshot taken inside the enforcer', 'awaiting-policy with a pending policy (an earlier version)'] as const)(
    '%s',
    async (source) => {
      const from = await interruptedIn('default', 'applying');
      expect(from.state.phase).toBe('applying-policy');
      const snapshot = source === 'snapshot taken inside the enforcer' ? from.snapshot : asEarlierVersion(from.state, 'awaiting-policy');
      const enforcer = new RecordingEnforcer();
      const handset = restored(from, snapshot, enforcer, source);
      expect(handset.state.phase).toBe('applying-policy');
      const acks: { ack: PolicyAck; update: boolean }[] = [];
      handset.on('policy', (p) => acks.push(p));
      const result = await handset.resume();
      expect(result.email).toBe(EMAIL);
      expect(handset.state.phase).toBe('complete');
      expect(enforcer.calls).toEqual(['default']);
      expect(acks.map((a) => [a.ack.policyId, a.ack.status, a.update])).toEqual([['default', 'applied', false]]);
      expect(from.sim.policyAck(EMAIL)?.policyId).toBe('default');
    },
  );
});

describe('restored while applying an IT policy update: it is applied again and acknowledged', () => {
  it.each(['snapshot taken inside the enforcer', 'complete with a pending policy (an earlier version)'] as const)('%s', async (source) => {
    const from = await interruptedIn('policy-2', 'update');
    expect(from.state.phase).toBe('applying-policy-update');
    expect(from.sim.policyPending(EMAIL)?.policyId).toBe('policy-2');
    const snapshot = source === 'snapshot taken inside the enforcer' ? from.snapshot : asEarlierVersion(from.state, 'complete');
    const enforcer = new RecordingEnforcer();
    const handset = restored(from, snapshot, enforcer, source);
    expect(handset.state.phase).toBe('applying-policy-update');
    const acknowledged = new Promise<{ ack: PolicyAck; update: boolean }>((resolve) => handset.on('policy', resolve));
    // The device is activated: the update is no activation to wait for.
    expect((await handset.resume()).email).toBe(EMAIL);
    const { ack, update } = await acknowledged;
    expect([ack.policyId, ack.status, update]).toEqual(['policy-2', 'applied', true]);
    expect(handset.state.phase).toBe('complete');
    expect(enforcer.calls).toEqual(['policy-2']);
    await flush();
    expect(from.sim.policyPending(EMAIL)).toBeUndefined();
    expect(from.sim.policyAck(EMAIL)?.policyId).toBe('policy-2');
  });
});

describe('the policy is not applied again when the restored handset stops or moves on first', () => {
  it.each(['suspend', 'cancel'] as const)('%s() right after restore', async (stop) => {
    const from = await interruptedIn('default', `stopped-${stop}`);
    const enforcer = new RecordingEnforcer();
    const handset = restored(from, from.snapshot, enforcer, stop);
    handset[stop]();
    await flush();
    expect(enforcer.calls).toEqual([]);
    expect(handset.state.phase).toBe(stop === 'suspend' ? 'applying-policy' : 'failed');
  });
});
