/**
 * ws, nodemailer, smtp-server and mailparser are optional peer dependencies of
 * `enterprise-activation/node` (src/node/optional-peers.ts), loaded at first use. A missing one
 * is ActivationError('UNSUPPORTED') naming the package and its install command; here the missing
 * module is simulated with an injected importer (test/package/consumer-install.test.ts checks the
 * real thing: a consumer install without them).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isActivationError } from '../../src/errors/activation-error.js';
import { OPTIONAL_PEERS, installCommand, loadPeer, missingPeerError, type OptionalPeer } from '../../src/node/optional-peers.js';

const root = join(import.meta.dirname, '..', '..');
const peers = Object.keys(OPTIONAL_PEERS) as OptionalPeer[];

/** What Node's ESM loader throws for a package that is not installed. */
function notFound(pkg: string): Error {
  return Object.assign(new Error(`Cannot find package '${pkg}' imported from /app/node_modules/enterprise-activation/dist/node/index.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('optional peers of enterprise-activation/node', () => {
  it.each(peers)('a missing %s is ActivationError(UNSUPPORTED) naming the package and the install command', async (peer) => {
    const err = await rejection(loadPeer(peer, 'someFeature', () => Promise.reject(notFound(peer))));
    expect(isActivationError(err)).toBe(true);
    const e = err as { code: string; message: string; cause: unknown };
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toBe(
      `enterprise-activation/node: someFeature needs the package "${peer}" (an optional peer dependency), which is not installed. Install it: npm install ${peer}`,
    );
    expect(e.cause).toEqual({ operation: 'someFeature', package: peer, install: `npm install ${peer}`, reason: 'not installed' });
  });

  it('CommonJS, Bun and Deno spell "not found" differently; each is "not installed"', () => {
    const variants = [
      Object.assign(new Error("Cannot find module 'ws'"), { code: 'MODULE_NOT_FOUND' }),
      new Error('Cannot find package "ws" from "/app/node_modules/enterprise-activation/dist/node/index.js"'),
      new TypeError('Could not find package "ws" from referrer'),
    ];
    for (const v of variants) expect(missingPeerError('ws', 'startRelayServer', v).cause).toMatchObject({ reason: 'not installed' });
  });

  it('a peer that is installed but throws on load is named too, with the error name and no message', async () => {
    const err = await rejection(
      loadPeer('mailparser', 'parseEtpMail', () => Promise.reject(new SyntaxError('Unexpected token in /secret/path'))),
    );
    const e = err as { code: string; message: string; cause: unknown };
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toContain('"mailparser"');
    expect(e.message).toContain('could not be loaded');
    expect(e.message).toContain('npm install mailparser');
    expect(e.cause).toEqual({
      operation: 'parseEtpMail',
      package: 'mailparser',
      install: 'npm install mailparser',
      reason: 'failed to load',
      error: 'SyntaxError',
    });
    expect(JSON.stringify(e.cause)).not.toContain('secret');
  });

  it('loads the real packages (dev dependencies here), with what the library uses from each', async () => {
    expect(typeof (await loadPeer('ws', 'test')).WebSocketServer).toBe('function');
    const nodemailer = await loadPeer('nodemailer', 'test');
    expect(typeof nodemailer.createTransport).toBe('function');
    expect(typeof nodemailer.MailComposer).toBe('function');
    expect(typeof (await loadPeer('smtp-server', 'test')).SMTPServer).toBe('function');
    expect(typeof (await loadPeer('mailparser', 'test')).simpleParser).toBe('function');
    // kept: the second call gives the same objects
    expect((await loadPeer('ws', 'test')).WebSocketServer).toBe((await loadPeer('ws', 'other')).WebSocketServer);
  });

  it('package.json: optional peer dependencies (and dev dependencies for the tests), never dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    // The other optional peers are the test runners of /testing/vitest and /testing/jest (test/testing/runner-peers.test.ts).
    const nodePeers = Object.fromEntries(Object.entries(pkg.peerDependencies).filter(([name]) => name !== 'vitest' && name !== 'jest'));
    expect(nodePeers).toEqual(OPTIONAL_PEERS);
    for (const peer of peers) {
      expect(pkg.peerDependenciesMeta[peer], peer).toEqual({ optional: true });
      expect(pkg.dependencies[peer], peer).toBeUndefined();
      expect(pkg.devDependencies[peer], peer).toBe(OPTIONAL_PEERS[peer]);
      expect(installCommand(peer)).toBe(`npm install ${peer}`);
    }
  });

  it('src/ imports no optional peer at module load (type-only imports aside)', () => {
    const offenders: string[] = [];
    const visit = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) visit(path);
        else if (path.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          for (const m of text.matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm)) {
            const spec = m[1]!;
            if (peers.some((p) => spec === p || spec.startsWith(`${p}/`))) offenders.push(`${path.slice(root.length + 1)}: ${spec}`);
          }
          for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) {
            if (peers.some((p) => m[1] === p || m[1]!.startsWith(`${p}/`))) offenders.push(`${path.slice(root.length + 1)}: ${m[1]}`);
          }
        }
      }
    };
    visit(join(root, 'src'));
    expect(offenders).toEqual([]);
  });
});
