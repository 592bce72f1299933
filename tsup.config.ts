import { defineConfig, type Options } from 'tsup';

const common: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  splitting: false,
  treeshake: true,
  target: 'es2022',
};

export default defineConfig([
  // Runtime-agnostic entry points: Node and browsers.
  {
    ...common,
    entry: { index: 'src/index.ts', 'simulator/index': 'src/simulator/index.ts' },
    platform: 'neutral',
    clean: true,
  },
  // Node-only entry points: relay and mail servers, the command-line tool.
  {
    ...common,
    entry: { 'node/index': 'src/node/index.ts', cli: 'src/cli.ts' },
    platform: 'node',
    clean: false,
  },
]);
