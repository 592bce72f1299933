/**
 * Phase 4 on the server: organizer synchronization, calendar first, one page in flight. Each
 * acknowledgement must name the page sent and its records; after the last page, `sync-done`
 * completes the activation. The mirror of src/handset/phase-sync.ts.
 *
 * Phase 4 comes after the commit point (the books-ack; docs/protocol.md, "The commit point"): the
 * account is activated, and nothing here fails it. An interrupted sync resumes when the handset
 * sends its last request again (answered with the reply sent before, or taken if it never came);
 * an acknowledgement that does not match the page in flight is dropped, and the page stays in flight.
 */
import { decodeSyncAck } from '../wire/messages/sync-ack.js';
import type { Frame } from '../wire/frame.js';
import { encodeSyncDone } from '../wire/messages/sync-done.js';
import type { ServerEnv, ServerStepResult } from './server-io.js';
import { drop, opened, sealed } from './server-machine-support.js';
import { syncPageBytes } from './server-sync-pages.js';
import { type ServerCompleteState, type ServerSyncingState, sessionBase } from './server-state.js';

/** The next page of `next`'s plan, or, when every page is acknowledged, `sync-done`: "Activation Complete". */
export function syncMessage(next: ServerSyncingState, forSeq: number, env: ServerEnv): ServerStepResult {
  const sync = next.sync;
  const page = sync.pages[sync.index];
  if (page) {
    const sent = sealed(next, 'sync-page', syncPageBytes(page), forSeq, env);
    return { state: sent.state, outputs: [sent.send] };
  }
  // The session stays, for IT policy updates; the plan and the pages go.
  const complete: ServerCompleteState = {
    ...sessionBase(next),
    phase: 'complete',
    transportKey: next.transportKey,
    policyAck: next.policyAck,
  };
  const sent = sealed(complete, 'sync-done', encodeSyncDone(sync.done), forSeq, env);
  return {
    state: sent.state,
    outputs: [{ type: 'log', event: 'activation complete', detail: { pin: next.pin, email: next.email } }, sent.send],
  };
}

/** `sync-ack`: the device stored the page in flight; send the next. */
export function onSyncAck(state: ServerSyncingState, frame: Frame, env: ServerEnv): ServerStepResult {
  const ack = decodeSyncAck(opened(state, frame, env));
  const sync = state.sync;
  const page = sync.pages[sync.index];
  if (
    !page ||
    ack.database !== page.database ||
    ack.page !== page.page ||
    ack.received.length !== page.records.length ||
    page.records.some((r, i) => r.id !== ack.received[i])
  ) {
    return drop(state, frame, 'the acknowledgement does not match the page in flight');
  }
  // The acknowledged pages go (and with them their records): a repeated acknowledgement is
  // answered with the reply kept for it (`lastReply`), never with a page rebuilt, so nothing needs
  // them again. The next page in flight is then the first.
  const rest = sync.pages.slice(sync.index + 1);
  return syncMessage({ ...state, recvSeq: frame.seq + 1, sync: { ...sync, pages: rest, index: 0 } }, frame.seq, env);
}
