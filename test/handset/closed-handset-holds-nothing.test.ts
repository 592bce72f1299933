/**
 * A closed (or suspended) handset is what an emulator keeps per idle device (issue 14): it holds
 * no transport and nothing the transport could call back, no pending activation, and no view of
 * its records that its reader has let go. Checked by
 * reachability, not by measuring the heap (bench/ measures that): the transport and the frame
 * handler the handset gave it are collected while the handset itself is still alive.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { Handset } from '../../src/handset/handset.js';
import type { FrameHandler, Transport } from '../../src/transport/transport.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Collects, after a turn of the event loop (a WeakRef stays alive until the job that made or read it ends). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
}

interface Watched {
  readonly handset: Handset;
  readonly transport: WeakRef<Transport>;
  readonly handler: WeakRef<FrameHandler>;
  readonly sent: Uint8Array[];
}

/** A handset on a transport that only the handset references (as an emulator's socket, once closed). */
function watched(): Watched {
  const sent: Uint8Array[] = [];
  let handler: FrameHandler | undefined;
  const transport: Transport = {
    send: async (frame) => {
      sent.push(frame);
    },
    onFrame: (h) => {
      handler = h;
      return () => {
        // The transport keeps the handler until it is detached, as the memory transport does.
      };
    },
    close: async () => undefined,
  };
  const handset = new Handset({ config: HANDSET_CONFIG, transport });
  if (handler === undefined) throw new Error('the handset did not listen');
  return { handset, transport: new WeakRef(transport), handler: new WeakRef(handler), sent };
}

describe('a closed handset holds no transport', () => {
  it('close(): the transport and its frame handler are released, the handset stays usable as a value', async () => {
    const w = watched();
    await w.handset.close();
    await collect();
    expect(w.transport.deref()).toBeUndefined();
    expect(w.handler.deref()).toBeUndefined();
    expect(w.handset.state.phase).toBe('idle');
    await expect(w.handset.activate({ email: 'a@example.com', password: 'pw' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('suspend() during an activation: the pending promise rejects, and nothing of the activation or the transport is held', async () => {
    const w = watched();
    const running = w.handset.activate({ email: 'alice@example.com', password: 'Bb-activation-1' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(w.sent.length).toBe(1); // the ETP.DAT went out
    w.handset.suspend();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActivationError);
    expect(error).toMatchObject({ code: 'INVALID_STATE' });
    await collect();
    expect(w.transport.deref()).toBeUndefined();
    expect(w.handler.deref()).toBeUndefined();
    // The state is kept as it was (a snapshot can continue it).
    expect(w.handset.state.phase).toBe('awaiting-server-share');
  });

  it('an open handset keeps its transport (the check above can fail)', async () => {
    const w = watched();
    await collect();
    expect(w.transport.deref()).toBeDefined();
    expect(w.handler.deref()).toBeDefined();
    await w.handset.close();
  });
});

describe('the records shown in Handset.state', () => {
  it('are the same object while the reader holds them, and are not kept by the handset once it has let them go', async () => {
    const server = new BesSimulator({ random: seededRandom('server') });
    server.addUser({ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD });
    const [handsetSide, serverSide] = createMemoryTransportPair();
    server.attach(serverSide);
    const handset = new Handset({ config: HANDSET_CONFIG, transport: handsetSide, random: seededRandom('handset') });
    await handset.activate({ email: EMAIL, password: PASSWORD });
    await handset.close();
    server.close();
    const shown = ((): WeakRef<object> => {
      const state = handset.state;
      expect(Object.keys(state.sync?.store ?? {}).length).toBeGreaterThan(0);
      expect(handset.state).toBe(state);
      return new WeakRef(state.sync?.store ?? {});
    })();
    await collect();
    expect(shown.deref()).toBeUndefined();
    expect(Object.keys(handset.state.sync?.store ?? {}).length).toBeGreaterThan(0);
  });
});
