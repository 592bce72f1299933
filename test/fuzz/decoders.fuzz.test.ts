/**
 * Property and mutation fuzzing of every decoder of untrusted bytes (see ./properties.ts for the
 * generators and the property): each returns a value or throws an ActivationError, nothing else,
 * and leaves no state behind. Bounded for CI (fixed seeds, about 70 000 cases, well under a
 * minute); `npx tsx fuzz/run.ts` runs the same properties for as long as you like.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import {
  DECODERS,
  checkDecoder,
  decoderProperties,
  getCorpus,
  hostileInputs,
  nestedArrays16MiB,
  newStats,
  planRuns,
  samplesOf,
  seedFor,
  typedOutcome,
} from './properties.js';

/** Total decoder cases per CI run (the hostile inputs come on top). */
const CI_DECODER_RUNS = 70_000;

const corpus = getCorpus();
const stats = newStats();
const properties = decoderProperties(corpus, stats);
const runs = planRuns(properties, CI_DECODER_RUNS, 200);
let executed = 0;

describe('decoder fuzzing: a value or an ActivationError, nothing else', () => {
  properties.forEach((p, i) => {
    it(`${p.name} (${runs[i]} runs)`, () => {
      fc.assert(p.property, { numRuns: runs[i]!, seed: seedFor(p.name) });
      executed += runs[i]!;
    });
  });
});

describe('every decoder accepts its own valid samples (the fuzzing starts from real messages)', () => {
  for (const target of DECODERS) {
    it(target.name, () => {
      const samples = samplesOf(target, corpus);
      expect(samples.length).toBeGreaterThan(0);
      for (const bytes of samples) expect(checkDecoder(target, corpus, bytes)).toEqual({});
    });
  }
});

describe('hostile inputs: deep nesting, huge declared lengths, big maps, exotic tags', () => {
  const inputs = hostileInputs(corpus);
  for (const target of DECODERS) {
    it(`${target.name}: every one is refused with MALFORMED (or, for decodeCbor, decoded), each within 2 s`, () => {
      for (const input of inputs) {
        const started = performance.now();
        const outcome = checkDecoder(target, corpus, input.bytes);
        const elapsed = performance.now() - started;
        expect(elapsed, `${input.name} took ${elapsed.toFixed(0)} ms`).toBeLessThan(2_000);
        if (target.name !== 'decodeCbor') expect(outcome.code, input.name).toBe('MALFORMED');
      }
    });
  }

  it('a 16 MiB input of nested arrays is refused with MALFORMED by every decoder, quickly', () => {
    const nested = nestedArrays16MiB();
    for (const target of DECODERS) {
      const started = performance.now();
      const outcome = typedOutcome(target.name, () => target.decode(nested, corpus));
      const elapsed = performance.now() - started;
      expect(outcome.code, target.name).toBe('MALFORMED');
      expect(elapsed, `${target.name} took ${elapsed.toFixed(0)} ms`).toBeLessThan(3_000);
    }
  });

  it('the outcome check itself rejects a non-ActivationError (control)', () => {
    expect(() => typedOutcome('control', () => JSON.parse('{'))).toThrow(/SyntaxError/);
    expect(() =>
      typedOutcome('control', () => {
        throw new ActivationError('MALFORMED', 'fine');
      }),
    ).not.toThrow();
  });
});

afterAll(() => {
  // One line for the CI log: how much was fuzzed and how it ended.
  const codes = Object.entries(stats.codes)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.info(`decoder fuzzing: ${executed} property runs; decoded ${stats.ok}; ${codes}; fuzzer-side skips ${stats.skipped}`);
});
