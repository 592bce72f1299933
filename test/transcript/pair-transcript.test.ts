/**
 * A transcript of the Pair harness's run, on its virtual clock: a lost frame and the handset's
 * retransmission show with their times, and two runs with the same fault are the same transcript.
 */
import { describe, expect, it } from 'vitest';
import { diffTranscripts, formatTranscript } from '../../src/transcript/index.js';
import { activatePair, faults } from '../support/pair.js';
import { pairTranscript } from '../support/pair-transcript.js';

describe('pairTranscript', () => {
  it('shows a lost server share and the ETP.DAT sent again after the reply timeout, on the virtual clock', () => {
    const run = () => pairTranscript(activatePair({ link: faults.drop({ direction: 'to-handset', type: 'server-share', nth: 0 }) }));
    const t = run();
    expect(t.meta.outcome).toBe('complete');
    expect(t.entries.slice(0, 4).map((e) => [e.t, e.direction, e.type, e.seq])).toEqual([
      [0, 'to-server', 'etp-dat', 0],
      [0, 'to-handset', 'server-share', 0],
      [15_000, 'to-server', 'etp-dat', 0],
      [15_000, 'to-handset', 'server-share', 0],
    ]);
    // The ETP.DAT sent again is the same frame: same digest.
    expect(t.entries[2]?.digest).toBe(t.entries[0]?.digest);
    expect(formatTranscript(t)).toMatch(/\n {3}2 +\+15000 ms {2}handset → server {2}etp-dat +seq 0 /);
    expect(diffTranscripts(t, run(), { time: true })).toBeUndefined();
    const clean = pairTranscript(activatePair());
    // Against a run without the loss, the first difference is the retransmission.
    expect(diffTranscripts(t, clean)).toMatchObject({ index: 2, field: 'type', a: 'etp-dat', b: 'handset-confirm' });
  });
});
