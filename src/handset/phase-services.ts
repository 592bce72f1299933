/**
 * Phase 3 on the handset, after the key is verified: the signed IT policy (verified with the
 * server's domain key from phase 2, applied through the pluggable enforcer, acknowledged), then
 * the service books (stored, acknowledged; "Services Received", then `Your email address "x" is
 * now enabled` when a [CMIME] book is present, and `Synchronization service Desktop [SRP]` when a
 * [SYNC] book is). Policy updates after activation come here too.
 */
import { isActivationError } from '../errors/activation-error.js';
import { policyBytesHash, policyHash, verifySignedPolicy } from '../policy/signed-policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import { policyUpdateDecision } from '../policy/apply-policy.js';
import { constantTimeEqual } from '../util/bytes.js';
import { addBooks } from '../service-books/store.js';
import { emailEnabled } from '../service-books/capabilities.js';
import type { Frame } from '../wire/frame.js';
import { openBody, sealBody } from '../wire/messages/sealed-body.js';
import { encodeBooksAck } from '../wire/messages/books-ack.js';
import { decodeSignedPolicy } from '../wire/messages/it-policy.js';
import { encodePolicyAck } from '../wire/messages/policy-ack.js';
import { decodeServiceBooks } from '../wire/messages/service-books.js';
import type { HandsetOutput, StepResult } from './io.js';
import { openUnderKeys } from './phase-rollover.js';
import { type HandsetEnv, fail, headerAd, ignore, nextHeader, sendAndWait } from './machine-support.js';
import type {
  ApplyingPolicyState,
  ApplyingPolicyUpdateState,
  AwaitingPolicyState,
  AwaitingServicesState,
  CompleteState,
  HandsetState,
  KeyedSession,
  SyncingState,
} from './state.js';
import { emailEnabledStatus, emailNotEnabledStatus, status, syncServiceStatus } from './status.js';

/**
 * `it-policy` arrived (at activation, or pushed as an update after it): verify it and hand it to
 * the enforcer (through the driver).
 */
export function onItPolicy(
  state: AwaitingPolicyState | CompleteState,
  frame: Frame,
  now: number,
  env: HandsetEnv,
): StepResult<HandsetState> {
  const { provider } = env;
  const session = state.session;
  const plaintext = openUnderKeys(state, frame, now, env);
  // The device is bound to the IT policy key of the BES it first activated with: it applies no
  // policy signed by another (RIM: only a wipe unbinds it; docs/lifecycle.md). Checked once the
  // frame has opened under the transport key, so that only this activation's server can end it.
  if (state.phase === 'awaiting-policy' && state.policyKey && !constantTimeEqual(state.policyKey, state.server.publicKey)) {
    return fail(state, 'POLICY_KEY_MISMATCH', 'the IT policy is signed by a key this device is not bound to', {
      detail: { reason: 'policy-key' },
    });
  }
  const signed = decodeSignedPolicy(plaintext);
  let policy;
  try {
    policy = verifySignedPolicy(provider, state.server.publicKey, signed);
  } catch (err) {
    if (!isActivationError(err)) throw err;
    if (state.phase === 'complete')
      return ignore({ ...state, session: { ...session, recvSeq: frame.seq + 1 } }, 'IT policy update rejected', err.code);
    return fail(state, err.code === 'BAD_SIGNATURE' ? 'BAD_SIGNATURE' : 'PROTOCOL_ERROR', 'the IT policy signature did not verify');
  }
  const next: KeyedSession = { ...session, recvSeq: frame.seq + 1, deadline: undefined };
  const pendingPolicy = { policy, frameSeq: frame.seq };
  const outputs = [{ type: 'clear-timer' as const }, { type: 'apply-policy' as const, policy }];
  if (state.phase === 'awaiting-policy') {
    const applying: ApplyingPolicyState = { ...state, phase: 'applying-policy', session: next, pendingPolicy };
    return { state: applying, outputs };
  }
  // A policy is identified by the hash of its signed bytes, not by its id, and updates must be
  // newer than the policy in force (issue 8, finding 7; docs/it-policy.md).
  const hash = policyBytesHash(signed.policy, provider);
  const decision = policyUpdateDecision(state.policy, policy, hash, provider);
  if (decision === 'duplicate') {
    // The very policy in force, pushed again because the server missed the acknowledgement:
    // acknowledge it again, idempotently, without re-applying.
    return sendPolicyAck({ ...state, session: next }, state.policy.ack, env, now);
  }
  if (decision === 'stale') {
    // An older policy (replayed, or from a server restored from an old backup) never replaces a
    // newer one, and is not acknowledged: the server's retransmission cannot make it stick.
    return ignore({ ...state, session: next }, 'IT policy update is not newer than the policy in force', 'STALE_POLICY');
  }
  const applying: ApplyingPolicyUpdateState = { ...state, phase: 'applying-policy-update', session: next, pendingPolicy };
  return { state: applying, outputs };
}

