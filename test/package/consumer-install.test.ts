/**
 * The package a user installs (issue 10): `npm install <packed tarball>` in an empty project
 * (test/package/consumer.ts), then code that uses it by package name, in a separate Node process,
 * in ESM and in CommonJS.
 *
 * - A lean install: none of the optional peers (ws, nodemailer, smtp-server, mailparser).
 * - The README's "Use" example, read from README.md at test time, runs as written (ESM), and its
 *   CommonJS equivalent runs too.
 * - One error class: errors from `/simulator` and `/node` pass the root entry's
 *   `isActivationError` and `instanceof ActivationError`.
 * - `/node` without its peers loads, and each feature that needs a missing peer rejects with
 *   ActivationError('UNSUPPORTED') naming the package and its install command.
 * - With the peers installed, `/node` works from the package (both formats).
 * - The root entry exports at most 80 values.
 * - The types compile for a TypeScript user (strict, no skipLibCheck): the README's example and
 *   the browser entries without @types/node, `/node` with @types/node and no types of the peers.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPTIONAL_PEERS, consumerInstall, lastJson, runInConsumer, type ConsumerInstall } from './consumer.js';
import { root } from './ensure-built.js';

let plain: ConsumerInstall;

beforeAll(() => {
  plain = consumerInstall('plain');
}, 600_000);

/** The first ```ts block of README.md's "## Use" section, verbatim. */
function readmeUseExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use\n'));
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md has no ```ts block under "## Use"');
  return code;
}

/** The example as plain JavaScript (type annotations, if any, stripped; imports kept). */
function exampleAsEsm(): string {
  return transformSync(readmeUseExample(), { loader: 'ts', format: 'esm', target: 'es2022' }).code;
}

/** The CommonJS equivalent: each `import { a, b } from 'x'` becomes a `require`, the rest runs in an async function. */
function exampleAsCjs(): string {
  const esm = exampleAsEsm();
  const requires: string[] = [];
  const body = esm.replace(/^import\s*\{([^}]*)\}\s*from\s*(['"][^'"]+['"]);?\s*$/gm, (_, names: string, from: string) => {
    requires.push(`const {${names}} = require(${from});`);
    return '';
  });
  if (/^\s*import\s/m.test(body)) throw new Error(`the example has an import this test cannot turn into require:\n${esm}`);
  return `${requires.join('\n')}\n(async () => {\n${body}\n${REPORT}\n})().catch((e) => { console.error(e); process.exit(1); });\n`;
}

/** Appended to the example: what it did, as the last line of output. */
const REPORT = `
await handset.close?.();
console.log(JSON.stringify({ keyAlgorithm: result.keyAlgorithm }));
`;

describe('npm install <packed tarball> in an empty project', () => {
  it('installs the core only: none of the optional peers of /node', () => {
    for (const peer of OPTIONAL_PEERS) expect(plain.packages, `${peer} must not be installed`).not.toContain(peer);
    expect(plain.packages).toContain('enterprise-activation');
    // The figures, for the record (README, CHANGELOG and the issue quote them).
    console.info(
      `consumer install: ${plain.packageCount} packages, ${(plain.nodeModulesBytes / 1e6).toFixed(1)} MB in node_modules; ` +
        `tarball ${(plain.packed.size / 1024).toFixed(0)} KB packed, ${(plain.packed.unpackedSize / 1024).toFixed(0)} KB unpacked`,
    );
    expect(plain.packageCount).toBeLessThanOrEqual(15);
  });

  it('runs the README\'s "Use" example as written (ESM)', () => {
    const run = runInConsumer(plain, 'readme-use.mjs', `${exampleAsEsm()}\n${REPORT}`);
    expect(run.status, run.stderr).toBe(0);
    expect(lastJson(run)).toEqual({ keyAlgorithm: 'AES-256-CBC' });
    const statuses = run.stdout.trim().split('\n').slice(0, -1);
    expect(statuses[0]).toBe('Activating');
    expect(statuses).toContain('Your email address "alice@example.com" is now enabled');
    expect(statuses.at(-1)).toBe('Activation Complete');
  });

  it('runs the README\'s "Use" example\'s CommonJS equivalent', () => {
    const run = runInConsumer(plain, 'readme-use.cjs', exampleAsCjs());
    expect(run.status, run.stderr).toBe(0);
    expect(lastJson(run)).toEqual({ keyAlgorithm: 'AES-256-CBC' });
    expect(run.stdout).toContain('Activation Complete');
  });

  it('the root entry exports at most 80 values (ESM and CommonJS)', () => {
    const esm = lastJson<string[]>(
      runInConsumer(plain, 'root-exports.mjs', "console.log(JSON.stringify(Object.keys(await import('enterprise-activation'))));"),
    );
    const cjs = lastJson<string[]>(
      runInConsumer(plain, 'root-exports.cjs', "console.log(JSON.stringify(Object.keys(require('enterprise-activation'))));"),
    );
    expect(cjs.sort()).toEqual(esm.sort());
    expect(esm.length, `the root entry exports ${esm.length} values`).toBeLessThanOrEqual(80);
  });
});

describe('the types, as a TypeScript user compiles against the consumer install', () => {
  /** tsc of the repository (the consumer has none), on a project written into the consumer install. */
  function tsc(
    name: string,
    files: Record<string, string>,
    compilerOptions: Record<string, unknown>,
  ): { status: number | null; output: string } {
    const dir = join(plain.dir, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', ...compilerOptions },
        include: Object.keys(files),
      }),
    );
    try {
      const output = execFileSync(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'],
        {
          cwd: dir,
          encoding: 'utf8',
          stdio: 'pipe',
          timeout: 120_000,
        },
      );
      return { status: 0, output };
    } catch (err) {
      const e = err as { status?: number | null; stdout?: string; stderr?: string };
      return { status: e.status ?? null, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  const entries = `
    import * as wire from 'enterprise-activation/wire';
    import * as crypto from 'enterprise-activation/crypto';
    import * as sim from 'enterprise-activation/simulator';
    import * as testing from 'enterprise-activation/testing';
    export const used = [wire, crypto, sim, testing];
  `;

  it.each(['node16', 'bundler'] as const)(
    "the README's example and the browser entries compile without @types/node (strict, no skipLibCheck, moduleResolution %s)",
    (resolution) => {
      const result = tsc(
        `types-browser-${resolution}`,
        { 'readme-use.mts': `${readmeUseExample()}\nexport {};\n`, 'entries.mts': entries },
        {
          module: resolution === 'node16' ? 'node16' : 'esnext',
          moduleResolution: resolution,
          lib: ['es2022', 'dom'],
          types: [],
        },
      );
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('/node compiles with @types/node alone: its declarations need none of the optional peers or their types', () => {
    const result = tsc(
      'types-node',
      {
        'node.mts':
          "import { startRelayServer, parseEtpMail } from 'enterprise-activation/node';\nexport const fns = [startRelayServer, parseEtpMail];\n",
      },
      {
        module: 'node16',
        moduleResolution: 'node16',
        lib: ['es2022'],
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
    );
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});

/** Errors from /simulator and /node, and how the root entry sees them (`lib`, `sim`, `node` are the three entries). */
const probe = `
  const seen = {};
  const look = (name, err) => {
    seen[name] = {
      code: err?.code,
      isActivationError: lib.isActivationError(err),
      instanceOf: err instanceof lib.ActivationError,
      cause: err?.cause && err.cause.package ? { package: err.cause.package, install: err.cause.install, reason: err.cause.reason } : undefined,
      namesPackage: err?.cause?.package ? err.message.includes('"' + err.cause.package + '"') && err.message.includes(err.cause.install) : undefined,
    };
  };
  const attempt = async (name, fn) => {
    try { await fn(); seen[name] = 'no error'; } catch (err) { look(name, err); }
  };
  (async () => {
    await attempt('simulator: bad server version', () => new sim.BesSimulator({ version: 'x' }));
    await attempt('node: bad mail address', () => node.checkMailAddress('a;b@example.com', 'to'));
    await attempt('node: startRelayServer', () => node.startRelayServer());
    await attempt('node: startMailServer', () => node.startMailServer());
    await attempt('node: parseEtpMail', () => node.parseEtpMail('garbage'));
    await attempt('node: submitMail', () => node.submitMail({ host: '127.0.0.1', port: 9, from: 'a@example.com', to: 'b@example.com', raw: new Uint8Array(1) }));
    console.log(JSON.stringify(seen));
  })().catch((e) => { console.error(e); process.exit(1); });
