/**
 * The testing toolkit as its users get it (issue 16): a project that installs the packed tarball
 * and vitest (from the npm registry, test/package/consumer.ts) writes a vitest test of under ten
 * lines with `enterprise-activation/testing` and its matchers, and it compiles (the matchers are
 * typed) and passes. A failing expectation prints the statuses and frames seen.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, consumerInstall, type ConsumerInstall } from './consumer.js';
import { root } from './ensure-built.js';

/** The consumer's whole test: the toolkit, its matchers, two scenarios (the README shows it). */
const CONSUMER_TEST = `import { expect, test } from 'vitest';
import { activate } from 'enterprise-activation/testing';
import 'enterprise-activation/testing/vitest';

test('activates, and an expired password fails', async () => {
  expect(await activate()).toShowStatuses(['activating', 'activation-complete']);
  expect(await activate({ preset: 'password-expired' })).toFailWith('PASSWORD_EXPIRED');
});
`;

/** A test that fails on purpose: its message must show what the handset saw. */
const FAILING_TEST = `import { expect, test } from 'vitest';
import { activate } from 'enterprise-activation/testing';
import 'enterprise-activation/testing/vitest';

test('expects the wrong thing', async () => {
  expect(await activate({ preset: 'server-silent' })).toActivate();
});
`;

/** The major version of `name` installed in the consumer project. */
function installedMajor(consumer: ConsumerInstall, name: string): number {
  const pkg = JSON.parse(readFileSync(join(consumer.dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return Number(pkg.version.split('.')[0]);
}

/** Runs the consumer's vitest on one test file, in its own project folder (no config). */
function vitest(consumer: ConsumerInstall, name: string, source: string): { status: number | null; output: string } {
  const dir = join(consumer.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'activation.test.ts'), source);
  try {
    const output = execFileSync(join(consumer.dir, 'node_modules', '.bin', 'vitest'), ['run', '--root', dir], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 120_000,
      env: { ...cleanEnv(), CI: 'true' },
    });
    return { status: 0, output: stripVTControlCharacters(output) };
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string };
    return { status: e.status ?? null, output: stripVTControlCharacters(`${e.stdout ?? ''}${e.stderr ?? ''}`) };
  }
}

// The vitest this repository tests with, and the oldest major the peer range admits (3.2).
describe.each([
  { variant: 'vitest', label: 'vitest', major: 4 },
  { variant: 'vitest-oldest', label: 'vitest 3.2, the oldest the peer range admits', major: 3 },
] as const)('a consumer project with the packed tarball and $label', ({ variant, major }) => {
  let consumer: ConsumerInstall;

  beforeAll(() => {
    consumer = consumerInstall(variant);
  }, 600_000);

  it('writes a vitest test with the toolkit in under ten lines, and it passes', () => {
    console.info(`consumer install with ${variant}: ${consumer.packageCount} packages, npm install took ${consumer.installMs} ms`);
    expect(installedMajor(consumer, 'vitest')).toBe(major);
    expect(CONSUMER_TEST.trim().split('\n').length).toBeLessThan(10);
    const run = vitest(consumer, 'passing', CONSUMER_TEST);
    expect(run.output).toMatch(/Tests\s+1 passed \(1\)/);
    expect(run.status, run.output).toBe(0);
  });

  it('the test compiles: the matchers are typed through the vitest entry (strict, moduleResolution bundler)', () => {
    const dir = join(consumer.dir, 'typed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'activation.test.ts'), CONSUMER_TEST);
    // A misspelt matcher must not compile: the augmentation types the matchers, it does not allow any name.
    writeFileSync(
      join(dir, 'misspelt.ts'),
      "import { expect } from 'vitest';\nimport 'enterprise-activation/testing/vitest';\n// @ts-expect-error: no such matcher\nexpect(0).toFailsWith('TIMEOUT');\n",
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          skipLibCheck: true,
          types: [],
        },
        include: ['*.ts'],
      }),
    );
    let output: string;
    try {
      output = execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 120_000,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}` || String(err);
    }
    expect(output).toBe('');
  });

  it("registers the matchers from vitest's setupFiles too (the docs' recipe)", () => {
    const dir = join(consumer.dir, 'setup-files');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { setupFiles: ['enterprise-activation/testing/vitest'] } };\n");
    const run = vitest(consumer, 'setup-files', CONSUMER_TEST.replace("import 'enterprise-activation/testing/vitest';\n", ''));
    expect(run.output).toMatch(/Tests\s+1 passed \(1\)/);
    expect(run.status, run.output).toBe(0);
  });

  it('a failing expectation prints the statuses and frames the handset saw', () => {
    const run = vitest(consumer, 'failing', FAILING_TEST);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Expected the activation to complete, but it failed with TIMEOUT.');
    expect(run.output).toContain('activation-failed      "Activation failed: the server did not respond"');
    expect(run.output).toMatch(/\+60000 ms {2}handset -> server {2}etp-dat #0/);
  });
});
