/**
 * The tarball as published (issue 10), checked on the same `npm pack` output the consumer tests
 * install (test/package/consumer.ts):
 *
 * - `attw` (Are The Types Wrong) finds no problem for any entry point under any resolution,
 *   node10 included (package.json `typesVersions` maps the subpaths for node10, which has no
 *   `exports`).
 * - `publint --strict` finds nothing, not even a suggestion-level warning.
 * - The file list holds what users need and nothing else: every file is reached from package.json
 *   (`exports`, `bin`, `main`, `types`, `typesVersions`) through the imports of the built files,
 *   their source maps, or the README's links (docs), plus the license and changelog. No map embeds
 *   the sources; no CommonJS build or declaration file of the command-line tool; no empty file.
 * - The packed size stays within a budget (and is printed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pack, type Packed } from './consumer.js';
import { root } from './ensure-built.js';

/** Budget for the packed tarball (gzip), bytes. 1,183 KB before issue 10; 650 KB until issue 12 (654 KB with its records); 700 KB until issue 13 (742 KB with life after activation); 760 KB until issue 14 (842 KiB with the node:crypto and WebCrypto providers, the record store and their docs); 880 KB until issue 15 (916 KiB with `serve`, `fleet`, their chunks in both builds and docs/fleet.md); 960 KB until issue 16 (1,139 KiB measured after the merge of 3 December 2026, more than the parts' own estimates of about 1,070 KiB: not yet broken down by module; with `/testing` (the toolkit, its runner entries and its transcripts in both builds, their declarations and docs/testing-toolkit.md and docs/transcripts.md, about 35 KB) and `serve --ui`'s page script, dist/ui/emulator.js: the handset and its cryptography bundled for browsers, 78 KiB gzip); 1,150 KiB until issue 14's schema guard (src/codec/schema-guard.ts, in every build and bundle that decodes: ESM, CJS, the UI page, their maps; 1,150.3 KiB measured with it); 1,160 KiB until 4 December 2026 (1,157.6 KiB at d138f52, then 1,165.1 KiB with that day's fleet target check, `checkFleetTarget`, in both builds with its declarations and maps, about 3.9 KiB, and that day's docs and CHANGELOG, about 3.6 KiB gzip: docs/testing-strength.md's simulator record, docs/fleet.md, docs/performance.md). */
const PACKED_BUDGET = 1180 * 1024;

let packed: Packed;
let unpacked: string;

beforeAll(() => {
  packed = pack();
  unpacked = mkdtempSync(join(tmpdir(), 'ea-tarball-'));
  execFileSync('tar', ['-xzf', packed.tarball, '-C', unpacked], { stdio: 'pipe' });
}, 600_000);

afterAll(() => {
  if (unpacked) rmSync(unpacked, { recursive: true, force: true });
});

const bin = (name: string): string => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const file = (path: string): string => readFileSync(join(unpacked, 'package', path), 'utf8');

interface Manifest {
  main?: string;
  module?: string;
  types?: string;
  bin?: Record<string, string>;
  exports: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
}

/** Every file path named by package.json's `exports` (all conditions). */
function exportTargets(node: unknown, out: Set<string>): void {
  if (typeof node === 'string') out.add(posix.normalize(node));
  else if (node && typeof node === 'object') for (const v of Object.values(node)) exportTargets(v, out);
}

