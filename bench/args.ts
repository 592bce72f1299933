/** The command line of `npm run bench`: what to print and how long to measure. */

export interface BenchArgs {
  /** Write the result as JSON to stdout instead of the table. */
  readonly json: boolean;
  /** Timed activations (and as many floor replays) per configuration, provider and round. */
  readonly iterations: number;
  /** Rounds; every figure is the median of its rounds. */
  readonly rounds: number;
  /** Untimed activations and replays per configuration and provider before the rounds (JIT, noble's lazy tables). */
  readonly warmup: number;
  /**
   * Handsets (and simulator accounts) per heap sample. A heap reading moves by some 100 to 250 KiB
   * between samples whatever N is, so that per item it is N that makes the figure steady: at 100
   * an idle handset read 4.0 to 6.6 KB across six samples of one process, at 400 4.05 to 4.18 KB
   * (docs/performance.md, "Heap figures").
   */
  readonly memoryCount: number;
}

export const DEFAULT_ARGS: BenchArgs = { json: false, iterations: 15, rounds: 3, warmup: 3, memoryCount: 400 };

export const USAGE = `usage: npm run bench -- [--json] [--iterations N] [--rounds N] [--warmup N] [--memory-count N]

  --json            the result as JSON on stdout (schema: docs/performance.md)
  --iterations N    timed activations per configuration, provider and round (default ${DEFAULT_ARGS.iterations})
  --rounds N        rounds; figures are medians over rounds (default ${DEFAULT_ARGS.rounds})
  --warmup N        untimed activations per configuration and provider first (default ${DEFAULT_ARGS.warmup})
  --memory-count N  handsets and accounts per heap sample (default ${DEFAULT_ARGS.memoryCount})`;

const NUMERIC = {
  '--iterations': ['iterations', 1],
  '--rounds': ['rounds', 1],
  '--warmup': ['warmup', 0],
  '--memory-count': ['memoryCount', 1],
} as const;

/** The options in `argv`; throws an Error with the usage for anything it does not know. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: { -readonly [K in keyof BenchArgs]: BenchArgs[K] } = { ...DEFAULT_ARGS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      args.json = true;
      continue;
    }
    const numeric = NUMERIC[arg as keyof typeof NUMERIC];
    if (numeric === undefined) throw new Error(`unknown option ${arg}\n${USAGE}`);
    const [field, least] = numeric;
    const value = Number(argv[++i]);
    if (!Number.isSafeInteger(value) || value < least) throw new Error(`${arg} needs an integer of at least ${least}\n${USAGE}`);
    args[field] = value;
  }
  return args;
}
