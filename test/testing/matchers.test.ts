/**
 * The matchers as plain functions (what every runner entry registers): when each passes, and what
 * a failure prints: the expectation, the outcome, the statuses and the frames seen.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { activate } from '../../src/testing/activation-pair.js';
import type { ActivationRun } from '../../src/testing/activation-run.js';
import { activationMatchers as m } from '../../src/testing/matchers.js';

let ok: ActivationRun;
let silent: ActivationRun;

beforeAll(async () => {
  ok = await activate();
  silent = await activate({ preset: 'server-silent' });
});

describe('the matchers', () => {
  it('toActivate', () => {
    expect(m.toActivate(ok).pass).toBe(true);
    expect(m.toActivate(silent).pass).toBe(false);
  });

  it('toFailWith', () => {
    expect(m.toFailWith(silent, 'TIMEOUT').pass).toBe(true);
    expect(m.toFailWith(silent, 'WRONG_PASSWORD').pass).toBe(false);
    expect(m.toFailWith(ok, 'TIMEOUT').pass).toBe(false);
  });

  it('toShowStatuses: ids, texts and patterns, in order, others allowed between', () => {
    expect(m.toShowStatuses(ok, ['activating', 'Services Received', /^Synchronizing Calendar/, 'activation-complete']).pass).toBe(true);
    expect(m.toShowStatuses(ok, []).pass).toBe(true);
    expect(m.toShowStatuses(ok, ['activation-complete', 'activating']).pass).toBe(false);
    expect(m.toShowStatuses(ok, ['activating', 'activating']).pass).toBe(false);
    expect(m.toShowStatuses(silent, ['activating', 'activation-complete']).pass).toBe(false);
  });

  it('toHaveSynced: a count, or at least one record', () => {
    expect(m.toHaveSynced(ok, 'calendar', 12).pass).toBe(true);
    expect(m.toHaveSynced(ok, 'calendar', 11).pass).toBe(false);
    expect(m.toHaveSynced(ok, 'memos').pass).toBe(true);
    expect(m.toHaveSynced(silent, 'memos').pass).toBe(false);
    expect(m.toHaveSynced(silent, 'memos', 0).pass).toBe(true);
  });

  it('toUseTransportKey', () => {
    expect(m.toUseTransportKey(ok, 'AES-256-CBC').pass).toBe(true);
    expect(m.toUseTransportKey(ok, 'TDES-EDE2-CBC').pass).toBe(false);
    expect(m.toUseTransportKey(silent, 'AES-256-CBC').pass).toBe(false);
  });
});

describe('failure messages', () => {
  it('say what was expected and what happened, then list the statuses and frames seen', () => {
    const message = m.toActivate(silent).message();
    expect(message).toMatch(/^Expected the activation to complete, but it failed with TIMEOUT\.\n/);
    expect(message).toContain('The activation failed with TIMEOUT: the server did not respond after 75000 virtual ms.');
    expect(message).toContain(
      'Statuses seen:\n  activating             "Activating"\n  activation-failed      "Activation failed: the server did not respond"',
    );
    expect(message).toContain('Frames seen (5):');
    expect(message).toMatch(/^ +\+15000 ms {2}handset -> server {2}etp-dat #0 \(724 bytes\)$/m);
    expect(message).toContain('Records synced: none');
  });

  it('name the status that was missing', () => {
    const message = m.toShowStatuses(silent, ['activating', 'verifying-encryption']).message();
    expect(message).toMatch(
      /^Expected the activation to show "activating", "verifying-encryption" in this order, but "verifying-encryption" was not shown/,
    );
  });

  it('name the count held', () => {
    expect(m.toHaveSynced(ok, 'calendar', 11).message()).toMatch(
      /^Expected the activation to have synced 11 calendar records, but the handset holds 12\./,
    );
  });

  it('read "not" under .not', () => {
    expect(m.toActivate.call({ isNot: true }, ok).message()).toMatch(
      /^Expected the activation not to complete, but it completed \(AES-256-CBC\)\./,
    );
  });

  it('shorten a long run to its first and last frames', () => {
    const message = m.toFailWith(ok, 'TIMEOUT').message();
    expect(message).toContain(`Frames seen (${ok.frames.length}):`);
    expect(message).toContain(`  ... ${ok.frames.length - 24} more ...`);
    expect(message).toContain('server -> handset  sync-done');
  });

  it('tell a test that forgot to await, rather than throw', () => {
    const pending = Promise.resolve(ok);
    const result = m.toActivate(pending);
    expect(result.pass).toBe(false);
    expect(result.message()).toBe(
      'toActivate: expected an ActivationRun (what activate() resolves to), got a Promise (did you forget `await`?)',
    );
    expect(m.toFailWith(undefined, 'TIMEOUT').message()).toMatch(/got undefined$/);
    // @ts-expect-error: not a database
    expect(m.toHaveSynced(ok, 'photos').message()).toMatch(/"photos" is not a database/);
  });
});
