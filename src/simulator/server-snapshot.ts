/**
 * Simulator snapshots: the server's whole state (identity and domain key, accounts, sessions,
 * policy, user data, replay cache, dummy-password secret), sealed under a storage key (see
 * persistence/sealed-snapshot), with the host's generation against rollback.
 *
 * A restored snapshot is checked against a schema before the simulator is given it, one schema
 * per session phase (src/simulator/server-state.ts), as the handset's snapshots are
 * (src/handset/snapshot.ts): the seal proves who wrote the snapshot; the schema catches one
 * written by another version, or damaged before it was sealed. A defect is ActivationError
 * `MALFORMED` naming the field.
 */
import * as v from 'valibot';
import { ACTIVATION_ERROR_CODES } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { openSnapshot, sealSnapshot, type SnapshotOpenOptions, type SnapshotSealOptions } from '../persistence/sealed-snapshot.js';
import { validate } from '../codec/cbor.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
import { etpHeaderSchema } from '../wire/etp/etp-header.js';
import { etpBodySchema, sealedBodySchema } from '../wire/etp/etp-body.js';
import { policyAckSchema } from '../policy/acknowledgement.js';
import { itPolicySchema } from '../policy/signed-policy.js';
import { serviceBookSchema } from '../service-books/service-book.js';
import { upgradeServiceBooks } from '../service-books/book-upgrade.js';
import { upgradeSyncRecords, upgradeSyncStore } from '../sync/record-upgrade.js';
import { SYNC_ORDER } from '../sync/databases.js';
import {
  calendarEventSchema,
  contactSchema,
  deviceOptionSchema,
  emailMessageSchema,
  emailSettingsSchema,
  memoSchema,
  syncRecordSchema,
  taskSchema,
} from '../sync/records.js';
import { ACCOUNT_STATUSES, type Account } from './accounts.js';
import { DEVICE_COMMANDS } from '../wire/messages/device-command.js';
import type { ServerIdentity, ServerPolicy } from './server-config.js';
import { ROLLOVER_REASONS, type ServerSessionState } from './server-state.js';
import type { ItPolicy } from '../policy/policy.js';
import type { SyncData } from '../sync/databases.js';

const u8 = v.instance(Uint8Array);
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const time = v.number();
const database = v.picklist(SYNC_ORDER);

const accountSchema = v.object({
  email: v.string(),
  displayName: v.string(),
  status: v.picklist(ACCOUNT_STATUSES),
  settings: v.object({ wirelessSync: v.boolean(), wirelessBackup: v.boolean(), messages: v.boolean(), messageCap: v.number() }),
  password: v.optional(
    v.object({
      value: v.string(),
      setAt: time,
      expiresAt: time,
      failedAttempts: count,
      claimedBy: v.optional(v.string()),
      claimedAt: v.optional(time),
      claimedByPin: v.optional(v.string()),
    }),
  ),
  device: v.optional(
    v.object({
      pin: v.string(),
      model: v.string(),
      os: v.string(),
      identityKey: u8,
      agreementKey: u8,
      keyAlgorithm: v.string(),
      keyId: u8,
      transportKey: u8,
      activatedAt: time,
    }),
  ),
  lastFailure: v.optional(v.object({ at: time, code: v.picklist(ACTIVATION_ERROR_CODES) })),
  history: v.array(v.object({ at: time, event: v.string() })),
});

/** What every session phase has. */
const base = {
  sid: v.pipe(u8, v.length(16)),
  pin: v.string(),
  email: v.string(),
  recvSeq: count,
  sendSeq: count,
  lastReply: v.optional(v.object({ forSeq: count, bytes: u8 })),
  startedAt: time,
};
const transportKey = v.object({ algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS), keyId: u8, key: u8 });
const confirmation = v.object({ macKey: u8, share: u8, headerBytes: u8 });
const etp = v.object({ header: etpHeaderSchema, headerBytes: u8, share: u8, sealedBody: sealedBodySchema });
const syncPage = v.object({ database, page: count, pageCount: count, total: count, records: v.array(syncRecordSchema) });
const syncDone = v.object({
  synchronized: v.array(v.object({ database, records: count })),
  skipped: v.array(v.object({ database, reason: v.string() })),
});

