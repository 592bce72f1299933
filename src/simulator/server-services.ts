/**
 * Phases 3 and 4 on the server: the signed IT policy, the service books, then synchronization
 * (calendar first, one page in flight per user), and IT policy updates after activation. The
 * account becomes "Activated" only when the device has applied the IT policy, as on a real BES.
 */
import { ActivationError } from '../errors/activation-error.js';
import { createPolicy, type ItPolicy } from '../policy/policy.js';
import { policyBytesHash, signPolicy } from '../policy/signed-policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import { defaultServiceBooks } from '../service-books/server-books.js';
import type { ServiceBook } from '../service-books/service-book.js';
import { capabilitiesOf } from '../service-books/capabilities.js';
import { applyLimit, planSync, type SyncData, type SyncDatabase } from '../sync/databases.js';
import { paginate, type SyncPage } from '../sync/pages.js';
import { generateUserData } from './user-data/generate-user-data.js';
import type { SyncRecord } from '../sync/records.js';
import type { Frame, MessageType } from '../wire/frame.js';
import { bytesToHex, constantTimeEqual } from '../util/bytes.js';
import { frameAssociatedData } from '../wire/frame.js';
import { openBody, sealBody } from '../wire/messages/sealed-body.js';
import { decodeBooksAck } from '../wire/messages/books-ack.js';
import { encodeSyncDone, type SyncDone } from '../wire/messages/sync-done.js';
import { encodeSignedPolicy } from '../wire/messages/it-policy.js';
import { decodePolicyAck } from '../wire/messages/policy-ack.js';
import { encodeServiceBooks } from '../wire/messages/service-books.js';
import { encodeSyncPage } from '../wire/messages/sync-page.js';
import { decodeSyncAck } from '../wire/messages/sync-ack.js';
import type { Account } from './accounts.js';
import type { ServerIdentity } from './server-config.js';
import { type ServerContext, type ServerPhase, type ServerSession, type ServerStep, failSession, reply } from './server-session.js';

/** What a {@link BesSimulator} sends after the key is verified: IT policy, service books and organizer data (`BesSimulatorOptions.services`). */
export interface ServicesConfig {
  /** The IT policy sent at activation. Default: the default policy (every rule at its default), id "default". */
  readonly policy: ItPolicy;
  /** Service books for a user. Default: Desktop [CMIME], [CICAL], [SYNC], [IPPP], [ALP], [BBIM]. */
  readonly serviceBooks: (account: Account, identity: ServerIdentity) => ServiceBook[];
  /** The user's organizer data. Default: a seeded, generated data set of modest size. */
  readonly userData: (account: Account) => SyncData;
  /** Most records the server puts in one sync page (the device may ask for fewer). Default 25. */
  readonly pageSize: number;
}

/** Record counts of the default generated data set. */
export const DEFAULT_DATA_COUNTS: Readonly<Record<SyncDatabase, number>> = {
  calendar: 12,
  contacts: 30,
  tasks: 8,
  memos: 5,
  messages: 40,
  options: 6,
};

export function resolveServicesConfig(options: Partial<ServicesConfig> | undefined, identity: ServerIdentity, now: () => number): ServicesConfig {
  const pageSize = options?.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new ActivationError('INVALID_ARGUMENT', 'pageSize must be an integer from 1 to 1000', { field: 'services.pageSize' });
  }
  return {
    policy: options?.policy ?? createPolicy('default', identity.version, now(), {}),
    serviceBooks:
      options?.serviceBooks ??
      ((account, id) => defaultServiceBooks({ srp: id.srp, besDomain: id.besDomain, email: account.email })),
    userData:
      options?.userData ??
      ((account) =>
        generateUserData({ seed: account.email, counts: DEFAULT_DATA_COUNTS, owner: { email: account.email, displayName: account.displayName }, now: now() })),
    pageSize,
  };
}

interface SyncProgress {
  readonly pages: SyncPage[];
  index: number;
  readonly done: SyncDone;
}

/**
 * A policy update pushed to an activated device and not yet acknowledged with its hash: it is sent
 * again (freshly sealed, with a new sequence number) every retransmission interval until it is.
 */
export interface PendingPolicyPush {
  readonly policy: ItPolicy;
  /** SHA-256 of the signed policy bytes: what the acknowledgement must carry. */
  readonly hash: Uint8Array;
  /** When it was last sent (ms, the simulator's clock); -Infinity when it has not been sent yet. */
  sentAt: number;
  /** How many times it was sent. */
  sends: number;
}

interface ServicesExtra {
  policyId?: string;
  /** Hash of the signed bytes of the last policy sent (activation or update). */
  policyHash?: Uint8Array;
  /** An update waiting for its acknowledgement. */
  push?: PendingPolicyPush;
  policyAck?: PolicyAck;
  books?: ServiceBook[];
  sync?: SyncProgress;
}

function extra(session: ServerSession): ServicesExtra {
  return session.extra as ServicesExtra;
}

