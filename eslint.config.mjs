// ESLint (typescript-eslint) with the rules that keep the shape issue 11 gave the code: no
// non-null assertions and few positional parameters in src/, and layers that only point down
// (eslint-plugin-boundaries; docs/architecture.md draws the layers). Run by `npm run lint`,
// which `npm test` runs first; Prettier (.prettierrc.json) formats.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom first, and what each may import besides itself. A package entry
 * (src/index.ts, src/<entry>/index.ts, src/cli.ts) composes the public API and may import any.
 */
const LAYERS = {
  base: [],
  codec: ['base'],
  crypto: ['base', 'codec'],
  protocol: ['base', 'codec', 'crypto'],
  domain: ['base', 'codec', 'crypto', 'protocol'],
  persistence: ['base', 'codec', 'crypto'],
  transport: ['base', 'codec', 'crypto'],
  wire: ['base', 'codec', 'crypto', 'protocol', 'domain'],
  handset: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire'],
  simulator: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire'],
  node: ['base', 'codec', 'crypto', 'protocol', 'transport', 'wire'],
  // Applications of the library: many handsets (`fleet`), the simulator behind the relay and the
  // lazy loader of both that /node exports (`serve`), then the command line.
  fleet: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire', 'handset', 'simulator', 'node'],
  serve: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire', 'simulator', 'node', 'fleet'],
  // Transcripts record, replay and compare a handset against a simulator (browser-safe: no node).
  transcript: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire', 'handset', 'simulator'],
  // The testing toolkit (`enterprise-activation/testing`): a handset and a simulator on one clock,
  // from the public pieces, and transcripts; no Node module, no test runner (only its runner entries import one).
  testing: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire', 'handset', 'simulator', 'transcript'],
  // The emulator page's script (`serve --ui`): a handset in a browser, bundled on its own.
  ui: ['base', 'codec', 'crypto', 'protocol', 'domain', 'persistence', 'transport', 'wire', 'handset'],
  cli: [
    'base',
    'codec',
    'crypto',
    'protocol',
    'domain',
    'persistence',
    'transport',
    'wire',
    'handset',
    'simulator',
    'node',
    'serve',
    'fleet',
    'transcript',
  ],
};

/** Which folders of src/ make up each layer. */
const FOLDERS = {
  base: ['util', 'errors', 'types'],
  codec: ['codec'],
  crypto: ['crypto'],
  protocol: ['protocol'],
  domain: ['policy', 'service-books', 'sync', 'server-version'],
  persistence: ['persistence'],
  transport: ['transport'],
  wire: ['wire'],
  handset: ['handset'],
  simulator: ['simulator'],
  node: ['node'],
  serve: ['serve'],
  fleet: ['fleet'],
  transcript: ['transcript'],
  testing: ['testing'],
  ui: ['ui'],
  cli: ['cli'],
};

const elements = Object.entries(FOLDERS).flatMap(([type, folders]) => folders.map((folder) => ({ type, pattern: `src/${folder}` })));

/** The package entries compose the public API from every layer; nothing in src/ imports them. */
const ENTRIES = ['src/index.ts', 'src/cli.ts', 'src/*/index.ts'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'docs/api/**',
      'reports/**',
      'coverage/**',
      'node_modules/**',
      'test/runtimes/node22/**',
      'integrations/artillery-engine-enterprise-activation/.artillery/**',
      '.stryker-tmp*/**',
      'api-extractor/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Scripts, tools and configs run on Node.
  { files: ['**/*.mjs', '**/*.cjs', '**/*.js'], languageOptions: { globals: globals.node } },
  // The Artillery engine is CommonJS: Artillery loads engines by `require` resolution.
  {
    files: ['integrations/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      // Unused names a destructuring leaves behind on purpose start with an underscore.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
      'boundaries/elements': elements,
      'boundaries/ignore': ENTRIES,
    },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      // More than five positional parameters: take an options object instead.
      'max-params': ['error', { max: 5 }],
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            ...Object.entries(LAYERS).map(([type, below]) => ({
              from: { element: { type } },
              allow: { to: { element: { types: { anyOf: [type, ...below] } } } },
            })),
          ],
        },
      ],
    },
  },
);
