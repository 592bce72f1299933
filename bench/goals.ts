/**
 * Issue 14's goals, each as a measured figure against its target. A goal that cannot be measured
 * yet (no native provider in bench/providers.ts) is listed with `measured: null` and a note, so
 * that a tool reading the JSON sees it missing rather than not asked for.
 */
import type { MemoryFigures } from './memory.js';
import type { Summary } from './stats.js';

export interface Goal {
  /** Stable id, e.g. `floor-ratio.x25519-aes256.noble`. */
  readonly id: string;
  readonly description: string;
  /** The figure (a median over rounds for ratios), or null when it could not be measured. */
  readonly measured: number | null;
  /** `x` for ratios, `bytes` for heap. */
  readonly unit: 'x' | 'bytes';
  readonly comparison: '<=' | '>=';
  readonly target: number;
  readonly met: boolean;
  readonly note?: string;
}

/** What the goals are computed from. */
export interface GoalInputs {
  /** Activation / floor per configuration id and provider name. */
  readonly floorRatios: readonly { configuration: string; label: string; provider: string; ratio: Summary }[];
  /** Noble / native activation time per configuration id and native provider. */
  readonly nativeSpeedups: readonly { configuration: string; label: string; provider: string; ratio: Summary }[];
  readonly memory: MemoryFigures;
}

/** issue 14: each configuration within 1.25x of its floor. */
export const FLOOR_RATIO_TARGET = 1.25;
/** issue 14: native at least this much faster than noble, by configuration id. */
export const NATIVE_SPEEDUP_TARGETS: Readonly<Record<string, number>> = { 'x25519-aes256': 1.8, 'x25519-tdes': 2.5 };
/** issue 14: "<= 5 KB of protocol state" per idle handset (KB = 1000 bytes). */
export const HANDSET_BYTES_TARGET = 5000;
/** issue 14: "<= 16 KB" per activated simulator account. */
export const ACCOUNT_BYTES_TARGET = 16000;

function goal(g: Omit<Goal, 'met'>): Goal {
  const met = g.measured !== null && (g.comparison === '<=' ? g.measured <= g.target : g.measured >= g.target);
  return { ...g, met };
}

export function evaluateGoals(inputs: GoalInputs, labels: Readonly<Record<string, string>>): Goal[] {
  const goals: Goal[] = inputs.floorRatios.map((r) =>
    goal({
      id: `floor-ratio.${r.configuration}.${r.provider}`,
      description: `${r.label} on ${r.provider}: activation / crypto floor`,
      measured: r.ratio.median,
      unit: 'x',
      comparison: '<=',
      target: FLOOR_RATIO_TARGET,
    }),
  );
  for (const [configuration, target] of Object.entries(NATIVE_SPEEDUP_TARGETS)) {
    const label = labels[configuration] ?? configuration;
    const measured = inputs.nativeSpeedups.filter((s) => s.configuration === configuration);
    if (measured.length === 0) {
      goals.push(
        goal({
          id: `native-speedup.${configuration}`,
          description: `${label}: native provider / noble, activation speed`,
          measured: null,
          unit: 'x',
          comparison: '>=',
          target,
          note: 'no native provider in bench/providers.ts',
        }),
      );
    }
    for (const s of measured) {
      goals.push(
        goal({
          id: `native-speedup.${configuration}.${s.provider}`,
          description: `${label}: ${s.provider} / noble, activation speed`,
          measured: s.ratio.median,
          unit: 'x',
          comparison: '>=',
          target,
        }),
      );
    }
  }
  goals.push(
    goal({
      id: 'heap.handset',
      description: 'heap per idle activated handset, protocol state (no organizer records)',
      measured: Math.round(inputs.memory.withoutData.handsetBytes),
      unit: 'bytes',
      comparison: '<=',
      target: HANDSET_BYTES_TARGET,
    }),
    goal({
      id: 'heap.simulator-account',
      description: 'heap per activated simulator account (default organizer data)',
      measured: Math.round(inputs.memory.withData.accountBytes),
      unit: 'bytes',
      comparison: '<=',
      target: ACCOUNT_BYTES_TARGET,
    }),
  );
  return goals;
}
