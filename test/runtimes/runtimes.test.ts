/**
 * The runtime matrix (issue 10, docs/runtimes.md): Node 20, Node 22, Bun, Deno and Chromium run
 * the same conformance activation (test/runtimes/conformance.mjs) from a consumer install of the
 * packed tarball, with no environment variable set for them, and none of them loads cbor-x's
 * native addon (the tripwire of test/runtimes/runtimes.ts). Node 22, Bun and Deno come from npm
 * packages; Chromium is Debian's (required in CI, skipped with a warning elsewhere).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, chromiumRequired, runBrowserTests, runInChromium } from '../browser/chromium.js';
import { lastJson, runInConsumer, type ConsumerInstall } from '../package/consumer.js';
import { BUN, DENO, node22, runtimeConsumer, versionOf } from './runtimes.js';

let consumer: ConsumerInstall;

beforeAll(() => {
  consumer = runtimeConsumer();
}, 600_000);

/** What every runtime must report. */
const conforming = {
  activation: {
    keyAlgorithm: 'AES-256-CBC',
    first: 'Activating',
    enabled: true,
    last: 'Activation Complete',
  },
  wrongPassword: { code: 'WRONG_PASSWORD', isActivationError: true },
  cpaceVector: { Ya: true, ISK_IR: true },
  cborExtractLoads: 0,
};

/** Runs a runner file of the consumer project with `command` and checks the report. */
function runWith(command: string[], runner: string, runtime: RegExp): void {
  const run = runInConsumer(consumer, runner, readRunner(runner), command);
  expect(run.status, `${command.join(' ')} ${runner}\n${run.stderr}\n${run.stdout}`).toBe(0);
  const report = lastJson<Record<string, unknown>>(run);
  expect(report).toMatchObject(conforming);
  expect(report.runtime).toMatch(runtime);
  if (runner !== 'run-no-control.mjs') {
    // The control: cbor-x's own root entry does load the addon in this runtime, so the tripwire works.
    expect(report.cborExtractControl, 'importing cbor-x itself trips the tripwire').toBe(true);
  }
  console.info(`${report.runtime}: ${runner} conforms`);
}

/** The runner files are written by runtimeConsumer(); runInConsumer rewrites them unchanged. */
function readRunner(name: string): string {
  return readFileSync(join(consumer.dir, name), 'utf8');
}

describe('runtime matrix: the conformance activation from the consumer install', () => {
  it('Node 20 (this Node), ESM and CommonJS', () => {
    expect(process.versions.node).toMatch(/^20\./);
    runWith([process.execPath], 'run.mjs', /^node 20\./);
    runWith([process.execPath], 'run.cjs', /^node 20\./);
  });

  it('Node 22 (npm package node-<platform>-<arch>, test/runtimes/node22), ESM and CommonJS', () => {
    const node = node22();
    expect(versionOf([node])).toMatch(/^v22\./);
    runWith([node], 'run.mjs', /^node 22\./);
    runWith([node], 'run.cjs', /^node 22\./);
  }, 600_000);

  it('Bun (npm package bun), ESM and CommonJS', () => {
    expect(versionOf([BUN])).toMatch(/^1\./);
    runWith([BUN, 'run'], 'run.mjs', /^bun 1\./);
    runWith([BUN, 'run'], 'run.cjs', /^bun 1\./);
  }, 120_000);

  it('Deno (npm package deno), ESM, with no permission granted', () => {
    expect(versionOf([DENO])).toMatch(/^deno 2\./);
    // The library needs no permission (no file, environment or network access).
    runWith([DENO, 'run', '--no-lock', '--no-prompt'], 'run-no-control.mjs', /^deno 2\./);
    // The control reads CBOR_NATIVE_ACCELERATION_DISABLED (cbor-x's root entry does) and loads the addon from disk.
    runWith([DENO, 'run', '--no-lock', '--no-prompt', '--allow-read', '--allow-env'], 'run.mjs', /^deno 2\./);
  }, 120_000);

  it.runIf(chromiumRequired)('CI has a browser to run the matrix in', () => {
    expect(chromiumAvailable, `${CHROMIUM} must exist in CI (.ci/run installs it)`).toBe(true);
  });

  it.runIf(runBrowserTests)(
    "Chromium: the consumer's import bundled for the browser by esbuild",
    async () => {
      const bundle = await build({
        entryPoints: [join(consumer.dir, 'browser-entry.mjs')],
        absWorkingDir: consumer.dir,
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'es2022',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(bundle.metafile.inputs);
      // The bundle takes the library from the consumer's node_modules, and cbor-x without its addon.
      expect(inputs.some((f) => f.startsWith('node_modules/enterprise-activation/dist/'))).toBe(true);
      expect(inputs.filter((f) => f.includes('cbor-extract'))).toEqual([]);
      expect(inputs.filter((f) => f.startsWith('node_modules/cbor-x/'))).toEqual(['node_modules/cbor-x/dist/index-no-eval.cjs']);
      const script = bundle.outputFiles[0]!.text;
      const {
        value: report,
        errors,
        version,
      } = await runInChromium(
        script,
        'enterprise-activation runtime matrix',
        () => (window as unknown as { conformanceResult: Promise<Record<string, unknown>> }).conformanceResult,
      );
      expect(errors).toEqual([]);
      expect(report).toMatchObject(conforming);
      expect(report.runtime).toMatch(/Chrome\//);
      console.info(`Chromium ${version}: conforms`);
    },
    120_000,
  );
});
