/**
 * The package as a user installs it: `npm pack` of the built package, then `npm install
 * <tarball>` in an empty project in the system's temp folder, from the npm registry, with the npm
 * on PATH. Tests then run code in that project, by package name, in a separate process.
 *
 * Cached per tarball: the install sits in `<tmp>/enterprise-activation-consumer/<sha256 of the
 * tarball>/<variant>` and is made once, so every test file of a run (and a later run with an
 * unchanged package) shares it. Test files run in parallel workers, so the first one to get here
 * makes the install under a lock (a folder) while the others wait for it.
 *
 * Variants: `plain` is `npm install <tarball>` alone; `peers` adds the optional peers that
 * `enterprise-activation/node` needs (ws, nodemailer, smtp-server, mailparser) at the versions
 * this repository tests with; `vitest` adds vitest (the optional peer of
 * `enterprise-activation/testing/vitest`) at the version this repository tests with, `jest` the
 * Jest that goes with our `expect`; `vitest-oldest` and `jest-oldest` the oldest majors the peer
 * ranges admit ({@link OLDEST_RUNNERS}).
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-built.js';

export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The optional peer dependencies of `enterprise-activation/node`. */
export const OPTIONAL_PEERS = ['ws', 'nodemailer', 'smtp-server', 'mailparser'] as const;

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface Packed {
  /** The tarball, in the cache folder. */
  readonly tarball: string;
  /** SHA-256 of the tarball (hex). */
  readonly sha256: string;
  /** Its size in bytes (gzip). */
  readonly size: number;
  /** Bytes of the files it holds, unpacked. */
  readonly unpackedSize: number;
  /** Every file in it, as `npm pack --json` lists them (paths relative to the package root). */
  readonly files: readonly PackedFile[];
}

export interface ConsumerInstall {
  readonly packed: Packed;
  /** The consumer project: package.json and node_modules/. */
  readonly dir: string;
  /** Top-level package folders in node_modules (scoped ones as `@scope/name`). */
  readonly packages: readonly string[];
  /** Packages npm installed (`npm ls --all`), the consumer's own entry excluded. */
  readonly packageCount: number;
  /** Bytes of node_modules on disk (file sizes added up). */
  readonly nodeModulesBytes: number;
  /** What npm printed while installing. */
  readonly installLog: string;
  /** How long `npm install` took when the install was made (ms of wall time; a cached install keeps the first figure). */
  readonly installMs: number;
}

export type Variant = 'plain' | 'peers' | 'vitest' | 'jest' | 'vitest-oldest' | 'jest-oldest';

/**
 * The oldest majors of the test runners that package.json's peer ranges admit (`vitest ^3.2.0 ||
 * ^4.0.0`, `jest ^29.0.0 || ^30.0.0`): the toolkit's consumer tests run on these too, so that the
 * ranges promise only what was run.
 */
export const OLDEST_RUNNERS = { vitest: 'vitest@~3.2.0', jest: 'jest@^29.7.0' } as const;

export const CACHE = join(tmpdir(), 'enterprise-activation-consumer');

function run(command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', timeout: 300_000, ...options }) as string;
}

/** An environment for npm without the variables of the npm that runs vitest (`npm test`). */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS' || /^CBOR_/i.test(k) || /^VITEST/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function bytesUnder(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of readdirSync(path)) total += bytesUnder(join(path, name));
  return total;
}

function topLevelPackages(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const names: string[] = [];
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) for (const sub of readdirSync(join(nodeModules, name))) names.push(`${name}/${sub}`);
    else names.push(name);
  }
  return names.sort();
}

