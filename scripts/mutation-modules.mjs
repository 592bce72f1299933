// The modules under mutation testing (issue 9): the security- and protocol-critical code.
// Shared by stryker.config.mjs and scripts/mutate.mjs.
export const MUTATION_MODULES = {
  // src/crypto in three parts, each short enough to finish on a shared 2-core machine (Stryker
  // writes a module's incremental file only when the module ends): the agreement and the provider,
  // the transport-key seal, and the asynchronous providers (WebCrypto and the replay bridge).
  crypto: [
    'src/crypto/cpace/**/*.ts',
    'src/crypto/ed25519-strict-key.ts',
    'src/crypto/ids.ts',
    'src/crypto/noble-provider.ts',
    'src/crypto/provider-arguments.ts',
    'src/crypto/provider.ts',
    'src/crypto/provides.ts',
    'src/crypto/seeded-random.ts',
  ],
  'crypto-seal': ['src/crypto/transport-key/**/*.ts'],
  'crypto-async': ['src/crypto/async-provider.ts', 'src/crypto/replay-bridge.ts', 'src/crypto/webcrypto/**/*.ts'],
  // The codec (CBOR and schemas) sat under src/wire until issue 11 moved it to its own layer; it is mutated with the wire.
  wire: ['src/codec/**/*.ts', 'src/wire/**/*.ts'],
  handset: ['src/handset/**/*.ts'],
  simulator: [
    'src/simulator/accounts.ts',
    // Rate limits and vouching in front of the accounts: what keeps strangers from locking them.
    'src/simulator/admission.ts',
    'src/simulator/server-machine.ts',
    'src/simulator/server-machine-support.ts',
    'src/simulator/server-phase-*.ts',
    'src/simulator/server-routing.ts',
    'src/simulator/server-unapplied-policy.ts',
    'src/simulator/session-table.ts',
  ],
  policy: ['src/policy/**/*.ts'],
  'relay-router': ['src/node/relay/relay-router.ts'],
};

/** Mutation score under which `npm run mutate` fails. */
export const MUTATION_BREAK = 90;

/** A glob of the lists above as a regular expression (`**` any folders, `*` any name part). */
function globToRegExp(glob) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*' && glob[i + 2] === '/') {
      out += '(?:.*/)?';
      i += 2;
    } else if (c === '*') out += '[^/]*';
    else out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Whether a report's file belongs to `module`. A module's report can also hold files it does not
 * mutate: Stryker carries over every file of the incremental file it started from (the crypto
 * modules' files began as copies of one), with the old results; counting them would mix another
 * module's mutants into the score.
 */
export function inModule(module, file) {
  if (file.endsWith('/index.ts')) return false;
  return MODULE_PATTERNS[module].some((pattern) => pattern.test(file));
}

/** Each module's globs as regular expressions, made once. */
const MODULE_PATTERNS = Object.fromEntries(Object.entries(MUTATION_MODULES).map(([module, globs]) => [module, globs.map(globToRegExp)]));
