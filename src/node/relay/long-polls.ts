/**
 * The long-polls (`GET /v1/frames`) the relay holds open. An address may have a few waiting polls,
 * one per receiver identity (no receive key, or each receive key): each is answered with the frames
 * it may take (200 and a batch) as soon as one arrives, or with 204 when the wait ends, a newer
 * poll of the same identity replaces it, or the relay shuts down. A poll without a receive key
 * never displaces one with a key (docs/transports.md, "Authentication").
 */
import type http from 'node:http';
import {
  FRAME_BATCH_CONTENT_TYPE,
  MAX_BATCH_BYTES,
  MAX_BATCH_FRAMES,
  VOUCHED_BATCH_CONTENT_TYPE,
  encodeFrameBatch,
  encodeVouchedBatch,
} from '../../transport/relay-protocol.js';
import { canAnswer, type HttpResponder } from './http-responses.js';
import { RelayRefusal } from './relay-refusal.js';
import type { Receiver, RelayRouter } from './relay-router.js';

/** Room left in a batch for CBOR framing and vouches. */
const BATCH_BYTES = MAX_BATCH_BYTES - 64 * 1024;

interface Waiter {
  readonly res: http.ServerResponse;
  readonly receiver: Receiver;
  readonly timer: ReturnType<typeof setTimeout>;
}

interface PollSlot {
  waiters: Waiter[];
  flushScheduled: boolean;
}

export class LongPolls {
  /** By canonical peer address. */
  private readonly slots = new Map<string, PollSlot>();

  constructor(
    private readonly router: RelayRouter,
    private readonly responder: HttpResponder,
    private readonly maxPerAddress: number,
  ) {}

  /**
   * Takes a poll of `receiver`: answers the older poll of the same identity it replaces, then
   * answers this one at once when it has frames or `waitMs` is 0, else holds it for up to `waitMs`.
   * RelayRefusal 429 when the address has its fill of waiting polls and none may be displaced.
   */
  accept(receiver: Receiver, res: http.ServerResponse, waitMs: number): void {
    const address = receiver.address.address;
    const slot = this.slotOf(address);
    const same = slot.waiters.find((w) => w.receiver.receiveKey === receiver.receiveKey);
    if (same) this.answer(address, slot, same, true);
    if (this.router.hasFor(address, receiver) || waitMs === 0) {
      this.dropIfEmpty(address, slot);
      return this.sendBatch(receiver, res);
    }
    if (slot.waiters.length >= this.maxPerAddress) {
      // Only a poll with a receive key may make room, and only by answering one without.
      const anonymous = receiver.receiveKey !== undefined ? slot.waiters.find((w) => w.receiver.receiveKey === undefined) : undefined;
      if (!anonymous) {
        this.dropIfEmpty(address, slot);
        throw new RelayRefusal(429, 'TOO_MANY_RECEIVERS', 'this address has its fill of waiting polls');
      }
      this.answer(address, slot, anonymous, true);
    }
    const waiter: Waiter = {
      res,
      receiver,
      timer: setTimeout(() => this.answer(address, slot, waiter, true), waitMs),
    };
    slot.waiters.push(waiter);
    this.router.receiverLive(address, 1);
    res.on('close', () => this.forget(address, slot, waiter));
  }

  /** Answers the waiting polls of `address` that have frames; with `all`, every one (204 when empty). */
  flush(address: string, all = false): void {
    const slot = this.slots.get(address);
    if (!slot) return;
    // Polls with a receive key first: they take their sessions' frames before anyone takes the unbound ones.
    const order = [...slot.waiters].sort(
      (a, b) => Number(b.receiver.receiveKey !== undefined) - Number(a.receiver.receiveKey !== undefined),
    );
    for (const waiter of order) {
      if (all || this.router.hasFor(address, waiter.receiver)) this.answer(address, slot, waiter, true);
    }
  }

  /** Something was queued for `address`: its waiting polls that may take it are answered on the next turn. */
  wake(address: string): void {
    const slot = this.slots.get(address);
    if (!slot || slot.waiters.length === 0 || slot.flushScheduled) return;
    slot.flushScheduled = true;
    setImmediate(() => {
      slot.flushScheduled = false;
      this.flush(address);
      this.dropIfEmpty(address, slot);
    });
  }

  /** Answers every waiting poll with 204 (the relay shuts down). */
  closeAll(): void {
    for (const [address, slot] of this.slots) {
      for (const waiter of [...slot.waiters]) {
        this.forget(address, slot, waiter);
        this.responder.send(waiter.res, 204);
      }
    }
  }

  /** Waiting polls in all (for tests). */
  get waiting(): number {
    let n = 0;
    for (const slot of this.slots.values()) n += slot.waiters.length;
    return n;
  }

  private answer(address: string, slot: PollSlot, waiter: Waiter, withBatch: boolean): void {
    if (!this.forget(address, slot, waiter)) return;
    if (withBatch) this.sendBatch(waiter.receiver, waiter.res);
  }

  /** Removes a waiter; false when it was gone already. */
  private forget(address: string, slot: PollSlot, waiter: Waiter): boolean {
    const i = slot.waiters.indexOf(waiter);
    if (i < 0) return false;
    slot.waiters.splice(i, 1);
    clearTimeout(waiter.timer);
    this.router.receiverLive(address, -1);
    this.dropIfEmpty(address, slot);
    return true;
  }

  private dropIfEmpty(address: string, slot: PollSlot): void {
    if (slot.waiters.length === 0 && !slot.flushScheduled && this.slots.get(address) === slot) this.slots.delete(address);
  }

  /** Answers a poll with what its receiver may take (200 and a batch), or 204 when nothing. */
  private sendBatch(receiver: Receiver, res: http.ServerResponse): void {
    if (!canAnswer(res)) return; // the client left: keep the frames
    const batch = this.router.takeFor(receiver.address.address, receiver, MAX_BATCH_FRAMES, BATCH_BYTES);
    if (batch.length === 0) return this.responder.send(res, 204);
    const { vouchKey } = receiver;
    if (vouchKey) {
      return this.responder.send(
        res,
        200,
        encodeVouchedBatch(batch.map((item) => this.router.vouched({ vouchKey }, item))),
        VOUCHED_BATCH_CONTENT_TYPE,
      );
    }
    this.responder.send(res, 200, encodeFrameBatch(batch.map((item) => item.bytes)), FRAME_BATCH_CONTENT_TYPE);
  }

  private slotOf(address: string): PollSlot {
    let slot = this.slots.get(address);
    if (!slot) {
      slot = { waiters: [], flushScheduled: false };
      this.slots.set(address, slot);
    }
    return slot;
  }
}
