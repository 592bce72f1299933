// Mutation testing of the security- and protocol-critical code. Run it with `npm run mutate`
// (scripts/mutate.mjs), which runs one module of scripts/mutation-modules.mjs at a time through
// this file (STRYKER_MODULE names it). docs/testing-strength.md has the scores, the run time and
// the equivalent mutants.
// Incremental: each module's results are kept in reports/stryker-incremental/<module>.json
// (committed), so a re-run only tests mutants in code or tests that changed since.
import { MUTATION_BREAK, MUTATION_MODULES } from './scripts/mutation-modules.mjs';

const module = process.env.STRYKER_MODULE;
const globs = module ? MUTATION_MODULES[module] : Object.values(MUTATION_MODULES).flat();
if (!globs) throw new Error(`STRYKER_MODULE=${module} is none of ${Object.keys(MUTATION_MODULES).join(', ')}`);
const name = module ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  checkers: ['typescript'],
  // The checker compiles src/ only: a mutant is a compile error when it breaks the library's types.
  tsconfigFile: 'tsconfig.mutate.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants, schemas built at load) would each need the whole
  // suite; the documented constants among them are pinned by tests of their own instead
  // (docs/testing-strength.md, "Static mutants").
  ignoreStatic: true,
  mutate: [...globs, '!src/**/index.ts'],
  incremental: true,
  incrementalFile: `reports/stryker-incremental/${name}.json`,
  concurrency: 2,
  // A mutant is a timeout when its tests run over timeoutMS + timeoutFactor x their normal time.
  // With Stryker's defaults (5 s, 1.5) a loaded 2-core machine turned mutants that cannot loop
  // into timeouts, which count as detected; these margins keep a timeout for real hangs.
  timeoutMS: 15000,
  timeoutFactor: 3,
  // The initial run (every test, with per-test coverage) took over Stryker's default 5 minutes on a
  // loaded 2-core machine and ended the run before any mutant was tested.
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  thresholds: { high: 95, low: MUTATION_BREAK, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
