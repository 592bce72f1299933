/**
 * Reads the transitions of a Mermaid `stateDiagram-v2` block in a markdown page: the docs draw
 * each state machine, and tests check the drawing against the tables the code runs on.
 */
import { readFileSync } from 'node:fs';

/** A `from --> to` edge, with Mermaid's node names turned back into phase names (`_` → `-`). */
export type Edge = `${string} --> ${string}`;

/** The edges of the `index`-th `stateDiagram-v2` block of `file`, without the start arrow (`[*] --> x`). */
export function diagramEdges(file: string, index = 0): Set<Edge> {
  const edges = new Set<Edge>();
  for (const [from, to] of arrows(file, index)) if (from !== '[*]') edges.add(`${from} --> ${to}`);
  return edges;
}

/** The states the start arrows (`[*] --> x`) of the `index`-th `stateDiagram-v2` block of `file` lead to. */
export function diagramStarts(file: string, index = 0): Set<string> {
  return new Set(arrows(file, index).flatMap(([from, to]) => (from === '[*]' ? [to] : [])));
}

function arrows(file: string, index: number): [string, string][] {
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks[index];
  if (block === undefined) throw new Error(`${file} has no stateDiagram-v2 block number ${index}`);
  const out: [string, string][] = [];
  for (const line of block.split('\n')) {
    const match = /^\s*([\w[\]*]+)\s*-->\s*([\w[\]*]+)\s*(?::|$)/.exec(line);
    if (match) out.push([match[1] === '[*]' ? '[*]' : phase(match[1] ?? ''), phase(match[2] ?? '')]);
  }
  return out;
}

function phase(node: string): string {
  return node.replaceAll('_', '-');
}

/** A transition table in the form both cores use: per phase, per message or input, `{ to }` or the targets. */
type FrameTable = { readonly [phase: string]: { readonly [message: string]: { readonly to: readonly string[] } | undefined } | undefined };
type InputTable = { readonly [input: string]: { readonly [phase: string]: readonly string[] | undefined } };

/** Every `from --> to` edge of a core's frame table and input table. */
export function tableEdges(frames: FrameTable, inputs: InputTable): Set<Edge> {
  const edges = new Set<Edge>();
  for (const [from, messages] of Object.entries(frames)) {
    for (const transition of Object.values(messages ?? {})) for (const to of transition?.to ?? []) edges.add(`${from} --> ${to}`);
  }
  for (const phases of Object.values(inputs)) {
    for (const [from, targets] of Object.entries(phases)) for (const to of targets ?? []) edges.add(`${from} --> ${to}`);
  }
  return edges;
}
