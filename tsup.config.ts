import { defineConfig, type Options } from 'tsup';

/**
 * One module graph per format. Every entry point of a format is built by one esbuild run with
 * code splitting, so the code two entries share (ActivationError first of all) sits in one shared
 * chunk that both import: an error thrown by `enterprise-activation/simulator` or `/node` is an
 * instance of the root entry's `ActivationError`. With separate builds (or `splitting: false`)
 * each entry carried its own copy of the class and `instanceof` failed across entries.
 *
 * The ESM build holds the command-line tool too (ESM only, no types: nobody imports it). The CJS
 * build uses tsup's CommonJS code splitting (esbuild splits as ESM, then each chunk is converted
 * to CommonJS), so `require()` of any two entries shares the same chunks as well. ESM and CJS are
 * two graphs: a process that loads both formats has two ActivationError classes (the dual-package
 * hazard, see README "Entry points").
 *
 * `platform: 'neutral'` for all: the root and `/simulator` run in browsers too. The Node-only code
 * (`/node`, the CLI) needs no Node resolution: dependencies stay external, and `node:` imports are
 * external by tsup's node-protocol plugin. Code that only `/node` or the CLI reaches lands in
 * chunks that only they import.
 */
const library = {
  index: 'src/index.ts',
  'wire/index': 'src/wire/index.ts',
  'crypto/index': 'src/crypto/index.ts',
  'simulator/index': 'src/simulator/index.ts',
  'node/index': 'src/node/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/vitest/index': 'src/testing/vitest/index.ts',
  'testing/jest/index': 'src/testing/jest/index.ts',
};

const common: Options = {
  platform: 'neutral',
  dts: { entry: library },
  // Maps without embedded sources: they point at the TypeScript files by path, and the tarball does
  // not carry every source file a second time inside the maps.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  splitting: true,
  treeshake: true,
  target: 'es2022',
};

/**
 * A fleet's worker thread (src/fleet/fleet-worker.ts): a file that `runFleet` hands to tinypool,
 * not an export. ESM only: the CommonJS build's `runFleet` starts the same file.
 */
const worker = { 'fleet-worker': 'src/fleet/fleet-worker.ts' };

/**
 * The emulator page's script (`serve --ui`, src/serve/emulator-page.ts): one file for browsers,
 * every dependency inside (a page loads no modules from node_modules), minified, as `dist/ui/emulator.js`.
 * Not an export: `serve` reads it from beside its chunk and serves it. No source map: the page
 * would fetch it from a path the server does not serve.
 */
const page: Options = {
  entry: { 'ui/emulator': 'src/ui/emulator.ts' },
  format: ['iife'],
  platform: 'browser',
  target: 'es2022',
  minify: true,
  noExternal: [/./],
  outExtension: () => ({ js: '.js' }),
  clean: false,
};

export default defineConfig([
  { ...common, format: ['esm'], entry: { ...library, ...worker, cli: 'src/cli.ts' }, clean: true },
  { ...common, format: ['cjs'], entry: library, clean: false },
  page,
]);
