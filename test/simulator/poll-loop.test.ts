/**
 * The simulator's poll loop (`BesSimulator.attach`, docs/simulator.md): one timer while anything
 * is attached, none once nothing is, and still one when a send made by the poll itself closes the
 * simulator and attaches it again before returning (a transport may do anything in `send`).
 */
import { describe, expect, it } from 'vitest';
import { Handset } from '../../src/handset/handset.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';

const RETRANSMIT_MS = 1_000;

/** A transport that passes frames on, but hands each one to `intercept` first when it is set. */
function interceptable(inner: Transport): Transport & { intercept?: (frame: Uint8Array) => 'drop' | 'pass' } {
  const wrapped: Transport & { intercept?: (frame: Uint8Array) => 'drop' | 'pass' } = {
    send: (frame) => (wrapped.intercept?.(frame) === 'drop' ? Promise.resolve() : inner.send(frame)),
    onFrame: (handler) => inner.onFrame(handler),
    close: () => inner.close(),
  };
  return wrapped;
}

/** A simulator on its own virtual clock (the handset keeps real timers) with one activated device. */
async function activated() {
  const clock = new VirtualClock();
  const server = new BesSimulator({ now: clock.now, timers: clock.timers, policyRetransmitMs: RETRANSMIT_MS });
  server.addUser({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
  const [handsetSide, serverSide] = createMemoryTransportPair();
  const link = interceptable(serverSide);
  server.attach(link);
  const handset = new Handset({ config: HANDSET_CONFIG, transport: handsetSide });
  await handset.activate({ email: EMAIL, password: PASSWORD });
  return { clock, server, link, handset };
}

describe('the poll loop', () => {
  it('runs one timer while a transport is attached and none after the last one detaches', async () => {
    const { clock, server, handset } = await activated();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10 * RETRANSMIT_MS);
    expect(clock.pendingTimers).toBe(1);
    const [, second] = createMemoryTransportPair();
    const detach = server.attach(second);
    expect(clock.pendingTimers).toBe(1);
    detach();
    expect(clock.pendingTimers).toBe(1);
    server.close();
    expect(clock.pendingTimers).toBe(0);
    await handset.close();
  });

  it('stays one loop when a send made by the poll closes the simulator and attaches it again', async () => {
    const { clock, server, link, handset } = await activated();
    // The update is lost on the way, so the poll sends it again after RETRANSMIT_MS; that send
    // closes the simulator and attaches another transport before it returns.
    link.intercept = () => 'drop';
    server.updatePolicy('update-1', { 'Password Required': true });
    let resends = 0;
    const [, other] = createMemoryTransportPair();
    link.intercept = () => {
      resends++;
      server.close();
      server.attach(other);
      return 'drop';
    };
    await clock.advance(RETRANSMIT_MS);
    expect(resends).toBe(1);
    // The new attachment's loop only: the old loop, whose timer the close cleared, did not arm again.
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(100 * RETRANSMIT_MS);
    expect(clock.pendingTimers).toBe(1);
    server.close();
    expect(clock.pendingTimers).toBe(0);
    await handset.close();
  });
});