/** One schema per session phase: each phase's state has exactly its own fields (src/simulator/server-state.ts). */
export const serverSessionSchema = v.variant('phase', [
  v.object({
    ...base,
    phase: v.literal('awaiting-confirm'),
    etp,
    serverAd: u8,
    serverShare: u8,
    confirmation,
    handsetToServer: u8,
    serverToHandset: u8,
    refusal: v.optional(v.picklist(['PASSWORD_EXPIRED', 'NO_ACTIVATION_PASSWORD', 'LOCKED_OUT'])),
    passwordSetAt: v.optional(time),
    reportedUnconfirmed: v.optional(v.literal(true)),
  }),
  v.object({
    ...base,
    phase: v.literal('awaiting-key-verified'),
    confirmation,
    handsetToServer: u8,
    device: etpBodySchema,
    transportKey,
    transcript: u8,
  }),
  v.object({
    ...base,
    phase: v.literal('awaiting-policy-ack'),
    device: etpBodySchema,
    transportKey,
    policySent: v.object({ id: v.string(), hash: u8 }),
  }),
  v.object({
    ...base,
    phase: v.literal('awaiting-books-ack'),
    device: etpBodySchema,
    transportKey,
    policyAck: policyAckSchema,
    books: v.array(serviceBookSchema),
  }),
  v.object({
    ...base,
    phase: v.literal('syncing'),
    transportKey,
    policyAck: policyAckSchema,
    sync: v.object({ pages: v.array(syncPage), index: count, done: syncDone }),
  }),
  v.object({
    ...base,
    phase: v.literal('complete'),
    transportKey,
    policyAck: policyAckSchema,
    // `sentAt` is -Infinity for an update recorded but not sent yet.
    push: v.optional(v.object({ policy: itPolicySchema, hash: u8, sentAt: v.number(), sends: count })),
    booksPush: v.optional(v.object({ books: v.array(serviceBookSchema), sentAt: v.number(), sends: count })),
    // Since when the device's IT policy has been unapplied (docs/lifecycle.md); optional (absent: applied, or
    // a snapshot of layout 4).
    policyUnappliedSince: v.optional(time),
    // The key rollover (layout 5). The offer's ephemeral secret is here until the handset accepts:
    // a restored server must derive the key the handset already derived from this offer. The
    // snapshot is sealed; the secret is never in an event, a log line or an error.
    previousKey: v.optional(transportKey),
    keySince: v.optional(time),
    rollover: v.optional(
      v.object({
        keyId: v.pipe(u8, v.length(8)),
        algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS),
        ephemeral: v.object({ secretKey: v.pipe(u8, v.length(32)), publicKey: v.pipe(u8, v.length(32)) }),
        reason: v.picklist(ROLLOVER_REASONS),
        sentAt: time,
        sends: count,
      }),
    ),
  }),
  v.object({ ...base, phase: v.literal('failed'), confirmation: v.optional(confirmation) }),
  v.object({
    ...base,
    phase: v.literal('retired'),
    transportKey,
    // `firstSentAt` and `sentAt` are -Infinity for a command not sent yet.
    command: v.optional(
      v.object({ command: v.picklist(DEVICE_COMMANDS), id: u8, firstSentAt: v.number(), sentAt: v.number(), sends: count }),
    ),
  }),
]);

/** A user's organizer data; a database missing from the snapshot has no records. */
const syncDataSchema = v.object({
  calendar: v.optional(v.array(calendarEventSchema), () => []),
  contacts: v.optional(v.array(contactSchema), () => []),
  tasks: v.optional(v.array(taskSchema), () => []),
  memos: v.optional(v.array(memoSchema), () => []),
  emailSettings: v.optional(v.array(emailSettingsSchema), () => []),
  messages: v.optional(v.array(emailMessageSchema), () => []),
  options: v.optional(v.array(deviceOptionSchema), () => []),
});