/** Relative specifiers a built file imports, re-exports or requires (statically or dynamically). */
function relativeImports(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\s*['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.add(m[1]!);
  return [...found];
}

/** A declaration file's import of `./x.js` means `./x.d.ts` (and `./x.cjs` in a .d.cts means `./x.d.cts`). */
function declarationOf(spec: string): string {
  return spec
    .replace(/\.js$/, '.d.ts')
    .replace(/\.cjs$/, '.d.cts')
    .replace(/\.mjs$/, '.d.mts');
}

/** The files reached from package.json, following imports, source maps and README links. */
function reachable(files: ReadonlySet<string>): Set<string> {
  const manifest = JSON.parse(file('package.json')) as Manifest;
  const start = new Set<string>(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']);
  const targets = new Set<string>();
  exportTargets(manifest.exports, targets);
  for (const f of [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin ?? {})])
    if (f) targets.add(posix.normalize(f));
  for (const map of Object.values(manifest.typesVersions ?? {}))
    for (const list of Object.values(map)) for (const f of list) targets.add(posix.normalize(f));
  for (const t of targets) start.add(t);

  const seen = new Set<string>();
  const queue = [...start].filter((f) => files.has(f));
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const next: string[] = [];
    const text = file(path);
    if (/\.(c|m)?js$/.test(path)) {
      for (const spec of relativeImports(text)) next.push(posix.join(posix.dirname(path), spec));
      // A file loaded by URL, as a worker thread's module is (`new URL('./fleet-worker.js', import.meta.url)`).
      for (const m of text.matchAll(/new URL\(\s*["'](\.\.?\/[^"']+)["']/g)) next.push(posix.join(posix.dirname(path), m[1]!));
      const map = text.match(/\/\/# sourceMappingURL=(\S+)\s*$/)?.[1];
      if (map) next.push(posix.join(posix.dirname(path), map));
    } else if (/\.d\.(c|m)?ts$/.test(path)) {
      for (const spec of relativeImports(text)) next.push(posix.join(posix.dirname(path), declarationOf(spec)));
    } else if (path.endsWith('.md')) {
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (!/^[a-z]+:/i.test(target)) next.push(posix.normalize(posix.join(posix.dirname(path), target)));
      }
    }
    for (const n of next) if (files.has(n) && !seen.has(n)) queue.push(n);
  }
  return seen;
}

describe('the packed tarball', () => {
  it('attw: no problem for any entry point under node10, node16 (CJS and ESM) or bundler resolution', () => {
    let out: string;
    try {
      out = execFileSync(bin('attw'), [packed.tarball, '--format', 'json'], {
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 300_000,
        env: cleanEnv(),
      });
    } catch (err) {
      out = (err as { stdout?: string }).stdout ?? '';
      if (!out) throw err;
    }
    const report = JSON.parse(out) as {
      problems?: unknown[];
      analysis: {
        problems?: unknown[];
        entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName?: string } }> }>;
      };
    };
    expect(report.analysis.problems ?? report.problems ?? []).toEqual([]);
    const manifest = JSON.parse(file('package.json')) as Manifest;
    const subpaths = Object.keys(manifest.exports).filter((k) => k !== './package.json');
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining(subpaths));
    for (const subpath of subpaths) {
      const resolutions = report.analysis.entrypoints[subpath]!.resolutions;
      for (const kind of ['node10', 'node16-cjs', 'node16-esm', 'bundler']) {
        expect(resolutions[kind]?.resolution?.fileName, `${subpath} under ${kind}`).toMatch(/\.d\.c?ts$/);
      }
    }
  });

  it('publint --strict: all good', () => {
    const out = execFileSync(bin('publint'), ['run', packed.tarball, '--strict', '--level', 'suggestion'], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 300_000,
      env: cleanEnv(),
    });
    expect(out).toContain('All good!');
  });

  it('holds what users need and no dead file', () => {
    const paths = packed.files.map((f) => f.path);
    const files = new Set(paths);
    console.info(
      `tarball: ${paths.length} files, ${(packed.size / 1024).toFixed(0)} KB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked`,
    );

    // What users need: every target of package.json, the README, changelog and license.
    const manifest = JSON.parse(file('package.json')) as Manifest;
    const targets = new Set<string>();
    exportTargets(manifest.exports, targets);
    for (const f of [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin ?? {})])
      if (f) targets.add(posix.normalize(f));
    for (const t of targets) expect(files.has(t), `${t} (named by package.json) is in the tarball`).toBe(true);
    for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) expect(files.has(f), f).toBe(true);

    // Nothing else: every file is reached from those.
    const reached = reachable(files);
    expect(
      paths.filter((p) => !reached.has(p)),
      'files nothing in the package reaches',
    ).toEqual([]);

    // Known dead weight of the past stays out.
    for (const dead of ['dist/cli.cjs', 'dist/cli.d.ts', 'dist/cli.d.cts', 'dist/cli.cjs.map']) expect(files.has(dead), dead).toBe(false);
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('docs/api/'))).toEqual([]);
    expect(
      packed.files.filter((f) => f.size === 0).map((f) => f.path),
      'empty files',
    ).toEqual([]);
  });

  it('no source map embeds the sources', () => {
    const maps = packed.files.filter((f) => f.path.endsWith('.map'));
    for (const { path } of maps) {
      const map = JSON.parse(file(path)) as { sourcesContent?: Array<string | null> };
      expect(
        (map.sourcesContent ?? []).filter((s) => s !== null && s !== ''),
        `${path} embeds sources`,
      ).toEqual([]);
    }
  });

  it(`stays within ${PACKED_BUDGET / 1024} KB packed`, () => {
    expect(packed.size).toBeLessThanOrEqual(PACKED_BUDGET);
  });
});
