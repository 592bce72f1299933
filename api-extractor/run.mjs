/**
 * Runs api-extractor (api-extractor.json) on the built declarations of every entry point.
 *
 *   node api-extractor/run.mjs           # `npm run api` (after a build): writes api-extractor/reports/*.api.md
 *   node api-extractor/run.mjs --check   # the test: fails if the build's API differs from them
 *
 * Run after `npm run build`: it reads dist/, the declarations a user's compiler reads, not src/.
 * In check mode it prints, per entry point that changed, the lines that differ, and exits 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** Each entry point: its subpath, its declarations in dist/, its report's base name. */
export const ENTRIES = [
  { subpath: '.', dts: 'dist/index.d.ts', report: 'enterprise-activation' },
  { subpath: './wire', dts: 'dist/wire/index.d.ts', report: 'enterprise-activation-wire' },
  { subpath: './crypto', dts: 'dist/crypto/index.d.ts', report: 'enterprise-activation-crypto' },
  { subpath: './simulator', dts: 'dist/simulator/index.d.ts', report: 'enterprise-activation-simulator' },
  { subpath: './node', dts: 'dist/node/index.d.ts', report: 'enterprise-activation-node' },
  { subpath: './testing', dts: 'dist/testing/index.d.ts', report: 'enterprise-activation-testing' },
  { subpath: './testing/vitest', dts: 'dist/testing/vitest/index.d.ts', report: 'enterprise-activation-testing-vitest' },
  { subpath: './testing/jest', dts: 'dist/testing/jest/index.d.ts', report: 'enterprise-activation-testing-jest' },
];

/** The lines that differ between two texts (a longest-common-subsequence diff, changes only). */
function changedLines(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out;
}

function runEntry(entry, check) {
  const configPath = join(here, 'api-extractor.json');
  const configObject = ExtractorConfig.loadFile(configPath);
  configObject.mainEntryPointFilePath = `<projectFolder>/${entry.dts}`;
  configObject.apiReport = { ...configObject.apiReport, reportFileName: entry.report };
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: configPath,
    packageJsonFullPath: join(root, 'package.json'),
  });
  const messages = [];
  const result = Extractor.invoke(config, {
    localBuild: !check,
    messageCallback(message) {
      // Collected and printed per entry. The "report changed" notice gives way to our diff, and
      // "report created" is no problem when updating.
      if (message.logLevel === 'error' || message.logLevel === 'warning') {
        const notice =
          message.messageId === 'console-api-report-changed' ||
          message.messageId === 'console-api-report-not-copied' ||
          (!check && (message.messageId === 'console-api-report-created' || message.messageId === 'console-api-report-copied'));
        if (!notice) messages.push(message.formatMessageWithLocation(root));
      }
      message.handled = true;
    },
  });
  return { result, messages, committed: config.reportFilePath, fresh: config.reportTempFilePath };
}

function main() {
  const check = process.argv.includes('--check');
  let failed = false;
  for (const entry of ENTRIES) {
    if (!existsSync(join(root, entry.dts))) {
      console.error(`${entry.dts} is missing: run npm run build first`);
      process.exitCode = 1;
      return;
    }
    const { result, messages, committed, fresh } = runEntry(entry, check);
    const name = `enterprise-activation${entry.subpath === '.' ? '' : entry.subpath.slice(1)}`;
    for (const m of messages) console.error(`${name}: ${m}`);
    if (result.apiReportChanged) {
      if (check) {
        const before = existsSync(committed) ? readFileSync(committed, 'utf8') : '';
        const diff = changedLines(before, readFileSync(fresh, 'utf8'));
        console.error(`${name}: the API differs from ${committed.slice(root.length + 1)} (- committed, + built):`);
        console.error(diff.slice(0, 200).join('\n') + (diff.length > 200 ? `\n... ${diff.length - 200} more lines` : ''));
      } else {
        console.log(`${name}: updated ${committed.slice(root.length + 1)}`);
      }
    }
    if (!result.succeeded || messages.length > 0 || (check && result.apiReportChanged)) failed = true;
  }
  if (failed) {
    console.error(
      check
        ? '\nThe public API changed. If that is intended, run `npm run api` (it builds first) and commit api-extractor/reports/ (and a CHANGELOG note).'
        : '\napi-extractor reported problems (above).',
    );
    process.exitCode = 1;
  } else if (check) {
    console.log(`API reports match the build (${ENTRIES.length} entry points).`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
