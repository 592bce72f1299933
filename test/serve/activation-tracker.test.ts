/**
 * The activation tracker (src/serve/activation-tracker.ts): the simulator's log events of one
 * activation, in the order a real one logs them, become phase latencies and one outcome.
 */
import { describe, expect, it } from 'vitest';
import { ActivationTracker, type ActivationObserver, type ServerPhase } from '../../src/serve/activation-tracker.js';

function recorder(): ActivationObserver & { phases: [ServerPhase, number][]; outcomes: [string, string | undefined][] } {
  const phases: [ServerPhase, number][] = [];
  const outcomes: [string, string | undefined][] = [];
  return { phases, outcomes, phase: (p, ms) => phases.push([p, ms]), outcome: (o, c) => outcomes.push([o, c]) };
}

describe('ActivationTracker', () => {
  it('times each phase of a complete activation from the events, and counts it complete', () => {
    const r = recorder();
    const t = new ActivationTracker(r);
    const pin = { pin: '2100000A' };
    t.event('ETP.DAT accepted', pin, 1000);
    expect(t.inProgress).toBe(1);
    t.event('transport key issued', pin, 1030);
    t.event('encryption verified', pin, 1050);
    t.event('IT policy sent', pin, 1051); // not a phase boundary
    t.event('activation committed', pin, 1090);
    t.event('synchronization started', pin, 1095);
    t.event('activation complete', pin, 1200);
    expect(r.phases).toEqual([
      ['activation', 30],
      ['encryption-verification', 20],
      ['services', 40],
      ['synchronization', 105],
      ['total', 200],
    ]);
    expect(r.outcomes).toEqual([['complete', undefined]]);
    expect(t.counts()).toEqual({ inProgress: 0, outcomes: { complete: 1, failed: 0, refused: 0, aborted: 0 }, codes: {} });
  });

  it('counts failures by code: a server failure, a handset that could not authenticate (wrong password), a refusal, an abort', () => {
    const r = recorder();
    const t = new ActivationTracker(r);
    t.event('ETP.DAT accepted', { pin: 'A' }, 0);
    t.event('activation failed', { pin: 'A', code: 'POLICY_REJECTED', reason: 'x' }, 5);
    t.event('ETP.DAT accepted', { pin: 'B' }, 0);
    t.event('unauthenticated error frame', { pin: 'B', code: 'WRONG_PASSWORD' }, 5);
    t.event('unauthenticated error frame', { pin: 'B', code: 'WRONG_PASSWORD' }, 6); // a retransmission: counted once
    t.event('ETP.DAT refused', { pin: 'C', code: 'LOCKED_OUT' }, 0);
    t.event('ETP.DAT refused', { pin: 'D', reason: 'unvouched' }, 0);
    t.event('ETP.DAT accepted', { pin: 'E' }, 0);
    t.event('handset aborted', { pin: 'E', code: 'CANCELLED' }, 1);
    expect(r.outcomes).toEqual([
      ['failed', 'POLICY_REJECTED'],
      ['failed', 'WRONG_PASSWORD'],
      ['refused', 'LOCKED_OUT'],
      ['refused', 'unvouched'],
      ['aborted', 'CANCELLED'],
    ]);
    expect(t.counts().codes).toEqual({ POLICY_REJECTED: 1, WRONG_PASSWORD: 1, LOCKED_OUT: 1, unvouched: 1, CANCELLED: 1 });
    expect(t.inProgress).toBe(0);
    expect(r.phases).toEqual([]);
  });

  it('never puts a value that is not a short identifier in a label', () => {
    const r = recorder();
    const t = new ActivationTracker(r);
    t.event('ETP.DAT refused', { pin: 'C', code: 'x'.repeat(100) }, 0);
    t.event('ETP.DAT refused', { pin: 'C', code: 'a"}\n' }, 0);
    t.event('ETP.DAT refused', { pin: 'C', code: 42 }, 0);
    expect(r.outcomes.map((o) => o[1])).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
  });

  it('ignores events without a PIN and phases of activations it did not see start', () => {
    const r = recorder();
    const t = new ActivationTracker(r);
    t.event('activation complete', undefined, 0);
    t.event('transport key issued', { pin: 'Z' }, 1);
    t.event('activation complete', { pin: 'Z' }, 2);
    expect(r.phases).toEqual([]);
    expect(r.outcomes).toEqual([]);
  });

  it('restarts the clock when a device sends a new ETP.DAT, and forgets the oldest beyond its limit', () => {
    const r = recorder();
    const t = new ActivationTracker(r, 2);
    t.event('ETP.DAT accepted', { pin: 'A' }, 0);
    t.event('ETP.DAT accepted', { pin: 'A' }, 100);
    t.event('transport key issued', { pin: 'A' }, 110);
    expect(r.phases).toEqual([['activation', 10]]);
    t.event('ETP.DAT accepted', { pin: 'B' }, 120);
    t.event('ETP.DAT accepted', { pin: 'C' }, 130); // over the limit of 2: A is forgotten
    expect(t.inProgress).toBe(2);
    t.event('encryption verified', { pin: 'A' }, 140);
    expect(r.phases).toHaveLength(1);
  });

  it('ends activations silent for longer than the limit as aborted with TIMEOUT, the younger ones not', () => {
    const r = recorder();
    const t = new ActivationTracker(r);
    t.event('ETP.DAT accepted', { pin: 'A' }, 0);
    t.event('ETP.DAT accepted', { pin: 'B' }, 500);
    expect(t.expire(1000, 600)).toBe(1);
    expect(r.outcomes).toEqual([['aborted', 'TIMEOUT']]);
    expect(t.inProgress).toBe(1);
    expect(t.expire(1000, 600)).toBe(0);
  });
});