function sealed(session: ServerSession, ctx: ServerContext, type: MessageType, plaintext: Uint8Array, forSeq: number): Uint8Array {
  const tk = session.transportKey!;
  return reply(session, type, (ad) => sealBody(ctx.provider, tk, plaintext, ad, ctx.random), forSeq);
}

function open(session: ServerSession, ctx: ServerContext, frame: Frame): Uint8Array {
  return openBody(ctx.provider, session.transportKey!, frame.body, frameAssociatedData(frame), frame.type);
}

/** The IT policy message for a session (activation or update). */
export function policyFrame(session: ServerSession, ctx: ServerContext, policy: ItPolicy, forSeq: number): Uint8Array {
  const signed = signPolicy(ctx.provider, ctx.identity.domainKey.secretKey, policy);
  const x = extra(session);
  x.policyId = policy.id;
  x.policyHash = policyBytesHash(signed.policy);
  return sealed(session, ctx, 'it-policy', encodeSignedPolicy(signed), forSeq);
}

/** Hash of the policy last sent in this session, if any. */
export function sentPolicyHash(session: ServerSession): Uint8Array | undefined {
  return extra(session).policyHash;
}

/**
 * Records `policy` as the update this activated device must acknowledge (replacing any earlier
 * unacknowledged one: the newest supersedes it) and returns its frame, sent now.
 */
export function pushPolicy(session: ServerSession, ctx: ServerContext, policy: ItPolicy): Uint8Array {
  const bytes = policyFrame(session, ctx, policy, -1);
  const x = extra(session);
  x.push = { policy, hash: x.policyHash!, sentAt: ctx.now, sends: 1 };
  return bytes;
}

/**
 * Records `policy` as an update to send at the next retransmission check, without sending it
 * now (the device has no known route yet).
 */
export function queuePolicyPush(session: ServerSession, ctx: ServerContext, policy: ItPolicy): void {
  const signed = signPolicy(ctx.provider, ctx.identity.domainKey.secretKey, policy);
  const x = extra(session);
  x.push = { policy, hash: policyBytesHash(signed.policy), sentAt: Number.NEGATIVE_INFINITY, sends: 0 };
}

/** The unacknowledged update of an activated session, if any. */
export function pendingPolicyPush(session: ServerSession): Readonly<PendingPolicyPush> | undefined {
  return extra(session).push;
}

/**
 * The retransmission of an unacknowledged update, if one is due at `ctx.now` (its last send is
 * `intervalMs` or more ago): a fresh frame (new sequence number, so that a device that did get the
 * first one but whose acknowledgement was lost answers again instead of ignoring a duplicate).
 */
export function duePolicyRetransmission(session: ServerSession, ctx: ServerContext, intervalMs: number): Uint8Array | undefined {
  const push = extra(session).push;
  if (session.phase !== 'complete' || push === undefined || ctx.now - push.sentAt < intervalMs) return undefined;
  const bytes = policyFrame(session, ctx, push.policy, -1);
  push.sentAt = ctx.now;
  push.sends += 1;
  return bytes;
}

/** After the key is verified: send the IT policy. */
export function afterKeyVerified(services: ServicesConfig) {
  return (session: ServerSession, ctx: ServerContext, forSeq: number): Uint8Array[] => {
    session.phase = 'awaiting-policy-ack';
    ctx.log('IT policy sent', { pin: session.pin, policyId: services.policy.id });
    return [policyFrame(session, ctx, services.policy, forSeq)];
  };
}

function onPolicyAck(session: ServerSession, frame: Frame, ctx: ServerContext, services: ServicesConfig): ServerStep {
  const ack = decodePolicyAck(open(session, ctx, frame));
  const x = extra(session);
  // The acknowledgement must name the content sent (its hash), not just an id (finding 7).
  if (ack.policyId !== x.policyId || x.policyHash === undefined || !constantTimeEqual(ack.policyHash, x.policyHash)) {
    return failSession(session, ctx, 'PROTOCOL_ERROR', 'the acknowledgement names another IT policy');
  }
  session.recvSeq = frame.seq + 1;
  x.policyAck = ack;
  if (ack.status === 'rejected') {
    const rules = ack.rejected.map((r) => r.rule);
    ctx.log('IT policy rejected by the device', { pin: session.pin, policyId: ack.policyId, rules });
    // The device has stopped already; the account stays inactive (RIM: not active until the policy is applied).
    failSession(session, ctx, 'POLICY_REJECTED', `the device could not apply the IT policy: ${rules.join(', ')}`, rules);
    return { session, send: [] };
  }
  if (!ctx.accounts.holdsClaim(session.email, bytesToHex(session.sid))) {
    return failSession(session, ctx, 'NO_ACTIVATION_PASSWORD', 'the activation password is no longer valid');
  }
  const device = session.device!;
  const tk = session.transportKey!;
  ctx.accounts.activated(session.email, {
    pin: session.pin,
    model: device.device.model,
    os: device.device.os,
    identityKey: device.identityKey,
    agreementKey: device.agreementKey,
    keyAlgorithm: tk.algorithm,
    keyId: tk.keyId,
    transportKey: tk.key,
    activatedAt: ctx.now,
  });
  const account = ctx.accounts.get(session.email)!;
  const books = services.serviceBooks(account, ctx.identity);
  x.books = books;
  session.phase = 'awaiting-books-ack';
  ctx.log('service books sent', { pin: session.pin, books: books.map((b) => `${b.cid}:${b.uid}`) });
  return { session, send: [sealed(session, ctx, 'service-books', encodeServiceBooks(books), frame.seq)] };
}

