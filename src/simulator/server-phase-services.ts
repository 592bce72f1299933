/**
 * Phase 3 on the server: the signed IT policy and its acknowledgement (the service books go only
 * once the device has applied the policy: the seed, Phase 3 step 4), the service books and their
 * acknowledgement with the device's sync request; and after activation, IT policy updates:
 * pushed, sent again until acknowledged, acknowledged. The mirror of src/handset/phase-services.ts.
 *
 * The activation commits when the books-ack arrives: the handset has registered the receipt of
 * its service books (the seed, Phase 4 step 2). Only then is the account activated on the device
 * and the password deleted; before it, a failure releases the claim and leaves the password as it
 * was (docs/protocol.md, "The commit point").
 */
import type { ItPolicy } from '../policy/policy.js';
import { policyBytesHash, signPolicy } from '../policy/signed-policy.js';
import { encodeSignedPolicy } from '../wire/messages/it-policy.js';
import { decodePolicyAck } from '../wire/messages/policy-ack.js';
import { encodeServiceBooks } from '../wire/messages/service-books.js';
import { capabilitiesOf } from '../service-books/capabilities.js';
import { applyLimit, inCalendarWindow, planSync, type SyncDatabase } from '../sync/databases.js';
import type { SyncPage } from '../sync/pages.js';
import type { SyncRecord } from '../sync/records.js';
import { bytesToHex, constantTimeEqual } from '../util/bytes.js';
import type { Frame } from '../wire/frame.js';
import { decodeBooksAck } from '../wire/messages/books-ack.js';
import type { SyncDone } from '../wire/messages/sync-done.js';
import { type Account, type ActivatedDevice, activatedAccount, holdsClaim } from './accounts.js';
import type { ServerEnv, ServerOutput, ServerStepResult } from './server-io.js';
import { fail, opened, sealed } from './server-machine-support.js';
import { syncMessage } from './server-phase-sync.js';
import { planPages } from './server-sync-pages.js';
import { isGeneratedUserData } from './server-services.js';
import {
  type AwaitingBooksAckState,
  type AwaitingPolicyAckState,
  type ServerCompleteState,
  type ServerSessionState,
  type ServerSyncingState,
  sessionBase,
} from './server-state.js';

/** An IT policy signed with the server domain's key: the message body, and the hash its acknowledgement must carry. */
export function signedPolicy(policy: ItPolicy, env: ServerEnv): { readonly plaintext: Uint8Array; readonly hash: Uint8Array } {
  const signed = signPolicy(env.provider, env.identity.domainKey.secretKey, policy);
  return { plaintext: encodeSignedPolicy(signed), hash: policyBytesHash(signed.policy, env.provider) };
}

/** `policy-ack` in phase 3: the device applied the policy (activate the account, send the books), or could not (stop). */
export function onPolicyAck(state: AwaitingPolicyAckState, frame: Frame, env: ServerEnv): ServerStepResult {
  const ack = decodePolicyAck(opened(state, frame, env));
  // The acknowledgement must name the content sent (its hash), not just an id (finding 7).
  if (ack.policyId !== state.policySent.id || !constantTimeEqual(ack.policyHash, state.policySent.hash)) {
    return fail(state, 'PROTOCOL_ERROR', 'the acknowledgement names another IT policy', env);
  }
  const acknowledged = { ...state, recvSeq: frame.seq + 1 };
  if (ack.status === 'rejected') {
    const rules = ack.rejected.map((r) => r.rule);
    // The device has stopped already; the account stays inactive (the facts file, "IT policy": not active until the device accepts the policy).
    const failed = fail(acknowledged, 'POLICY_REJECTED', `the device could not apply the IT policy: ${rules.join(', ')}`, env, {
      rules,
      send: false,
    });
    return {
      state: failed.state,
      outputs: [
        { type: 'log', event: 'IT policy rejected by the device', detail: { pin: state.pin, policyId: ack.policyId, rules } },
        ...failed.outputs,
      ],
    };
  }
  const account = env.account;
  if (!account || !holdsClaim(account, bytesToHex(state.sid))) {
    return fail(acknowledged, 'NO_ACTIVATION_PASSWORD', 'the activation password is no longer valid', env);
  }
  const { device, transportKey } = state;
  // The books are made for the account as the activation will leave it; the account itself changes
  // only at the commit point (the books-ack).
  const books = env.services.serviceBooks(activatedAccount(account, activatedDevice(state, env.now)), env.identity);
  const next: AwaitingBooksAckState = {
    ...sessionBase(acknowledged),
    phase: 'awaiting-books-ack',
    device,
    transportKey,
    policyAck: ack,
    books,
  };
  const sent = sealed(next, 'service-books', encodeServiceBooks(books), frame.seq, env);
  return {
    state: sent.state,
    outputs: [
      { type: 'log', event: 'service books sent', detail: { pin: state.pin, books: books.map((b) => `${b.cid}:${b.uid}`) } },
      sent.send,
    ],
  };
}

