/**
 * Phase 4 after the commit point (docs/handset.md, "The commit point"): when the server stops
 * answering, the handset keeps everything and moves to `sync-pending`; "when its timer comes (a
 * full round of retransmissions later) ... it resumes: it sends its last request again". Stepped
 * through `handsetStep` with `timer` inputs, on a handset whose reply timeout is 1 s with 2
 * retries: a full round is the first send and its 2 retransmissions, 3 s.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { StepResult } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState, HandsetStateIn } from '../../src/handset/state.js';
import { HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { frameOf } from '../support/frames.js';
import { activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const ENV = { provider: allAlgorithms, random: seededRandom('sync-pause-and-resume') };
const CONFIG = { ...HANDSET_CONFIG, retry: { replyTimeoutMs: 1_000, retries: 2 } };

function timer(state: HandsetState, now: number): StepResult<HandsetState> {
  return handsetStep(state, { type: 'timer', now }, ENV);
}

describe('a synchronization the server stops answering', () => {
  let syncing: HandsetStateIn<'syncing'>;

  beforeAll(() => {
    const pair = activatePair({ users: USERS, handsetConfig: CONFIG });
    expect(pair.result).toBeDefined();
    // Right after the books-ack (the commit point): the sync request is out, its reply awaited.
    const state = pair.states.find((s) => s.phase === 'syncing');
    if (state?.phase !== 'syncing') throw new Error('no syncing state');
    syncing = state;
  });

  /** Fires the timer at each deadline until the handset leaves `syncing`; returns that step and its time. */
  function untilPaused(): { result: StepResult<HandsetState>; at: number } {
    let state: HandsetState = syncing;
    for (let i = 0; i < 10; i++) {
      const at = state.session?.deadline;
      if (at === undefined) throw new Error('no deadline');
      const result = timer(state, at);
      if (result.state.phase !== 'syncing') return { result, at };
      state = result.state;
    }
    throw new Error('never paused');
  }

  it('after its 2 retransmissions it is pending, and tries again a full round (3 x 1 s) later', () => {
    const { result, at } = untilPaused();
    expect(result.state.phase).toBe('sync-pending');
    expect(result.outputs).toEqual([
      { type: 'status', status: { id: 'sync-pending', text: 'Synchronization pending: it resumes when the server answers' } },
      { type: 'set-timer', at: at + 3_000 },
    ]);
    expect(result.state.session?.deadline).toBe(at + 3_000);
    // Before that time the timer only asks to be set again.
    expect(timer(result.state, at + 2_999).outputs).toEqual([{ type: 'set-timer', at: at + 3_000 }]);
  });

  it('at that time it resumes: "Resuming synchronization", the last request again, and a reply awaited 1 s', () => {
    const paused = untilPaused();
    const resumeAt = paused.at + 3_000;
    const last = paused.result.state.session?.lastSent;
    expect(last).toBeDefined();
    expect(frameOf(last!.bytes).type).toBe('books-ack');
    const held = last!.bytes.slice();

    const result = timer(paused.result.state, resumeAt);
    expect(result.state.phase).toBe('syncing');
    expect(result.outputs).toEqual([
      { type: 'status', status: { id: 'sync-resuming', text: 'Resuming synchronization' } },
      { type: 'send', bytes: held, to: last!.to },
      { type: 'set-timer', at: resumeAt + 1_000 },
    ]);
    expect(result.state.session?.deadline).toBe(resumeAt + 1_000);

    // The transport gets its own copy: what it does with it does not change what the handset keeps.
    const send = result.outputs.find((o) => o.type === 'send');
    if (send?.type !== 'send') throw new Error('no send');
    send.bytes.fill(0);
    expect(result.state.session?.lastSent?.bytes).toEqual(held);
    expect(paused.result.state.session?.lastSent?.bytes).toEqual(held);
  });
});