/**
 * The layout of the snapshots this version writes: 3 since issue 12 (Barry-shaped service books and
 * records), 4 since issue 13 (retired sessions with their pending commands, service books sent
 * again), 5 with the key rollover's state (a complete session's previous key, `keySince` and an
 * offered rollover).
 */
const LAYOUT = 5;

const simulatorSnapshotSchema = v.object({
  layout: v.literal(LAYOUT),
  identity: v.object({
    srp: v.string(),
    relay: v.string(),
    name: v.string(),
    version: v.string(),
    besDomain: v.string(),
    domainKey: v.object({ secretKey: u8, publicKey: u8 }),
  }),
  policy: v.object({ suites: v.array(v.picklist(CPACE_SUITE_IDS)), ciphers: v.array(v.picklist(TRANSPORT_KEY_ALGORITHMS)) }),
  itPolicy: itPolicySchema,
  accounts: v.array(accountSchema),
  sessions: v.array(v.tuple([v.string(), serverSessionSchema])),
  userData: v.optional(v.array(v.tuple([v.string(), syncDataSchema])), () => []),
  replays: v.optional(v.array(v.tuple([v.string(), v.string()])), () => []),
  dummySecret: v.optional(v.pipe(u8, v.length(32))),
});

/** Everything a simulator snapshot holds. */
export interface SimulatorSnapshotData {
  readonly identity: ServerIdentity;
  readonly policy: ServerPolicy;
  /** The IT policy in force. */
  readonly itPolicy: ItPolicy;
  readonly accounts: readonly Account[];
  /** Sessions by key, least recently active first. */
  readonly sessions: readonly (readonly [string, ServerSessionState])[];
  /** Organizer data set with `setUserData`, by address. */
  readonly userData: readonly (readonly [string, SyncData])[];
  /** The ETP.DAT replay cache (session-table.ts, ReplayCache.toData), oldest first. */
  readonly replays: readonly (readonly [string, string])[];
  /** The secret of the dummy passwords, once made. */
  readonly dummySecret?: Uint8Array;
}

/** `data` sealed under `storageKey`. */
export function sealSimulatorSnapshot(
  data: SimulatorSnapshotData,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  random: RandomSource,
  options: SnapshotSealOptions = {},
): Uint8Array {
  return sealSnapshot('bes-simulator', { layout: LAYOUT, ...data }, storageKey, provider, { ...options, random });
}

