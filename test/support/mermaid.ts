/**
 * Reads the transitions of a Mermaid `stateDiagram-v2` block in a markdown page: the docs draw
 * each state machine, and tests check the drawing against the tables the code runs on.
 */
import { readFileSync } from 'node:fs';

/** A `from --> to` edge, with Mermaid's node names turned back into phase names (`_` → `-`). */
export type Edge = `${string} --> ${string}`;

/** The edges of the `index`-th `stateDiagram-v2` block of `file`, without the start arrow (`[*] --> x`). */
export function diagramEdges(file: string, index = 0): Set<Edge> {
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks[index];
  if (block === undefined) throw new Error(`${file} has no stateDiagram-v2 block number ${index}`);
  const edges = new Set<Edge>();
  for (const line of block.split('\n')) {
    const match = /^\s*([\w[\]*]+)\s*-->\s*([\w[\]*]+)\s*(?::|$)/.exec(line);
    if (!match || match[1] === '[*]') continue;
    edges.add(`${phase(match[1] ?? '')} --> ${phase(match[2] ?? '')}`);
  }
  return edges;
}

function phase(node: string): string {
  return node.replaceAll('_', '-');
}
