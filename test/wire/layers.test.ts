/**
 * The shape issue 11 gave the wire ("Layers that only point down"), read off the source tree:
 * every message type has its codec in one file of src/wire/messages/, the codec layer imports
 * nothing above it, and the domain folders never import the wire. Kept apart from the behaviour
 * tests for the same reason as constant-time-source.test.ts: it reads source text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES } from '../../src/wire/frame.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file under `dir` (relative to src/), recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(SRC, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(SRC, join(entry.parentPath, entry.name)));
}

/** The src/-relative modules a file imports or re-exports from (packages are left out). */
function localImports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.[^']+)'/gms)].map((m) => m[1] as string);
  return specifiers.map((s) => relative(SRC, join(SRC, file, '..', s)));
}

describe('wire layout (issue 11)', () => {
  it.each(MESSAGE_TYPES)('%s: its encoder and decoder are in src/wire/messages/<type>.ts', async (type) => {
    const codec = (await import(`../../src/wire/messages/${type}.ts`)) as Record<string, unknown>;
    const names = Object.keys(codec);
    expect(
      names.some((n) => /^encode/.test(n) && typeof codec[n] === 'function'),
      names.join(', '),
    ).toBe(true);
    expect(
      names.some((n) => /^decode/.test(n) && typeof codec[n] === 'function'),
      names.join(', '),
    ).toBe(true);
  });

  it('the codec layer (src/codec) imports only errors/ and util/ besides itself', () => {
    for (const file of sourceFiles('codec')) {
      for (const target of localImports(file)) expect(target, file).toMatch(/^(codec|errors|util)\//);
    }
  });

  it('the domain folders (policy, service-books, sync, server-version) never import the wire', () => {
    for (const dir of ['policy', 'service-books', 'sync', 'server-version']) {
      for (const file of sourceFiles(dir)) {
        for (const target of localImports(file)) expect(target, file).not.toMatch(/^(wire|handset|simulator|transport|node)\//);
      }
    }
  });
});
