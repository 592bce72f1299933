/**
 * Heap per idle handset, per organizer record and per simulator account: bench/memory-child.ts in
 * a child process with `--expose-gc`, so that it can collect before each reading and the timing
 * part's garbage is not in its figures.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HeapSample } from './memory-child.js';

export interface MemoryFigures {
  /** Handsets (and accounts) per sample. */
  readonly count: number;
  readonly withData: HeapSample;
  readonly withoutData: HeapSample;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function measureMemory(count: number): Promise<MemoryFigures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/memory-child.ts', String(count)],
    {
      cwd: ROOT,
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout) as MemoryFigures;
}
