/**
 * Every TypeScript sample in docs/simulator.md is quoted from examples/simulator.ts, which
 * test/examples/examples.test.ts runs: a sample that is not in the example fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'simulator.md'), 'utf8');
const example = readFileSync(join(root, 'examples', 'simulator.ts'), 'utf8');
const samples = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');

describe('docs/simulator.md', () => {
  it('has TypeScript samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(samples.map((sample, i) => [i + 1, sample] as const))('sample %i is quoted from examples/simulator.ts', (_, sample) => {
    expect(example).toContain(sample);
  });
});