/** The device as the account records it once activated: public facts, and the transport key for the server's own use. */
function activatedDevice(state: AwaitingPolicyAckState | AwaitingBooksAckState, now: number): ActivatedDevice {
  const { device, transportKey } = state;
  return {
    pin: state.pin,
    model: device.device.model,
    os: device.device.os,
    identityKey: device.identityKey,
    agreementKey: device.agreementKey,
    keyAlgorithm: transportKey.algorithm,
    keyId: transportKey.keyId,
    transportKey: transportKey.key,
    activatedAt: now,
  };
}

/**
 * `books-ack`: the device registers the receipt of its service books, the commit point. If this
 * session still holds the claim on the password, the account is activated on the device (the
 * password deleted) and the synchronization is planned and its first page sent; if it lost the
 * claim meanwhile (another activation took over a stale claim, or the administrator set a new
 * password), the activation fails uncommitted, and the handset, told so, keeps nothing either.
 */
export function onBooksAck(state: AwaitingBooksAckState, frame: Frame, env: ServerEnv): ServerStepResult {
  const ack = decodeBooksAck(opened(state, frame, env));
  const account = env.account;
  // A session restored from a snapshot sealed before the commit point moved here (issue 12) had
  // its account activated at the policy acknowledgement already: it is committed.
  const recorded = account?.device;
  const committedBefore =
    recorded !== undefined && recorded.pin === state.pin && constantTimeEqual(recorded.keyId, state.transportKey.keyId);
  if (!account || (!committedBefore && !holdsClaim(account, bytesToHex(state.sid)))) {
    // Kept as the reply to this books-ack: the handset, repeating it, hears the same refusal.
    return fail(state, 'NO_ACTIVATION_PASSWORD', 'the activation password is no longer valid', env);
  }
  // One device per user (docs/lifecycle.md): the device the account had is replaced; the driver
  // retires it (another PIN) or drops its old sessions (the same PIN, re-activated).
  const replaced: ServerOutput[] =
    recorded !== undefined && !committedBefore
      ? [
          {
            type: 'device-replaced',
            email: state.email,
            pin: state.pin,
            keyId: state.transportKey.keyId,
            previous: { pin: recorded.pin, keyId: recorded.keyId },
          },
        ]
      : [];
  const committed: ServerOutput[] = committedBefore
    ? []
    : [
        { type: 'account', change: { kind: 'activated', email: state.email, device: activatedDevice(state, env.now) } },
        { type: 'log', event: 'activation committed', detail: { pin: state.pin, email: state.email } },
        ...replaced,
      ];
  const deviceDatabases = ack.sync.databases.filter((d) => state.device.capabilities.databases.includes(d));
  const plan = planSync({
    enabledForUser: account.settings,
    capabilities: capabilitiesOf(state.books),
    deviceDatabases,
    messageCap: account.settings.messageCap,
  });
  const data = env.services.userData(account);
  // The generator's fresh output is in its wire form already: encoded without a second check.
  const ownRecords = isGeneratedUserData(data);
  const pageSize = Math.min(ack.sync.maxPageRecords, env.services.pageSize);
  const pages: SyncPage[] = [];
  const synchronized: { database: SyncDatabase; records: number }[] = [];
  for (const database of plan.databases) {
    // The calendar goes within its documented window around the activation date.
    const all: readonly SyncRecord[] = data[database] ?? [];
    const inWindow = database === 'calendar' ? all.filter((r) => r.kind !== 'calendar' || inCalendarWindow(r, env.now)) : all;
    const records = applyLimit<SyncRecord>(plan, database, inWindow);
    pages.push(...planPages(records, pageSize, database, { ownRecords }));
    synchronized.push({ database, records: records.length });
  }
  const done: SyncDone = { synchronized, skipped: plan.skipped.map((s) => ({ database: s.database, reason: s.reason })) };
  const syncing: ServerSyncingState = {
    ...sessionBase(state),
    phase: 'syncing',
    recvSeq: frame.seq + 1,
    transportKey: state.transportKey,
    policyAck: state.policyAck,
    sync: { pages, index: 0, done },
  };
  const next = syncMessage(syncing, frame.seq, env);
  return {
    state: next.state,
    outputs: [
      ...committed,
      { type: 'log', event: 'synchronization started', detail: { pin: state.pin, databases: plan.databases, skipped: done.skipped } },
      ...next.outputs,
    ],
  };
}

