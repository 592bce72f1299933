/**
 * The device password rule that acts after the policy is applied: "Set Maximum Password Attempts:
 * 3-10; reaching it wipes the device" (RIM, the facts file, "IT policy"; docs/it-policy.md). The
 * emulator reports each device password entry (`Handset.devicePasswordEntered`); the handset
 * counts consecutive wrong ones against the rule in force, and at the limit tells the enforcer
 * (a `policy-action` output) and wipes itself. The count and the input are ours to name.
 */
import { effectiveRules } from '../policy/policy.js';
import type { HandsetOutput, StepResult } from './io.js';
import type { HandsetState } from './state.js';
import { wipeHandset } from './wipe.js';

/** The rule counted (RIM's name, src/policy/rules.ts). */
export const MAX_PASSWORD_ATTEMPTS_RULE = 'Set Maximum Password Attempts';

/**
 * The limit in force: the rule's value in the policy in force when it applies (it depends on
 * Password Required), its default when the policy leaves it out; undefined without a policy, or
 * when the rule does not apply (no device password is required, so no entry can be wrong).
 * Neither rule has a version-dependent default, so the device's software version plays no part.
 */
export function maxPasswordAttempts(state: HandsetState): number | undefined {
  if (!state.policy) return undefined;
  const { effective } = effectiveRules(state.policy.policy);
  // effectiveRules keeps only values the catalogue allows: here an integer 3..10, or nothing.
  return effective[MAX_PASSWORD_ATTEMPTS_RULE] as number | undefined;
}

/** The user entered the device password, `correct` or not. */
export function onDevicePassword(state: HandsetState, correct: boolean): StepResult<HandsetState> {
  if (correct) {
    // A correct entry starts the count again.
    const { passwordFailures: _count, ...rest } = state;
    return { state: rest as HandsetState, outputs: [] };
  }
  const limit = maxPasswordAttempts(state);
  if (limit === undefined) return { state, outputs: [] };
  const failures = (state.passwordFailures ?? 0) + 1;
  if (failures < limit) return { state: { ...state, passwordFailures: failures }, outputs: [] };
  const action: HandsetOutput = { type: 'policy-action', rule: MAX_PASSWORD_ATTEMPTS_RULE, action: 'wipe' };
  const wiped = wipeHandset(state);
  return { state: wiped.state, outputs: [action, ...wiped.outputs] };
}
