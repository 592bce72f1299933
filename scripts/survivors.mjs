#!/usr/bin/env node
// Lists the surviving and uncovered mutants of `npm run mutate` reports:
// `node scripts/survivors.mjs <module> [file-filter]` prints one line per mutant:
// file:line:column, status, mutator, and the replacement, for killing them one by one.
// `<module>` may also be the path of a report file, e.g. an incremental file of
// reports/stryker-incremental/ (the same schema), when the run's own report is gone.
// Given a module name, only the module's own files are listed (a report carries over the files
// of the incremental file it started from); `--module NAME` filters a report file the same way.
import { readFileSync } from 'node:fs';
import { MUTATION_MODULES, inModule } from './mutation-modules.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--module');
const only = at >= 0 ? args.splice(at, 2)[1] : undefined;
const [module, filter] = args;
if (!module) {
  console.error('usage: node scripts/survivors.mjs <module> [file-filter]');
  process.exit(2);
}
const reportFile = module.endsWith('.json') ? module : `reports/mutation/${module}.json`;
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const owner = only ?? (module in MUTATION_MODULES ? module : undefined);
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  if (filter && !file.includes(filter)) continue;
  if (owner !== undefined && !inModule(owner, file)) continue;
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { line, column } = m.location.start;
    const original = (lines[line - 1] ?? '').trim();
    console.log(`${file}:${line}:${column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}\n    ${original}`);
  }
}
