/**
 * The package tests test dist/, so they make sure it is current first: `npm run build` runs when
 * an output is missing or older than anything it is built from (src/, tsup.config.ts,
 * package.json, tsconfig.json). `npm test` builds in `pretest`, so there dist/ is fresh and nothing
 * is built twice; a plain `npx vitest run` after an edit builds here, once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

/** Every file the package tests load from dist/. */
export const OUTPUTS = [
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'dist/wire/index.js',
  'dist/wire/index.cjs',
  'dist/wire/index.d.ts',
  'dist/crypto/index.js',
  'dist/crypto/index.cjs',
  'dist/crypto/index.d.ts',
  'dist/simulator/index.js',
  'dist/simulator/index.cjs',
  'dist/simulator/index.d.ts',
  'dist/node/index.js',
  'dist/node/index.cjs',
  'dist/node/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.cjs',
  'dist/testing/index.d.ts',
  'dist/testing/vitest/index.js',
  'dist/testing/vitest/index.d.ts',
  'dist/testing/jest/index.js',
  'dist/testing/jest/index.cjs',
  'dist/testing/jest/index.d.ts',
  'dist/cli.js',
  'dist/fleet-worker.js',
  'dist/ui/emulator.js',
];

function newestInput(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  visit(join(root, 'src'));
  for (const f of ['tsup.config.ts', 'package.json', 'tsconfig.json']) if (existsSync(join(root, f))) visit(join(root, f));
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is current. */
export function staleReason(): string | undefined {
  const missing = OUTPUTS.find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is missing`;
  const oldest = Math.min(...OUTPUTS.map((f) => statSync(join(root, f)).mtimeMs));
  return oldest < newestInput() ? 'dist/ is older than its sources' : undefined;
}

/** Builds dist/ (`npm run build`) if it is missing or stale; returns whether it built. */
export function ensureBuilt(): boolean {
  const reason = staleReason();
  if (reason === undefined) return false;
  console.warn(`test/package: ${reason}; running npm run build`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'pipe', timeout: 300_000 });
  return true;
}
