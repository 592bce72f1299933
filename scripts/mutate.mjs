#!/usr/bin/env node
// `npm run mutate [-- module ...]`: StrykerJS over the security- and protocol-critical modules,
// one module at a time, each with its own incremental file (reports/stryker-incremental/), so that
// a re-run only tests mutants in code or tests that changed, and a run cut short keeps what the
// finished modules found. Prints one line per module and the total; exits 1 when a module that
// ran is under the break threshold of stryker.config.mjs. docs/testing-strength.md has the figures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { MUTATION_BREAK, MUTATION_MODULES, inModule } from './mutation-modules.mjs';

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(name in MUTATION_MODULES)) {
    console.error(`unknown module ${name}; one of: ${Object.keys(MUTATION_MODULES).join(', ')}`);
    process.exit(2);
  }
}
const names = asked.length > 0 ? asked : Object.keys(MUTATION_MODULES);
mkdirSync('reports/stryker-incremental', { recursive: true });
mkdirSync('reports/mutation', { recursive: true });

/** Counts of a Stryker JSON report (mutation-testing-report-schema), over the module's own files. */
function tally(name, file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const t = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  for (const [path, f] of Object.entries(report.files)) {
    if (!inModule(name, path)) continue;
    for (const m of f.mutants) t[m.status] = (t[m.status] ?? 0) + 1;
  }
  const detected = t.Killed + t.Timeout;
  const valid = detected + t.Survived + t.NoCoverage;
  return { ...t, detected, valid, score: valid === 0 ? 100 : (100 * detected) / valid };
}

/**
 * Drops from a module's incremental file the files that are not the module's own (see
 * `inModule`), so that they are not carried into its next report.
 */
function pruneIncremental(name) {
  const file = `reports/stryker-incremental/${name}.json`;
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const kept = Object.fromEntries(Object.entries(report.files).filter(([path]) => inModule(name, path)));
  if (Object.keys(kept).length === Object.keys(report.files).length) return;
  writeFileSync(file, JSON.stringify({ ...report, files: kept }, null, 2));
}

const rows = [];
let failed = false;
for (const name of names) {
  const started = Date.now();
  const json = `reports/mutation/${name}.json`;
  rmSync(json, { force: true });
  const run = spawnSync('npx', ['stryker', 'run'], { stdio: 'inherit', env: { ...process.env, STRYKER_MODULE: name } });
  if (!existsSync(json)) {
    console.error(`${name}: Stryker wrote no report (exit ${run.status})`);
    failed = true;
    continue;
  }
  pruneIncremental(name);
  const t = tally(name, json);
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  rows.push({ name, ...t, minutes });
  if (t.score < MUTATION_BREAK) failed = true;
}

console.log('\nmodule        score   killed timeout survived nocov  ignored  minutes');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(13)} ${r.score.toFixed(1).padStart(5)}%  ${String(r.Killed).padStart(6)} ${String(r.Timeout).padStart(7)} ${String(r.Survived).padStart(8)} ${String(r.NoCoverage).padStart(5)} ${String(r.Ignored).padStart(8)}  ${r.minutes.padStart(7)}`,
  );
}
const all = rows.reduce((a, r) => ({ detected: a.detected + r.detected, valid: a.valid + r.valid }), { detected: 0, valid: 0 });
if (rows.length > 1)
  console.log(`${'all'.padEnd(13)} ${(all.valid === 0 ? 100 : (100 * all.detected) / all.valid).toFixed(1).padStart(5)}%`);
process.exit(failed ? 1 : 0);
