#!/usr/bin/env node
// Lists the surviving and uncovered mutants of `npm run mutate` reports:
// `node scripts/survivors.mjs <module> [file-filter]` prints one line per mutant:
// file:line:column, status, mutator, and the replacement, for killing them one by one.
// `<module>` may also be the path of a report file, e.g. an incremental file of
// reports/stryker-incremental/ (the same schema), when the run's own report is gone.
import { readFileSync } from 'node:fs';

const [module, filter] = process.argv.slice(2);
if (!module) {
  console.error('usage: node scripts/survivors.mjs <module> [file-filter]');
  process.exit(2);
}
const reportFile = module.endsWith('.json') ? module : `reports/mutation/${module}.json`;
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  if (filter && !file.includes(filter)) continue;
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { line, column } = m.location.start;
    const original = (lines[line - 1] ?? '').trim();
    console.log(`${file}:${line}:${column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}\n    ${original}`);
  }
}
