/**
 * The server's state diagram in docs/server.md is its transition tables drawn: every edge of the
 * tables is in the diagram and every edge of the diagram is in the tables, and the start arrows are
 * the phases a session starts in, so that neither can gain a transition without the other.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_FRAME_TRANSITIONS, SERVER_INPUT_TRANSITIONS, SERVER_START_PHASES } from '../../src/simulator/server-machine.js';
import { SERVER_PHASES } from '../../src/simulator/server-state.js';
import { diagramEdges, diagramStarts, tableEdges } from '../support/mermaid.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'server.md');

describe('docs/server.md draws the server tables (src/simulator/server-machine.ts)', () => {
  const drawn = diagramEdges(DOC);
  const tables = tableEdges(SERVER_FRAME_TRANSITIONS, SERVER_INPUT_TRANSITIONS);

  it('every transition of the tables is drawn', () => {
    expect([...tables].filter((e) => !drawn.has(e))).toEqual([]);
  });

  it('every transition drawn is in the tables', () => {
    expect([...drawn].filter((e) => !tables.has(e))).toEqual([]);
  });

  it('a session starts where the diagram says', () => {
    expect([...diagramStarts(DOC)].sort()).toEqual([...SERVER_START_PHASES].sort());
  });

  it('every phase appears, and only phases', () => {
    const nodes = new Set([...drawn].flatMap((e) => e.split(' --> ')));
    expect([...nodes].sort()).toEqual([...SERVER_PHASES].sort());
  });

  it('the check sees a transition added to a table without the diagram', () => {
    const extended = new Set(tables).add('awaiting-confirm --> complete');
    expect([...extended].filter((e) => !drawn.has(e))).toEqual(['awaiting-confirm --> complete']);
  });
});
