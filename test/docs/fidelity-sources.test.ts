/**
 * docs/fidelity.md lists every documented fact about BlackBerry activation with its source and
 * where the code models it. A row without a source, or one that points at a file of ours that is
 * not there, is a claim nobody can check: these tests refuse both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = 'docs/fidelity.md';

interface Row {
  readonly line: number;
  readonly cells: readonly string[];
}

interface Table {
  readonly line: number;
  readonly header: readonly string[];
  readonly rows: readonly Row[];
}

function cellsOf(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

/** The Markdown tables of `text`: a header line, a `|---|` line, then rows up to the first line that is not one. */
function tablesOf(text: string): Table[] {
  const lines = text.split('\n');
  const tables: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || !/^\|\s*-{3,}/.test(lines[i + 1]!)) continue;
    const rows: Row[] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.startsWith('|'); j++) rows.push({ line: j + 1, cells: cellsOf(lines[j]!) });
    tables.push({ line: i + 1, header: cellsOf(lines[i]!), rows });
    i = j - 1;
  }
  return tables;
}

/** A source names the facts file, a seed line, a stored page's address, or Barry. */
const SOURCE_KINDS = /facts "[^"]+"|seed l\.\d+|https?:\/\/\S+|Barry/;

/** Paths of this repository a cell cites: `docs/...`, `src/...`, `test/...`, with or without backticks. */
function repoPathsIn(cell: string): string[] {
  const paths = cell.match(/(?<![\w./-])(?:docs|src|test)\/[\w./-]*[\w/]/g) ?? [];
  return paths.map((path) => path.replace(/\/$/, ''));
}

const tables = tablesOf(readFileSync(join(ROOT, DOC), 'utf8'));
const rows = tables.flatMap((table) => {
  const source = table.header.findIndex((name) => name.toLowerCase() === 'source');
  return table.rows.map((row) => ({ ...row, source: source < 0 ? undefined : row.cells[source] }));
});

describe(`${DOC}: every fact names its source`, () => {
  it('has its fact tables (one per topic), each with a source column', () => {
    expect(tables.length).toBeGreaterThanOrEqual(8);
    expect(tables.filter((table) => !table.header.some((name) => name.toLowerCase() === 'source')).map((t) => t.line)).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(80);
  });

  it('every row has a non-empty source cell naming the facts file, a seed line, a stored page or Barry', () => {
    const unsourced = rows.filter((row) => !row.source || !SOURCE_KINDS.test(row.source)).map((row) => `line ${row.line}`);
    expect(unsourced).toEqual([]);
  });

  it('every row has as many cells as its header', () => {
    const ragged = tables.flatMap((table) =>
      table.rows.filter((row) => row.cells.length !== table.header.length).map((row) => `line ${row.line}`),
    );
    expect(ragged).toEqual([]);
  });

  it('every path under docs/, src/ or test/ that a row cites exists', () => {
    const cited = rows.flatMap((row) => row.cells.flatMap(repoPathsIn).map((path) => ({ line: row.line, path })));
    expect(cited.length).toBeGreaterThan(50);
    const missing = cited.filter(({ path }) => !existsSync(join(ROOT, path))).map(({ line, path }) => `line ${line}: ${path}`);
    expect(missing).toEqual([]);
  });
});

describe('the path finder the check relies on', () => {
  it('finds backticked and bare paths, and not paths inside URLs or ../shared', () => {
    expect(repoPathsIn('`src/handset/status.ts`; docs/protocol.md, "Keys"; `src/crypto/cpace/`')).toEqual([
      'src/handset/status.ts',
      'docs/protocol.md',
      'src/crypto/cpace',
    ]);
    expect(repoPathsIn('http://docs.blackberry.com/en/admin/x.jsp and ../shared/seed/a.txt')).toEqual([]);
  });
});