/** The data of a sealed simulator snapshot, checked: DECRYPT_FAILED, STALE_SNAPSHOT or MALFORMED (naming the field) otherwise. */
export function openSimulatorSnapshot(
  snapshot: Uint8Array,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  options: SnapshotOpenOptions = {},
): SimulatorSnapshotData {
  const raw = openSnapshot('bes-simulator', snapshot, storageKey, provider, options);
  return validate(simulatorSnapshotSchema, upgradeLayout(raw), 'simulator snapshot');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The stored layout, read as it is now: each older layout is brought up one step at a time. */
function upgradeLayout(raw: unknown): unknown {
  return toLayout5(toLayout4(toLayout3(toLayout2(raw))));
}

/**
 * Layout 4 had no key rollover state in its schema: its sessions are read as they are (a complete
 * session without those fields has no previous key, is on the key of its activation, and has no
 * rollover offered).
 */
function toLayout5(raw: unknown): unknown {
  if (!isRecord(raw) || raw.layout !== 4) return raw;
  return { ...raw, layout: 5 };
}

/**
 * Layout 3 (before issue 13) had no retired sessions and no service books sent again: its
 * sessions are read as they are.
 */
function toLayout4(raw: unknown): unknown {
  if (!isRecord(raw) || raw.layout !== 3) return raw;
  return { ...raw, layout: 4 };
}

/** `fn` applied to the session of each `[key, session]` entry. */
function mapSessions(sessions: unknown[], fn: (session: unknown) => unknown): unknown[] {
  return sessions.map((entry: unknown) => (Array.isArray(entry) && entry.length === 2 ? [entry[0], fn(entry[1])] : entry));
}

/**
 * Snapshots written before issue 11 have no `layout`, and keep each session as one record with
 * every field any phase had (the CPace keys as `keys`, the data of phases 3 and 4 in an untyped
 * `extra`): each goes to its phase's fields.
 */
function toLayout2(raw: unknown): unknown {
  if (!isRecord(raw) || raw.layout !== undefined || !Array.isArray(raw.sessions)) return raw;
  return { ...raw, layout: 2, sessions: mapSessions(raw.sessions, upgradeSession) };
}

/**
 * Layout 2 (before issue 12) stored service books with the RecordId as `uniqueId` and an opaque
 * config, and records in their earlier shapes: the books waiting for their acknowledgement, the
 * pages of a synchronization under way and the user data set are read in their current shape
 * (book-upgrade.ts, record-upgrade.ts).
 */
function toLayout3(raw: unknown): unknown {
  if (!isRecord(raw) || raw.layout !== 2) return raw;
  const sessions = Array.isArray(raw.sessions) ? mapSessions(raw.sessions, upgradeSessionContents) : raw.sessions;
  const userData = Array.isArray(raw.userData)
    ? raw.userData.map((entry: unknown) => (Array.isArray(entry) && entry.length === 2 ? [entry[0], upgradeSyncStore(entry[1])] : entry))
    : raw.userData;
  return { ...raw, layout: 3, sessions, ...(userData === undefined ? {} : { userData }) };
}

function upgradeSessionContents(session: unknown): unknown {
  if (!isRecord(session)) return session;
  const out: Record<string, unknown> = { ...session };
  if ('books' in out) out.books = upgradeServiceBooks(out.books);
  const sync = out.sync;
  if (isRecord(sync) && Array.isArray(sync.pages)) {
    out.sync = {
      ...sync,
      pages: sync.pages.map((page: unknown) => (isRecord(page) ? { ...page, records: upgradeSyncRecords(page.records) } : page)),
    };
  }
  return out;
}

function upgradeSession(raw: unknown): unknown {
  if (!isRecord(raw) || !isRecord(raw.extra)) return raw;
  const {
    extra,
    keys,
    etp: request,
    serverAd,
    serverShare,
    device,
    transportKey: key,
    transcript,
    refusal,
    passwordSetAt,
    phase,
    ...common
  } = raw;
  const cpace = isRecord(keys) ? keys : undefined;
  // What checks Ta: while the CPace keys were kept (until the key was verified).
  const check =
    cpace !== undefined && isRecord(request) ? { macKey: cpace.macKey, share: request.share, headerBytes: request.headerBytes } : undefined;
  switch (phase) {
    case 'awaiting-confirm':
      return {
        ...common,
        phase,
        etp: request,
        serverAd,
        serverShare,
        confirmation: check,
        handsetToServer: cpace?.handsetToServer,
        serverToHandset: cpace?.serverToHandset,
        refusal,
        passwordSetAt,
      };
    case 'awaiting-key-verified':
      return { ...common, phase, confirmation: check, handsetToServer: cpace?.handsetToServer, device, transportKey: key, transcript };
    case 'awaiting-policy-ack':
      return { ...common, phase, device, transportKey: key, policySent: { id: extra.policyId, hash: extra.policyHash } };
    case 'awaiting-books-ack':
      return { ...common, phase, device, transportKey: key, policyAck: extra.policyAck, books: extra.books };
    case 'syncing':
      return { ...common, phase, transportKey: key, policyAck: extra.policyAck, sync: extra.sync };
    case 'complete':
      return { ...common, phase, transportKey: key, policyAck: extra.policyAck, push: extra.push };
    case 'failed':
      return { ...common, phase, confirmation: check };
    default:
      return raw;
  }
}
