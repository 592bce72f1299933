/**
 * A `rekey-done` the handset did not wait for changes nothing (docs/lifecycle.md, "Key rollover").
 *
 * The bug (found by the state machine fuzzer once it generated the rekey messages, issue 13):
 * with no key pending, the handset moved its receive sequence past any `rekey-done`, without
 * opening it; `rekey-done` is taken across a gap in the sequence, so one forged frame with a high
 * sequence number made every later genuine frame of the server look like a duplicate, for good.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SEQUENCE, decodeFrame, encodeFrame } from '../../src/wire/frame.js';
import { EMAIL } from '../support/fixtures.js';
import { activatePair } from '../support/pair.js';

describe('a rekey-done without a pending key', () => {
  it('is ignored without changing the state, and the server frames after it are still taken', () => {
    const pair = activatePair({ serverOptions: { keyRolloverDays: 0 } });
    expect(pair.handset.phase).toBe('complete');
    const before = pair.handset;
    // Anyone on the path can copy a header of this session and write a frame far ahead in its sequence.
    const template = decodeFrame(pair.sent('to-handset').at(-1)!);
    const forged = encodeFrame({ ...template, type: 'rekey-done', seq: MAX_SEQUENCE - 1, body: new Uint8Array(64) });
    pair.inject('to-handset', forged);
    pair.drive();
    expect(pair.outputs.at(-1)).toMatchObject({ type: 'ignored', reason: 'rekey-done without a pending key' });
    expect(pair.handset).toBe(before);
    // The server's next push is taken and acknowledged.
    pair.server.updatePolicy('after-forgery', { 'Disable Camera': true });
    pair.pollServer();
    pair.drive();
    expect(pair.server.policyPending(EMAIL)).toBeUndefined();
    expect(pair.server.policyAck(EMAIL)?.policyId).toBe('after-forgery');
  });
});
