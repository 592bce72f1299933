/**
 * `handsetStep` refuses a transition that its tables do not list (docs/handset.md: "handsetStep
 * refuses a transition the tables do not list"): a handler that moves the handset elsewhere is a
 * bug of ours, and it surfaces at once as INVALID_STATE naming both phases, for a frame as for an
 * input, instead of as a strange state later (or as an ignored frame). The handlers here are the
 * real ones, made faulty on demand: the real ones never leave the tables.
 */
import { describe, expect, it, vi } from 'vitest';
import type { HandsetPhase, HandsetState } from '../../src/handset/state.js';
import { handsetStep } from '../../src/handset/machine.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { expectCode } from '../support/errors.js';
import { frameType } from '../support/frames.js';
import { activatePair } from '../support/pair.js';

/** Where the faulty handlers move the handset; undefined: they run as written. */
const faulty = vi.hoisted(() => ({ to: undefined as HandsetPhase | undefined }));

vi.mock('../../src/handset/phase-sync.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/handset/phase-sync.js')>();
  return {
    ...actual,
    onSyncDone: (...args: Parameters<typeof actual.onSyncDone>) =>
      faulty.to === undefined ? actual.onSyncDone(...args) : { state: { ...args[0], phase: faulty.to }, outputs: [] },
  };
});
vi.mock('../../src/handset/phase-services.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/handset/phase-services.js')>();
  return {
    ...actual,
    onPolicyApplied: (...args: Parameters<typeof actual.onPolicyApplied>) =>
      faulty.to === undefined ? actual.onPolicyApplied(...args) : { state: { ...args[0], phase: faulty.to }, outputs: [] },
  };
});

const run = activatePair();
const env = run.env;
const syncDone = run.steps.find((s) => s.input.type === 'frame' && frameType(s.input.bytes) === 'sync-done')!;
const applying = run.states.find((s) => s.phase === 'applying-policy')!;
const ack = applyPolicy(new InMemoryPolicyEnforcer(), applying.pendingPolicy!.policy);

function withFaulty<T>(to: HandsetPhase | undefined, fn: () => T): T {
  faulty.to = to;
  try {
    return fn();
  } finally {
    faulty.to = undefined;
  }
}

describe('handsetStep refuses a transition its tables do not list', () => {
  it('the real handlers stay in the tables: sync-done completes, the applied policy awaits the services', () => {
    expect(handsetStep(syncDone.before, syncDone.input, env).state.phase).toBe('complete');
    expect(handsetStep(applying, { type: 'policy-applied', ack, now: run.clock.now }, env).state.phase).toBe('awaiting-services');
  });

  it('a frame handler that moves syncing to awaiting-key: INVALID_STATE (thrown, not an ignored frame)', () => {
    const err = expectCode(() => withFaulty('awaiting-key', () => handsetStep(syncDone.before, syncDone.input, env)), 'INVALID_STATE');
    expect(err.cause).toStrictEqual({ operation: 'handsetStep', phase: 'syncing', to: 'awaiting-key' });
    expect(err.message).toMatch(/tables do not list/);
  });

  it('an input handler that moves applying-policy to syncing: INVALID_STATE', () => {
    const input = { type: 'policy-applied', ack, now: run.clock.now } as const;
    const err = expectCode(() => withFaulty('syncing', () => handsetStep(applying, input, env)), 'INVALID_STATE');
    expect(err.cause).toStrictEqual({ operation: 'handsetStep', phase: 'applying-policy', to: 'syncing' });
  });

  it('a handler that stays in its phase is not a transition: taken even where the table does not list it', () => {
    const stayed: HandsetState = withFaulty(
      'applying-policy',
      () => handsetStep(applying, { type: 'policy-applied', ack, now: 1 }, env).state,
    );
    expect(stayed.phase).toBe('applying-policy');
  });
});