/** The enforcer answered: acknowledge, and go on (or stop: a policy the device cannot apply ends the activation). */
export function onPolicyApplied(
  state: ApplyingPolicyState | ApplyingPolicyUpdateState,
  ack: PolicyAck,
  now: number,
  env: HandsetEnv,
): StepResult<HandsetState> {
  const pending = state.pendingPolicy;
  if (ack.policyId !== pending.policy.id || !constantTimeEqual(ack.policyHash, policyHash(pending.policy, env.provider))) {
    return ignore(state, 'policy result without a pending policy');
  }
  const applied = ack.status === 'applied' ? { policy: pending.policy, ack } : undefined;
  if (state.phase === 'applying-policy-update') {
    const { pendingPolicy: _pending, ...rest } = state;
    return sendPolicyAck({ ...rest, phase: 'complete', policy: applied ?? state.policy }, ack, env, now);
  }
  const { pendingPolicy: _pending, ...rest } = state;
  if (applied) return sendPolicyAck({ ...rest, phase: 'awaiting-services', policy: applied }, ack, env, now);
  // Rejected during activation: the acknowledgement tells the server which rules; then stop.
  const header = nextHeader(state, state.session, 'policy-ack', `srp:${state.server.srp}`);
  const body = sealBody(env.provider, state.transportKey, encodePolicyAck(ack), headerAd(header), env.random);
  const acknowledged: HandsetOutput = { type: 'policy-acknowledged', ack, update: false };
  const sent = sendAndWait(state, header, body, { now, before: [acknowledged], expectReply: false });
  const rules = ack.rejected.map((r) => r.rule);
  const failed = fail(sent.state, 'POLICY_REJECTED', `the IT policy could not be applied: ${rules.join(', ')}`, {
    detail: { rules, policyId: ack.policyId },
    notifyServer: false,
  });
  return { state: failed.state, outputs: [...sent.outputs.filter((o) => o.type !== 'clear-timer'), ...failed.outputs] };
}

/**
 * Acknowledges a policy and moves to `next`'s phase: during activation on to the service books
 * (a reply is awaited), after it back to `complete` (nothing answers an update's acknowledgement).
 */
function sendPolicyAck(
  next: AwaitingServicesState | CompleteState,
  ack: PolicyAck,
  env: HandsetEnv,
  now: number,
): StepResult<HandsetState> {
  const update = next.phase === 'complete';
  const header = nextHeader(next, next.session, 'policy-ack', `srp:${next.server.srp}`);
  const body = sealBody(env.provider, next.transportKey, encodePolicyAck(ack), headerAd(header), env.random);
  const acknowledged: HandsetOutput = { type: 'policy-acknowledged', ack, update };
  return sendAndWait(next, header, body, { now, before: [acknowledged], expectReply: !update });
}

/** `service-books` arrived: store them, show the statuses, acknowledge and ask for synchronization. */
export function onServiceBooks(state: AwaitingServicesState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const session = state.session;
  const plaintext = openBody(env.provider, state.transportKey, frame.body, headerAd(frame), frame.type);
  const incoming = decodeServiceBooks(plaintext);
  const books = addBooks([], incoming);
  const enabled = emailEnabled(books);
  const email = state.email;
  const received = status('services-received');
  const emailStatus = enabled ? emailEnabledStatus(email) : emailNotEnabledStatus(email);
  // The second line of the seed's message (line 115), with the SRP identifier the server gave in
  // its key grant, when a [SYNC] book brings the synchronization service.
  const hasSyncBook = books.some((b) => b.cid === 'SYNC');
  const shown = hasSyncBook ? [emailStatus, syncServiceStatus(state.server.srp)] : [emailStatus];
  const next: KeyedSession = { ...session, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, next, 'books-ack', `srp:${state.server.srp}`);
  const ack = encodeBooksAck({
    stored: incoming.map((b) => `${b.cid}:${b.uid}`),
    emailEnabled: enabled,
    sync: { databases: state.config.databases, maxPageRecords: state.config.maxPageRecords },
  });
  // The slow sync starts from what the device held when the activation started (issue 12, finding 7).
  const { held, ...kept } = next;
  const syncing: SyncingState = {
    ...state,
    // The commit point: the device is now bound to this server's IT policy key (kept if it was already).
    policyKey: state.policyKey ?? state.server.publicKey,
    phase: 'syncing',
    session: kept,
    serviceBooks: books,
    status: shown.at(-1),
    sync: { progress: {}, ...(held ? { local: held } : {}) },
  };
  return sendAndWait(syncing, header, sealBody(env.provider, state.transportKey, ack, headerAd(header), env.random), {
    now,
    before: [
      { type: 'service-books', books, emailEnabled: enabled },
      { type: 'status', status: received },
      ...shown.map((status) => ({ type: 'status' as const, status })),
    ],
  });
}
