/**
 * Bundle-size budget, checked by `npx size-limit` and by test/package/size.test.ts (inside
 * `npm test`). Each check bundles an entry that imports the named exports from the built package
 * (dist/) with esbuild, for the browser, minified, and measures it gzipped: what a browser user of
 * these imports ships. docs/bundle-size.md has the figures, the breakdown by module, and why the
 * README usage is above the 40 KB goal of issue 10.
 */

/** esbuild as a browser bundler would run it: browser conditions and ES modules. */
function browser(config) {
  return { ...config, platform: 'browser', format: 'esm', minify: true };
}

const usage = { 'dist/index.js': '{ Handset, createMemoryTransportPair }' };

module.exports = [
  {
    name: 'README usage: Handset + createMemoryTransportPair',
    path: 'dist/index.js',
    import: usage,
    gzip: true,
    modifyEsbuildConfig: browser,
    limit: '76 KB',
  },
  {
    name: 'decodeEtpDat alone (enterprise-activation/wire)',
    path: 'dist/wire/index.js',
    import: { 'dist/wire/index.js': '{ decodeEtpDat }' },
    gzip: true,
    modifyEsbuildConfig: browser,
    limit: '19 KB',
  },
  {
    name: 'README usage + BesSimulator (enterprise-activation/simulator)',
    path: ['dist/index.js', 'dist/simulator/index.js'],
    import: { ...usage, 'dist/simulator/index.js': '{ BesSimulator }' },
    gzip: true,
    modifyEsbuildConfig: browser,
    limit: '105 KB',
  },
];
