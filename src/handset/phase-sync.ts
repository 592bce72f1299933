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
import type { HandsetState, SessionState } from './state.js';
import { status, synchronizingStatus } from './status.js';

export function onSyncPage(state: HandsetState, session: SessionState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const page = decodeSyncPage(openBody(env.provider, state.transportKey!, frame.body, headerAd(frame), 'sync-page'));
  const sync = state.sync ?? { store: {}, progress: {} };
  const { store, ack } = applyPage(sync.store, page);
  const received = recordCount(store, page.database);
  const progress = { ...sync.progress, [page.database]: { received, total: page.total } };
  const shown = synchronizingStatus(page.database, received, page.total);
  const next: SessionState = { ...session, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, next, 'sync-ack', `srp:${state.server!.srp}`);
  return sendAndWait(
    { ...state, sync: { store, progress }, status: shown },
    next,
    header,
    sealBody(env.provider, state.transportKey!, encodeSyncAck(ack), headerAd(header), env.random),
    'syncing',
    now,
    [
      { type: 'sync-progress', database: page.database, received, total: page.total },
      { type: 'status', status: shown },
    ],
  );
}

export function onSyncDone(state: HandsetState, session: SessionState, frame: Frame, _now: number, env: HandsetEnv): StepResult<HandsetState> {
  decodeSyncDone(openBody(env.provider, state.transportKey!, frame.body, headerAd(frame), 'sync-done'));
  const done = status('activation-complete');
  const tk = state.transportKey!;
  const result = activationResult(state.email ?? session.email, tk.algorithm, tk.keyId, state.server!);
  return {
    // The session stays: IT policy updates arrive in it after activation.
    state: { ...state, phase: 'complete', status: done, session: { ...session, recvSeq: frame.seq + 1, deadline: undefined, retriesUsed: 0 } },
    outputs: [{ type: 'clear-timer' }, { type: 'status', status: done }, { type: 'complete', result }],
  };
}
