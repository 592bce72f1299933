/**
 * Phase 3, the IT policy, end to end: a policy the device rejects, a policy signed with the wrong
 * key, the password group's dependency, updates after activation and rules the device does not know.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';
import {
  type EnforcementContext,
  type EnforcementResult,
  InMemoryPolicyEnforcer,
  type PolicyEnforcer,
  type RuleSettings,
} from '../../src/policy/enforcer.js';
import { createPolicy } from '../../src/policy/policy.js';
import { RULES } from '../../src/policy/rules.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EMAIL, T0 } from '../support/fixtures.js';
import { type Rig, createRig, flush, logDetails, nextEvent } from './helpers.js';

const SERVER_VERSION = 'BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4';
const PASSWORD_RULES = RULES.filter((r) => r.group === 'Password' && r.name !== 'Password Required').map((r) => r.name);

/** Records every call, then delegates to an in-memory enforcer. */
class CountingEnforcer implements PolicyEnforcer {
  readonly calls: { policyId: string; effective: RuleSettings }[] = [];
  readonly inner: InMemoryPolicyEnforcer;
  constructor(unsupported: string[] = []) {
    this.inner = new InMemoryPolicyEnforcer({ unsupported });
  }
  apply(effective: RuleSettings, context: EnforcementContext): EnforcementResult {
    this.calls.push({ policyId: context.policyId, effective });
    return this.inner.apply(effective, context);
  }
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('a policy the device cannot apply', () => {
  it('fails the activation with POLICY_REJECTED naming the rule, and the account stays inactive', async () => {
    const enforcer = new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth'] });
    rig = createRig({
      seed: 'policy/rejected',
      enforcer,
      server: { services: { policy: createPolicy('no-bluetooth', SERVER_VERSION, T0, { 'Disable Bluetooth': true }) } },
    });
    const acks: { ack: PolicyAck; update: boolean }[] = [];
    rig.handset.on('policy', (p) => acks.push(p));

    const err = await rig.activationError();
    await flush();

    expect(err).toBeInstanceOf(ActivationError);
    expect(err.code).toBe('POLICY_REJECTED');
    expect(err.cause).toMatchObject({ rules: ['Disable Bluetooth'], policyId: 'no-bluetooth' });
    expect(err.message).toContain('Disable Bluetooth');

    // The device acknowledged the rejection (it tells the server which rule) and applied nothing.
    expect(acks).toHaveLength(1);
    expect(acks[0]!.update).toBe(false);
    expect(acks[0]!.ack).toMatchObject({
      policyId: 'no-bluetooth',
      status: 'rejected',
      applied: [],
      rejected: [{ rule: 'Disable Bluetooth', reason: 'not supported on this device' }],
    });
    expect(enforcer.settings).toEqual({});
    expect(enforcer.policyId).toBeUndefined();
    expect(rig.handset.state.phase).toBe('failed');
    expect(rig.handset.state.policy).toBeUndefined();
    expect(rig.handset.status).toEqual({ id: 'activation-failed', text: 'Activation failed: the IT policy could not be applied' });
    expect(rig.statuses.map((s) => s.id)).not.toContain('services-received');

    // Server: the ack arrived, no service books followed, and the account is not activated.
    expect(rig.serverFrames.filter((f) => f.dir === 'in').map((f) => f.type)).toContain('policy-ack');
    expect(rig.serverFrames.map((f) => f.type)).not.toContain('service-books');
    const account = rig.sim.account(EMAIL);
    expect(account?.status).not.toBe('Activated');
    expect(account?.status).toBe('Activating');
    expect(account?.devicePin).toBeUndefined();
    // Not activated, so the single-use activation password was not consumed.
    expect(account?.hasPassword).toBe(true);
    expect(rig.sim.policyAck(EMAIL)).toBeUndefined();
    expect(rig.sim.sessionPhase(bytesToHex(rig.handsetFrames[0]!.frame.sid))).toBe('failed');
    expect(logDetails(rig.log, 'IT policy rejected by the device')).toEqual([
      { pin: '2100000A', policyId: 'no-bluetooth', rules: ['Disable Bluetooth'] },
    ]);
    // The BesSimulator's `log` option gets the reason next to the code (docs/server.md, "Log events").
    expect(logDetails(rig.log, 'activation failed')).toEqual([
      { pin: '2100000A', email: EMAIL, code: 'POLICY_REJECTED', reason: 'the device could not apply the IT policy: Disable Bluetooth' },
    ]);
    expect(logDetails(rig.log, 'service books sent')).toEqual([]);
  });

  it('the same policy at its default value (Bluetooth allowed) is accepted by that device', async () => {
    const enforcer = new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth'] });
    rig = createRig({
      seed: 'policy/rejected-control',
      enforcer,
      server: { services: { policy: createPolicy('bluetooth-ok', SERVER_VERSION, T0, { 'Disable Bluetooth': false }) } },
    });
    await rig.activate();
    expect(enforcer.policyId).toBe('bluetooth-ok');
    expect(rig.sim.account(EMAIL)?.status).toBe('Activated');
  });
});

describe('a policy whose signature does not verify', () => {
  it('fails the activation with BAD_SIGNATURE when the server signs with another key than the one it announced', async () => {
    rig = createRig({ seed: 'policy/bad-signature' });
    const r = rig;
    const announced = r.sim.identity.domainKey.publicKey.slice();
    const other = nobleProvider.signingKeyPair(seededRandom('another domain key')(32));
    // The grant (with the announced public key) went out in key-issue; the policy is signed only
    // when key-verified reaches the server, which is after this event (the send is queued after it).
    // (Listener errors are swallowed by the emitter, so the listener only records.)
    const announcedToHandset: string[] = [];
    let policySentBeforeSwap: boolean | undefined;
    r.handset.on('key-established', (result) => {
      announcedToHandset.push(result.server.publicKey);
      policySentBeforeSwap = r.serverFrames.some((f) => f.type === 'it-policy');
      r.sim.identity.domainKey.secretKey.set(other.secretKey);
    });
    const policies: unknown[] = [];
    r.handset.on('policy', (p) => policies.push(p));

    const err = await r.activationError();
    await flush();

    expect(err.code).toBe('BAD_SIGNATURE');
    expect(announcedToHandset).toEqual([bytesToHex(announced)]);
    expect(policySentBeforeSwap).toBe(false);
    expect(bytesToHex(other.publicKey)).not.toBe(bytesToHex(announced));
    expect(policies).toEqual([]);
    expect(r.handset.state.policy).toBeUndefined();
    expect(r.handset.state.phase).toBe('failed');
    // The policy was sent (and was the server's), but never acknowledged.
    expect(r.serverFrames.filter((f) => f.dir === 'out').map((f) => f.type)).toContain('it-policy');
    expect(r.serverFrames.filter((f) => f.dir === 'in').map((f) => f.type)).not.toContain('policy-ack');
    expect(r.sim.account(EMAIL)?.status).toBe('Activating');
    expect(r.sim.policyAck(EMAIL)).toBeUndefined();
    expect(r.sim.sessionPhase(bytesToHex(r.handsetFrames[0]!.frame.sid))).toBe('failed');
    // The handset told the server it stopped.
    expect(r.serverFrames.filter((f) => f.dir === 'in').at(-1)?.type).toBe('error');
    expect(r.log.map((l) => l.event)).toContain('handset aborted');
  });

  it('an update signed with another key is ignored after activation; the old policy stays in force', async () => {
    const enforcer = new CountingEnforcer();
    rig = createRig({ seed: 'policy/bad-update-signature', enforcer });
    const r = rig;
    await r.activate();
    await flush();
    const before = r.sim.policyAck(EMAIL);
    expect(before?.policyId).toBe('default');

    r.sim.identity.domainKey.secretKey.set(nobleProvider.signingKeyPair(seededRandom('rogue')(32)).secretKey);
    const ignored = nextEvent(r.handset, 'ignored');
    expect(r.sim.updatePolicy('rogue-policy', { 'Disable Camera': true })).toBe(1);
    expect(await ignored).toEqual({ reason: 'IT policy update rejected', code: 'BAD_SIGNATURE' });
    await flush();

    expect(enforcer.calls.map((c) => c.policyId)).toEqual(['default']);
    expect(enforcer.inner.settings['Disable Camera']).toBe(false);
    expect(r.handset.state.policy?.policy.id).toBe('default');
    expect(r.handset.state.phase).toBe('complete');
    expect(r.sim.policyAck(EMAIL)).toEqual(before);
  });
});

describe('the password group depends on Password Required', () => {
  it("with Password Required, Minimum Password Length (and the group's defaults) reach the enforcer", async () => {
    const enforcer = new InMemoryPolicyEnforcer();
    rig = createRig({
      seed: 'policy/password-on',
      enforcer,
      server: {
        services: { policy: createPolicy('pw-on', SERVER_VERSION, T0, { 'Password Required': true, 'Minimum Password Length': 8 }) },
      },
    });
    const policy = nextEvent(rig.handset, 'policy');
    await rig.activate();
    const { ack } = await policy;

    const settings = enforcer.settings;
    expect(settings['Password Required']).toBe(true);
    expect(settings['Minimum Password Length']).toBe(8);
    expect(settings['Set Maximum Password Attempts']).toBe(10);
    expect(settings['Forbidden Passwords']).toEqual([]);
    for (const name of PASSWORD_RULES) expect(Object.keys(settings), name).toContain(name);
    expect(ack.status).toBe('applied');
    expect(ack.applied).toEqual(RULES.map((r) => r.name));
    expect(ack.ignored).toEqual([]);
  });

  it('without Password Required, the password rules are not applied even when the policy sets them', async () => {
    const enforcer = new InMemoryPolicyEnforcer();
    rig = createRig({
      seed: 'policy/password-off',
      enforcer,
      server: {
        services: { policy: createPolicy('pw-off', SERVER_VERSION, T0, { 'Password Required': false, 'Minimum Password Length': 8 }) },
      },
    });
    const policy = nextEvent(rig.handset, 'policy');
    await rig.activate();
    const { ack } = await policy;

    const settings = enforcer.settings;
    expect(settings['Password Required']).toBe(false);
    for (const name of PASSWORD_RULES) expect(Object.keys(settings), name).not.toContain(name);
    expect(Object.keys(settings)).toContain('Disable Camera');
    expect(ack.status).toBe('applied');
    for (const name of PASSWORD_RULES) expect(ack.applied, name).not.toContain(name);
    expect(ack.rejected).toEqual([]);
    // An inactive rule is not an unknown one.
    expect(ack.ignored).toEqual([]);
  });
});

describe('policy updates after activation', () => {
  it('applies a new policy, applies a reused id with new content, and keeps the old one when an update is rejected', async () => {
    const enforcer = new CountingEnforcer(['Disable Bluetooth']);
    rig = createRig({ seed: 'policy/updates', enforcer });
    const r = rig;
    const policyEvents: { ack: PolicyAck; update: boolean }[] = [];
    r.handset.on('policy', (p) => policyEvents.push(p));
    await r.activate();
    await flush();
    expect(enforcer.calls.map((c) => c.policyId)).toEqual(['default']);
    expect(enforcer.inner.settings['Disable Camera']).toBe(false);
    expect(policyEvents.map((p) => p.update)).toEqual([false]);

    // A new policy.
    let next = nextEvent(r.handset, 'policy');
    expect(r.sim.updatePolicy('policy-2', { 'Disable Camera': true })).toBe(1);
    const second = await next;
    await flush();
    expect(second.update).toBe(true);
    expect(second.ack).toMatchObject({ policyId: 'policy-2', status: 'applied', rejected: [] });
    expect(enforcer.calls.map((c) => c.policyId)).toEqual(['default', 'policy-2']);
    expect(enforcer.inner.settings['Disable Camera']).toBe(true);
    expect(enforcer.inner.policyId).toBe('policy-2');
    expect(r.handset.state.policy?.policy.id).toBe('policy-2');
    expect(r.sim.policyAck(EMAIL)).toMatchObject({ policyId: 'policy-2', status: 'applied' });
    expect(r.sim.policyAck(EMAIL)).toEqual(second.ack);

    // The same id again: a new policy all the same (a later issuedAt, so another hash of its signed
    // bytes): the id does not identify content (issue 8, finding 7), so it is applied. The
    // idempotent re-acknowledgement of the very same policy is in test/security/policy-updates.test.ts.
    next = nextEvent(r.handset, 'policy');
    expect(r.sim.updatePolicy('policy-2', { 'Disable Camera': true })).toBe(1);
    const repeated = await next;
    await flush();
    expect(repeated.update).toBe(true);
    expect(repeated.ack).toEqual({ ...second.ack, policyHash: repeated.ack.policyHash });
    expect(repeated.ack.policyHash).not.toEqual(second.ack.policyHash);
    expect(enforcer.calls.map((c) => c.policyId)).toEqual(['default', 'policy-2', 'policy-2']);
    expect(r.sim.policyAck(EMAIL)).toEqual(repeated.ack);
    const handsetAcks = r.handsetFrames.filter((f) => f.dir === 'out' && f.type === 'policy-ack');
    expect(handsetAcks).toHaveLength(3);

    // An update this device cannot apply: acknowledged as rejected, the old policy stays in force.
    next = nextEvent(r.handset, 'policy');
    expect(r.sim.updatePolicy('policy-3', { 'Disable Bluetooth': true, 'Disable Camera': false })).toBe(1);
    const rejected = await next;
    await flush();
    expect(rejected.update).toBe(true);
    expect(rejected.ack).toMatchObject({
      policyId: 'policy-3',
      status: 'rejected',
      applied: [],
      rejected: [{ rule: 'Disable Bluetooth', reason: 'not supported on this device' }],
    });
    expect(enforcer.calls.map((c) => c.policyId)).toEqual(['default', 'policy-2', 'policy-2', 'policy-3']);
    expect(enforcer.inner.settings['Disable Camera']).toBe(true);
    expect(enforcer.inner.settings['Disable Bluetooth']).toBe(false);
    expect(enforcer.inner.policyId).toBe('policy-2');
    expect(r.handset.state.policy?.policy.id).toBe('policy-2');
    expect(r.handset.state.phase).toBe('complete');
    expect(r.sim.policyAck(EMAIL)).toMatchObject({ policyId: 'policy-3', status: 'rejected' });
    expect(r.sim.account(EMAIL)?.status).toBe('Activated');
    expect(logDetails(r.log, 'IT policy update acknowledged').at(-1)).toMatchObject({
      policyId: 'policy-3',
      status: 'rejected',
      rejected: ['Disable Bluetooth'],
    });

    // The device still takes later updates.
    next = nextEvent(r.handset, 'policy');
    r.sim.updatePolicy('policy-4', { 'Disable Address Book Transfer': true });
    const fourth = await next;
    await flush();
    expect(fourth.ack).toMatchObject({ policyId: 'policy-4', status: 'applied' });
    expect(enforcer.inner.settings['Disable Address Book Transfer']).toBe(true);
    // Each policy replaces the previous settings entirely.
    expect(enforcer.inner.settings['Disable Camera']).toBe(false);
    expect(r.sim.policyAck(EMAIL)).toMatchObject({ policyId: 'policy-4', status: 'applied' });
    expect(policyEvents.map((p) => `${p.ack.policyId}:${p.ack.status}:${p.update}`)).toEqual([
      'default:applied:false',
      'policy-2:applied:true',
      'policy-2:applied:true',
      'policy-3:rejected:true',
      'policy-4:applied:true',
    ]);
  });
});

describe('rules the device does not know', () => {
  it('are ignored, never reach the enforcer, and are listed in the acknowledgement', async () => {
    const enforcer = new CountingEnforcer();
    rig = createRig({
      seed: 'policy/unknown',
      enforcer,
      server: {
        services: {
          policy: createPolicy('future', SERVER_VERSION, T0, {
            'Disable Camera': true,
            'Zeta Future Rule': 'x',
            'Alpha Future Rule': 7,
          }),
        },
      },
    });
    const policy = nextEvent(rig.handset, 'policy');
    await rig.activate();
    await flush();
    const { ack } = await policy;

    expect(ack.status).toBe('applied');
    expect(ack.ignored).toEqual(['Alpha Future Rule', 'Zeta Future Rule']);
    expect(ack.applied).not.toContain('Alpha Future Rule');
    expect(enforcer.calls).toHaveLength(1);
    expect(Object.keys(enforcer.calls[0]!.effective)).not.toContain('Zeta Future Rule');
    expect(Object.keys(enforcer.calls[0]!.effective)).not.toContain('Alpha Future Rule');
    expect(enforcer.inner.settings['Disable Camera']).toBe(true);
    expect(rig.sim.policyAck(EMAIL)?.ignored).toEqual(['Alpha Future Rule', 'Zeta Future Rule']);
    expect(rig.sim.account(EMAIL)?.status).toBe('Activated');

    // An update with an unknown rule: same.
    const update = nextEvent(rig.handset, 'policy');
    rig.sim.updatePolicy('future-2', { 'Beta Future Rule': ['a', 'b'] });
    const second = await update;
    await flush();
    expect(second.ack).toMatchObject({ policyId: 'future-2', status: 'applied', ignored: ['Beta Future Rule'] });
    expect(rig.sim.policyAck(EMAIL)?.ignored).toEqual(['Beta Future Rule']);
  });
});

describe("version-dependent defaults follow the handset's own device software", () => {
  // RIM: Set Password Timeout defaults to 2 minutes before device software 4.7 and 30 from 4.7
  // (docs/it-policy.md, `defaultFor`). The handset knows its version (config.device.os), so a
  // policy that leaves the rule out must give the enforcer the default for *that* version.
  const policy = createPolicy('password-only', SERVER_VERSION, T0, { 'Password Required': true });

  it('a 4.7 handset gets Set Password Timeout 30 when the policy leaves it out', async () => {
    const enforcer = new CountingEnforcer();
    rig = createRig({
      seed: 'policy/os-4.7',
      enforcer,
      handset: { device: { model: '9000', os: '4.7.0.75' } },
      server: { services: { policy } },
    });
    await rig.activate();
    expect(enforcer.calls[0]!.effective['Set Password Timeout']).toBe(30);
  });

  // Regression: the driver once called applyPolicy without the device's version, so every
  // handset got the 4.7+ default.
  it('a 4.5 handset gets Set Password Timeout 2 when the policy leaves it out', async () => {
    const enforcer = new CountingEnforcer();
    rig = createRig({
      seed: 'policy/os-4.5',
      enforcer,
      handset: { device: { model: '8800', os: '4.5.0.110' } },
      server: { services: { policy } },
    });
    await rig.activate();
    expect(enforcer.calls[0]!.effective['Set Password Timeout']).toBe(2);
  });

  // The same regression, seen as a failed activation: a 4.5 device whose enforcer (told its own version)
  // cannot change the password timeout accepts the rule at its default, 2, but is handed 30.
  it('a 4.5 device that cannot change the password timeout still accepts a policy that only requires a password', async () => {
    const enforcer = new InMemoryPolicyEnforcer({ deviceOsVersion: '4.5.0.110', unsupported: ['Set Password Timeout'] });
    rig = createRig({
      seed: 'policy/os-4.5-unsupported',
      enforcer,
      handset: { device: { model: '8800', os: '4.5.0.110' } },
      server: { services: { policy } },
    });
    await expect(rig.activate()).resolves.toMatchObject({ email: EMAIL });
    expect(enforcer.settings['Set Password Timeout']).toBe(2);
  });
});
