/**
 * The bundle-size budget (issue 10, "Lean bundles"), measured on the built package the way a
 * browser user's bundler sees it: size-limit (esbuild, browser, minified, gzip) runs the checks in
 * .size-limit.cjs against dist/ and each must be within its limit. The limits are the figures
 * reached, rounded up a little; docs/bundle-size.md has the figures and the breakdown.
 *
 * Two properties are checked on the bundles themselves, because a limit alone would let them slip
 * by a few kilobytes at a time: the README usage carries neither P-521 nor Triple DES (they cost
 * bytes only to users who import them from `enterprise-activation/crypto`), and
 * `enterprise-activation/simulator` on top of it adds only its own code, no dependency of its own.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './ensure-built.js';

interface SizeResult {
  readonly name: string;
  readonly passed?: boolean;
  readonly size: number;
  readonly sizeLimit?: number;
}

function sizeLimit(): SizeResult[] {
  const bin = join(root, 'node_modules', 'size-limit', 'bin.js');
  try {
    return JSON.parse(
      execFileSync(process.execPath, [bin, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }),
    );
  } catch (err) {
    // size-limit exits 1 when a check is over its limit; the JSON is on stdout all the same.
    const stdout = (err as { stdout?: string }).stdout;
    if (stdout?.trim().startsWith('[')) return JSON.parse(stdout);
    throw err;
  }
}

/** The files (dependencies and dist/ chunks) that contribute bytes to a browser bundle of `code`. */
async function bundledFiles(code: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  return Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path.replace(/\\/g, '/'));
}

const USAGE = `import { Handset, createMemoryTransportPair } from './dist/index.js'; console.log(Handset, createMemoryTransportPair);`;
const USAGE_AND_SIMULATOR = `${USAGE} import { BesSimulator } from './dist/simulator/index.js'; console.log(BesSimulator);`;

let results: SizeResult[];

beforeAll(() => {
  ensureBuilt();
  results = sizeLimit();
}, 300_000);

describe('bundle-size budget (size-limit, browser, minified, gzip)', () => {
  it('measures the three checks: README usage, decodeEtpDat alone, README usage + simulator', () => {
    expect(results.map((r) => r.name)).toEqual([
      'README usage: Handset + createMemoryTransportPair',
      'decodeEtpDat alone (enterprise-activation/wire)',
      'README usage + BesSimulator (enterprise-activation/simulator)',
    ]);
  });

  it('every check is within its limit', () => {
    for (const r of results) {
      expect(r.sizeLimit, `${r.name} has a limit`).toBeGreaterThan(0);
      expect(r.size, `${r.name}: ${r.size} B gzip, limit ${r.sizeLimit} B`).toBeLessThanOrEqual(r.sizeLimit!);
    }
  });

  it('the README usage bundles neither P-521 (@noble/curves nist, weierstrass) nor Triple DES (des.js)', async () => {
    const files = await bundledFiles(USAGE);
    expect(files.some((f) => f.includes('/dist/'))).toBe(true);
    expect(files.filter((f) => /node_modules\/(des\.js|@noble\/curves\/(nist|abstract\/weierstrass))/.test(f))).toEqual([]);
  });

  it('enterprise-activation/crypto: importing the X25519 suite or AES-256 brings neither P-521 nor Triple DES', async () => {
    for (const name of ['x25519Suite', 'aes256Cbc', 'createNobleProvider']) {
      const files = await bundledFiles(`import { ${name} } from './dist/crypto/index.js'; console.log(${name});`);
      expect(
        files.filter((f) => /node_modules\/(des\.js|@noble\/curves\/(nist|abstract\/weierstrass))/.test(f)),
        name,
      ).toEqual([]);
    }
  });

  it('the simulator on top of the README usage adds only its own code: no dependency the usage does not already bundle', async () => {
    const usage = new Set(await bundledFiles(USAGE));
    const added = (await bundledFiles(USAGE_AND_SIMULATOR)).filter((f) => !usage.has(f));
    expect(added.length).toBeGreaterThan(0);
    expect(added.filter((f) => !/(^|\/)dist\//.test(f))).toEqual([]);
  });
});
