/**
 * Issue 8, finding 7: IT policy updates after activation.
 *
 * Before the fix a policy was identified by its id: a policy that reused the id of the one in
 * force was acknowledged without being applied (the server then believed the new rules were in
 * force), the acknowledgement named only the id, an older policy could replace a newer one, and a
 * lost push was never sent again. Each test below performs one of these and shows it now fails.
 *
 * The simulator is driven sans-I/O here (`receive` and `poll` with an injected clock), so that
 * losing a frame and waiting 30 minutes are exact and instant; the last test runs the same repair
 * through `attach()` and its own timer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset } from '../../src/handset/handset.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';
import { type EnforcementContext, type EnforcementResult, InMemoryPolicyEnforcer, type RuleSettings } from '../../src/policy/enforcer.js';
import { createPolicy } from '../../src/policy/policy.js';
import { policyHash, signPolicy } from '../../src/policy/signed-policy.js';
import { encodeSignedPolicy } from '../../src/wire/messages/it-policy.js';
import { encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { BesSimulator, DEFAULT_POLICY_RETRANSMIT_MS } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { decodeFrame, encodeFrame, frameAssociatedData, type Frame } from '../../src/wire/frame.js';
import { sealBody } from '../../src/wire/messages/sealed-body.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';
import { flush } from '../phases/helpers.js';
import { expectCode } from '../support/errors.js';

const MINUTE = 60_000;

class CountingEnforcer extends InMemoryPolicyEnforcer {
  readonly calls: string[] = [];
  override apply(effective: RuleSettings, context: EnforcementContext): EnforcementResult {
    this.calls.push(context.policyId);
    return super.apply(effective, context);
  }
}

interface Bench {
  sim: BesSimulator;
  handset: Handset;
  enforcer: CountingEnforcer;
  /** The frames the server side saw, in both directions. */
  frames: { dir: 'in' | 'out'; frame: Frame }[];
  log: { event: string; detail?: Record<string, unknown> }[];
  ignored: { reason: string; code?: string }[];
  acks: { ack: PolicyAck; update: boolean }[];
  clock: { now: number };
  /** Server-side end of the link, to inject frames towards the handset. */
  serverSide: Transport;
  /** Drop the next frame of this type in this direction. */
  dropNext(dir: 'in' | 'out', type: Frame['type']): void;
  /** Runs `poll()` and delivers what it returns (unless dropped). */
  poll(): Promise<number>;
  close(): Promise<void>;
}

const benches: Bench[] = [];
afterEach(async () => {
  for (const b of benches.splice(0)) await b.close();
});

async function bench(seed: string): Promise<Bench> {
  const clock = { now: T0 };
  const log: Bench['log'] = [];
  const sim = new BesSimulator({
    random: seededRandom(`${seed}/server`),
    domainKeySeed: seededRandom(`${seed}/domain`)(32),
    now: () => clock.now,
    log: (event, detail) => log.push(detail === undefined ? { event } : { event, detail }),
  });
  sim.addUser({ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD });
  const [handsetSide, serverSide] = createMemoryTransportPair();
  const frames: Bench['frames'] = [];
  const drops: { dir: 'in' | 'out'; type: Frame['type'] }[] = [];
  const dropped = (dir: 'in' | 'out', frame: Frame): boolean => {
    const i = drops.findIndex((d) => d.dir === dir && d.type === frame.type);
    if (i < 0) return false;
    drops.splice(i, 1);
    return true;
  };
  const deliver = (bytes: Uint8Array): void => {
    const frame = decodeFrame(bytes);
    if (dropped('out', frame)) return;
    frames.push({ dir: 'out', frame });
    void serverSide.send(bytes);
  };
  // The sans-I/O simulator: every frame goes through receive(); nothing is attached.
  serverSide.onFrame((bytes) => {
    const frame = decodeFrame(bytes);
    if (dropped('in', frame)) return;
    frames.push({ dir: 'in', frame });
    for (const out of sim.receive(bytes)) deliver(out);
  });
  const enforcer = new CountingEnforcer();
  const handset = new Handset({
    config: HANDSET_CONFIG,
    transport: handsetSide,
    random: seededRandom(`${seed}/handset`),
    now: () => clock.now,
    enforcer,
  });
  const ignored: Bench['ignored'] = [];
  const acks: Bench['acks'] = [];
  handset.on('ignored', (i) => ignored.push(i));
  handset.on('policy', (p) => acks.push(p));
  await handset.activate({ email: EMAIL, password: PASSWORD });
  await flush();
  const b: Bench = {
    sim,
    handset,
    enforcer,
    frames,
    log,
    ignored,
    acks,
    clock,
    serverSide,
    dropNext: (dir, type) => drops.push({ dir, type }),
    async poll() {
      const due = sim.poll();
      for (const bytes of due) deliver(bytes);
      await flush();
      await flush();
      return due.length;
    },
    async close() {
      await handset.close();
      sim.close();
    },
  };
  benches.push(b);
  return b;
}

