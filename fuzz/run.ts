/**
 * Long-running fuzzing of the decoders and the state machines, with the same properties as the CI
 * tests (test/fuzz/properties.ts).
 *
 *   npx tsx fuzz/run.ts [--runs 1000000] [--seed N] [--only text] [--batch 20000]
 *
 * `--runs` is the total over all properties (default 1,000,000), shared in proportion to their
 * weights; the state-machine properties get a tenth of the budget (each of their runs is a whole
 * sequence). Each property runs in batches; every batch has its own seed derived from `--seed`
 * (default: time-based, printed), so a failure is reproducible from the printed seed and path.
 * Exits with status 1 on the first failure, after printing the counterexample.
 */
import fc from 'fast-check';
import {
  type NamedProperty,
  UnexpectedOutcome,
  decoderProperties,
  getCorpus,
  newStats,
  planRuns,
  seedFor,
  stateMachineProperties,
} from '../test/fuzz/properties.js';

interface Options {
  runs: number;
  seed: number;
  only: string | undefined;
  batch: number;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { runs: 1_000_000, seed: Date.now() % 2 ** 31, only: undefined, batch: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--runs':
        options.runs = Number(value().replace(/_/g, ''));
        break;
      case '--seed':
        options.seed = Number(value());
        break;
      case '--only':
        options.only = value();
        break;
      case '--batch':
        options.batch = Number(value());
        break;
      case '--help':
      case '-h':
        console.log('usage: npx tsx fuzz/run.ts [--runs 1000000] [--seed N] [--only text] [--batch 20000]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!Number.isSafeInteger(options.runs) || options.runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isSafeInteger(options.seed)) throw new Error('--seed must be an integer');
  if (!Number.isSafeInteger(options.batch) || options.batch < 1) throw new Error('--batch must be a positive integer');
  return options;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const corpus = getCorpus();
  const stats = newStats();
  const filter = (props: NamedProperty[]) =>
    options.only ? props.filter((p) => p.name.toLowerCase().includes(options.only!.toLowerCase())) : props;
  const decoders = filter(decoderProperties(corpus, stats));
  const machines = filter(stateMachineProperties(corpus, stats));
  if (decoders.length + machines.length === 0) throw new Error(`no property matches --only ${options.only}`);
  const machineBudget = machines.length === 0 ? 0 : decoders.length === 0 ? options.runs : Math.round(options.runs / 10);
  const plan: { property: NamedProperty; runs: number }[] = [
    ...planRuns(decoders, options.runs - machineBudget, 1).map((runs, i) => ({ property: decoders[i]!, runs })),
    ...planRuns(machines, machineBudget, 1).map((runs, i) => ({ property: machines[i]!, runs })),
  ];
  const total = plan.reduce((s, p) => s + p.runs, 0);
  console.log(`fuzz: ${plan.length} properties, ${formatCount(total)} runs, seed ${options.seed}`);

  let done = 0;
  for (const [index, { property, runs }] of plan.entries()) {
    const t0 = Date.now();
    for (let batch = 0, left = runs; left > 0; batch++) {
      const numRuns = Math.min(left, options.batch);
      const seed = seedFor(`${property.name}#${batch}`, options.seed);
      const details = fc.check(property.property, { numRuns, seed });
      if (details.failed) {
        console.log(`\nFAILED: ${property.name} (batch ${batch}, seed ${seed})`);
        console.log(fc.defaultReportMessage(details));
        const error = details.errorInstance;
        if (error instanceof UnexpectedOutcome && error.original instanceof Error && error.original.stack) {
          console.log(`\noriginal error:\n${error.original.stack}`);
        }
        console.log(
          `\nreproduce: npx tsx fuzz/run.ts --only "${property.name}" --seed ${options.seed} --runs ${runs} --batch ${options.batch}`,
        );
        console.log(
          `fuzz: FAILED after ${formatCount(done + details.numRuns)} runs, seed ${options.seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        process.exit(1);
      }
      left -= numRuns;
      done += numRuns;
    }
    const seconds = (Date.now() - t0) / 1000;
    console.log(
      `[${String(index + 1).padStart(String(plan.length).length)}/${plan.length}] ${property.name}: ${formatCount(runs)} runs ok in ${seconds.toFixed(1)} s  (total ${formatCount(done)}/${formatCount(total)})`,
    );
  }
  const codes = Object.entries(stats.codes)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `fuzz: OK ${formatCount(done)} runs in ${plan.length} properties, seed ${options.seed}, ${seconds} s; outcomes: returned ${formatCount(stats.ok)}${codes ? `, ${codes}` : ''}; fuzzer-side skips ${formatCount(stats.skipped)}; 0 failures`,
  );
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
