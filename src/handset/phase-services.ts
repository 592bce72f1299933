/**
 * Phase 3 on the handset, after the key is verified: the signed IT policy (verified with the
 * server's domain key from phase 2, applied through the pluggable enforcer, acknowledged), then
 * the service books (stored, acknowledged; "Services Received", then `Your email address "x" is
 * now enabled` when a [CMIME] book is present). Policy updates after activation come here too.
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
import { type HandsetEnv, fail, headerAd, ignore, nextHeader, sendAndWait } from './machine-support.js';
import type { HandsetState, SessionState } from './state.js';
import { emailEnabledStatus, emailNotEnabledStatus, status } from './status.js';

/** `it-policy` arrived: verify it and hand it to the enforcer (through the driver). */
export function onItPolicy(state: HandsetState, session: SessionState, frame: Frame, _now: number, env: HandsetEnv): StepResult<HandsetState> {
  const { provider } = env;
  const update = state.phase === 'complete';
  const plaintext = openBody(provider, state.transportKey!, frame.body, headerAd(frame), 'it-policy');
  const signed = decodeSignedPolicy(plaintext);
  let policy;
  try {
    policy = verifySignedPolicy(provider, state.server!.publicKey, signed);
  } catch (err) {
    if (!isActivationError(err)) throw err;
    if (update) return ignore({ ...state, session: { ...session, recvSeq: frame.seq + 1 } }, 'IT policy update rejected', err.code);
    return fail(state, err.code === 'BAD_SIGNATURE' ? 'BAD_SIGNATURE' : 'PROTOCOL_ERROR', 'the IT policy signature did not verify');
  }
  const next: SessionState = { ...session, recvSeq: frame.seq + 1, deadline: undefined };
  if (update) {
    // A policy is identified by the hash of its signed bytes, not by its id, and updates must be
    // newer than the policy in force (issue 8, finding 7; docs/it-policy.md).
    const hash = policyBytesHash(signed.policy);
    const decision = policyUpdateDecision(state.policy, policy, hash);
    if (decision === 'duplicate' && state.policy) {
      // The very policy in force, pushed again because the server missed the acknowledgement:
      // acknowledge it again, idempotently, without re-applying. (An acknowledgement kept from
      // before acknowledgements carried the hash gets it now.)
      const kept = state.policy.ack;
      const ack = kept.policyHash instanceof Uint8Array ? kept : { ...kept, policyHash: hash };
      return sendPolicyAck({ ...state, session: next }, next, ack, update, env, _now);
    }
    if (decision === 'stale') {
      // An older policy (replayed, or from a server restored from an old backup) never replaces a
      // newer one, and is not acknowledged: the server's retransmission cannot make it stick.
      return ignore({ ...state, session: next }, 'IT policy update is not newer than the policy in force', 'STALE_POLICY');
    }
  }
  return {
    state: { ...state, session: next, pendingPolicy: { policy, frameSeq: frame.seq } },
    outputs: [{ type: 'clear-timer' }, { type: 'apply-policy', policy }],
  };
}

/** The enforcer answered: acknowledge, and go on (or stop: a policy the device cannot apply ends the activation). */
export function onPolicyApplied(state: HandsetState, ack: PolicyAck, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const pending = state.pendingPolicy;
  const session = state.session;
  if (!pending || !session || ack.policyId !== pending.policy.id || !constantTimeEqual(ack.policyHash, policyHash(pending.policy))) {
    return ignore(state, 'policy result without a pending policy');
  }
  const update = state.phase === 'complete';
  const base: HandsetState = {
    ...state,
    pendingPolicy: undefined,
    policy: ack.status === 'applied' ? { policy: pending.policy, ack } : state.policy,
  };
  return sendPolicyAck(base, session, ack, update, env, now);
}

function sendPolicyAck(state: HandsetState, session: SessionState, ack: PolicyAck, update: boolean, env: HandsetEnv, now: number): StepResult<HandsetState> {
  const header = nextHeader(state, session, 'policy-ack', `srp:${state.server!.srp}`);
  const body = sealBody(env.provider, state.transportKey!, encodePolicyAck(ack), headerAd(header), env.random);
  const acknowledged: HandsetOutput = { type: 'policy-acknowledged', ack, update };
  if (update || ack.status === 'applied') {
    return sendAndWait(state, session, header, body, update ? 'complete' : 'awaiting-services', now, [acknowledged], !update);
  }
  // Rejected during activation: the acknowledgement tells the server which rules; then stop.
  const sent = sendAndWait(state, session, header, body, state.phase, now, [acknowledged], false);
  const rules = ack.rejected.map((r) => r.rule);
  const failed = fail(sent.state, 'POLICY_REJECTED', `the IT policy could not be applied: ${rules.join(', ')}`, { rules, policyId: ack.policyId }, false);
  return { state: failed.state, outputs: [...sent.outputs.filter((o) => o.type !== 'clear-timer'), ...failed.outputs] };
}

/** `service-books` arrived: store them, show the statuses, acknowledge and ask for synchronization. */
export function onServiceBooks(state: HandsetState, session: SessionState, frame: Frame, now: number, env: HandsetEnv): StepResult<HandsetState> {
  const plaintext = openBody(env.provider, state.transportKey!, frame.body, headerAd(frame), 'service-books');
  const incoming = decodeServiceBooks(plaintext);
  const books = addBooks(state.serviceBooks ?? [], incoming);
  const enabled = emailEnabled(books);
  const email = state.email ?? session.email;
  const received = status('services-received');
  const emailStatus = enabled ? emailEnabledStatus(email) : emailNotEnabledStatus(email);
  const next: SessionState = { ...session, recvSeq: frame.seq + 1 };
  const header = nextHeader(state, next, 'books-ack', `srp:${state.server!.srp}`);
  const ack = encodeBooksAck({
    stored: incoming.map((b) => `${b.cid}:${b.uid}`),
    emailEnabled: enabled,
    sync: { databases: state.config.databases, maxPageRecords: state.config.maxPageRecords },
  });
  return sendAndWait(
    { ...state, serviceBooks: books, status: emailStatus, sync: state.sync ?? { store: {}, progress: {} } },
    next,
    header,
    sealBody(env.provider, state.transportKey!, ack, headerAd(header), env.random),
    'syncing',
    now,
    [
      { type: 'service-books', books, emailEnabled: enabled },
      { type: 'status', status: received },
      { type: 'status', status: emailStatus },
    ],
  );
}
