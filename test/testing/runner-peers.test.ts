/**
 * vitest and Jest are optional peer dependencies of the testing toolkit: package.json declares
 * them so, and in src/ only the runner entry of each imports it (the core /testing entry imports
 * neither; test/package/exports.test.ts checks the same of the build).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** Every import specifier (type-only ones included) of the .ts files under `dir`, by file. */
function importsUnder(dir: string): [string, string][] {
  const found: [string, string][] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...importsUnder(path));
    else if (path.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s+|^\s*import\s+|\bimport\s*\(\s*)['"]([^'"]+)['"]/gm)) {
        found.push([path.slice(root.length + 1), m[1]!]);
      }
    }
  }
  return found;
}

const isRunner = (spec: string): boolean => /^(vitest|jest|expect|@jest\/|@vitest\/)/.test(spec);

describe('the test runners are optional peers of /testing', () => {
  it('package.json declares vitest and jest as optional peers, never as dependencies', () => {
    for (const runner of ['vitest', 'jest']) {
      expect(pkg.peerDependencies[runner], runner).toMatch(/^\^\d/);
      expect(pkg.peerDependenciesMeta[runner], runner).toEqual({ optional: true });
      expect(pkg.dependencies[runner], runner).toBeUndefined();
    }
  });

  it('in src/, only src/testing/vitest/index.ts imports a runner: vitest', () => {
    const runners = importsUnder(join(root, 'src')).filter(([, spec]) => isRunner(spec));
    expect(runners).toEqual([['src/testing/vitest/index.ts', 'vitest']]);
  });
});
