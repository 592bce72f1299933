/**
 * The server's transition tables are enforced (docs/server.md, "States": `serverStep` refuses a
 * transition that is not in them): a handler that moves a session to a phase its table entry does
 * not list is a bug of ours, thrown as INVALID_STATE, not dropped like a bad frame nor left to
 * surface later as a strange state. No correct handler does that, so the key exchange's handlers
 * are wrapped here to break the tables on demand.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerStartResult, ServerStepResult } from '../../src/simulator/server-io.js';
import type { ServerSessionState } from '../../src/simulator/server-state.js';
import { expectCode } from '../support/errors.js';
import { CoreRig } from '../support/server-core.js';

/** What the wrapped handlers do to the genuine result, when set. */
const breaker = vi.hoisted(() => ({
  start: undefined as ((result: ServerStartResult) => ServerStartResult) | undefined,
  confirm: undefined as ((result: ServerStepResult) => ServerStepResult) | undefined,
}));

vi.mock('../../src/simulator/server-phase-key-exchange.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/simulator/server-phase-key-exchange.js')>();
  return {
    ...original,
    onEtpDat: (...args: Parameters<typeof original.onEtpDat>): ServerStartResult => {
      const result = original.onEtpDat(...args);
      return breaker.start ? breaker.start(result) : result;
    },
    onHandsetConfirm: (...args: Parameters<typeof original.onHandsetConfirm>): ServerStepResult => {
      const result = original.onHandsetConfirm(...args);
      return breaker.confirm ? breaker.confirm(result) : result;
    },
  };
});

/** The same state, in another phase (only the phase is read by the check). */
function movedTo(state: ServerSessionState, phase: ServerSessionState['phase']): ServerSessionState {
  return { ...state, phase } as ServerSessionState;
}

afterEach(() => {
  breaker.start = undefined;
  breaker.confirm = undefined;
});

describe('the transition tables are enforced (docs/server.md, "States")', () => {
  it('a new session that would start in a phase SERVER_START_PHASES does not list is INVALID_STATE naming the phase', () => {
    const rig = new CoreRig();
    rig.activate();
    breaker.start = (result) => ({ ...result, state: result.state && movedTo(result.state, 'complete') });
    const err = expectCode(() => rig.server(rig.toServer[0]!), 'INVALID_STATE');
    expect(err.cause).toEqual({ operation: 'startServerSession', to: 'complete' });
    expect(err.message).toContain('a start that the server tables do not list');
    expect(rig.session).toBeUndefined();
    // Control: the genuine start is in the table.
    breaker.start = undefined;
    expect(rig.server(rig.toServer.shift()!).state.phase).toBe('awaiting-confirm');
  });

  it('a handler that moves a session where its table entry does not lead is INVALID_STATE naming both phases, not a dropped frame', () => {
    const rig = new CoreRig();
    rig.activate();
    expect(rig.runUntil('awaiting-confirm')).toBe(true);
    const before = rig.session;
    const confirm = rig.toServer.shift()!;
    breaker.confirm = (result) => ({ ...result, state: movedTo(result.state, 'complete') });
    const err = expectCode(() => rig.server(confirm), 'INVALID_STATE');
    expect(err.cause).toEqual({ operation: 'serverStep', phase: 'awaiting-confirm', to: 'complete' });
    expect(err.message).toContain('a transition that the server tables do not list');
    expect(rig.session).toBe(before);
    // Control: the genuine handler's move is in the table.
    breaker.confirm = undefined;
    expect(rig.server(confirm).state.phase).toBe('awaiting-key-verified');
  });
});
