/**
 * A lost frame costs neither side its activation: each side answers a repeated request with the
 * reply it sent before, whatever that reply was (an error too), and a lost push from the server
 * (an IT policy update) neither stalls the updates after it nor the reply it displaced
 * (docs/protocol.md, "Idempotency").
 *
 * The comment above a test describes the bug it once caught, as it was (all fixed); should one
 * of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import type { FrameHandler, Transport } from '../../src/transport/transport.js';
import { EMAIL, HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';
import { runActivation } from '../security/harness.js';

/** A simulator attached to a fake transport, so that it has a route for pushes (updatePolicy). */
function attachedServer() {
  const { sim, clock, log } = createServer({ users: USERS });
  const outbox: Uint8Array[] = [];
  let toServer: FrameHandler = () => {};
  const transport: Transport = {
    send: async (bytes) => {
      outbox.push(bytes);
    },
    onFrame: (handler) => {
      toServer = handler;
      return () => {};
    },
    close: async () => {},
  };
  sim.attach(transport);
  return { sim, clock, log, outbox, viaTransport: (bytes: Uint8Array) => toServer(bytes) };
}

describe('retries repair lost frames', () => {
  // src/simulator/server-session.ts failSession stores the error frame as lastReply for the
  // request's own seq (forSeq = recvSeq) without advancing recvSeq, and bes-simulator.ts only
  // answers repeats for seq < recvSeq; a repeat with seq == recvSeq reaches dispatch, which drops
  // it ("unexpected handset-confirm in failed"). So if the one error frame is lost, the handset
  // retransmits into silence and ends with TIMEOUT instead of the server's code (here UNSUPPORTED;
  // the same for WRONG_PASSWORD on a bad Ta, PROTOCOL_ERROR on a bad body or key proof, ...).
  it('a lost error reply is sent again when the handset repeats its request (docs/protocol.md, Idempotency)', () => {
    let dropped = false;
    const h = runActivation({
      users: USERS,
      handsetConfig: { ...HANDSET_CONFIG, ciphers: ['AES-256-CBC'] },
      serverOptions: { ciphers: ['TDES-EDE2-CBC'] },
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-handset' && ctx.type === 'error' && !dropped) {
          dropped = true;
          return [];
        }
        return [bytes];
      },
    });
    expect(h.error?.code).toBe('UNSUPPORTED'); // was: TIMEOUT
  });

  // src/simulator/bes-simulator.ts updatePolicy pushes each update once (lastReply forSeq -1, no
  // retransmission), and the handset accepts only seq == recvSeq. One lost push leaves the
  // handset's recvSeq behind for good: every later push has a higher seq and is ignored as
  // "frame out of order", so the device never receives a policy update again.
  it('after one lost IT policy update, the next update still reaches the device', () => {
    const s = attachedServer();
    const h = runActivation({ sim: s.sim, clock: s.clock, log: s.log });
    expect(h.state.phase).toBe('complete');
    s.viaTransport(h.sent('to-server', 'sync-ack').at(-1)!); // gives the server a route to the device
    s.outbox.length = 0;
    s.sim.updatePolicy('p2', { 'Password Required': true });
    s.outbox.shift(); // lost on the air
    s.sim.updatePolicy('p3', { 'Password Required': true, 'Minimum Password Length': 6 });
    h.step({ type: 'frame', bytes: s.outbox.shift()!, now: s.clock.now });
    h.run();
    expect(h.state.policy?.policy.id).toBe('p3'); // was: 'default'; ignored as 'frame out of order'
  });

  // updatePolicy (bes-simulator.ts, policyFrame with forSeq -1) overwrites session.lastReply, the
  // server's copy of sync-done. A device whose sync-done was lost retransmits its last sync-ack,
  // the server drops it as an "old frame", and the device ends in TIMEOUT while the server shows
  // the account Activated (its password already deleted).
  it('an update pushed while the last sync-done is lost does not cost the device its activation', () => {
    const s = attachedServer();
    let dropped = false;
    const h = runActivation({
      sim: s.sim,
      clock: s.clock,
      log: s.log,
      driveTimers: false,
      adversary: (bytes, direction, ctx) =>
        direction === 'to-handset' && ctx.type === 'sync-done' && !dropped ? ((dropped = true), []) : [bytes],
    });
    expect(h.state.phase).toBe('syncing');
    s.viaTransport(h.sent('to-server', 'sync-ack').at(-1)!); // route (the server repeats sync-done to the outbox)
    s.outbox.length = 0;
    s.sim.updatePolicy('p2', { 'Password Required': true });
    h.driveTimers = true;
    h.run();
    expect(s.sim.account(EMAIL)?.status).toBe('Activated');
    expect(h.state.phase).toBe('complete'); // was: failed (TIMEOUT)
  });
});
