/**
 * The tables the simulator exports and its machine reads (the transition tables, the start and
 * all phases, the rollover reasons, the account statuses, the default user settings) are frozen
 * all the way down: a consumer that writes into one at runtime gets a TypeError, and cannot change
 * what the server does (docs/server.md).
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_STATUSES, ADMIN_STATUSES, DEFAULT_USER_SETTINGS } from '../../src/simulator/accounts.js';
import { DEFAULT_PIN_RATE_LIMIT, DEFAULT_SOURCE_RATE_LIMIT } from '../../src/simulator/admission.js';
import { SERVER_FRAME_TRANSITIONS, SERVER_INPUT_TRANSITIONS, SERVER_START_PHASES } from '../../src/simulator/server-machine.js';
import { ROLLOVER_REASONS, SERVER_PHASES } from '../../src/simulator/server-state.js';
import { unfrozenPaths } from '../support/frozen.js';

const tables: Record<string, unknown> = {
  SERVER_FRAME_TRANSITIONS,
  SERVER_INPUT_TRANSITIONS,
  SERVER_START_PHASES,
  SERVER_PHASES,
  ROLLOVER_REASONS,
  ACCOUNT_STATUSES,
  ADMIN_STATUSES,
  DEFAULT_USER_SETTINGS,
  DEFAULT_PIN_RATE_LIMIT,
  DEFAULT_SOURCE_RATE_LIMIT,
};

describe('every exported table of the simulator is frozen all the way down', () => {
  it.each(Object.keys(tables))('%s', (name) => {
    expect(unfrozenPaths(tables[name])).toEqual([]);
  });
});

describe('writing into a table throws, and it stays as it was', () => {
  type Loose = Record<string, Record<string, unknown>>;
  const writes: [string, () => void][] = [
    ['a frame handler removed', () => delete (SERVER_FRAME_TRANSITIONS as unknown as Loose).complete!['policy-ack']],
    ['a target added to a frame transition', () => (SERVER_FRAME_TRANSITIONS.syncing!['sync-ack']!.to as string[]).push('failed')],
    ['retire allowed before activation', () => ((SERVER_INPUT_TRANSITIONS.retire as unknown as Loose).syncing = ['retired'] as never)],
    ['a start phase added', () => (SERVER_START_PHASES as string[]).push('complete')],
    ['the default message cap changed', () => ((DEFAULT_USER_SETTINGS as { messageCap: number }).messageCap = 1)],
  ];

  it.each(writes)('%s', (_name, write) => {
    expect(write).toThrow(TypeError);
  });

  it('after those writes every table is as it was', () => {
    expect(SERVER_FRAME_TRANSITIONS.complete?.['policy-ack']?.to).toEqual(['complete', 'retired']);
    expect(SERVER_FRAME_TRANSITIONS.syncing?.['sync-ack']?.to).toEqual(['syncing', 'complete']);
    expect('syncing' in SERVER_INPUT_TRANSITIONS.retire).toBe(false);
    expect(SERVER_START_PHASES).toEqual(['awaiting-confirm', 'failed']);
    expect(DEFAULT_USER_SETTINGS.messageCap).toBe(750);
  });
});
