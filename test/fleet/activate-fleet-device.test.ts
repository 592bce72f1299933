/**
 * `activateFleetDevice` of `enterprise-activation/node` (src/fleet/activate-fleet-device.ts, loaded
 * lazily by src/serve/load.ts): one fleet device against a `startBesServer` on loopback, the
 * contract the Artillery engine (integrations/artillery-engine-enterprise-activation) relies on.
 * A device whose account the server has completes with every phase timed (once: an activation
 * password is single use); a wrong seed gives `WRONG_PASSWORD`; bad options reject. Then the same by package name from the build (ESM and
 * CommonJS, in a separate Node process), as the engine `require()`s it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateFleetDevice, fleetDevices, FLEET_PHASES, startBesServer, type BesServer } from '../../src/node/index.js';
import { fleetUsers } from '../../src/simulator/fleet-users.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { ensureBuilt, root } from '../package/ensure-built.js';

const SEED = 'activate-fleet-device-test';
let server: BesServer;

beforeAll(async () => {
  server = await startBesServer({ users: fleetUsers({ count: 6, seed: SEED }), port: 0 });
});
afterAll(async () => {
  await server?.close();
});

describe('activateFleetDevice against a startBesServer', () => {
  const device = fleetDevices({ seed: SEED });

  it.each(['websocket', 'poll'] as const)('activates a device over %s and times every phase', async (mode) => {
    const result = await activateFleetDevice(device(mode === 'websocket' ? 0 : 1), { url: server.url, mode });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    for (const phase of FLEET_PHASES) expect(result.phases[phase], phase).toBeGreaterThan(0);
    const sum = FLEET_PHASES.slice(0, 4).reduce((s, p) => s + (result.phases[p] ?? 0), 0);
    expect(Math.abs(sum - (result.phases.total ?? 0))).toBeLessThan(1);
  });

  it("with node:crypto, and the server's summary counts each activation", async () => {
    const before = server.summary().activations.complete;
    expect(await activateFleetDevice(device(2), { url: server.url, crypto: 'node' })).toMatchObject({ ok: true });
    expect(server.summary().activations.complete).toBe(before + 1);
  });

  it('resolves with the error code when the activation fails: another seed, another password', async () => {
    const other = fleetDevices({ seed: 'not-the-server-seed' })(3);
    expect(await activateFleetDevice(other, { url: server.url })).toEqual({ ok: false, code: 'WRONG_PASSWORD' });
  });

  it('rejects bad options with INVALID_ARGUMENT, naming the field', async () => {
    const cases: Array<[unknown, unknown, string]> = [
      [device(0), { url: 'ftp://x' }, 'url'],
      [device(0), { url: server.url, mode: 'smtp' }, 'mode'],
      [device(0), { url: server.url, crypto: 'openssl' }, 'crypto'],
      [{ pin: 1 }, { url: server.url }, 'device'],
      [device(0), undefined, 'options'],
    ];
    for (const [d, o, field] of cases) {
      const err: unknown = await activateFleetDevice(d as never, o as never).catch((e: unknown) => e);
      expect(isActivationError(err) && err.code, field).toBe('INVALID_ARGUMENT');
      expect((err as { cause?: { field?: string } }).cause?.field).toBe(field);
    }
    const mode: unknown = await activateFleetDevice(device(0), { url: server.url, mode: 'smtp' as never }).catch((e: unknown) => e);
    expect(mode).toMatchObject({
      message: "mode must be 'websocket' or 'poll'",
      cause: { operation: 'activateFleetDevice', field: 'mode' },
    });
  });
});

describe('activateFleetDevice from the built package, by name', () => {
  beforeAll(() => {
    ensureBuilt();
  }, 300_000);

  // An activation password is single use (docs/server.md): each run activates an account of its own.
  const script = (load: string, index: number) => `${load}
    const device = node.fleetDevices({ seed: ${JSON.stringify(SEED)} })(${index});
    node.activateFleetDevice(device, { url: process.argv[1] }).then((r) => console.log(JSON.stringify({ ok: r.ok, phases: r.ok ? Object.keys(r.phases) : r.code })), (e) => { console.error(e); process.exit(1); });`;

  it.each([
    ['ESM', '--input-type=module', "const node = await import('enterprise-activation/node');", 4],
    ['CommonJS', '--input-type=commonjs', "const node = require('enterprise-activation/node');", 5],
  ])('%s', async (_name, inputType, load, index) => {
    // Not execFileSync: the server runs on this thread.
    const { stdout } = await promisify(execFile)(process.execPath, [inputType, '-e', script(load, index), server.url], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual({ ok: true, phases: [...FLEET_PHASES] });
  });
});