const types = (b: Bench, dir: 'in' | 'out') => b.frames.filter((f) => f.dir === dir).map((f) => f.frame.type);

describe('IT policy updates are identified by the hash of their signed bytes (finding 7)', () => {
  it('a policy that reuses the id of the one in force, with other rules, is applied (it used to be acknowledged and ignored)', async () => {
    const b = await bench('policy-updates/reused-id');
    b.clock.now += MINUTE;
    b.sim.updatePolicy('policy-2', { 'Disable Camera': true });
    expect(await b.poll()).toBe(1);
    expect(b.enforcer.settings['Disable Camera']).toBe(true);

    // The attack: the same id, other content. Before the fix the device answered with the old
    // acknowledgement and kept the camera disabled while the server recorded "applied".
    b.clock.now += MINUTE;
    b.sim.updatePolicy('policy-2', { 'Disable Camera': false, 'Disable Bluetooth': true });
    expect(await b.poll()).toBe(1);

    expect(b.enforcer.calls).toEqual(['default', 'policy-2', 'policy-2']);
    expect(b.enforcer.settings['Disable Camera']).toBe(false);
    expect(b.enforcer.settings['Disable Bluetooth']).toBe(true);
    const recorded = b.sim.policyAck(EMAIL);
    expect(recorded?.policyId).toBe('policy-2');
    expect(recorded?.policyHash).toEqual(policyHash(b.sim.itPolicy));
    expect(b.handset.state.policy?.ack.policyHash).toEqual(policyHash(b.sim.itPolicy));
    expect(b.sim.policyPending(EMAIL)).toBeUndefined();
  });

  it('the server does not record an acknowledgement whose hash is not that of the update it sent, and keeps sending the update', async () => {
    const b = await bench('policy-updates/ack-binding');
    const tk = b.handset.state.transportKey!;
    const sid = b.handset.state.session!.sid;
    const before = b.sim.policyAck(EMAIL)!;
    b.clock.now += MINUTE;
    // The push is lost; a device (buggy, or a forger holding the key) acknowledges the id with the
    // hash of the policy it already has.
    b.dropNext('out', 'it-policy');
    b.sim.updatePolicy('policy-2', { 'Disable Camera': true });
    expect(await b.poll()).toBe(1);
    const lie: PolicyAck = { ...before, policyId: 'policy-2' };
    expect(lie.policyHash).not.toEqual(policyHash(b.sim.itPolicy));
    const header = {
      v: 1,
      type: 'policy-ack',
      sid,
      seq: b.handset.state.session!.sendSeq,
      pin: HANDSET_CONFIG.pin,
      to: `srp:${b.sim.identity.srp}`,
    } as const;
    const body = sealBody(nobleProvider, tk, encodePolicyAck(lie), frameAssociatedData(header), seededRandom('lie'));
    expect(b.sim.receive(encodeFrame({ ...header, body }))).toEqual([]);

    expect(b.sim.policyAck(EMAIL)).toEqual(before);
    expect(b.sim.policyPending(EMAIL)).toEqual({ policyId: 'policy-2', sends: 1 });
    expect(b.log.map((l) => l.event)).toContain('IT policy acknowledgement does not match the update sent');
    // The device never had it, and the server sends it again after the interval.
    expect(b.enforcer.calls).toEqual(['default']);
    expect(await b.poll()).toBe(0);
  });

  it('a signed older policy pushed after a newer one is refused and not acknowledged (no rollback of rules)', async () => {
    const b = await bench('policy-updates/rollback');
    const old = createPolicy('old-lax', b.sim.identity.version, T0 + 1, { 'Disable Camera': false });
    const oldSigned = signPolicy(nobleProvider, b.sim.identity.domainKey.secretKey, old);
    b.clock.now += 10 * MINUTE;
    b.sim.updatePolicy('strict', { 'Disable Camera': true });
    expect(await b.poll()).toBe(1);
    expect(b.enforcer.settings['Disable Camera']).toBe(true);
    const acksBefore = types(b, 'in').filter((t) => t === 'policy-ack').length;

    // A holder of the transport key (a server restored from an old backup, say) pushes the older,
    // authentically signed policy in a fresh frame that passes the sequence checks.
    const tk = b.handset.state.transportKey!;
    const header = {
      v: 1,
      type: 'it-policy',
      sid: b.handset.state.session!.sid,
      seq: 1000,
      pin: HANDSET_CONFIG.pin,
      to: `pin:${HANDSET_CONFIG.pin}`,
    } as const;
    const body = sealBody(nobleProvider, tk, encodeSignedPolicy(oldSigned), frameAssociatedData(header), seededRandom('replay'));
    await b.serverSide.send(encodeFrame({ ...header, body }));
    await flush();
    await flush();

    expect(b.ignored.at(-1)).toEqual({ reason: 'IT policy update is not newer than the policy in force', code: 'STALE_POLICY' });
    expect(b.enforcer.calls).toEqual(['default', 'strict']);
    expect(b.enforcer.settings['Disable Camera']).toBe(true);
    expect(b.handset.state.policy?.policy.id).toBe('strict');
    expect(types(b, 'in').filter((t) => t === 'policy-ack')).toHaveLength(acksBefore);
  });

  it('a policy with the same issuedAt as the one in force but other content is refused too', async () => {
    const b = await bench('policy-updates/same-time');
    b.clock.now += MINUTE;
    b.sim.updatePolicy('p2', { 'Disable Camera': true });
    await b.poll();
    const inForce = b.handset.state.policy!.policy;
    const twin = createPolicy('p2-twin', inForce.serverVersion, inForce.issuedAt, { 'Disable Camera': false });
    const header = {
      v: 1,
      type: 'it-policy',
      sid: b.handset.state.session!.sid,
      seq: 500,
      pin: HANDSET_CONFIG.pin,
      to: `pin:${HANDSET_CONFIG.pin}`,
    } as const;
    const plain = encodeSignedPolicy(signPolicy(nobleProvider, b.sim.identity.domainKey.secretKey, twin));
    await b.serverSide.send(
      encodeFrame({
        ...header,
        body: sealBody(nobleProvider, b.handset.state.transportKey!, plain, frameAssociatedData(header), seededRandom('twin')),
      }),
    );
    await flush();
    expect(b.ignored.at(-1)?.code).toBe('STALE_POLICY');
    expect(b.enforcer.settings['Disable Camera']).toBe(true);
  });

  it('the simulator always issues a later issuedAt, even when its clock has not moved', async () => {
    const b = await bench('policy-updates/monotonic');
    const first = b.sim.itPolicy.issuedAt;
    b.sim.updatePolicy('a', { 'Disable Camera': true });
    b.sim.updatePolicy('b', { 'Disable Camera': false });
    expect(b.sim.itPolicy.issuedAt).toBe(first + 2);
    // Superseded before it was sent: only the newest is pending, and the device applies it.
    expect(await b.poll()).toBe(1);
    expect(b.enforcer.calls).toEqual(['default', 'b']);
  });
});

