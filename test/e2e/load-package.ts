/**
 * Loads the five entry points of the built package by its own name (package self-reference: from
 * this repository, `enterprise-activation` resolves through package.json "exports" to dist/), in
 * one module format: ESM through `import()`, CommonJS through `require()` (Node loads
 * dist/*.cjs natively). All five entries come from the same format: ESM and CJS are two module
 * graphs by design (README "Entry points"), so mixing them would compare two copies of each class.
 *
 * The types below are the sources' declarations, imported as types only (erased at run time, so no
 * src/ file is loaded): `npm test` type-checks before it builds, when dist/ may not exist yet.
 */
import { createRequire } from 'node:module';

export type Root = typeof import('../../src/index.js');
export type Simulator = typeof import('../../src/simulator/index.js');
export type Wire = typeof import('../../src/wire/index.js');
export type Crypto = typeof import('../../src/crypto/index.js');
export type NodeEntry = typeof import('../../src/node/index.js');

export type Format = 'esm' | 'cjs';

export interface Package {
  readonly format: Format;
  readonly root: Root;
  readonly simulator: Simulator;
  readonly wire: Wire;
  readonly crypto: Crypto;
  readonly node: NodeEntry;
  /** Where each entry's specifier resolves, for the check that it is dist/ in the right format. */
  readonly resolved: Readonly<Record<string, string>>;
}

export const ENTRIES = [
  'enterprise-activation',
  'enterprise-activation/simulator',
  'enterprise-activation/wire',
  'enterprise-activation/crypto',
  'enterprise-activation/node',
] as const;

const require = createRequire(import.meta.url);

/**
 * `import(specifier)`. The specifier is a parameter, not a literal, so that the type checker does
 * not look for dist/ (which `npm test` type-checks before building); at run time it is the same.
 */
function importEntry(specifier: string): Promise<unknown> {
  return import(specifier);
}

/** The package's five entries, all in `format`. */
export async function loadPackage(format: Format): Promise<Package> {
  if (format === 'esm') {
    const [root, simulator, wire, crypto, node] = (await Promise.all(ENTRIES.map((e) => importEntry(e)))) as [
      Root,
      Simulator,
      Wire,
      Crypto,
      NodeEntry,
    ];
    const resolved = Object.fromEntries(ENTRIES.map((e) => [e, new URL(import.meta.resolve(e)).pathname]));
    return { format, root, simulator, wire, crypto, node, resolved };
  }
  return {
    format,
    root: require('enterprise-activation') as Root,
    simulator: require('enterprise-activation/simulator') as Simulator,
    wire: require('enterprise-activation/wire') as Wire,
    crypto: require('enterprise-activation/crypto') as Crypto,
    node: require('enterprise-activation/node') as NodeEntry,
    resolved: Object.fromEntries(ENTRIES.map((e) => [e, require.resolve(e)])),
  };
}
