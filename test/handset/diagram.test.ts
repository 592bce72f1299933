/**
 * The handset's state diagram in docs/handset.md is its transition tables drawn: every edge of the
 * tables is in the diagram and every edge of the diagram is in the tables, so that neither can gain
 * a transition without the other.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDSET_FRAME_TRANSITIONS, HANDSET_INPUT_TRANSITIONS } from '../../src/handset/machine.js';
import { HANDSET_PHASES } from '../../src/handset/state.js';
import { diagramEdges, tableEdges } from '../support/mermaid.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'handset.md');

describe('docs/handset.md draws the handset tables (src/handset/machine.ts)', () => {
  const drawn = diagramEdges(DOC);
  const tables = tableEdges(HANDSET_FRAME_TRANSITIONS, HANDSET_INPUT_TRANSITIONS);

  it('every transition of the tables is drawn', () => {
    expect([...tables].filter((e) => !drawn.has(e))).toEqual([]);
  });

  it('every transition drawn is in the tables', () => {
    expect([...drawn].filter((e) => !tables.has(e))).toEqual([]);
  });

  it('every phase appears, and only phases', () => {
    const nodes = new Set([...drawn].flatMap((e) => e.split(' --> ')));
    expect([...nodes].sort()).toEqual([...HANDSET_PHASES].sort());
  });

  it('the check sees a transition added to a table without the diagram', () => {
    const extended = new Set(tables).add('awaiting-key --> complete');
    expect([...extended].filter((e) => !drawn.has(e))).toEqual(['awaiting-key --> complete']);
  });
});