describe('an unacknowledged update is sent again until the device acknowledges it (finding 7)', () => {
  it('a lost push is repaired by retransmission 30 minutes later', async () => {
    const b = await bench('policy-updates/lost-push');
    b.clock.now += MINUTE;
    b.dropNext('out', 'it-policy');
    b.sim.updatePolicy('policy-2', { 'Disable Camera': true });
    expect(await b.poll()).toBe(1);
    expect(b.enforcer.calls).toEqual(['default']);
    expect(b.sim.policyPending(EMAIL)).toEqual({ policyId: 'policy-2', sends: 1 });

    // Not yet due.
    b.clock.now += DEFAULT_POLICY_RETRANSMIT_MS - 1;
    expect(await b.poll()).toBe(0);
    b.clock.now += 1;
    expect(await b.poll()).toBe(1);

    expect(b.enforcer.calls).toEqual(['default', 'policy-2']);
    expect(b.enforcer.settings['Disable Camera']).toBe(true);
    expect(b.sim.policyAck(EMAIL)).toMatchObject({ policyId: 'policy-2', status: 'applied' });
    expect(b.sim.policyPending(EMAIL)).toBeUndefined();
    // Acknowledged: nothing more is sent.
    b.clock.now += 5 * DEFAULT_POLICY_RETRANSMIT_MS;
    expect(await b.poll()).toBe(0);
    expect(b.log.filter((l) => l.event === 'IT policy update sent again')).toHaveLength(1);
  });

  it('a lost acknowledgement: the device acknowledges the retransmission again without re-applying', async () => {
    const b = await bench('policy-updates/lost-ack');
    b.clock.now += MINUTE;
    b.dropNext('in', 'policy-ack');
    b.sim.updatePolicy('policy-2', { 'Disable Camera': true });
    await b.poll();
    expect(b.enforcer.calls).toEqual(['default', 'policy-2']);
    expect(b.sim.policyPending(EMAIL)?.policyId).toBe('policy-2');

    b.clock.now += DEFAULT_POLICY_RETRANSMIT_MS;
    expect(await b.poll()).toBe(1);
    // Idempotent: the same acknowledgement, the enforcer not called again.
    expect(b.enforcer.calls).toEqual(['default', 'policy-2']);
    expect(b.acks.slice(-2).map((a) => a.ack)).toEqual([b.acks.at(-1)!.ack, b.acks.at(-1)!.ack]);
    expect(b.sim.policyPending(EMAIL)).toBeUndefined();
    expect(b.sim.policyAck(EMAIL)?.policyHash).toEqual(policyHash(b.sim.itPolicy));
  });

  it('attach() drives the retransmission with its own timer, and stops it on close', async () => {
    let now = T0;
    const sim = new BesSimulator({
      random: seededRandom('attach/server'),
      domainKeySeed: seededRandom('attach/domain')(32),
      now: () => now,
      policyRetransmitMs: 40,
    });
    sim.addUser({ email: EMAIL, displayName: 'Alice', activationPassword: PASSWORD });
    const [handsetSide, serverSide] = createMemoryTransportPair();
    let dropPolicy = false;
    // Loses the first policy push on its way to the handset.
    const lossy: Transport = {
      send: (bytes) => {
        if (dropPolicy && decodeFrame(bytes).type === 'it-policy') {
          dropPolicy = false;
          return Promise.resolve();
        }
        return serverSide.send(bytes);
      },
      onFrame: (h) => serverSide.onFrame(h),
      close: () => serverSide.close(),
    };
    sim.attach(lossy);
    const enforcer = new CountingEnforcer();
    const handset = new Handset({
      config: HANDSET_CONFIG,
      transport: handsetSide,
      random: seededRandom('attach/handset'),
      now: () => now,
      enforcer,
    });
    try {
      await handset.activate({ email: EMAIL, password: PASSWORD });
      await flush();
      dropPolicy = true;
      now += MINUTE;
      expect(sim.updatePolicy('policy-2', { 'Disable Camera': true })).toBe(1);
      await flush();
      expect(enforcer.calls).toEqual(['default']);
      now += 40;
      const deadline = Date.now() + 5000;
      while (sim.policyPending(EMAIL) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(sim.policyPending(EMAIL)).toBeUndefined();
      expect(enforcer.calls).toEqual(['default', 'policy-2']);
      expect(sim.policyAck(EMAIL)?.policyId).toBe('policy-2');
    } finally {
      await handset.close();
      sim.close();
    }
    // After close nothing is sent any more: a new update stays pending however long we wait.
    now += MINUTE;
    sim.updatePolicy('policy-3', { 'Disable Camera': false });
    now += MINUTE;
    await new Promise((r) => setTimeout(r, 60));
    expect(sim.policyPending(EMAIL)).toEqual({ policyId: 'policy-3', sends: 0 });
  });

  it('attach() polls on the injected timers: one armed while attached, again after each poll, none after close', () => {
    const armed = new Map<number, { fn: () => void; ms: number }>();
    let nextId = 1;
    const timers = {
      setTimeout: (fn: () => void, ms: number) => {
        armed.set(nextId, { fn, ms });
        return nextId++;
      },
      clearTimeout: (id: unknown) => void armed.delete(id as number),
    };
    const sim = new BesSimulator({ random: seededRandom('timers/server'), timers, policyRetransmitMs: 40_000 });
    const [, serverSide] = createMemoryTransportPair();
    const detach = sim.attach(serverSide);
    // A quarter of the retransmission interval.
    expect([...armed.values()].map((t) => t.ms)).toEqual([10_000]);
    sim.attach(createMemoryTransportPair()[1]);
    expect(armed.size).toBe(1);
    const [id, first] = [...armed][0]!;
    armed.delete(id);
    first.fn();
    expect(armed.size).toBe(1);
    expect([...armed.keys()][0]).not.toBe(id);
    detach();
    sim.close();
    expect(armed.size).toBe(0);
    for (const bad of [{}, { setTimeout: () => 1 }, { setTimeout: 1, clearTimeout: () => undefined }]) {
      expectCode(() => new BesSimulator({ timers: bad as never }), 'INVALID_ARGUMENT');
    }
  });
});
