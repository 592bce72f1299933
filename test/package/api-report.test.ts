/**
 * The public API is a reviewed artifact (issue 10). api-extractor reads the built declarations of
 * every entry point and compares them with the committed reports in api-extractor/reports/: any
 * change to the surface (a name added, removed or retyped) fails here until the reports are
 * updated with `npm run api`, so it shows in the diff of the change that made it.
 *
 * And the root entry stays small: at most 80 runtime values, counted on the built package by its
 * name, as ESM and as CommonJS (the two must agree).
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './ensure-built.js';

/** The most runtime values the root entry may export (issue 10). */
const MAX_ROOT_VALUES = 80;

beforeAll(() => {
  ensureBuilt();
}, 300_000);

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('API report', () => {
  it('every entry point of the build matches its committed report (api-extractor/reports/)', () => {
    let output: string;
    try {
      output = execFileSync(process.execPath, ['api-extractor/run.mjs', '--check'], {
        cwd: root,
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 240_000,
      });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      expect.fail(
        `the public API differs from api-extractor/reports/ (or api-extractor failed).\n` +
          `If the change is intended, update the reports with: npm run api\n\n${stdout}${stderr}`,
      );
    }
    expect(output).toMatch(/API reports match the build \(8 entry points\)/);
  }, 300_000);
});

describe('root entry size', () => {
  /** The root entry's value names, loaded by package name in a separate Node process. */
  const esmNames = (): string[] =>
    JSON.parse(
      node([
        '--input-type=module',
        '-e',
        "const m = await import('enterprise-activation'); console.log(JSON.stringify(Object.keys(m).sort()))",
      ]),
    );
  const cjsNames = (): string[] =>
    JSON.parse(
      node(['-e', "console.log(JSON.stringify(Object.keys(require('enterprise-activation')).filter((k) => k !== '__esModule').sort()))"]),
    );

  it(`exports at most ${MAX_ROOT_VALUES} values, the same ones as ESM and as CommonJS`, () => {
    const esm = esmNames();
    const cjs = cjsNames();
    expect(esm.length).toBeGreaterThan(0);
    expect(esm.length, `root values: ${esm.join(', ')}`).toBeLessThanOrEqual(MAX_ROOT_VALUES);
    expect(cjs).toEqual(esm);
  });

  it('keeps schemas and internal helpers out of the root', () => {
    const names = new Set(esmNames());
    for (const internal of [
      'lvCat',
      'oCat',
      'prependLen',
      'encodeCbor',
      'decodeCbor',
      'stripUndefined',
      'generateUserData',
      'SYNC_DATABASES',
    ]) {
      expect(names.has(internal), internal).toBe(false);
    }
    for (const name of names) expect(name, 'a valibot schema').not.toMatch(/Schema$|^RECORD_SCHEMAS$/);
  });
});
