/**
 * The tables the handset exports and its machine reads (the transition tables, the phases, the
 * statuses and their texts, the default retry policy, the databases in their order) are frozen
 * all the way down: a consumer that writes into one at runtime gets a TypeError, and cannot
 * change what the machine does (docs/handset.md, "States").
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, SYNC_DATABASES } from '../../src/handset/config.js';
import { HANDSET_FRAME_TRANSITIONS, HANDSET_INPUT_TRANSITIONS } from '../../src/handset/machine.js';
import { HANDSET_PHASES } from '../../src/handset/state.js';
import { STATUS_IDS, STATUS_TEXT } from '../../src/handset/status.js';
import { SYNC_ORDER } from '../../src/sync/databases.js';
import { unfrozenPaths } from '../support/frozen.js';

const tables: Record<string, unknown> = {
  HANDSET_FRAME_TRANSITIONS,
  HANDSET_INPUT_TRANSITIONS,
  HANDSET_PHASES,
  STATUS_IDS,
  STATUS_TEXT,
  DEFAULT_RETRY,
  SYNC_DATABASES,
  SYNC_ORDER,
};

describe('every exported table of the handset is frozen all the way down', () => {
  it.each(Object.keys(tables))('%s', (name) => {
    expect(unfrozenPaths(tables[name])).toEqual([]);
  });
});

describe('writing into a table throws, and the machine reads what it did', () => {
  type Loose = Record<string, Record<string, unknown>>;
  const writes: [string, () => void][] = [
    ['a frame handler replaced', () => ((HANDSET_FRAME_TRANSITIONS as unknown as Loose)['awaiting-key']!['key-issue'] = undefined)],
    ['a target added to a frame transition', () => (HANDSET_FRAME_TRANSITIONS.complete!.error!.to as string[]).push('idle')],
    ['a phase given a new message', () => ((HANDSET_FRAME_TRANSITIONS as unknown as Loose).idle = {})],
    ['cancel allowed after the commit point', () => ((HANDSET_INPUT_TRANSITIONS.cancel as unknown as Loose).syncing = ['failed'] as never)],
    ['a timer target changed', () => ((HANDSET_INPUT_TRANSITIONS.timer.syncing as unknown as string[])[0] = 'failed')],
    ['a status text changed', () => ((STATUS_TEXT as unknown as Record<string, string>).activating = 'Hacked')],
    ['the default retries changed', () => ((DEFAULT_RETRY as { retries: number }).retries = 0)],
    ['a database added', () => (SYNC_ORDER as unknown as string[]).push('photos')],
  ];

  it.each(writes)('%s', (_name, write) => {
    expect(write).toThrow(TypeError);
  });

  it('after those writes every table is as it was', () => {
    expect(HANDSET_FRAME_TRANSITIONS['awaiting-key']?.['key-issue']?.to).toEqual(['awaiting-policy', 'failed']);
    expect(HANDSET_FRAME_TRANSITIONS.complete?.error?.to).toEqual(['deactivated']);
    expect('idle' in HANDSET_FRAME_TRANSITIONS).toBe(false);
    expect('syncing' in HANDSET_INPUT_TRANSITIONS.cancel).toBe(false);
    expect(HANDSET_INPUT_TRANSITIONS.timer.syncing).toEqual(['sync-pending']);
    expect(STATUS_TEXT.activating).toBe('Activating');
    expect(DEFAULT_RETRY).toEqual({ replyTimeoutMs: 15_000, retries: 4 });
    expect(SYNC_ORDER).toHaveLength(7);
  });
});
