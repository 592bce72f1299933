/**
 * Where an object's heap goes: a V8 heap snapshot of the process, its dominator tree (Cooper,
 * Harvey and Kennedy's iterative algorithm), and the retained size of every object of one
 * constructor, grouped by the path of fields from it (`current.serviceBooks`, `listeners`, ...).
 * The breakdown mode of bench/handset-memory.ts (`--breakdown`), which gives docs/handset.md its
 * table. Slow (seconds, and a few hundred MiB for the snapshot): a diagnostic, not a benchmark.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

interface RawSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly edge_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** Bytes per path, per object of the constructor asked for, and how many there were. */
export interface Breakdown {
  readonly objects: number;
  /** Average retained size of one object. */
  readonly retained: number;
  /** Average bytes under each path of at most `depth` fields, largest first ('' is the object itself). */
  readonly byPath: readonly (readonly [string, number])[];
}

/** Snapshots this process and breaks down the objects built by `constructorName`. */
export function heapBreakdown(constructorName: string, depth = 2): Breakdown {
  const file = writeHeapSnapshot(join(tmpdir(), `handset-breakdown-${process.pid}.heapsnapshot`));
  try {
    return analyse(JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot, constructorName, depth);
  } finally {
    rmSync(file, { force: true });
  }
}

function analyse(raw: RawSnapshot, constructorName: string, depth: number): Breakdown {
  const { meta } = raw.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const [TYPE, NAME, SELF, EDGES] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const [EDGE_TYPE, EDGE_NAME, EDGE_TO] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const count = raw.nodes.length / nodeFields;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += raw.nodes[i * nodeFields + EDGES]!;
    firstEdge[i + 1] = e;
  }
  const target = (e: number): number => raw.edges[e * edgeFields + EDGE_TO]! / nodeFields;
  // Weak references do not retain.
  const retains = (e: number): boolean => {
    const type = raw.edges[e * edgeFields + EDGE_TYPE];
    return type !== weak && type !== shortcut;
  };

  // Post-order from the root (node 0), iteratively.
  const order = new Int32Array(count).fill(-1);
  const post: number[] = [];
  const next = firstEdge.slice(0, count);
  const seen = new Uint8Array(count);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    if (next[v]! < firstEdge[v + 1]!) {
      const e = next[v]!++;
      const w = target(e);
      if (retains(e) && seen[w] === 0) {
        seen[w] = 1;
        stack.push(w);
      }
    } else {
      stack.pop();
      order[v] = post.length;
      post.push(v);
    }
  }
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (const v of post) for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e++) if (retains(e)) predecessors[target(e)]!.push(v);
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = post.length - 2; k >= 0; k--) {
      const v = post[k]!;
      let dominator = -1;
      for (const p of predecessors[v]!) if (idom[p] !== -1) dominator = dominator === -1 ? p : intersect(p, dominator);
      if (dominator !== -1 && idom[v] !== dominator) {
        idom[v] = dominator;
        changed = true;
      }
    }
  }
  const self = (v: number): number => raw.nodes[v * nodeFields + SELF]!;
  const retained = new Float64Array(count);
  for (const v of post) retained[v]! += self(v);
  for (const v of post) if (v !== 0) retained[idom[v]!]! += retained[v]!;

  const objectType = meta.node_types[0].indexOf('object');
  const roots: number[] = [];
  for (let v = 0; v < count; v++) {
    if (raw.nodes[v * nodeFields + TYPE] === objectType && raw.strings[raw.nodes[v * nodeFields + NAME]!] === constructorName)
      roots.push(v);
  }
  const dominatedBy = (v: number, root: number): boolean => {
    while (v !== root && v !== 0) v = idom[v]!;
    return v === root;
  };
  // Each object it dominates goes to the path by which a breadth-first walk first reached it.
  const byPath = new Map<string, number>();
  for (const root of roots) {
    const queue: [number, string[]][] = [[root, []]];
    const visited = new Set([root]);
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const [v, path] = item;
      const key = path.join('.');
      byPath.set(key, (byPath.get(key) ?? 0) + self(v));
      for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e++) {
        const w = target(e);
        if (!retains(e) || visited.has(w) || !dominatedBy(w, root)) continue;
        visited.add(w);
        const type = edgeTypes[raw.edges[e * edgeFields + EDGE_TYPE]!];
        const name = type === 'element' || type === 'hidden' ? `[${type}]` : raw.strings[raw.edges[e * edgeFields + EDGE_NAME]!]!;
        queue.push([w, path.length < depth ? [...path, name] : path]);
      }
    }
  }
  const n = Math.max(roots.length, 1);
  return {
    objects: roots.length,
    retained: roots.reduce((sum, v) => sum + retained[v]!, 0) / n,
    byPath: [...byPath].map(([path, bytes]) => [path, bytes / n] as const).sort((a, b) => b[1] - a[1]),
  };
}
