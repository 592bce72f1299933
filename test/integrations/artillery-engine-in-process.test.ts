/**
 * The Artillery engine (integrations/artillery-engine-enterprise-activation) without Artillery:
 * its own logic, on this Node, as Artillery drives it (a constructor per worker, `createScenario`,
 * a callback per virtual user, metrics as events). The Artillery run itself is
 * artillery-engine.test.ts (Node 22 and Artillery from npm); this file checks what that run cannot
 * reach cheaply: every config refusal, the worker's device slots, each flow step, and the metrics
 * of an activation that completes, fails, or cannot reach its target.
 *
 * The engine `require`s `enterprise-activation/node` by name, so it runs from a folder whose
 * node_modules holds the engine (a copy) and the library (a link to this package: its built CJS
 * output, what the engine gets from npm), against a `serve` started in this process.
 */
import { EventEmitter } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_PHASES, startBesServer, type BesServer } from 'enterprise-activation/node';
import { fleetUsers } from 'enterprise-activation/simulator';
import { ENGINE_DIR } from './artillery.js';
import { ensureBuilt, root } from '../package/ensure-built.js';

const SEED = 'engine-in-process';
const NAME = 'enterprise-activation';

interface Step {
  (context: Context, callback: (err: Error | null, context: Context) => void): void;
}
interface Context {
  vars: Record<string, unknown>;
}
interface Engine {
  createScenario(spec: Record<string, unknown>, ee: EventEmitter): Step;
}
type EngineClass = new (script: Record<string, unknown>, ee: EventEmitter, helpers: Record<string, unknown>) => Engine;

let folder: string;
let Engine: EngineClass;
let server: BesServer;

beforeAll(async () => {
  ensureBuilt();
  folder = mkdtempSync(join(tmpdir(), 'ea-engine-'));
  const modules = join(folder, 'node_modules');
  const engineDir = join(modules, 'artillery-engine-enterprise-activation');
  mkdirSync(engineDir, { recursive: true });
  for (const file of ['index.js', 'package.json']) copyFileSync(join(ENGINE_DIR, file), join(engineDir, file));
  symlinkSync(root, join(modules, 'enterprise-activation'), 'dir');
  Engine = createRequire(join(folder, 'index.js'))('artillery-engine-enterprise-activation') as EngineClass;
  server = await startBesServer({ users: fleetUsers({ seed: SEED, count: 12 }) });
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Artillery's helpers, as far as the engine uses them: `think` waits, `log` templates. */
const helpers = {
  createThink: (step: { think: number }) => (context: Context, callback: (err: Error | null, c: Context) => void) =>
    setTimeout(() => callback(null, context), step.think),
  template: (text: string, context: Context) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(context.vars[name])),
};

function script(engine: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { config: { target: server.url, engines: { [NAME]: engine }, ...extra } };
}

/** Every event the engine emitted, in order. */
function recorder(): { ee: EventEmitter; events: [string, ...unknown[]][] } {
  const ee = new EventEmitter();
  const events: [string, ...unknown[]][] = [];
  for (const name of ['started', 'histogram', 'counter', 'error']) ee.on(name, (...args: unknown[]) => events.push([name, ...args]));
  return { ee, events };
}

/** Runs one virtual user of `spec` and settles with its error (or null) and context. */
function runUser(engine: Engine, spec: Record<string, unknown>, ee: EventEmitter): Promise<{ err: Error | null; context: Context }> {
  const scenario = engine.createScenario(spec, ee);
  return new Promise((resolve) => scenario({ vars: {} }, (err, context) => resolve({ err, context })));
}

describe('the engine refuses a config it cannot run, naming the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no target', { config: { engines: { [NAME]: { seed: SEED } } } }, /config\.target must be the serve's http\(s\) URL/],
    ['a target that is not http(s)', { config: { target: 'ws://127.0.0.1:1', engines: { [NAME]: { seed: SEED } } } }, /config\.target/],
    ['a target without a host', { config: { target: 'http://', engines: { [NAME]: { seed: SEED } } } }, /config\.target/],
    ['a target that does not parse', { config: { target: 'http://exa mple', engines: { [NAME]: { seed: SEED } } } }, /config\.target/],
    ['no seed', { config: { target: 'http://127.0.0.1:1' } }, /\.seed must be the serve's --seed/],
    ['an empty seed', { config: { target: 'http://127.0.0.1:1', engines: { [NAME]: { seed: '' } } } }, /\.seed/],
    [
      'first 0',
      { config: { target: 'http://127.0.0.1:1', engines: { [NAME]: { seed: SEED, first: 0 } } } },
      /\.first must be a whole number/,
    ],
    ['first 1.5', { config: { target: 'http://127.0.0.1:1', engines: { [NAME]: { seed: SEED, first: 1.5 } } } }, /\.first/],
    [
      'an unknown mode',
      { config: { target: 'http://127.0.0.1:1', engines: { [NAME]: { seed: SEED, mode: 'tcp' } } } },
      /\.mode must be 'websocket' or 'poll'/,
    ],
    [
      'an unknown crypto',
      { config: { target: 'http://127.0.0.1:1', engines: { [NAME]: { seed: SEED, crypto: 'wasm' } } } },
      /\.crypto must be 'noble' or 'node'/,
    ],
    [
      'a domain that is not text',
      { config: { target: 'http://127.0.0.1:1', engines: { [NAME]: { seed: SEED, domain: 7 } } } },
      /\.domain must be a string/,
    ],
  ];
  it.each(cases)('%s', (_, bad, message) => {
    expect(() => new Engine(bad, new EventEmitter(), helpers)).toThrow(message);
    expect(() => new Engine(bad, new EventEmitter(), helpers)).toThrow(/^artillery-engine-enterprise-activation: /);
  });

  it('refuses an unknown flow step when the scenario is compiled, not when a user runs it', () => {
    const engine = new Engine(script({ seed: SEED }), new EventEmitter(), helpers);
    expect(() => engine.createScenario({ flow: [{ get: { url: '/' } }] }, new EventEmitter())).toThrow(/unknown step \["get"\]/);
  });
});

