/**
 * No byte array is shared across the API: the library does not write to the bytes it is given
 * (decoding a frame, as `handsetStep` and `BesSimulator.receive` do, adds nothing to it, and works
 * on a non-extensible one), and it never hands out the bytes it keeps (what either side returns
 * to be sent is a copy of what it keeps for retransmission). A transport that zeroizes or
 * transfers its buffers, or a caller that keeps its own, cannot corrupt either side.
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { handsetStep } from '../../src/handset/machine.js';
import { decodeFrame, encodeFrame, type Frame } from '../../src/wire/frame.js';
import { USERS } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { SecurityHarness } from './harness.js';

const ENV = { provider: nobleProvider, random: seededRandom('kept-buffers') };

const frame: Frame = {
  v: 1,
  type: 'error',
  sid: new Uint8Array(16).fill(7),
  seq: 0,
  pin: '2100000A',
  to: 'pin:2100000A',
  body: new Uint8Array([0xa0]),
};

describe('the bytes given to the library are left as they were', () => {
  // src/codec/cbor.ts decodeCbor once handed the caller's Uint8Array straight to cbor-x, whose
  // decoder cached `source.dataView = new DataView(...)` on it (node_modules/cbor-x/decode.js). So
  // every decode added an own property to the caller's bytes (frames given to handsetStep or
  // BesSimulator.receive, and byte strings kept in HandsetState such as session.serverAd), and a
  // valid frame in a non-extensible Uint8Array was refused as MALFORMED ("not valid CBOR"),
  // because the property write threw a TypeError. It now passes a fresh view.
  it('decoding does not add properties to the caller’s bytes', () => {
    const bytes = encodeFrame(frame);
    decodeFrame(bytes);
    expect(Object.keys(bytes).filter((k) => !/^\d+$/.test(k))).toEqual([]);
  });

  it('a valid frame in a non-extensible Uint8Array decodes', () => {
    const bytes = Object.preventExtensions(encodeFrame(frame));
    expect(decodeFrame(bytes).type).toBe('error');
  });
});

describe('the bytes the library keeps are never handed out', () => {
  // BesSimulator.receive returns the very Uint8Array it keeps as session.lastReply, and the
  // handset's `send` output is the very array kept as state.session.lastSent.bytes. A transport
  // that zeroizes or transfers its buffer after sending corrupts the retransmission (and, on the
  // handset, the state the machine promises never to share or mutate).
  it('the simulator does not hand out the buffer it keeps for retransmission', () => {
    const { sim, clock } = createServer({ users: USERS });
    const h = new SecurityHarness({ sim, clock });
    h.activate();
    const etp = h.sent('to-server', 'etp-dat')[0] ?? h.outputsOf('send')[0]!.bytes;
    const first = sim.receive(etp)[0]!;
    first.fill(0); // e.g. a transport that wipes its buffer once sent
    const again = sim.receive(etp)[0]!;
    expect(frameType(again)).toBe('server-share'); // was: the zeroed buffer, undecodable
  });

  it('the handset does not hand out the buffer it keeps for retransmission', () => {
    const { sim, clock } = createServer({ users: USERS });
    const h = new SecurityHarness({ sim, clock, driveTimers: false });
    const { outputs } = h.activate();
    const sent = outputs.filter((o) => o.type === 'send');
    expect(sent).toHaveLength(1);
    sent[0]!.bytes.fill(0);
    const deadline = h.state.session!.deadline!;
    const retry = handsetStep(h.state, { type: 'timer', now: deadline }, ENV).outputs.filter((o) => o.type === 'send');
    expect(retry.map((o) => frameType(o.bytes))).toEqual(['etp-dat']); // was: [undefined]
  });
});
