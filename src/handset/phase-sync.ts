/**
 * Phase 4 on the handset: organizer synchronization, calendar first, one page in flight. Each
 * page is stored (idempotently: records are keyed by id) and acknowledged; `sync-done` ends the
 * activation with "Activation Complete".
 */
import { applyPage, recordCount } from '../sync/sync-store.js';
import type { Frame } from '../wire/frame.js';
import { openBody, sealBody } from '../wire/messages/sealed-body.js';
import { decodeSyncDone } from '../wire/messages/sync-done.js';
import { decodeSyncPage } from '../wire/messages/sync-page.js';
import { encodeSyncAck } from '../wire/messages/sync-ack.js';
import type { StepResult } from './io.js';
import { type HandsetEnv, headerAd, nextHeader, sendAndWait } from './machine-support.js';
import { activationResult } from './phase-key-exchange.js';
import type { CompleteState, HandsetState, KeyedSession, SyncingState } from './state.js';
import { status, synchronizingStatus } from './status.js';

/** A page of organizer data arrived: store it, show the progress, acknowledge it. */
export function onSyncPage(state: SyncingState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const page = decodeSyncPage(openBody(env.provider, state.transportKey, frame.body, headerAd(frame), 'sync-page'));
  const sync = state.sync;
  const { store, ack } = applyPage(sync.store, page);
  const received = recordCount(store, page.database);
  const progress = { ...sync.progress, [page.database]: { received, total: page.total } };
  const shown = synchronizingStatus(page.database, received, page.total);
  const next: KeyedSession = { ...state.session, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, next, 'sync-ack', `srp:${state.server.srp}`);
  return sendAndWait(
    { ...state, session: next, sync: { store, progress }, status: shown },
    header,
    sealBody(env.provider, state.transportKey, encodeSyncAck(ack), headerAd(header), env.random),
    {
      now,
      before: [
        { type: 'sync-progress', database: page.database, received, total: page.total },
        { type: 'status', status: shown },
      ],
    },
  );
}

/** The server has sent everything: "Activation Complete". */
export function onSyncDone(state: SyncingState, frame: Frame, _now: number, env: HandsetEnv): StepResult<HandsetState> {
  decodeSyncDone(openBody(env.provider, state.transportKey, frame.body, headerAd(frame), 'sync-done'));
  const done = status('activation-complete');
  const tk = state.transportKey;
  const result = activationResult(state.email, tk.algorithm, tk.keyId, state.server);
  // The session stays: IT policy updates arrive in it after activation.
  const complete: CompleteState = {
    ...state,
    phase: 'complete',
    status: done,
    session: { ...state.session, recvSeq: frame.seq + 1, deadline: undefined, retriesUsed: 0 },
  };
  return { state: complete, outputs: [{ type: 'clear-timer' }, { type: 'status', status: done }, { type: 'complete', result }] };
}