/** Waits for `done` to exist while another process holds `lock`; takes the lock when it is free or stale. */
function withLock<T>(lock: string, done: string, make: () => T, read: () => T): T {
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (existsSync(done)) return read();
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is making it. A lock whose owner is gone is stale.
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // not written yet, or the lock is gone already
      }
      let alive = true;
      if (Number.isInteger(owner)) {
        try {
          process.kill(owner, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      if (existsSync(done)) return read();
      return make();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Removes the installs of other tarballs not used for an hour (a changed package gets a new one). */
function pruneCache(): void {
  for (const name of existsSync(CACHE) ? readdirSync(CACHE) : []) {
    if (!/^[0-9a-f]{64}$/.test(name)) continue;
    const path = join(CACHE, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}

let packedHere: Packed | undefined;

/** Packs the built package (building it first if dist/ is stale); once per test file. */
export function pack(): Packed {
  if (packedHere) return packedHere;
  ensureBuilt();
  const staging = join(CACHE, `pack-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    const out = run(NPM, ['pack', '--json', '--pack-destination', staging], { cwd: root, env: cleanEnv() });
    const info = (JSON.parse(out) as Array<{ filename: string; size: number; unpackedSize: number; files: PackedFile[] }>)[0]!;
    const bytes = readFileSync(join(staging, info.filename));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dir = join(CACHE, sha256);
    if (!existsSync(dir)) pruneCache();
    mkdirSync(dir, { recursive: true });
    const tarball = join(dir, info.filename);
    if (!existsSync(tarball)) writeFileSync(tarball, bytes);
    packedHere = {
      tarball,
      sha256,
      size: info.size,
      unpackedSize: info.unpackedSize,
      files: info.files.map((f) => ({ path: f.path, size: f.size })).sort((a, b) => a.path.localeCompare(b.path)),
    };
    return packedHere;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** `name@range` of packages at the versions this repository tests with (its devDependencies). */
function devSpecs(names: readonly string[]): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  // Jest is not ours to run (the toolkit's Jest entry is tested with its `expect` package): the
  // consumer gets the Jest that `expect`'s version belongs to.
  return names.map((p) => `${p}@${pkg.devDependencies[p] ?? pkg.devDependencies.expect}`);
}

/** What each variant installs besides the tarball, as npm specs. */
function variantSpecs(variant: Variant): readonly string[] {
  switch (variant) {
    case 'plain':
      return [];
    case 'peers':
      return devSpecs(OPTIONAL_PEERS);
    case 'vitest':
    case 'jest':
      return devSpecs([variant]);
    case 'vitest-oldest':
      return [OLDEST_RUNNERS.vitest];
    case 'jest-oldest':
      return [OLDEST_RUNNERS.jest];
  }
}

/** The consumer project for the current package: installed once per tarball and variant. */
export function consumerInstall(variant: Variant = 'plain'): ConsumerInstall {
  const packed = pack();
  const dir = join(CACHE, packed.sha256, variant);
  const done = join(dir, '.installed.json');
  const read = (): ConsumerInstall => ({
    packed,
    dir,
    ...(JSON.parse(readFileSync(done, 'utf8')) as Omit<ConsumerInstall, 'packed' | 'dir'>),
  });
  return withLock(
    join(CACHE, packed.sha256, `${variant}.lock`),
    done,
    () => {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: `consumer-${variant}`, version: '1.0.0', private: true }, null, 2) + '\n',
      );
      const specs = [packed.tarball, ...variantSpecs(variant)];
      const started = performance.now();
      const installLog = run(NPM, ['install', '--no-audit', '--no-fund', '--loglevel=warn', ...specs], { cwd: dir, env: cleanEnv() });
      const installMs = Math.round(performance.now() - started);
      let listing: string;
      try {
        listing = run(NPM, ['ls', '--all', '--json'], { cwd: dir, env: cleanEnv() });
      } catch (err) {
        listing = (err as { stdout?: string }).stdout ?? '{}'; // npm ls exits 1 on any problem it reports; the tree is still printed
      }
      const tree = JSON.parse(listing) as { dependencies?: Record<string, unknown> };
      const count = new Set<string>();
      const visit = (deps: Record<string, unknown> | undefined): void => {
        for (const [name, node] of Object.entries(deps ?? {})) {
          const n = node as { version?: string; dependencies?: Record<string, unknown> };
          if (n.version === undefined) continue; // an optional dependency or peer that is not installed
          count.add(`${name}@${n.version}`);
          visit(n.dependencies);
        }
      };
      visit(tree.dependencies);
      const info = {
        packages: topLevelPackages(join(dir, 'node_modules')),
        packageCount: count.size,
        nodeModulesBytes: bytesUnder(join(dir, 'node_modules')),
        installLog,
        installMs,
      };
      writeFileSync(done, JSON.stringify(info, null, 2));
      return read();
    },
    read,
  );
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

/** Writes `source` as `name` in the consumer project and runs it with `command` (default: this Node). */
export function runInConsumer(consumer: ConsumerInstall, name: string, source: string, command: string[] = [process.execPath]): RunResult {
  const file = join(consumer.dir, name);
  writeFileSync(file, source);
  try {
    const stdout = execFileSync(command[0]!, [...command.slice(1), file], {
      cwd: consumer.dir,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 120_000,
      env: cleanEnv(),
    });
    return { stdout, stderr: '', status: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number | null };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), status: e.status ?? null };
  }
}

/** The last line of a script's output, parsed as JSON. */
export function lastJson<T = unknown>(result: RunResult): T {
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`no JSON result (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
