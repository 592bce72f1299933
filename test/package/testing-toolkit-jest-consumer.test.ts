/**
 * The Jest recipe of the testing toolkit (docs/testing-toolkit.md, "Recipes") as its users get it:
 * a project that installs the packed tarball and Jest (from the npm registry, test/package/consumer.ts)
 * registers the matchers with `setupFilesAfterEnv: ['enterprise-activation/testing/jest']` (and, on
 * Jest 29, `testMatch` for `.mjs` files) and runs
 * an ES module test file with real Jest (`--experimental-vm-modules`: the library's cryptography,
 * noble, is ESM only, and Jest's own CommonJS loader cannot require ESM before Node 24.9). It passes; a wrong expectation fails and shows the
 * statuses the handset saw.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, consumerInstall, type ConsumerInstall } from './consumer.js';

const PASSING = `import { activate } from 'enterprise-activation/testing';

test('activates, and an expired password fails', async () => {
  expect(await activate()).toShowStatuses(['activating', 'activation-complete']);
  expect(await activate({ preset: 'password-expired' })).toFailWith('PASSWORD_EXPIRED');
});
`;

const FAILING = `import { activate } from 'enterprise-activation/testing';

test('expects the wrong thing', async () => {
  expect(await activate({ preset: 'server-silent' })).toActivate();
});
`;

/** The recipe's jest.config.js (docs/testing-toolkit.md, "Recipes"). */
const RECIPE = { setupFilesAfterEnv: ['enterprise-activation/testing/jest'] };

/**
 * The recipe with the line the docs add for Jest 29, which (unlike Jest 30) does not look for
 * `.mjs` test files by default: without it, Jest 29 says "No tests found".
 */
const RECIPE_JEST_29 = { ...RECIPE, testMatch: ['**/*.test.mjs'] };

/** Runs the consumer's Jest on one test file, in a project folder of its own with the recipe's config. */
function jest(consumer: ConsumerInstall, name: string, source: string, config = RECIPE): { status: number | null; output: string } {
  const dir = join(consumer.dir, name);
  rmSync(dir, { recursive: true, force: true }); // the install is cached: no test file of an earlier run stays
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'jest.config.js'), `module.exports = ${JSON.stringify(config)};\n`);
  writeFileSync(join(dir, 'activation.test.mjs'), source);
  const run = spawnSync(
    process.execPath,
    [join(consumer.dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', join(dir, 'jest.config.js'), '--ci'],
    {
      cwd: consumer.dir,
      encoding: 'utf8',
      timeout: 120_000,
      // Jest runs ES modules with Node's VM modules (https://jestjs.io/docs/ecmascript-modules): the
      // library's cryptography (noble) is ESM only, which Jest's CommonJS loader cannot require
      // before Node 24.9.
      env: { ...cleanEnv(), CI: 'true', NODE_OPTIONS: '--experimental-vm-modules' },
    },
  );
  // Jest writes its results to stderr.
  return { status: run.status, output: stripVTControlCharacters(`${run.stdout}${run.stderr}`) };
}

// The Jest that goes with our `expect`, and the oldest major the peer range admits (29).
describe.each([
  { variant: 'jest', label: 'Jest', major: 30, config: RECIPE },
  { variant: 'jest-oldest', label: 'Jest 29, the oldest the peer range admits', major: 29, config: RECIPE_JEST_29 },
] as const)('a consumer project with the packed tarball and $label', ({ variant, major, config }) => {
  let consumer: ConsumerInstall;

  beforeAll(() => {
    consumer = consumerInstall(variant);
  }, 600_000);

  it('registers the matchers with setupFilesAfterEnv, and the test passes', () => {
    console.info(`consumer install with ${variant}: ${consumer.packageCount} packages, npm install took ${consumer.installMs} ms`);
    const installed = JSON.parse(readFileSync(join(consumer.dir, 'node_modules', 'jest', 'package.json'), 'utf8')) as { version: string };
    expect(Number(installed.version.split('.')[0])).toBe(major);
    const run = jest(consumer, 'passing', PASSING, config);
    expect(run.output).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(run.status, run.output).toBe(0);
  });

  it('a wrong expectation fails, showing what the handset saw', () => {
    const run = jest(consumer, 'failing', FAILING, config);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/Tests:\s+1 failed, 1 total/);
    expect(run.output).toMatch(/TIMEOUT/);
    expect(run.output).toMatch(/Activating/);
  });
});
