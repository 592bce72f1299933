/**
 * `runFleet({ workers })` as users get it: the BUILT package, ESM and CommonJS, since the worker
 * threads load the build's own `dist/fleet-worker.js` / `.cjs` (a packaging fault there must fail
 * here). Each worker thread has its own in-process simulator; every device still completes once.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../package/ensure-built.js';

type NodeEntry = typeof import('../../src/node/index.js');
let esm: NodeEntry;
let cjs: NodeEntry;

beforeAll(async () => {
  ensureBuilt();
  esm = (await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href)) as NodeEntry;
  cjs = createRequire(import.meta.url)(join(root, 'dist', 'node', 'index.cjs')) as NodeEntry;
}, 300_000);

describe('runFleet with worker threads', () => {
  for (const [name, entry] of [
    ['ESM', () => esm],
    ['CommonJS', () => cjs],
  ] as const) {
    it(`${name}: spreads the devices over two threads, each device activated once, every phase timed`, async () => {
      const report = await entry().runFleet({ target: 'memory', seed: `workers-${name}`, devices: 10, concurrency: 4, workers: 2 });
      expect(report).toMatchObject({ started: 10, completed: 10, failed: 0, failures: {} });
      for (const phase of entry().FLEET_PHASES) expect(report.phases[phase].count, phase).toBe(10);
    });
  }

  it('runs node:crypto handsets in the threads when named, and refuses a provider object (it cannot cross threads)', async () => {
    const report = await esm.runFleet({ target: 'memory', seed: 'workers-node', devices: 4, concurrency: 2, workers: 2, crypto: 'node' });
    expect(report.completed).toBe(4);
    await expect(esm.runFleet({ target: 'memory', seed: 's', workers: 1, provider: esm.createNodeCryptoProvider() })).rejects.toMatchObject(
      {
        code: 'INVALID_ARGUMENT',
      },
    );
    for (const bad of [{ workers: 65 }, { workers: -1 }, { workers: 1.5 }, { crypto: 'openssl' }])
      await expect(esm.runFleet({ target: 'memory', seed: 's', ...bad } as never), JSON.stringify(bad)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
  });
});
