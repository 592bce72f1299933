/**
 * Handset states to step from, taken from activations run by the Pair (pair.ts): a test feeds one
 * of them an input through `handsetStep` and asserts on the step, without driving the run again.
 */
import type { HandsetEnv } from '../../src/handset/machine.js';
import type { HandsetState, HandsetStateIn } from '../../src/handset/state.js';
import type { MessageType } from '../../src/wire/frame.js';
import { USERS } from './fixtures.js';
import { type Pair, activatePair } from './pair.js';

/** One activation run by the Pair, the env its handset stepped with, and a lookup of its states. */
export interface ActivationRun {
  readonly run: Pair;
  readonly env: HandsetEnv;
  /** The first state of the run in `phase`; throws when the run never reached it. */
  readonly stateIn: (phase: HandsetState['phase']) => HandsetState;
}

/** A default activation (`activatePair()`), run to its end. */
export function activationRun(): ActivationRun {
  const run = activatePair();
  const stateIn = (phase: HandsetState['phase']): HandsetState => {
    const found = run.states.find((s) => s.phase === phase);
    if (!found) throw new Error(`the run never reached ${phase}`);
    return found;
  };
  return { run, env: run.env, stateIn };
}

/**
 * The handset of an activation of {@link USERS}, complete, and the first frame of `type` the server
 * sent it (a frame of the session whose header a test copies).
 */
export function activatedHandset(type: MessageType): { complete: HandsetStateIn<'complete'>; like: Uint8Array } {
  const pair = activatePair({ users: USERS });
  if (pair.handset.phase !== 'complete') throw new Error('not complete');
  return { complete: pair.handset, like: pair.sent('to-handset', type)[0]! };
}
