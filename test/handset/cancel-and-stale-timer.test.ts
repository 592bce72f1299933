/**
 * The sans-I/O handset (handsetStep) on a cancel and on a timer that has nothing to time: a
 * cancelled activation fails with ABORTED and shows the generic failure text (docs/handset.md,
 * "Statuses"); a timer input with no session running (never activated, or after the failure) is a
 * stale timer: nothing changes and nothing is output.
 */
import { describe, expect, it } from 'vitest';
import { handsetStep, initialHandsetState, nobleProvider, resolveHandsetConfig, seededRandom } from '../../src/index.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, T0 } from '../support/fixtures.js';

const ENV = { provider: nobleProvider, random: seededRandom('cancel-and-stale-timer') };

describe('cancel and stale timers', () => {
  it('a cancelled activation fails with ABORTED and shows "Activation failed: an error occurred during activation"', () => {
    const idle = initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG));
    const activating = handsetStep(idle, { type: 'activate', email: EMAIL, password: PASSWORD, now: T0 }, ENV).state;
    expect(activating.phase).toBe('awaiting-server-share');
    const { state, outputs } = handsetStep(activating, { type: 'cancel', now: T0 + 1 }, ENV);
    expect(state.phase).toBe('failed');
    expect(state.failure?.code).toBe('ABORTED');
    expect(outputs).toContainEqual({
      type: 'status',
      status: { id: 'activation-failed', text: 'Activation failed: an error occurred during activation' },
    });
  });

  it('a timer with no session running changes nothing and outputs nothing', () => {
    const idle = initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG));
    expect(handsetStep(idle, { type: 'timer', now: T0 }, ENV)).toEqual({ state: idle, outputs: [] });
    const activating = handsetStep(idle, { type: 'activate', email: EMAIL, password: PASSWORD, now: T0 }, ENV).state;
    const failed = handsetStep(activating, { type: 'cancel', now: T0 + 1 }, ENV).state;
    // The timer the cancelled activation had set fires later: it is stale.
    const late = handsetStep(failed, { type: 'timer', now: T0 + 3_600_000 }, ENV);
    expect(late.state).toBe(failed);
    expect(late.outputs).toEqual([]);
  });
});
