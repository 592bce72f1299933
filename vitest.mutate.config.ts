/**
 * The test run StrykerJS uses for mutation testing (`npm run mutate`, docs/testing-strength.md):
 * the unit, protocol and security tests that exercise src/ in this process. Left out: tests of
 * the built package (dist/ is not mutated), the browser tests, the child-process load tests and
 * the long fuzz runs, which would only slow every mutant down without reaching mutated code
 * that the other tests miss.
 */
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The test folders that hold each module's own tests: they run first for its mutants. */
const OWN_TESTS: Record<string, readonly string[]> = {
  crypto: ['test/crypto/'],
  'crypto-seal': ['test/crypto/'],
  'crypto-async': ['test/crypto/'],
  wire: ['test/wire/', 'test/codec/'],
  handset: ['test/handset/'],
  simulator: ['test/simulator/'],
  policy: ['test/policy/'],
  'relay-router': ['test/node/relay', 'test/transport/relay'],
};

/**
 * The order of the test files of one mutant's run. StrykerJS runs a mutant's covering tests in one
 * thread and stops at the first failure (bail), so the order decides how long a detected mutant
 * costs. Vitest's own order runs the largest and slowest files first, which here are the
 * end-to-end activation suites (tampering alone takes 28 s), so a sealing mutant that a 10 ms
 * unit test kills was tested for minutes. This order runs the module's own unit tests first, then
 * the rest from the smallest file up (small files are the focused ones).
 */
class MutationSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const own = OWN_TESTS[process.env.STRYKER_MODULE ?? ''] ?? [];
    const key = (spec: TestSpecification): [number, number] => {
      const path = relative(spec.project.config.root, spec.moduleId).replaceAll('\\', '/');
      return [own.some((prefix) => path.startsWith(prefix)) ? 0 : 1, statSync(spec.moduleId).size];
    };
    const keyed = files.map((spec) => ({ spec, key: key(spec) }));
    keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1]);
    return keyed.map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/package/**',
      // End-to-end through the built package by name (dist/ is not mutated).
      'test/e2e/**',
      // The runtime matrix installs the packed tarball and runs other runtimes on dist/.
      'test/runtimes/**',
      'test/browser/**',
      // Installs Artillery and Node 22 from npm and runs the packed engine and library.
      'test/integrations/**',
      'test/examples/**',
      'test/fuzz/**',
      'test/security/hostile-*.test.ts',
      // Reads the source text, which Stryker's instrumentation changes.
      'test/security/constant-time-source.test.ts',
      'test/wire/layers.test.ts',
      // Real-time timers and sockets: 40 s and more per surviving mutant. The protocol under
      // faults is covered on virtual time by test/reliability/fault-matrix.test.ts.
      'test/transport/fault-injection.test.ts',
      // The benchmarks run the built package in child processes (and build it first).
      'test/bench/**',
      // The crypto modules' mutants sit under every activation: the toolkit, transcript, serve,
      // fleet and CLI suites (added since this list was written) only activate again, through
      // the same sealing and agreement the protocol tests already hold, at one or two mutants a
      // minute (docs/testing-strength.md, 3 December 2026).
      ...(process.env.STRYKER_MODULE?.startsWith('crypto') === true
        ? ['test/serve/**', 'test/fleet/**', 'test/cli/**', 'test/testing/**', 'test/transcript/**', 'test/docs/**']
        : []),
      // Servers on real sockets: only the relay router's mutants need them (STRYKER_MODULE).
      ...(process.env.STRYKER_MODULE === 'relay-router'
        ? []
        : ['test/node/**', 'test/transport/relay*.test.ts', 'test/transport/smtp-activation.test.ts', 'test/transport/mail.test.ts']),
    ],
    sequence: { sequencer: MutationSequencer },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