describe('activations through the engine, against a serve in this process', () => {
  it('activates the devices of its worker slot, one per activate step, with every phase as a histogram', async () => {
    // Worker 2 of 3 takes devices 1, 4, 7, ... (first 1: user00002, user00005, ...).
    const engine = new Engine(
      script({ seed: SEED, mode: 'poll' }, { phases: [{ duration: 1, arrivalCount: 1, worker: 2, totalWorkers: 3 }] }),
      new EventEmitter(),
      helpers,
    );
    const { ee, events } = recorder();
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => void logged.push(line);
    let outcome: { err: Error | null; context: Context };
    try {
      outcome = await runUser(engine, { flow: [{ activate: {} }, { log: 'device {{ device }}' }, { think: 0.001 }, { activate: {} }] }, ee);
    } finally {
      console.log = log;
    }
    expect(outcome.err).toBeNull();
    expect(outcome.context.vars.device).toBe(4);
    expect(logged).toEqual(['device 1']);
    expect(events[0]).toEqual(['started']);
    const histograms = events.filter(([name]) => name === 'histogram');
    expect(histograms.map(([, metric]) => metric)).toEqual(
      [...FLEET_PHASES, ...FLEET_PHASES].map((phase) => `enterprise_activation.phase.${phase}`),
    );
    for (const [, , ms] of histograms) expect(ms).toBeGreaterThanOrEqual(0);
    expect(events.filter(([name]) => name === 'counter')).toEqual([
      ['counter', 'enterprise_activation.activations.ok', 1],
      ['counter', 'enterprise_activation.activations.ok', 1],
    ]);
    expect(server.accountStatus('user00002@example.com')).toBe('Activated');
    expect(server.accountStatus('user00005@example.com')).toBe('Activated');
    expect(server.accountStatus('user00001@example.com')).not.toBe('Activated');
  }, 60_000);

  it('without a flow, one activation; without worker phases, the devices from first on', async () => {
    const engine = new Engine(script({ seed: SEED, first: 9 }), new EventEmitter(), helpers);
    const { ee, events } = recorder();
    const { err, context } = await runUser(engine, {}, ee);
    expect(err).toBeNull();
    expect(context.vars.device).toBe(8);
    expect(events.filter(([name]) => name === 'counter')).toEqual([['counter', 'enterprise_activation.activations.ok', 1]]);
    expect(server.accountStatus('user00009@example.com')).toBe('Activated');
  }, 60_000);

  it('a wrong seed fails the virtual user with the error code as an Artillery error, and no histogram', async () => {
    const engine = new Engine(script({ seed: 'another seed', first: 11 }), new EventEmitter(), helpers);
    const { ee, events } = recorder();
    const { err } = await runUser(engine, { flow: [{ activate: {} }, { log: 'never' }] }, ee);
    expect(err?.message).toMatch(/^WRONG_PASSWORD: device 10 \(user00011@example\.com\)$/);
    expect(events.slice(1)).toEqual([
      ['counter', 'enterprise_activation.activations.failed', 1],
      ['error', 'WRONG_PASSWORD'],
    ]);
  }, 60_000);

  it('a target where nothing answers fails each virtual user at once with TRANSPORT_ERROR, not after the retries', async () => {
    const gone = await startBesServer({ users: fleetUsers({ seed: SEED, count: 1 }) });
    await gone.close();
    const engine = new Engine({ config: { target: gone.url, engines: { [NAME]: { seed: SEED } } } }, new EventEmitter(), helpers);
    for (let user = 0; user < 2; user++) {
      const { ee, events } = recorder();
      const { err } = await runUser(engine, {}, ee);
      expect((err as Error & { code?: string }).code).toBe('TRANSPORT_ERROR');
      expect(err?.message).toContain(`nothing answers at ${gone.url}/v1/health`);
      expect(events.slice(1)).toEqual([
        ['counter', 'enterprise_activation.activations.failed', 1],
        ['error', 'TRANSPORT_ERROR'],
      ]);
    }
  });

  it('an activation that rejects (here: the library finds no WebSocket) fails the virtual user with its code', async () => {
    const engine = new Engine(script({ seed: SEED }), new EventEmitter(), helpers);
    const refusal = Object.assign(new Error('no WebSocket on this runtime'), { code: 'UNSUPPORTED' });
    // The engine's own copy of the library, with one function replaced (the module stays as it is).
    const held = engine as unknown as { library: Record<string, unknown> };
    held.library = { ...held.library, activateFleetDevice: () => Promise.reject(refusal) };
    const { ee, events } = recorder();
    const { err } = await runUser(engine, {}, ee);
    expect(err).toBe(refusal);
    expect(events.slice(1)).toEqual([
      ['counter', 'enterprise_activation.activations.failed', 1],
      ['error', 'UNSUPPORTED'],
    ]);
  });
});
