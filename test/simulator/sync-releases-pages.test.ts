/**
 * A server session holds the sync pages still to be acknowledged, no more (issue 14): each page
 * goes when its acknowledgement arrives, and a finished session keeps none. What retransmission
 * needs stays: a repeated acknowledgement is answered with the reply sent for it, byte for byte
 * (docs/reliability.md, "Timeouts and retransmission"), the last one (answered with sync-done) too.
 */
import { describe, expect, it } from 'vitest';
import type { ServerStepResult } from '../../src/simulator/server-io.js';
import { CoreRig, rigAt, sessionOf } from '../support/server-core.js';

/** A rig in `syncing` with small pages (the default data set then takes many). */
function syncingRig(): CoreRig {
  return rigAt('syncing', { services: { pageSize: 5 } });
}

/** Delivers the handset's next frame (its acknowledgement) to the server; returns the frame and the step. */
function acknowledge(rig: CoreRig): { ack: Uint8Array; step: ServerStepResult } {
  const ack = rig.toServer.shift()!;
  const step = rig.server(ack);
  rig.deliver(step);
  return { ack, step };
}

function pagesHeld(rig: CoreRig): number {
  const state = sessionOf(rig);
  return state.phase === 'syncing' ? state.sync.pages.length - state.sync.index : 0;
}

describe('a syncing session releases each page when its acknowledgement arrives', () => {
  it('holds one page fewer after each acknowledgement, only the ones not yet acknowledged', () => {
    const rig = syncingRig();
    const first = sessionOf(rig);
    if (first.phase !== 'syncing') throw new Error('not syncing');
    const planned = first.sync.pages.length;
    expect(planned).toBeGreaterThan(3);
    for (let acked = 1; acked < planned; acked++) {
      acknowledge(rig);
      const state = sessionOf(rig);
      if (state.phase !== 'syncing') throw new Error(`sync ended after ${acked} of ${planned} pages`);
      // Exactly the pages after the acknowledged ones, the one in flight first.
      expect(state.sync.pages.length).toBe(planned - acked);
      expect(state.sync.index).toBe(0);
      expect(state.sync.pages).toEqual(first.sync.pages.slice(acked));
    }
    acknowledge(rig);
    expect(sessionOf(rig).phase).toBe('complete');
    expect(sessionOf(rig).sync).toBeUndefined();
    expect(pagesHeld(rig)).toBe(0);
  });

  it('answers an acknowledgement repeated after its page was released with the same reply, byte for byte', () => {
    const rig = syncingRig();
    acknowledge(rig);
    const { ack, step } = acknowledge(rig);
    const held = pagesHeld(rig);
    const sent = step.outputs.flatMap((o) => (o.type === 'send' ? [o.bytes] : []));
    expect(sent).toHaveLength(1);
    const again = rig.server(ack);
    expect(again.outputs).toEqual([{ type: 'send', bytes: sent[0] }]);
    expect(pagesHeld(rig)).toBe(held);
  });

  it('answers the last acknowledgement, repeated after the session completed, with the same sync-done', () => {
    const rig = syncingRig();
    let last: { ack: Uint8Array; step: ServerStepResult } | undefined;
    while (sessionOf(rig).phase === 'syncing') last = acknowledge(rig);
    const done = CoreRig.sends(last!.step.outputs);
    expect(done.map((f) => f.type)).toEqual(['sync-done']);
    const again = rig.server(last!.ack);
    expect(again.outputs).toEqual(last!.step.outputs.filter((o) => o.type === 'send'));
    expect(again.state.phase).toBe('complete');
  });
});