`;

const same = { isActivationError: true, instanceOf: true };
const missing = (pkg: string) => ({
  code: 'UNSUPPORTED',
  ...same,
  cause: { package: pkg, install: `npm install ${pkg}`, reason: 'not installed' },
  namesPackage: true,
});
const expected = {
  'simulator: bad server version': { code: 'INVALID_ARGUMENT', ...same },
  'node: bad mail address': { code: 'INVALID_ARGUMENT', ...same },
  'node: startRelayServer': missing('ws'),
  'node: startMailServer': missing('smtp-server'),
  'node: parseEtpMail': missing('mailparser'),
  'node: submitMail': missing('nodemailer'),
};

describe('one ActivationError, and /node without its optional peers, from the consumer install', () => {
  it('ESM', () => {
    const run = runInConsumer(
      plain,
      'errors.mjs',
      `const lib = await import('enterprise-activation');
       const sim = await import('enterprise-activation/simulator');
       const node = await import('enterprise-activation/node');
       ${probe}`,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(lastJson(run)).toEqual(expected);
  });

  it('CommonJS', () => {
    const run = runInConsumer(
      plain,
      'errors.cjs',
      `const lib = require('enterprise-activation');
       const sim = require('enterprise-activation/simulator');
       const node = require('enterprise-activation/node');
       ${probe}`,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(lastJson(run)).toEqual(expected);
  });
});

describe('/node with its optional peers installed, from the consumer install', () => {
  let peers: ConsumerInstall;
  beforeAll(() => {
    peers = consumerInstall('peers');
  }, 600_000);

  /** Starts and stops the relay and the mail server, builds an activation mail, parses it back. */
  const script = `
    (async () => {
      const relay = await node.startRelayServer({ port: 0 });
      const mail = await node.startMailServer({ port: 0 });
      const [h, s] = lib.createMemoryTransportPair();
      const first = new Promise((resolve) => s.onFrame(resolve));
      const handset = new lib.Handset({ config: { pin: '2100000A', routing: { relay: 'r', uid: 'u' }, device: { model: 'm', os: '1' } }, transport: h });
      handset.activate({ email: 'bob@example.com', password: 'pw' }).catch(() => {});
      const frameBytes = await first;
      await handset.close();
      const raw = await node.buildEtpMail({ frameBytes, from: 'relay@relay.example' });
      const parsed = await node.parseEtpMail(raw);
      let submit;
      try {
        await node.submitMail({ host: '127.0.0.1', port: mail.port, from: 'relay@relay.example', to: 'bob@example.com', raw });
        submit = 'sent';
      } catch (err) { submit = err.code; }
      await relay.close();
      await mail.close();
      console.log(JSON.stringify({ relayPort: typeof relay.port, mailPort: typeof mail.port, sameFrame: Buffer.compare(Buffer.from(parsed.frame), Buffer.from(frameBytes)) === 0, submit }));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;

  it('has the peers and nothing fails for lack of them (ESM)', () => {
    for (const peer of OPTIONAL_PEERS) expect(peers.packages).toContain(peer);
    const run = runInConsumer(
      peers,
      'node-peers.mjs',
      `const lib = await import('enterprise-activation'); const node = await import('enterprise-activation/node');\n${script}`,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(lastJson(run)).toEqual({ relayPort: 'number', mailPort: 'number', sameFrame: true, submit: 'sent' });
  });

  it('has the peers and nothing fails for lack of them (CommonJS)', () => {
    const run = runInConsumer(
      peers,
      'node-peers.cjs',
      `const lib = require('enterprise-activation'); const node = require('enterprise-activation/node');\n${script}`,
    );
    expect(run.status, run.stderr).toBe(0);
    expect(lastJson(run)).toEqual({ relayPort: 'number', mailPort: 'number', sameFrame: true, submit: 'sent' });
  });
});
