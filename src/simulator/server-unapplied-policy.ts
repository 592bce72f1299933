/**
 * "Disable users with unapplied IT policy" on the server (docs/lifecycle.md, "The IT policy
 * lifecycle"). RIM: the BES "sends the IT policy to the BlackBerry devices every 30 minutes until
 * the BlackBerry devices apply the IT policy or the time limit expires", a limit of 0 to 8760
 * hours, off by default; when it expires, the device is deactivated
 * (http://docs.blackberry.com/en/admin/deliverables/8322/Deactivating_BB_devices_w_out_applied_IT_policies_410586_11.jsp).
 *
 * The session in `complete` records since when its policy has been unapplied
 * (`policyUnappliedSince`: set by the first push of a policy not yet applied, kept by later pushes,
 * cleared by an applied acknowledgement). A device past the limit is retired as a replaced one is
 * (`onRetire` with `deactivate`), and the account loses it. With a limit of 0, a pending push alone
 * never trips it (it would retire every device the moment a policy is pushed): only a rejection
 * does, at once (ours: how 0 reads for a policy still on its way).
 */
import type { Frame } from '../wire/frame.js';
import type { ItPolicy } from '../policy/policy.js';
import type { ServerEnv, ServerStepResult } from './server-io.js';
import { onRetire } from './server-phase-commands.js';
import { isCurrentDevice, onPolicyUpdateAck, onPushPolicy } from './server-phase-services.js';
import type { ServerCompleteState } from './server-state.js';

/**
 * A new IT policy for the device (`onPushPolicy`): when it is recorded, the session is unapplied
 * since now, unless it already was (a newer push does not restart the clock: the device has still
 * not applied a policy).
 */
export function onPushPolicyTracked(state: ServerCompleteState, policy: ItPolicy, sendNow: boolean, env: ServerEnv): ServerStepResult {
  const result = onPushPolicy(state, policy, sendNow, env);
  const next = result.state;
  if (next === state || next.policyUnappliedSince !== undefined) return result;
  return { state: { ...next, policyUnappliedSince: env.now }, outputs: result.outputs };
}

/**
 * The acknowledgement of an update (`onPolicyUpdateAck`): one that matches the pending update
 * (the push is gone) and says applied clears the clock; one that says rejected leaves it running,
 * and with a limit of 0 retires the device at once (its route is known: it just sent this).
 */
export function onPolicyUpdateAckTracked(state: ServerCompleteState, frame: Frame, env: ServerEnv): ServerStepResult {
  const result = onPolicyUpdateAck(state, frame, env);
  const next = result.state;
  // The update pending is gone only when this acknowledgement matched it (onPolicyUpdateAck).
  const matched = state.push !== undefined && next.push === undefined;
  if (!matched) return result;
  if (next.policyAck.status === 'applied') {
    const { policyUnappliedSince: _since, ...rest } = next;
    return { state: rest, outputs: result.outputs };
  }
  if (env.disableUnappliedPolicyAfterMs !== 0 || !isCurrentDevice(next, env.account)) return result;
  const retired = retireForUnappliedPolicy(next, true, env);
  return { state: retired.state, outputs: [...result.outputs, ...retired.outputs] };
}

/**
 * The clock moved: a limit above 0 has passed since the policy was first left unapplied, on the
 * account's current device: it is retired (the command goes with this tick). Undefined otherwise.
 */
export function onUnappliedPolicyTick(state: ServerCompleteState, env: ServerEnv): ServerStepResult | undefined {
  const limit = env.disableUnappliedPolicyAfterMs;
  const since = state.policyUnappliedSince;
  if (limit === undefined || limit === 0 || since === undefined) return undefined;
  if (env.now - since < limit || !isCurrentDevice(state, env.account)) return undefined;
  return retireForUnappliedPolicy(state, true, env);
}

/**
 * Retires the device for its unapplied policy: the deactivate command (now, or at the next tick),
 * the account loses the device, and the administrator is told why.
 */
export function retireForUnappliedPolicy(state: ServerCompleteState, sendNow: boolean, env: ServerEnv): ServerStepResult {
  const retired = onRetire(state, 'deactivate', sendNow, env);
  return {
    state: retired.state,
    outputs: [
      {
        type: 'log',
        event: 'IT policy not applied: device retired',
        detail: { pin: state.pin, since: state.policyUnappliedSince, limitMs: env.disableUnappliedPolicyAfterMs },
      },
      ...retired.outputs,
      { type: 'account', change: { kind: 'device-removed', email: state.email, pin: state.pin } },
      { type: 'device-retired', email: state.email, pin: state.pin, reason: 'policy-not-applied' },
    ],
  };
}
