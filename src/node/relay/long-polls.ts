/**
 * The long-polls (`GET /v1/frames`) the relay holds open, one per peer address: answered with what
 * the router has queued for the peer (200 and a batch) as soon as something arrives, or with 204
 * when the wait ends, a newer poll replaces it, or the relay shuts down.
 */
import type http from 'node:http';
import { FRAME_BATCH_CONTENT_TYPE, MAX_BATCH_FRAMES, encodeFrameBatch } from '../../transport/relay-protocol.js';
import { canAnswer, type HttpResponder } from './http-responses.js';
import type { RelayRouter } from './relay-router.js';

interface Waiter {
  readonly res: http.ServerResponse;
  readonly timer: ReturnType<typeof setTimeout>;
}

interface PollSlot {
  waiter: Waiter | undefined;
  flushScheduled: boolean;
}

export class LongPolls {
  /** By canonical peer address. */
  private readonly slots = new Map<string, PollSlot>();

  constructor(
    private readonly router: RelayRouter,
    private readonly responder: HttpResponder,
  ) {}

  /**
   * Takes a poll of peer `address`: answers the older poll it replaces, then answers this one at
   * once when frames are queued or `waitMs` is 0, else holds it for up to `waitMs`.
   */
  accept(address: string, res: http.ServerResponse, waitMs: number): void {
    const slot = this.slotOf(address);
    if (slot.waiter) this.flush(address); // a newer poll replaces the older one, which is answered now
    if (this.router.queueLength(address) > 0 || waitMs === 0) return this.sendBatch(address, res);
    const waiter: Waiter = {
      res,
      timer: setTimeout(() => {
        if (slot.waiter === waiter) this.flush(address);
      }, waitMs),
    };
    slot.waiter = waiter;
    res.on('close', () => {
      if (slot.waiter === waiter) {
        clearTimeout(waiter.timer);
        slot.waiter = undefined;
      }
    });
  }

  /** Answers the waiting poll of `address` now, if there is one. */
  flush(address: string): void {
    const slot = this.slots.get(address);
    const waiter = slot?.waiter;
    if (!slot || !waiter) return;
    slot.waiter = undefined;
    clearTimeout(waiter.timer);
    this.sendBatch(address, waiter.res);
  }

  /** Something was queued for `address`: its waiting poll, if any, is answered on the next turn. */
  wake(address: string): void {
    const slot = this.slots.get(address);
    if (!slot?.waiter || slot.flushScheduled) return;
    slot.flushScheduled = true;
    setImmediate(() => {
      slot.flushScheduled = false;
      this.flush(address);
    });
  }

  /** Answers every waiting poll with 204 (the relay shuts down). */
  closeAll(): void {
    for (const slot of this.slots.values()) {
      if (!slot.waiter) continue;
      clearTimeout(slot.waiter.timer);
      const res = slot.waiter.res;
      slot.waiter = undefined;
      this.responder.send(res, 204);
    }
  }

  /** Answers a poll with what is queued for the peer (200 and a batch), or 204 when nothing is. */
  private sendBatch(address: string, res: http.ServerResponse): void {
    if (!canAnswer(res)) return; // the client left: keep the frames
    const batch = this.router.take(address, MAX_BATCH_FRAMES);
    if (batch.length === 0) return this.responder.send(res, 204);
    this.responder.send(res, 200, encodeFrameBatch(batch), FRAME_BATCH_CONTENT_TYPE);
  }

  private slotOf(address: string): PollSlot {
    let slot = this.slots.get(address);
    if (!slot) {
      slot = { waiter: undefined, flushScheduled: false };
      this.slots.set(address, slot);
    }
    return slot;
  }
}
