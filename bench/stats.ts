/**
 * Summaries of repeated measurements. On a shared, noisy machine one sample says little, so every
 * figure is the median of its rounds, with the smallest and largest beside it.
 */

/** A figure measured once per round: its median, its extremes, and their distance relative to the median. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median: 0.1 means the rounds spread over 10% of the median. */
  readonly spread: number;
  /** The rounds' values, in the order measured. */
  readonly samples: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  const m = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { median: m, min, max, spread: m === 0 ? 0 : (max - min) / m, samples: [...samples] };
}
