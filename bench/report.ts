/** The benchmark's result as the readable table `npm run bench` prints. */
import type { Goal } from './goals.js';
import type { BenchResult } from './result.js';
import type { Summary } from './stats.js';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Text columns (the first) left-aligned, figures right-aligned.
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const ms = (s: Summary) => `${s.median.toFixed(2)} ms`;
const ratio = (s: Summary) => `${s.median.toFixed(2)}x`;
const spread = (s: Summary) => `${(s.spread * 100).toFixed(0)}%`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function measured(g: Goal): string {
  if (g.measured === null) return 'not measured';
  return g.unit === 'x' ? `${g.measured.toFixed(2)}x` : `${g.measured} B`;
}

export function formatReport(result: BenchResult): string {
  const { machine, settings, configurations, memory, goals } = result;
  const out: string[] = [];
  out.push(
    `enterprise-activation benchmark, ${machine.date}`,
    `${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAverage.join(' ')}, Node ${machine.node}, ${machine.platform} ${machine.arch}`,
    `${settings.iterations} activations x ${settings.rounds} rounds per configuration and provider, ${settings.warmup} to warm up;`,
    'figures are medians over rounds, spread = (largest - smallest) / median (docs/performance.md).',
    '',
    'Activation and its crypto floor (replay of the provider calls the activation made)',
    table(
      ['configuration', 'provider', 'activation', 'floor', 'ratio', 'spread'],
      configurations.flatMap((c) =>
        c.providers.map((p) => [c.label, p.provider, ms(p.activationMs), ms(p.floorMs), ratio(p.ratio), spread(p.ratio)]),
      ),
    ),
  );
  const fair = configurations.flatMap((c) =>
    c.providers.flatMap((p) =>
      p.fairness === null
        ? []
        : [[c.label, p.provider, ms(p.fairness.insideMs), ms(p.fairness.replayedMs), ratio(p.fairness.ratio), spread(p.fairness.ratio)]],
    ),
  );
  out.push(
    '',
    'Is the replay a fair floor? Time inside the provider calls during an activation against the same calls replayed',
    table(['configuration', 'provider', 'inside', 'replayed', 'ratio', 'spread'], fair),
  );
  const speedups = configurations.flatMap((c) => c.nativeSpeedup.map((s) => [c.label, s.provider, ratio(s.ratio), spread(s.ratio)]));
  out.push('', 'Native versus noble (noble activation time / native)');
  out.push(
    speedups.length === 0
      ? '(no native provider in bench/providers.ts)'
      : table(['configuration', 'provider', 'faster', 'spread'], speedups),
  );

  const first = configurations.map((c) => c.providers[0]!);
  const operations = [...new Set(first.flatMap((p) => Object.keys(p.operations)))].sort();
  out.push(
    '',
    `Provider calls per activation, both sides (${first[0]?.provider ?? ''})`,
    table(
      ['call', ...configurations.map((c) => c.id)],
      operations.map((op) => [op, ...first.map((p) => String(p.operations[op] ?? 0))]),
    ),
    '',
    'Bytes on the wire per activation (frames counted at the memory transport)',
    table(
      ['configuration', 'handset -> server', 'server -> handset', 'total'],
      configurations.map((c) => [
        c.label,
        `${c.wire.handsetToServer.bytes} B in ${c.wire.handsetToServer.frames}`,
        `${c.wire.serverToHandset.bytes} B in ${c.wire.serverToHandset.frames}`,
        `${c.wire.totalBytes} B`,
      ]),
    ),
    '',
    `Heap (${memory.count} per sample, ${memory.configuration}, ${memory.provider}; a child process with --expose-gc)`,
    table(
      ['what', 'heap'],
      [
        ['idle activated handset, no organizer records', kib(memory.handsetBytes)],
        [`idle activated handset, ${memory.recordsPerHandset} organizer records`, kib(memory.handsetWithRecordsBytes)],
        ['per organizer record on the handset', `${memory.recordBytes} B`],
        ['activated simulator account, default data', kib(memory.simulatorAccountBytes)],
        ['activated simulator account, no organizer data', kib(memory.simulatorAccountNoRecordsBytes)],
      ],
    ),
    '',
    'Goals (issue 14)',
    table(
      ['goal', 'measured', 'target', 'met'],
      goals.map((g) => [
        g.description,
        measured(g),
        `${g.comparison} ${g.unit === 'x' ? `${g.target}x` : `${g.target} B`}`,
        g.met ? 'met' : g.measured === null ? 'not met (not measured)' : 'NOT MET',
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}
