/**
 * `handsetStep` throws only an ActivationError (INVALID_ARGUMENT, INVALID_STATE) and only for a
 * caller's error, never a TypeError: whatever sequence of valid inputs it is given, and whatever
 * null it is handed where an object belongs.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import type { HandsetInput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { caught } from '../support/errors.js';
import { EMAIL, PASSWORD, USERS } from '../support/fixtures.js';
import { runActivation } from '../security/harness.js';

const ENV = { provider: nobleProvider, random: seededRandom('handset-step-errors') };

describe('handsetStep throws only ActivationErrors, for caller errors', () => {
  it('handsetStep never throws a TypeError for valid inputs: it-policy, cancel, activate, policy-applied', () => {
    const base = runActivation({ users: USERS });
    const start = base.states.find((s) => s.phase === 'awaiting-policy' && !s.pendingPolicy)!;
    const itPolicy = base.sent('to-handset', 'it-policy')[0]!;
    const inputs: HandsetInput[] = [
      { type: 'frame', bytes: itPolicy, now: 1 },
      { type: 'cancel', now: 2 },
      { type: 'activate', email: EMAIL, password: PASSWORD, now: 3 },
    ];
    let state: HandsetState = start;
    let pendingPolicy: NonNullable<HandsetState['pendingPolicy']>['policy'] | undefined;
    for (const input of inputs) {
      state = handsetStep(state, input, ENV).state;
      pendingPolicy ??= state.pendingPolicy?.policy;
    }
    expect(pendingPolicy).toBeDefined();
    // The enforcer's (late) answer to the policy of the cancelled activation.
    const ack = applyPolicy(new InMemoryPolicyEnforcer(), pendingPolicy!);
    // was: TypeError: Cannot read properties of undefined (reading 'srp') in sendPolicyAck.
    // The answer belongs to no pending policy of the running activation: ignored, nothing changes.
    let result: ReturnType<typeof handsetStep> | undefined;
    expect(caught(() => (result = handsetStep(state, { type: 'policy-applied', ack, now: 4 }, ENV)))).toBeUndefined();
    expect(result!.outputs).toEqual([{ type: 'ignored', reason: 'policy result without a pending policy' }]);
    expect(result!.state).toBe(state);
    expect(state.phase).toBe('awaiting-server-share');
  });

  // handsetStep (src/handset/machine.ts) promises ActivationError INVALID_ARGUMENT for caller
  // errors, but dereferences its input first: `input.type` on null, `ack.policyId` on a null ack.
  it('handsetStep rejects a null input or a null policy result with INVALID_ARGUMENT, not a TypeError', () => {
    const base = runActivation({ users: USERS });
    const pending = base.states.find((s) => s.pendingPolicy)!;
    const codes = [
      () => handsetStep(base.states[2]!, null as unknown as HandsetInput, ENV),
      () => handsetStep(pending, { type: 'policy-applied', ack: null as never, now: 1 }, ENV),
    ].map((fn) => {
      try {
        fn();
        return 'returned';
      } catch (err) {
        return isActivationError(err) ? err.code : (err as Error).name;
      }
    });
    expect(codes).toEqual(['INVALID_ARGUMENT', 'INVALID_ARGUMENT']); // was: TypeError, TypeError
  });
});
