/**
 * `npm run bench`: each configuration's activation time against its crypto floor, native versus
 * noble, heap per handset and per simulator account, bytes on the wire, and issue 14's goals, in
 * one run. `-- --json` writes the same as JSON on stdout (docs/performance.md has the schema and
 * how to read the figures); `--iterations N` and `--rounds N` for quick runs. The micro
 * benchmarks (CPace, sealing, decoding, snapshots) are `npx tsx bench/micro.ts`.
 */
import { parseArgs, USAGE } from './args.js';
import { runBenchmark } from './measure.js';
import { formatReport } from './report.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
} else {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const result = await runBenchmark(args, (message) => process.stderr.write(`bench: ${message}\n`));
  process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
}
