/**
 * The API reference (issue 10): typedoc, with the repository's typedoc.json and warnings as
 * errors, documents every entry point of the package without a single warning. A warning is an
 * exported name, a method or a property of an exported class or interface without a doc comment,
 * a `{@link}` that resolves to nothing (or to something no entry exports), or a public type that
 * refers to a type no entry exports. The reference goes to
 * a temporary folder, so the test neither needs nor touches docs/api/ (`npm run docs`).
 *
 * It reads src/ through the TypeScript compiler, as `npm run docs` does: the doc comments live
 * there, and the build copies them into dist/*.d.ts unchanged.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './ensure-built.js';

interface TypedocConfig {
  entryPoints: string[];
  treatWarningsAsErrors?: boolean;
  validation?: Record<string, boolean>;
  requiredToBeDocumented?: string[];
  plugin?: string[];
}

const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as TypedocConfig;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
const out = mkdtempSync(join(tmpdir(), 'api-docs-'));

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('API reference (typedoc)', () => {
  it('covers every entry point of the export map', () => {
    // A subpath added to package.json without its entry here would ship with no reference and
    // no check that its exports are documented.
    const entries = Object.keys(pkg.exports)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`));
    expect([...config.entryPoints].sort()).toEqual(entries.sort());
  });

  it('is configured to fail on undocumented exports and broken links', () => {
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(config.validation).toMatchObject({ notExported: true, invalidLink: true, notDocumented: true });
    for (const kind of ['Class', 'Function', 'Interface', 'TypeAlias', 'Variable', 'Enum', 'Method']) {
      expect(config.requiredToBeDocumented, kind).toContain(kind);
    }
    // The plugin names the entries by import specifier and requires the properties of classes and
    // interfaces to be documented (scripts/typedoc-plugin.mjs says why not typedoc's own check).
    expect(config.plugin).toContain('./scripts/typedoc-plugin.mjs');
  });

  it('generates without a warning: every public export documented, every link resolved', () => {
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--options', 'typedoc.json', '--out', join(out, 'html')],
      // No colours, so that the warnings print as plain lines.
      { cwd: root, encoding: 'utf8', timeout: 280_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    // Colour codes, should any come through anyway (node's own ANSI stripper).
    const output = stripVTControlCharacters(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    const problems = output.split('\n').filter((line) => /\[(warning|error)\]/.test(line));
    // The whole list, so that one run shows everything to fix.
    expect(problems, `typedoc reported:\n${problems.join('\n')}`).toEqual([]);
    expect(run.error, String(run.error)).toBeUndefined();
    expect(run.status, output).toBe(0);
  }, 300_000);
});
