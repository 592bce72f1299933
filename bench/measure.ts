/**
 * The whole benchmark in one run: every configuration on every provider (warmed up, then rounds
 * in which they take turns activation by activation, starting with another each round, so that
 * slow moments of a shared machine fall on all alike), the native speed-ups from the same rounds,
 * then the heap in a child process, then the goals.
 */
import type { BenchArgs } from './args.js';
import { CONFIGURATIONS } from './configurations.js';
import { type Cell, type CellSample, type Fairness, measureFairness, measureRound, prepareCell, recheckCell } from './floor.js';
import { evaluateGoals } from './goals.js';
import { machineFacts } from './machine.js';
import { measureMemory } from './memory.js';
import { BASELINE_PROVIDER, PROVIDERS } from './providers.js';
import { RESULT_SCHEMA, type BenchResult, type ConfigurationResult, type MemoryResult } from './result.js';
import { summarize } from './stats.js';

/** Says what is being measured (stderr in the CLI, so that --json's stdout stays JSON). */
export type Progress = (message: string) => void;

export async function runBenchmark(args: BenchArgs, progress: Progress = () => {}): Promise<BenchResult> {
  const machine = machineFacts();
  const cells: Cell[] = [];
  for (const configuration of CONFIGURATIONS) {
    for (const provider of PROVIDERS) {
      progress(`recording ${configuration.id} on ${provider.name}`);
      cells.push(await prepareCell(configuration, provider));
    }
  }
  if (args.warmup > 0) {
    progress(`warming up: ${args.warmup} activations of each`);
    await measureRound(cells, args.warmup);
  }
  const samples = cells.map((): CellSample[] => []);
  const fairSamples = cells.map((): Fairness[] => []);
  for (let round = 0; round < args.rounds; round++) {
    progress(`round ${round + 1} of ${args.rounds}`);
    const results = await measureRound(cells, args.iterations, round);
    results.forEach((r, i) => samples[i]!.push(r));
    // The fair-floor check, in every round too, so that its figures are medians of rounds as well.
    const fair = await measureFairness(cells, args.iterations);
    fair.forEach((f, i) => {
      if (f !== undefined) fairSamples[i]!.push(f);
    });
  }
  for (const cell of cells) await recheckCell(cell);

  const configurations: ConfigurationResult[] = CONFIGURATIONS.map((configuration) => {
    const mine = cells
      .map((cell, i) => ({ cell, rounds: samples[i]!, fair: fairSamples[i]! }))
      .filter(({ cell }) => cell.configuration === configuration);
    const baseline = mine.find(({ cell }) => cell.provider.name === BASELINE_PROVIDER);
    const wire = (baseline ?? mine[0]!).cell.wire;
    return {
      id: configuration.id,
      label: configuration.label,
      suite: configuration.suite,
      cipher: configuration.cipher,
      wire: { ...wire, totalBytes: wire.handsetToServer.bytes + wire.serverToHandset.bytes },
      providers: mine.map(({ cell, rounds, fair }) => ({
        provider: cell.provider.name,
        native: cell.provider.native,
        activationMs: summarize(rounds.map((r) => r.activationMs)),
        floorMs: summarize(rounds.map((r) => r.floorMs)),
        ratio: summarize(rounds.map((r) => r.activationMs / r.floorMs)),
        operations: cell.operations,
        fairness:
          fair.length === 0
            ? null
            : {
                insideMs: summarize(fair.map((f) => f.insideMs)),
                replayedMs: summarize(fair.map((f) => f.replayedMs)),
                ratio: summarize(fair.map((f) => f.insideMs / f.replayedMs)),
              },
      })),
      nativeSpeedup:
        baseline === undefined
          ? []
          : mine
              .filter(({ cell }) => cell.provider.native)
              .map(({ cell, rounds }) => ({
                provider: cell.provider.name,
                ratio: summarize(rounds.map((r, round) => baseline.rounds[round]!.activationMs / r.activationMs)),
              })),
    };
  });

  progress(`heap: ${args.memoryCount} handsets and accounts per sample, in a child process`);
  const figures = await measureMemory(args.memoryCount);
  const { withData, withoutData } = figures;
  const memory: MemoryResult = {
    configuration: CONFIGURATIONS[0]!.id,
    provider: PROVIDERS[0]!.name,
    count: figures.count,
    handsetBytes: Math.round(withoutData.handsetBytes),
    handsetWithRecordsBytes: Math.round(withData.handsetBytes),
    recordsPerHandset: withData.records,
    recordBytes: withData.records === 0 ? 0 : Math.round((withData.handsetBytes - withoutData.handsetBytes) / withData.records),
    simulatorAccountBytes: Math.round(withData.accountBytes),
    simulatorAccountNoRecordsBytes: Math.round(withoutData.accountBytes),
  };

  const withGoals = new Set(PROVIDERS.filter((p) => p.goals).map((p) => p.name));
  const goals = evaluateGoals(
    {
      // The floor ratio is a goal for noble only: a native floor is so short that the protocol's
      // own work in JavaScript outweighs it (docs/performance.md, "Which figures are goals").
      floorRatios: configurations.flatMap((c) =>
        c.providers
          .filter((p) => p.provider === BASELINE_PROVIDER)
          .map((p) => ({ configuration: c.id, label: c.label, provider: p.provider, ratio: p.ratio })),
      ),
      nativeSpeedups: configurations.flatMap((c) =>
        c.nativeSpeedup
          .filter((s) => withGoals.has(s.provider))
          .map((s) => ({ configuration: c.id, label: c.label, provider: s.provider, ratio: s.ratio })),
      ),
      memory: figures,
    },
    Object.fromEntries(CONFIGURATIONS.map((c) => [c.id, c.label])),
  );
  const { json: _json, ...settings } = args;
  return { schema: RESULT_SCHEMA, machine, settings, configurations, memory, goals };
}
