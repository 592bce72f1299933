/**
 * Phase 4 on the handset: organizer synchronization, calendar first, one page in flight. Each
 * page is stored (idempotently: records are keyed by id) and acknowledged; `sync-done` ends the
 * activation with "Activation Complete".
 *
 * Phase 4 comes after the commit point (the books-ack registered the receipt of the service books;
 * docs/protocol.md, "The commit point"), so a server that stops answering does not fail the
 * activation: the handset keeps everything, shows that the synchronization is pending
 * ({@link pauseSync}) and, at the next contact, sends its last request again and resumes
 * ({@link resumeSync}); the server answers it with the page it was at.
 */
import { contentsDigest, reconcileDigests } from '../sync/sync-store.js';
import type { Frame } from '../wire/frame.js';
import { openBody, sealBody } from '../wire/messages/sealed-body.js';
import { decodeSyncDone } from '../wire/messages/sync-done.js';
import { decodeSyncPage } from '../wire/messages/sync-page.js';
import { encodeSyncAck } from '../wire/messages/sync-ack.js';
import type { StepResult } from './io.js';
import { type HandsetEnv, headerAd, nextHeader, sendAndWait } from './machine-support.js';
import { activationResult } from './phase-key-exchange.js';
import type { CompleteState, HandsetState, KeyedSession, SessionState, SyncPendingState, SyncingState } from './state.js';

type LastSent = NonNullable<SessionState['lastSent']>;
import { status, synchronizingStatus, syncPendingStatus, syncResumingStatus } from './status.js';

/**
 * A page of organizer data arrived (late, in `sync-pending`, it resumes the sync): store it (the
 * `store-records` output: the driver puts it in its record store before it sends anything after
 * it), show the progress, acknowledge it.
 */
export function onSyncPage(state: SyncingState | SyncPendingState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const page = decodeSyncPage(openBody(env.provider, state.transportKey, frame.body, headerAd(frame), frame.type));
  const sync = state.sync;
  // Reconciled with what the device held (a slow sync): duplicates merged, the server's version
  // winning a conflict, the device's other records kept. Decided on digests: the records are in
  // the record store, not here.
  const { ack, local, replaces } = reconcileDigests(sync.local ?? {}, page, (record) =>
    contentsDigest(record, (m) => env.provider.sha256(m)),
  );
  // Pages come in order, each once (a repeated frame is dropped by its sequence number), and hold
  // distinct records: each record of a page is one more received.
  const received = (sync.progress[page.database]?.received ?? 0) + page.records.length;
  const progress = { ...sync.progress, [page.database]: { received, total: page.total } };
  const shown = synchronizingStatus(page.database, received, page.total);
  const next: KeyedSession = { ...state.session, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, next, 'sync-ack', `srp:${state.server.srp}`);
  return sendAndWait(
    {
      ...state,
      phase: 'syncing',
      session: next,
      sync: { progress, ...(Object.keys(local).length > 0 ? { local } : {}) },
      status: shown,
    } satisfies SyncingState,
    header,
    sealBody(env.provider, state.transportKey, encodeSyncAck(ack), headerAd(header), env.random),
    {
      now,
      before: [
        { type: 'store-records', database: page.database, records: page.records, replaces },
        { type: 'sync-progress', database: page.database, received, total: page.total },
        { type: 'status', status: shown },
      ],
    },
  );
}

/**
 * The server has sent everything: "Activation Complete". The handset keeps only what it needs from
 * now on: the progress (no device records left to reconcile), and a session without the last
 * sync-ack (nothing will ask for it again).
 */
export function onSyncDone(state: SyncingState | SyncPendingState, frame: Frame, _now: number, env: HandsetEnv): StepResult<HandsetState> {
  decodeSyncDone(openBody(env.provider, state.transportKey, frame.body, headerAd(frame), frame.type));
  const done = status('activation-complete');
  const tk = state.transportKey;
  const result = activationResult(state.email, tk.algorithm, tk.keyId, state.server);
  // The session stays: IT policy updates arrive in it after activation.
  const { lastSent: _lastSent, deadline: _deadline, ...session } = state.session;
  const complete: CompleteState = {
    ...state,
    phase: 'complete',
    status: done,
    session: { ...session, recvSeq: frame.seq + 1, retriesUsed: 0 },
    sync: { progress: state.sync.progress },
  };
  return { state: complete, outputs: [{ type: 'clear-timer' }, { type: 'status', status: done }, { type: 'complete', result }] };
}

/**
 * How long the handset waits in `sync-pending` before it tries again: as long as one full round of
 * retransmissions took (the reply timeout times the attempts). Our choice.
 */
export function resumeDelayMs(state: Pick<HandsetState, 'config'>): number {
  return state.config.retry.replyTimeoutMs * (state.config.retry.retries + 1);
}

/**
 * The retransmissions of a synchronization request ran out. The activation is committed, so it
 * does not fail: everything is kept, the status says the sync is pending, and the handset tries
 * again after {@link resumeDelayMs} (or when it restarts, or when a late reply arrives).
 */
export function pauseSync(state: SyncingState, now: number): StepResult<HandsetState> {
  const shown = syncPendingStatus();
  const deadline = now + resumeDelayMs(state);
  const pending: SyncPendingState = { ...state, phase: 'sync-pending', status: shown, session: { ...state.session, deadline } };
  return {
    state: pending,
    outputs: [
      { type: 'status', status: shown },
      { type: 'set-timer', at: deadline },
    ],
  };
}

/**
 * The next contact: the last request (the books-ack or a sync-ack, `last`: the session's
 * `lastSent`, without which the timer does not fire) goes out again, with a fresh round of
 * retransmissions. The server answers a repeated request with the reply it sent before, or takes
 * it if it never had it, so the pages continue where they stopped.
 */
export function resumeSync(state: SyncPendingState, now: number, last: LastSent): StepResult<HandsetState> {
  const shown = syncResumingStatus();
  const deadline = now + state.config.retry.replyTimeoutMs;
  const syncing: SyncingState = { ...state, phase: 'syncing', status: shown, session: { ...state.session, retriesUsed: 0, deadline } };
  return {
    state: syncing,
    outputs: [
      { type: 'status', status: shown },
      { type: 'send', bytes: last.bytes.slice(), to: last.to },
      { type: 'set-timer', at: deadline },
    ],
  };
}
