/**
 * `text()` refuses a string with a lone surrogate (it has no UTF-8 form) with
 * `String.prototype.isWellFormed` where the runtime has it, and with a regular expression where it
 * does not (ES2024: Safari before 16.4, Firefox before 119, Node before 20). Both paths, the same
 * verdicts: the second loads src/codec/schema.ts afresh without `isWellFormed`.
 */
import * as v from 'valibot';
import { describe, expect, it, vi } from 'vitest';

const SAMPLES: readonly [string, boolean][] = [
  ['', true],
  ['plain', true],
  ['a pair \u{1F600}', true],
  ['\uD83D\uDE00', true],
  ['no \uD83D way', false],
  ['\uDE00', false],
  ['\uDE00\uD83D', false],
  ['end \uD83D', false],
];

async function verdicts(): Promise<boolean[]> {
  const { text } = await import('../../src/codec/schema.js');
  const schema = text(100);
  return SAMPLES.map(([s]) => v.is(schema, s));
}

describe('text() and lone surrogates', () => {
  it('with String.prototype.isWellFormed', async () => {
    expect(typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed).toBe('function');
    vi.resetModules();
    expect(await verdicts()).toEqual(SAMPLES.map(([, ok]) => ok));
  });

  it('without it: the regular expression gives the same verdicts', async () => {
    const proto = String.prototype as { isWellFormed?: unknown };
    const saved = Object.getOwnPropertyDescriptor(String.prototype, 'isWellFormed');
    delete proto.isWellFormed;
    try {
      vi.resetModules();
      expect(await verdicts()).toEqual(SAMPLES.map(([, ok]) => ok));
    } finally {
      if (saved !== undefined) Object.defineProperty(String.prototype, 'isWellFormed', saved);
      vi.resetModules();
    }
  });
});
