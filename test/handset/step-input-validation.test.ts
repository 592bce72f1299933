/**
 * `handsetStep` refuses what is not an input with `INVALID_ARGUMENT` (its cause names the field)
 * and an Activate while an activation is running with `INVALID_STATE` (its cause names the phase);
 * an Activate in a phase where nothing is running starts a new activation (docs/handset.md, the
 * diagram's "activate again" edges). Nothing else it is given makes it throw.
 */
import { describe, expect, it } from 'vitest';
import type { HandsetInput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { expectCode } from '../support/errors.js';
import { EMAIL, PASSWORD } from '../support/fixtures.js';
import { activatePair, faults } from '../support/pair.js';
import { activationRun } from '../support/handset-states.js';

const { run, env, stateIn } = activationRun();
const complete = stateIn('complete');
const activate = (now: number): HandsetInput => ({ type: 'activate', email: EMAIL, password: PASSWORD, now });

describe('handsetStep refuses what is not an input', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'timer'],
    ['a number', 1],
    ['a function that carries a type and a time', Object.assign(() => undefined, { type: 'timer', now: 1 })],
    ['an object without a time', { type: 'timer' }],
    ['an object whose time is a string', { type: 'timer', now: '1' }],
  ])('%s is INVALID_ARGUMENT, field input', (_name, input) => {
    const err = expectCode(() => handsetStep(complete, input as unknown as HandsetInput, env), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'input' });
    expect(err.message).toMatch(/input/);
  });

  it('an input of an unknown type is INVALID_ARGUMENT, field input.type', () => {
    const err = expectCode(() => handsetStep(complete, { type: 'reboot', now: 1 } as unknown as HandsetInput, env), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'input.type' });
    expect(err.message).toMatch(/input type/);
  });

  it.each([
    ['no bytes', undefined],
    ['a list of numbers', [1, 2, 3]],
    ['a string', 'frame'],
  ])('a frame input with %s is INVALID_ARGUMENT, field input.bytes', (_name, bytes) => {
    const input = { type: 'frame', bytes, now: 1 } as unknown as HandsetInput;
    const err = expectCode(() => handsetStep(complete, input, env), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'input.bytes' });
    expect(err.message).toMatch(/bytes/);
  });

  it('a policy result that is not an acknowledgement is INVALID_ARGUMENT, field input.ack', () => {
    const input = { type: 'policy-applied', ack: { applied: 'yes' }, now: 1 } as unknown as HandsetInput;
    const err = expectCode(() => handsetStep(stateIn('applying-policy'), input, env), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'input.ack' });
    expect(err.message).toMatch(/acknowledgement/);
  });
});

describe('Activate while an activation runs is INVALID_STATE; where none runs, it starts one', () => {
  it.each(['awaiting-server-share', 'awaiting-key', 'awaiting-policy', 'applying-policy', 'awaiting-services', 'syncing'] as const)(
    'in %s: INVALID_STATE, cause.phase names it',
    (phase) => {
      const err = expectCode(() => handsetStep(stateIn(phase), activate(1), env), 'INVALID_STATE');
      expect(err.cause).toEqual({ phase });
      expect(err.message).toMatch(/already running/);
    },
  );

  const pending = activatePair({
    link: faults.drop({ direction: 'to-handset', type: 'sync-page' }),
    until: (p) => p.handset.phase === 'sync-pending',
  });
  const deactivated = { version: 4, phase: 'deactivated', config: complete.config, identity: complete.identity } as HandsetState;
  it.each([
    ['idle', run.states[0]!],
    ['complete', complete],
    ['sync-pending', pending.handset],
    ['deactivated', deactivated],
  ])('in %s: a new activation starts (awaiting-server-share, the ETP.DAT sent)', (phase, state) => {
    expect(state.phase).toBe(phase);
    const { state: next, outputs } = handsetStep(state, activate(run.clock.now), env);
    expect(next.phase).toBe('awaiting-server-share');
    expect(outputs.filter((o) => o.type === 'send').map((o) => o.to)).toEqual([`mailto:${EMAIL}`]);
  });
});