function onBooksAck(session: ServerSession, frame: Frame, ctx: ServerContext, services: ServicesConfig): ServerStep {
  const ack = decodeBooksAck(open(session, ctx, frame));
  session.recvSeq = frame.seq + 1;
  const account = ctx.accounts.get(session.email)!;
  const deviceDatabases = ack.sync.databases.filter((d) => session.device!.capabilities.databases.includes(d));
  const plan = planSync({
    enabledForUser: account.settings,
    capabilities: capabilitiesOf(extra(session).books ?? []),
    deviceDatabases,
    messageCap: account.settings.messageCap,
  });
  const data = services.userData(account);
  const pageSize = Math.min(ack.sync.maxPageRecords, services.pageSize);
  const pages: SyncPage[] = [];
  const synchronized: { database: SyncDatabase; records: number }[] = [];
  for (const database of plan.databases) {
    const records = applyLimit<SyncRecord>(plan, database, data[database] ?? []);
    pages.push(...paginate(records, pageSize, database));
    synchronized.push({ database, records: records.length });
  }
  const done: SyncDone = { synchronized, skipped: plan.skipped.map((s) => ({ database: s.database, reason: s.reason })) };
  extra(session).sync = { pages, index: 0, done };
  session.phase = 'syncing';
  ctx.log('synchronization started', { pin: session.pin, databases: plan.databases, skipped: done.skipped });
  return { session, send: [nextSyncFrame(session, ctx, frame.seq)] };
}

function nextSyncFrame(session: ServerSession, ctx: ServerContext, forSeq: number): Uint8Array {
  const sync = extra(session).sync!;
  const page = sync.pages[sync.index];
  if (page) return sealed(session, ctx, 'sync-page', encodeSyncPage(page), forSeq);
  session.phase = 'complete';
  ctx.log('activation complete', { pin: session.pin, email: session.email });
  return sealed(session, ctx, 'sync-done', encodeSyncDone(sync.done), forSeq);
}

function onSyncAck(session: ServerSession, frame: Frame, ctx: ServerContext): ServerStep {
  const ack = decodeSyncAck(open(session, ctx, frame));
  const sync = extra(session).sync!;
  const page = sync.pages[sync.index];
  const expected = page?.records.map((r) => r.id) ?? [];
  if (!page || ack.database !== page.database || ack.page !== page.page || ack.received.length !== expected.length || ack.received.some((id, i) => id !== expected[i])) {
    return failSession(session, ctx, 'PROTOCOL_ERROR', 'the acknowledgement does not match the page sent');
  }
  session.recvSeq = frame.seq + 1;
  sync.index += 1;
  return { session, send: [nextSyncFrame(session, ctx, frame.seq)] };
}

/**
 * A policy acknowledgement after activation (an update): recorded, not answered, and only if it
 * carries the hash of the update waiting for it; that update then stops being retransmitted. Any
 * other acknowledgement (a late one for an update since superseded, or one naming content that
 * was never sent) is logged and changes nothing: the pending update keeps being retransmitted.
 */
function onPolicyUpdateAck(session: ServerSession, frame: Frame, ctx: ServerContext): ServerStep {
  const ack = decodePolicyAck(open(session, ctx, frame));
  session.recvSeq = frame.seq + 1;
  const x = extra(session);
  if (x.push === undefined || ack.policyId !== x.push.policy.id || !constantTimeEqual(ack.policyHash, x.push.hash)) {
    ctx.log('IT policy acknowledgement does not match the update sent', {
      pin: session.pin,
      policyId: ack.policyId,
      expected: x.push?.policy.id,
      policyHash: bytesToHex(ack.policyHash),
    });
    return { session, send: [] };
  }
  x.policyAck = ack;
  delete x.push;
  ctx.log('IT policy update acknowledged', { pin: session.pin, policyId: ack.policyId, status: ack.status, rejected: ack.rejected.map((r) => r.rule) });
  return { session, send: [] };
}

/** The last acknowledgement of the IT policy in a session. */
export function lastPolicyAck(session: ServerSession): PolicyAck | undefined {
  return extra(session).policyAck;
}

type Handler = (session: ServerSession, frame: Frame, ctx: ServerContext, services: ServicesConfig) => ServerStep;

export const SERVICE_PHASE_HANDLERS: Readonly<Partial<Record<ServerPhase, Partial<Record<MessageType, Handler>>>>> = {
  'awaiting-policy-ack': { 'policy-ack': onPolicyAck },
  'awaiting-books-ack': { 'books-ack': onBooksAck },
  syncing: { 'sync-ack': onSyncAck },
  complete: { 'policy-ack': onPolicyUpdateAck },
};
