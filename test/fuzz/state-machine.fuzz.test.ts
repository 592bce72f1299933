/**
 * Model-based fuzzing of the handset state machine and of the simulator (see ./properties.ts):
 * random sequences of recorded frames (in order, out of order, duplicated, dropped, mutated,
 * relabelled), timers at random times, cancel, policy results, activate, snapshot round trips.
 * `handsetStep` only ever throws ActivationError INVALID_ARGUMENT / INVALID_STATE (caller
 * errors), never regresses from `complete`, never holds a key but the genuine one;
 * `sim.receive` never throws.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { getCorpus, newStats, runHandsetSequence, runServerSequence, seedFor, stateMachineProperties } from './properties.js';

const HANDSET_SEQUENCES = 1_500;
const SERVER_SEQUENCES = 600;

const corpus = getCorpus();
const stats = newStats();
const [handsetProperty, serverProperty] = stateMachineProperties(corpus, stats);

describe('state machine fuzzing', () => {
  it(`${handsetProperty!.name} (${HANDSET_SEQUENCES} sequences)`, () => {
    fc.assert(handsetProperty!.property, { numRuns: HANDSET_SEQUENCES, seed: seedFor(handsetProperty!.name) });
  });

  it(`${serverProperty!.name} (${SERVER_SEQUENCES} sequences)`, () => {
    fc.assert(serverProperty!.property, { numRuns: SERVER_SEQUENCES, seed: seedFor(serverProperty!.name) });
  });

  it('the sequences cover every phase, on both sides (the fuzzer is not stuck at the start)', () => {
    for (const phase of [
      'awaiting-server-share',
      'awaiting-key',
      'awaiting-policy',
      'awaiting-services',
      'syncing',
      'complete',
      'failed',
    ]) {
      expect(stats.reached[`handset:${phase}`] ?? 0, phase).toBeGreaterThan(0);
    }
    for (const status of ['Activating', 'Activated']) expect(stats.reached[`server:${status}`] ?? 0, status).toBeGreaterThan(0);
    // Life after activation (issue 13): the user's Regenerate Encryption Key from an activated
    // handset, and the administrator's rollover, books resend and wipe on an activated account.
    expect(stats.reached['handset:rekey-request'] ?? 0, 'handset rekey-request').toBeGreaterThan(0);
    for (const action of ['regenerate-key', 'resend-books', 'wipe']) {
      expect(stats.reached[`server:${action}`] ?? 0, action).toBeGreaterThan(0);
    }
  });
});

describe('the invariant checks catch what they should (controls)', () => {
  it('the recorded server frames in order take a fresh handset to complete', () => {
    const commands = corpus.toHandset.flatMap(() => [
      { kind: 'next-server-frame' as const },
      { kind: 'policy-applied' as const, which: 'right' as const },
    ]);
    expect(() => runHandsetSequence({ start: 1, commands }, corpus)).not.toThrow();
  });

  it('the recorded handset frames in order activate the account on a fresh simulator', () => {
    const local = newStats();
    runServerSequence(
      corpus.toServer.map(() => ({ kind: 'next-handset-frame' as const })),
      corpus,
      local,
    );
    expect(local.reached['server:Activated']).toBeGreaterThan(0);
  });
});

afterAll(() => {
  const codes = Object.entries(stats.codes)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.info(
    `state machine fuzzing: ${HANDSET_SEQUENCES} handset + ${SERVER_SEQUENCES} server sequences; ${stats.ok} steps returned; thrown: ${codes || 'none'}`,
  );
});
