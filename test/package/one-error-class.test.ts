/**
 * One error class across the package (issue 10): an error thrown by `enterprise-activation/simulator`
 * or `enterprise-activation/node` is an instance of the root entry's `ActivationError` and passes
 * its `isActivationError`, in ESM and in CommonJS. Each entry point used to bundle its own copy of
 * the class, and `instanceof` failed across entries. Run against the built package, by its package
 * name, in a separate Node process, as a consumer loads it.
 *
 * Within one format only: ESM and CJS are two module graphs, so an error from `require()` is not
 * an instance of the class from `import` (the dual-package hazard, README "Entry points").
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './ensure-built.js';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

/** Throws three errors from the two sub-entries and reports how the root entry sees each one. */
const probe = `
  const seen = {};
  const look = (name, err) => {
    seen[name] = {
      code: err?.code,
      isActivationError: lib.isActivationError(err),
      instanceOf: err instanceof lib.ActivationError,
      sameConstructor: err?.constructor === lib.ActivationError,
    };
  };
  try { new sim.BesSimulator({ version: 'x' }); } catch (err) { look('simulator: bad server version', err); }
  try {
    const server = new sim.BesSimulator();
    server.addUser({ email: 'a@example.com', displayName: 'A' });
    server.setActivationPassword('a@example.com', 'pw123456', 721);
  } catch (err) { look('simulator: password lifetime', err); }
  node.parseEtpMail('garbage').then(
    () => { console.error('parseEtpMail accepted garbage'); process.exit(1); },
    (err) => { look('node: parseEtpMail', err); console.log(JSON.stringify(seen)); },
  );
`;

const expected = {
  'simulator: bad server version': { code: 'INVALID_ARGUMENT', isActivationError: true, instanceOf: true, sameConstructor: true },
  'simulator: password lifetime': { code: 'INVALID_ARGUMENT', isActivationError: true, instanceOf: true, sameConstructor: true },
  'node: parseEtpMail': { code: 'MALFORMED', isActivationError: true, instanceOf: true, sameConstructor: true },
};

describe('one ActivationError across the entry points of the built package', () => {
  /** Runs the probe in a separate Node process from the repository, where `enterprise-activation` resolves by its own name (package self-reference), and returns what it reports. */
  function runProbe(loadEntries: string, nodeArgs: string[] = []): unknown {
    const out = execFileSync(process.execPath, [...nodeArgs, '-e', `${loadEntries}\n${probe}`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return JSON.parse(out.trim().split('\n').pop()!);
  }

  it("ESM: errors from /simulator and /node are the root entry's ActivationError", () => {
    const load = `const lib = await import('enterprise-activation');
       const sim = await import('enterprise-activation/simulator');
       const node = await import('enterprise-activation/node');`;
    expect(runProbe(load, ['--input-type=module'])).toEqual(expected);
  });

  it("CJS: errors from /simulator and /node are the root entry's ActivationError", () => {
    const load = `const lib = require('enterprise-activation');
       const sim = require('enterprise-activation/simulator');
       const node = require('enterprise-activation/node');`;
    expect(runProbe(load)).toEqual(expected);
  });

  it("CJS: the export map's require condition loads .cjs files (not the ESM build through require(esm))", () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        "for (const e of ['enterprise-activation', 'enterprise-activation/simulator', 'enterprise-activation/node']) console.log(require.resolve(e))",
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    const files = out.trim().split('\n');
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/\.cjs$/);
  });
});
