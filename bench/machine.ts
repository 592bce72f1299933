/** What machine a run was on: figures from a noisy 2-core box and a quiet workstation are not comparable. */
import os from 'node:os';

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryBytes: number;
  /** 1, 5 and 15 minute load averages at the start: above `cpus`, others were running too. */
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** ISO 8601, UTC. */
  readonly date: string;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    date: new Date().toISOString(),
  };
}