/** The session of the device the account is activated with now (its current transport key). */
export function isCurrentDevice(state: ServerSessionState, account: Readonly<Account> | undefined): boolean {
  if (state.phase !== 'complete') return false;
  const device = account?.device;
  return device !== undefined && device.pin === state.pin && constantTimeEqual(device.keyId, state.transportKey.keyId);
}

/**
 * A new IT policy for an activated device: it becomes the update the device must acknowledge
 * (replacing any earlier unacknowledged one: the newest supersedes it), sent now if `sendNow`,
 * else at the next tick.
 */
export function onPushPolicy(
  state: ServerCompleteState,
  policy: ItPolicy,
  sendNow: boolean,
  env: ServerEnv,
): { readonly state: ServerCompleteState; readonly outputs: readonly ServerOutput[] } {
  if (!isCurrentDevice(state, env.account)) return { state, outputs: [] };
  const { plaintext, hash } = signedPolicy(policy, env);
  if (!sendNow) return { state: { ...state, push: { policy, hash, sentAt: Number.NEGATIVE_INFINITY, sends: 0 } }, outputs: [] };
  const sent = sealed({ ...state, push: { policy, hash, sentAt: env.now, sends: 1 } }, 'it-policy', plaintext, undefined, env);
  return { state: sent.state, outputs: [sent.send] };
}

/**
 * The clock moved: an unacknowledged update whose last send is `policyRetransmitMs` or more ago
 * goes out again, as a fresh frame (a new sequence number, so that a device that did get the first
 * one but whose acknowledgement was lost answers again instead of ignoring a duplicate).
 */
export function onRetransmitTick(
  state: ServerCompleteState,
  env: ServerEnv,
): { readonly state: ServerCompleteState; readonly outputs: readonly ServerOutput[] } {
  const push = state.push;
  if (!isCurrentDevice(state, env.account) || push === undefined || env.now - push.sentAt < env.policyRetransmitMs)
    return { state, outputs: [] };
  const { plaintext } = signedPolicy(push.policy, env);
  const sends = push.sends + 1;
  const sent = sealed({ ...state, push: { ...push, sentAt: env.now, sends } }, 'it-policy', plaintext, undefined, env);
  const event = sends > 1 ? 'IT policy update sent again' : 'IT policy update sent';
  return { state: sent.state, outputs: [{ type: 'log', event, detail: { pin: state.pin, policyId: push.policy.id, sends } }, sent.send] };
}

/**
 * A policy acknowledgement after activation (an update): recorded, not answered, and only if it
 * carries the hash of the update waiting for it; that update then stops being retransmitted. Any
 * other acknowledgement (a late one for an update since superseded, or one naming content that
 * was never sent) is logged and changes nothing: the pending update keeps being retransmitted.
 */
export function onPolicyUpdateAck(
  state: ServerCompleteState,
  frame: Frame,
  env: ServerEnv,
): { readonly state: ServerCompleteState; readonly outputs: readonly ServerOutput[] } {
  const ack = decodePolicyAck(opened(state, frame, env));
  const { push, ...rest } = { ...state, recvSeq: frame.seq + 1 };
  if (push === undefined || ack.policyId !== push.policy.id || !constantTimeEqual(ack.policyHash, push.hash)) {
    return {
      state: { ...rest, ...(push ? { push } : {}) },
      outputs: [
        {
          type: 'log',
          event: 'IT policy acknowledgement does not match the update sent',
          detail: { pin: state.pin, policyId: ack.policyId, expected: push?.policy.id, policyHash: bytesToHex(ack.policyHash) },
        },
      ],
    };
  }
  return {
    state: { ...rest, policyAck: ack },
    outputs: [
      {
        type: 'log',
        event: 'IT policy update acknowledged',
        detail: { pin: state.pin, policyId: ack.policyId, status: ack.status, rejected: ack.rejected.map((r) => r.rule) },
      },
    ],
  };
}
