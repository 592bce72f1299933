/** The package's version, for `--version` and the device details of the handsets a command makes. */
import { readFileSync } from 'node:fs';
import { ActivationError } from '../errors/activation-error.js';
import { NAME } from './command-line.js';

// Where package.json is from this module: one level up in the build (dist/cli.js or a chunk of
// dist/), two from the sources (src/cli/version.ts, when run through tsx).
const CANDIDATES = ['../package.json', '../../package.json'];

let cachedVersion: string | undefined;

/** The package's version, from its package.json (the first one up that names this package). */
export function version(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  for (const candidate of CANDIDATES) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === NAME && typeof pkg.version === 'string') return (cachedVersion = pkg.version);
    } catch {
      // not there: try the next
    }
  }
  throw new ActivationError('INVALID_STATE', 'the package version could not be read', { operation: 'version' });
}
