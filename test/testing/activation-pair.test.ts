/** The test pair and its one-line activate(): what a run records, and that it records no secret. */
import { describe, expect, it } from 'vitest';
import { activate, createActivationPair, DEFAULT_TEST_USER, WRONG_TEST_PASSWORD } from '../../src/testing/activation-pair.js';
import { describeRun } from '../../src/testing/activation-run.js';
import { STATUS_TEXT } from '../../src/handset/status.js';
import { expectCode } from '../support/errors.js';

describe('activate()', () => {
  it('activates the default user in one call, recording statuses, frames and records', async () => {
    const run = await activate();
    expect(run.ok).toBe(true);
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ email: DEFAULT_TEST_USER.email, keyAlgorithm: 'AES-256-CBC' });
    expect(run.statuses[0]).toEqual({ id: 'activating', text: STATUS_TEXT.activating });
    expect(run.statuses.at(-1)).toEqual({ id: 'activation-complete', text: STATUS_TEXT['activation-complete'] });
    // The frames alternate, the handset first, and end with the server's sync-done.
    expect(run.frames.slice(0, 4).map((f) => `${f.direction} ${f.type} #${f.seq}`)).toEqual([
      'to-server etp-dat #0',
      'to-handset server-share #0',
      'to-server handset-confirm #1',
      'to-handset key-issue #1',
    ]);
    expect(run.frames.at(-1)).toMatchObject({ direction: 'to-handset', type: 'sync-done' });
    expect(run.synced.contacts).toBe(30);
  });

  it('is deterministic: the same options give the same run, frame for frame', async () => {
    const a = await activate({ preset: 'lossy-link' });
    const b = await activate({ preset: 'lossy-link' });
    expect(b.frames).toEqual(a.frames);
    expect(b.result?.keyId).toBe(a.result?.keyId);
    const other = await activate({ preset: 'lossy-link', seed: 'another seed' });
    expect(other.result?.keyId).not.toBe(a.result?.keyId);
  });

  it('records no password and no frame body: the run is secret-free plain data', async () => {
    const password = 'a-secret-activation-pw';
    const ok = await activate({ password });
    const failed = await activate({ password, preset: 'wrong-password' });
    for (const run of [ok, failed]) {
      const text = `${JSON.stringify(run)}\n${describeRun(run)}\n${run.error?.message ?? ''}`;
      expect(text).not.toContain(password);
      expect(text).not.toContain(WRONG_TEST_PASSWORD);
      for (const frame of run.frames) expect(Object.keys(frame).sort()).toEqual(['at', 'direction', 'seq', 'size', 'type']);
    }
  });

  it('takes the user, the device and server options', async () => {
    const run = await activate({
      email: 'bob@example.org',
      password: 'bob-activation-pw',
      handset: { pin: '2100FFFF', ciphers: ['TDES-EDE2-CBC'] },
      server: { name: 'BES-TEST', srp: 'S0000042' },
    });
    expect(run.ok, run.error?.message).toBe(true);
    expect(run.result).toMatchObject({
      email: 'bob@example.org',
      keyAlgorithm: 'TDES-EDE2-CBC',
      server: { name: 'BES-TEST', srp: 'S0000042' },
    });
    expect(run.statuses).toContainEqual({ id: 'sync-service-enabled', text: 'Synchronization service Desktop [S0000042]' });
  });

  it('takes link faults of its own: a frame dropped by script is sent again after the reply timeout', async () => {
    const run = await activate({ link: { direction: 'send', script: [{ frame: 2, action: 'drop' }] } });
    expect(run.ok).toBe(true);
    const confirms = run.frames.filter((f) => f.type === 'handset-confirm').map((f) => f.at);
    expect(confirms).toEqual([0, 15_000]);
  });

  it('refuses bad options with INVALID_ARGUMENT, never a TypeError', async () => {
    // @ts-expect-error: not a preset name
    expectCode(() => createActivationPair({ preset: 'no-such-preset' }), 'INVALID_ARGUMENT');
    expectCode(() => createActivationPair(null as never), 'INVALID_ARGUMENT');
    expectCode(() => createActivationPair({ start: -5 }), 'INVALID_ARGUMENT');
    const pair = createActivationPair();
    await expect(pair.activate({ times: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(pair.activate(null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(activate({ handset: { pin: 'not a PIN' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await pair.close();
  });
});

describe('ActivationPair', () => {
  it('records each run on its own, and leaves the server to inspect', async () => {
    const pair = createActivationPair();
    const wrong = await pair.activate({ password: 'not-it-either' });
    const right = await pair.activate();
    await pair.close();
    expect(wrong.error?.code).toBe('WRONG_PASSWORD');
    expect(right.ok).toBe(true);
    expect(right.statuses.map((s) => s.id)).not.toContain('activation-failed');
    expect(right.frames[0]).toMatchObject({ type: 'etp-dat', at: 0 });
    expect(pair.server.account(pair.user.email)).toMatchObject({ status: 'Activated', devicePin: '2100000A' });
  });

  it('a policy update the server pushes after the activation reaches the handset once the microtasks run', async () => {
    const pair = createActivationPair();
    await pair.activate();
    const updates: boolean[] = [];
    pair.handset.on('policy', ({ update }) => updates.push(update));
    pair.server.updatePolicy('update-1', { 'Password Required': true });
    // Sent at once over the in-memory link: letting the microtasks run is enough, the clock stays.
    const before = pair.clock.now();
    await pair.clock.settle();
    expect(pair.clock.now()).toBe(before);
    await pair.close();
    expect(updates).toEqual([true]);
  });

  it('a policy update the link lost goes again after policyRetransmitMs of virtual time, in no real time', async () => {
    // The 15th frame to the handset is the update (14 make the activation): the link loses it.
    const pair = createActivationPair({ link: { direction: 'receive', script: [{ frame: 15, action: 'drop' }] } });
    const run = await pair.activate();
    expect(run.frames.filter((f) => f.direction === 'to-handset')).toHaveLength(14);
    const updates: boolean[] = [];
    pair.handset.on('policy', ({ update }) => updates.push(update));
    pair.server.updatePolicy('update-1', { 'Password Required': true });
    await pair.clock.settle();
    expect(updates).toEqual([]);
    const realStart = Date.now();
    await pair.clock.advance(30 * 60_000 - 1);
    expect(updates).toEqual([]);
    await pair.clock.advance(60_000);
    expect(updates).toEqual([true]);
    expect(Date.now() - realStart).toBeLessThan(5_000);
    // The server polls on the pair's clock (its timer is there) until the pair closes.
    expect(pair.clock.pendingTimers).toBeGreaterThan(0);
    await pair.close();
    expect(pair.clock.pendingTimers).toBe(0);
  });
});
