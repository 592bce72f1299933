/**
 * The built package (dist/) works through its export map from both module systems, in a separate
 * Node process, exactly as a consumer would load it. dist/ is built first when it is missing or
 * older than src/ (ensure-built.ts; `npm test` has just built it in `pretest`, so not again).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTPUTS, ensureBuilt, root, staleReason } from './ensure-built.js';

function node(args: string[], input?: string): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', input, timeout: 60_000 });
}

beforeAll(() => {
  ensureBuilt();
}, 300_000);

describe('built package', () => {
  it('is built and current: every output exists and none is older than src/', () => {
    for (const f of OUTPUTS) expect(existsSync(join(root, f)), f).toBe(true);
    expect(staleReason()).toBeUndefined();
  });

  const script = (load: string) => `
    ${load}
    const server = new sim.BesSimulator();
    server.addUser({ email: 'a@example.com', displayName: 'A', activationPassword: 'pw123456' });
    const [h, s] = lib.createMemoryTransportPair();
    server.attach(s);
    const handset = new lib.Handset({ config: { pin: '2100000A', routing: { relay: 'r', uid: 'u' }, device: { model: 'm', os: '1' } }, transport: h });
    handset.activate({ email: 'a@example.com', password: 'pw123456' }).then((r) => {
      console.log(JSON.stringify({ alg: r.keyAlgorithm, isError: new lib.ActivationError('MALFORMED', 'x') instanceof Error }));
      return handset.close();
    }, (e) => { console.error(e); process.exit(1); });
  `;

  it('can be imported as ESM by its package name', () => {
    const out = node([
      '--input-type=module',
      '-e',
      script("const lib = await import('enterprise-activation'); const sim = await import('enterprise-activation/simulator');"),
    ]);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ alg: 'AES-256-CBC', isError: true });
  });

  it('can be required as CommonJS by its package name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-cjs-'));
    const file = join(dir, 'run.cjs');
    writeFileSync(
      file,
      script(
        `const lib = require(${JSON.stringify(join(root, 'dist/index.cjs'))}); const sim = require(${JSON.stringify(join(root, 'dist/simulator/index.cjs'))});`,
      ),
    );
    const out = node([file]);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ alg: 'AES-256-CBC', isError: true });
    // and through the export map's "require" condition
    const viaName = node(['-e', "const lib = require('enterprise-activation'); console.log(typeof lib.Handset, typeof lib.decodeEtpDat)"]);
    expect(viaName.trim()).toBe('function undefined');
  });

  // The codecs and CPace live in their own entries (issue 10), in both module formats.
  const subpaths = `
    const shown = {
      wire: [typeof wire.encodeEtpDat, typeof wire.decodeEtpDat, typeof wire.decodeFrame],
      crypto: [typeof crypto.cpaceStart, typeof crypto.aes256Cbc.encryptCbc, typeof crypto.nobleProvider.sha512],
      simulator: [typeof sim.generateUserData, typeof sim.defaultServiceBooks],
      rootHasNone: ['decodeEtpDat', 'cpaceStart', 'generateUserData', 'lvCat', 'encodeCbor'].filter((n) => n in lib),
      sameProvider: crypto.nobleProvider === lib.nobleProvider,
    };
    console.log(JSON.stringify(shown));
  `;
  const expectedSubpaths = {
    wire: ['function', 'function', 'function'],
    crypto: ['function', 'function', 'function'],
    simulator: ['function', 'function'],
    rootHasNone: [],
    sameProvider: true,
  };

  it('has the /wire and /crypto entries, as ESM', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `const lib = await import('enterprise-activation');
       const wire = await import('enterprise-activation/wire');
       const crypto = await import('enterprise-activation/crypto');
       const sim = await import('enterprise-activation/simulator');
       ${subpaths}`,
    ]);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(expectedSubpaths);
  });

  it('has the /wire and /crypto entries, as CommonJS', () => {
    const out = node([
      '-e',
      `const lib = require('enterprise-activation');
       const wire = require('enterprise-activation/wire');
       const crypto = require('enterprise-activation/crypto');
       const sim = require('enterprise-activation/simulator');
       ${subpaths}`,
    ]);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(expectedSubpaths);
  });

  // The testing toolkit (issue 16): it runs from the package in both formats.
  const toolkit = `
    t.activate({ preset: 'tdes-only' }).then((run) => {
      console.log(JSON.stringify({
        ok: run.ok,
        keyAlgorithm: run.result.keyAlgorithm,
        presets: t.PRESET_NAMES.length,
        matchers: Object.keys(t.activationMatchers),
        pass: t.activationMatchers.toUseTransportKey(run, 'TDES-EDE2-CBC').pass,
      }));
    }, (e) => { console.error(e); process.exit(1); });
  `;
  const expectedToolkit = {
    ok: true,
    keyAlgorithm: 'TDES-EDE2-CBC',
    presets: 12,
    matchers: ['toActivate', 'toFailWith', 'toShowStatuses', 'toHaveSynced', 'toUseTransportKey'],
    pass: true,
  };

  it('has the /testing entry, as ESM and as CommonJS', () => {
    const esm = node(['--input-type=module', '-e', `const t = await import('enterprise-activation/testing');\n${toolkit}`]);
    expect(JSON.parse(esm.trim().split('\n').pop()!)).toEqual(expectedToolkit);
    const cjs = node(['-e', `const t = require('enterprise-activation/testing');\n${toolkit}`]);
    expect(JSON.parse(cjs.trim().split('\n').pop()!)).toEqual(expectedToolkit);
  });

  it('/testing imports no test runner and no Node built-in (it runs in browsers); only /testing/vitest imports vitest', () => {
    /** The bare specifiers a built entry and the chunks it reaches import. */
    const bare = (entry: string): Set<string> => {
      const found = new Set<string>();
      const seen = new Set<string>();
      const visit = (file: string): void => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)) {
          const spec = m[1]!;
          if (spec.startsWith('.')) visit(join(dirname(file), spec));
          else found.add(spec);
        }
      };
      visit(join(root, entry));
      return found;
    };
    for (const entry of ['dist/testing/index.js', 'dist/testing/index.cjs', 'dist/testing/jest/index.js', 'dist/testing/jest/index.cjs']) {
      const specs = [...bare(entry)];
      expect(
        specs.filter((s) => s.startsWith('node:') || /^(vitest|jest|expect|@jest\/|@vitest\/)/.test(s)),
        entry,
      ).toEqual([]);
    }
    expect([...bare('dist/testing/vitest/index.js')]).toContain('vitest');
    // And a browser bundler takes it as it is: nothing Node-only to shim.
    const bundle = buildSync({
      entryPoints: [join(root, 'dist/testing/index.js')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(bundle.errors).toEqual([]);
    expect(bundle.outputFiles[0]!.text).not.toMatch(/require\(["']node:|from ["']node:/);
  });

  it('the bin inspects an ETP.DAT file', async () => {
    const lib = await import('../../src/index.js');
    const { decodeFrame } = await import('../../src/wire/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'ea-bin-'));
    // Capture a real ETP.DAT from an activation's first frame.
    const [h, s] = lib.createMemoryTransportPair();
    const first = new Promise<Uint8Array>((resolve) => s.onFrame(resolve));
    const handset = new lib.Handset({
      config: { pin: '2100000A', routing: { relay: 'r', uid: 'u' }, device: { model: 'm', os: '1' } },
      transport: h,
    });
    handset.activate({ email: 'bob@example.com', password: 'pw' }).catch(() => {});
    const frame = decodeFrame(await first);
    await handset.close();
    writeFileSync(join(dir, 'ETP.DAT'), frame.body);
    const out = JSON.parse(node(['dist/cli.js', 'inspect', join(dir, 'ETP.DAT')]));
    // (The offered ciphers are the handset's default, pinned by test/activation/lean-defaults.test.ts.)
    expect(out).toMatchObject({ pin: '2100000A', email: 'bob@example.com', suite: 'CPACE-X25519-SHA512' });
    expect(out.ciphers).toContain('AES-256-CBC');
    writeFileSync(join(dir, 'bad.dat'), new Uint8Array([1, 2, 3]));
    expect(() => node(['dist/cli.js', 'inspect', join(dir, 'bad.dat')])).toThrow(/MALFORMED/);
  });
});
