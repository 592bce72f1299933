/**
 * Handset snapshots: the whole device state, sealed under a storage key (see
 * persistence/sealed-snapshot), with the host's generation against rollback.
 *
 * The CPace scalar never goes into a snapshot (issue 8, finding 15). A snapshot can be restored
 * more than once (or rolled back to), and a restored handset still holding the scalar would check
 * a second server share against the same ETP.DAT share: one more password guess for whoever
 * answers. So a state that is waiting for the server share is stored as what it restores to:
 * failed, since that activation cannot continue without the password, which is never stored
 * either; the user starts again (a new session id, a new scalar). Every later phase has already
 * consumed its one server share and dropped the scalar, and continues normally after a restore.
 *
 * A restored state is checked against one schema per phase ({@link handsetStateSchema}) before
 * the machine is given it: the seal proves who wrote the snapshot; the schema catches one written
 * by another version, or damaged before it was sealed.
 *
 * Since layout 4 (issue 14) a snapshot holds no organizer records: they are in the handset's record
 * store, which the host keeps (and persists) itself. A snapshot of an earlier layout, which holds
 * them, is migrated: {@link openHandsetSnapshot} gives its records back beside the state, and
 * `Handset.restore` puts them into the record store before anything else.
 */
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { openSnapshot, sealSnapshot, type SnapshotOpenOptions, type SnapshotSealOptions } from '../persistence/sealed-snapshot.js';
import { validate } from '../codec/cbor.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
import { keyGrantSchema } from '../wire/messages/key-issue.js';
import { ACTIVATION_ERROR_CODES } from '../errors/activation-error.js';
import { policyAckSchema } from '../policy/acknowledgement.js';
import { itPolicySchema } from '../policy/signed-policy.js';
import { serviceBookSchema, type ServiceBook } from '../service-books/service-book.js';
import { upgradeServiceBooks } from '../service-books/book-upgrade.js';
import { upgradeSyncStore } from '../sync/record-upgrade.js';
import { syncRecordSchema, type SyncRecord } from '../sync/records.js';
import { SYNC_ORDER, type SyncDatabase } from '../sync/databases.js';
import { resolveHandsetConfig } from './config.js';
import type { HandsetState } from './state.js';
import { contentsDigest, mergeStores, type DeviceSyncStore } from '../sync/sync-store.js';
import { STATUS_IDS, failedStatus } from './status.js';

const u8 = v.instance(Uint8Array);
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));

/** The configuration as stored; {@link resolveHandsetConfig} checks it again, as it checks a new one. */
const configSchema = v.object({
  pin: v.string(),
  routing: v.object({ relay: v.string(), uid: v.string(), srp: v.optional(v.string()) }),
  device: v.object({ model: v.string(), os: v.string() }),
  suites: v.array(v.picklist(CPACE_SUITE_IDS)),
  ciphers: v.array(v.picklist(TRANSPORT_KEY_ALGORITHMS)),
  databases: v.array(v.picklist(SYNC_ORDER)),
  maxPageRecords: v.number(),
  retry: v.object({ replyTimeoutMs: v.number(), retries: v.number() }),
});

const keyPair = v.object({ secretKey: u8, publicKey: u8 });
const identity = v.object({ signing: keyPair, agreement: keyPair });
const statusSchema = v.object({
  id: v.picklist(STATUS_IDS),
  text: v.string(),
  progress: v.optional(v.object({ database: v.string(), received: seq, total: seq })),
});

// Typed by what they give, so that the declaration of handsetStateSchema stays within what the
// compiler will write out (the record schemas' own types are large).
const records: v.GenericSchema<unknown, SyncRecord[]> = v.array(syncRecordSchema);
/** Layout 3's `sync.local`: per database, the ids of the device's own records not matched yet. */
const idLists = v.partial(
  v.object(
    Object.fromEntries(SYNC_ORDER.map((database) => [database, v.array(v.string())])) as Record<
      SyncDatabase,
      v.ArraySchema<v.StringSchema<undefined>, undefined>
    >,
  ),
);
const store: v.GenericSchema<unknown, DeviceSyncStore> = v.partial(
  v.object(Object.fromEntries(SYNC_ORDER.map((database) => [database, records])) as Record<SyncDatabase, typeof records>),
);
/** Per database, a device record's id → the digest of its contents (the slow sync's `local`, `held`). */
const digests = v.partial(
  v.object(
    Object.fromEntries(SYNC_ORDER.map((database) => [database, v.record(v.string(), v.string())])) as Record<
      SyncDatabase,
      v.RecordSchema<v.StringSchema<undefined>, v.StringSchema<undefined>, undefined>
    >,
  ),
);

/** What every phase has. */
const common = {
  version: v.literal(4),
  config: configSchema,
  identity: v.optional(identity),
  status: v.optional(statusSchema),
  commandAck: v.optional(v.object({ sid: v.pipe(u8, v.length(16)), bytes: u8, to: v.string() })),
  policyKey: v.optional(v.pipe(u8, v.length(32))),
  passwordFailures: v.optional(seq),
};

const sessionBase = {
  email: v.string(),
  sid: v.pipe(u8, v.length(16)),
  suite: v.picklist(CPACE_SUITE_IDS),
  sendSeq: seq,
  recvSeq: seq,
  lastSent: v.optional(v.object({ bytes: u8, to: v.string() })),
  retriesUsed: seq,
  deadline: v.optional(v.number()),
  held: v.optional(digests),
};
const keyWaitSession = v.object({
  ...sessionBase,
  share: u8,
  headerBytes: u8,
  serverSrp: v.string(),
  handsetToServer: u8,
  serverToHandset: u8,
  serverAd: u8,
  serverShare: u8,
});
const keyedSession = v.object({ ...sessionBase, serverSrp: v.string() });

const transportKey = v.object({ algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS), keyId: u8, key: u8 });
const established = {
  ...common,
  identity,
  session: keyedSession,
  transportKey,
  server: keyGrantSchema.entries.server,
  email: v.string(),
};
/**
 * The key rollover's keys besides the current one (version 3), which the phases after the commit
 * point may hold: a key derived at `rekey-accept` and not yet confirmed, with the accept as sent
 * and the proof `rekey-done` must carry; the key before the last switch and until when it is
 * tried. No ephemeral secret: the handset erases eH as soon as the key is derived.
 */
const rolloverKeys = {
  pendingKey: v.optional(v.object({ key: transportKey, accept: u8, serverProof: u8 })),
  previousKey: v.optional(v.object({ key: transportKey, until: v.number() })),
};
/** What the phases from the commit point on have: everything the activation established, and the rollover's keys. */
const committed = { ...established, ...rolloverKeys };
const policyInForce = v.object({ policy: itPolicySchema, ack: policyAckSchema });
const pendingPolicy = v.object({ policy: itPolicySchema, frameSeq: seq });
// Typed by what it gives, as the records above.
const serviceBooks: v.GenericSchema<unknown, ServiceBook[]> = v.array(serviceBookSchema);
const progress = v.object({ received: seq, total: seq });
const sync = v.object({
  progress: v.partial(
    v.object(Object.fromEntries(SYNC_ORDER.map((database) => [database, progress])) as Record<SyncDatabase, typeof progress>),
  ),
  local: v.optional(digests),
});

/** One schema per phase: each phase's state has exactly its own fields (src/handset/state.ts). */
export const handsetStateSchema = v.variant('phase', [
  v.object({ ...common, phase: v.literal('idle') }),
  v.object({ ...common, identity, phase: v.literal('awaiting-key'), session: keyWaitSession }),
  v.object({ ...established, phase: v.literal('awaiting-policy') }),
  v.object({ ...established, phase: v.literal('applying-policy'), pendingPolicy }),
  v.object({ ...established, phase: v.literal('awaiting-services'), policy: policyInForce }),
  v.object({ ...committed, phase: v.literal('syncing'), policy: policyInForce, serviceBooks, sync }),
  v.object({ ...committed, phase: v.literal('sync-pending'), policy: policyInForce, serviceBooks, sync }),
  v.object({ ...committed, phase: v.literal('complete'), policy: policyInForce, serviceBooks, sync }),
  v.object({ ...committed, phase: v.literal('applying-policy-update'), policy: policyInForce, serviceBooks, sync, pendingPolicy }),
  v.object({
    ...common,
    phase: v.literal('failed'),
    failure: v.object({ code: v.picklist(ACTIVATION_ERROR_CODES), message: v.string() }),
    email: v.optional(v.string()),
  }),
  v.object({ ...common, phase: v.literal('deactivated'), email: v.optional(v.string()) }),
]);

/** The failure a restored handset reports for an activation that was waiting for the server share. */
export const RESTART_REQUIRED = Object.freeze({
  code: 'INVALID_STATE',
  message: 'the activation was interrupted before the server answered: start it again',
});

/**
 * `state` as it is stored: waiting for the server share, without the scalar, the body key and the
 * hint (what remains can only be restored as failed (`INVALID_STATE`, {@link RESTART_REQUIRED})); any other phase as it is.
 */
function storable(state: HandsetState): unknown {
  // Records are the record store's: a state shown with them (`Handset.state`) is stored without.
  const { organizer: _organizer, ...kept } = state;
  const bare = kept.sync?.store === undefined ? kept : { ...kept, sync: { ...kept.sync, store: undefined } };
  if (bare.phase !== 'awaiting-server-share') return bare;
  const { scalar: _scalar, bodyKey: _bodyKey, hint: _hint, ...session } = bare.session;
  return { ...bare, session };
}

export function sealHandsetState(
  state: HandsetState,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  random: RandomSource,
  options: SnapshotSealOptions = {},
): Uint8Array {
  return sealSnapshot('handset', storable(state), storageKey, provider, { ...options, random });
}

/**
 * The organizer records of a snapshot sealed before layout 4 (`organizer`, `sync.store`), taken
 * out of it: checked (as the records of a message are) and given back beside the state, for the
 * record store. What the slow sync still had to match (`sync.local`, ids then) becomes the digests
 * of those records. A snapshot of layout 4 holds none.
 */
function takeRecords(
  raw: Record<string, unknown>,
  provider: CryptoProvider,
): { layout: Record<string, unknown>; records: DeviceSyncStore } {
  if (raw.version === 4) return { layout: raw, records: {} };
  const { organizer, sync, ...rest } = raw;
  const old = sync !== null && typeof sync === 'object' ? (sync as { store?: unknown; local?: unknown; progress?: unknown }) : undefined;
  const held = validate(store, organizer ?? {}, 'handset snapshot records');
  const synced = validate(store, old?.store ?? {}, 'handset snapshot records');
  const layout: Record<string, unknown> = { ...rest };
  if (old !== undefined) {
    const ids = old.local === undefined ? {} : validate(idLists, old.local, 'handset snapshot');
    const local: Record<string, Record<string, string>> = {};
    for (const [database, list] of Object.entries(ids) as [SyncDatabase, string[] | undefined][]) {
      const wanted = new Set(list);
      const own = (synced[database] ?? []).filter((r) => wanted.has(r.id));
      if (own.length > 0) local[database] = Object.fromEntries(own.map((r) => [r.id, contentsDigest(r, (m) => provider.sha256(m))]));
    }
    layout.sync = { progress: old.progress, ...(Object.keys(local).length > 0 ? { local } : {}) };
  }
  return { layout, records: mergeStores(held, synced) };
}

/**
 * The stored layout, read as the phases are now. A state waiting for the server share restores as
 * failed (`INVALID_STATE`, {@link RESTART_REQUIRED}) (whether or not an old snapshot still holds the scalar). Snapshots sealed
 * before `applying-policy` was a phase of its own held a policy waiting for the enforcer as
 * `pendingPolicy` in `awaiting-policy` or `complete`. Service books and records stored before
 * issue 12 are read in their current, Barry-shaped form (book-upgrade.ts, record-upgrade.ts).
 * Snapshots sealed before the commit point (issue 12, finding 1) may hold a failed activation's
 * policy, books and data: a failed activation keeps nothing of the activation now, so the policy
 * and books go, and the records stay as the device's own (`organizer`). Version 1 gains the IT
 * policy key binding ({@link toVersion2}), version 2 the key rollover's keys ({@link toVersion3}).
 */
function upgradeLayout(stored: Record<string, unknown>): Record<string, unknown> {
  const raw = toVersion4(toVersion3(toVersion2(stored)));
  if (raw.phase === 'failed') {
    // Its records (taken out by takeRecords) are the device's now: they stay in the record store.
    const { policy: _policy, serviceBooks: _books, sync: _sync, ...kept } = raw;
    return kept;
  }
  const pending = 'pendingPolicy' in raw && raw.pendingPolicy !== undefined;
  if (raw.phase === 'awaiting-policy' && pending) return { ...raw, phase: 'applying-policy' };
  if (raw.phase === 'complete' && pending) return { ...raw, phase: 'applying-policy-update' };
  if (raw.phase === 'awaiting-server-share') {
    // The device's own fields stay (identity, organizer data, policy key binding, password
    // failures); the failed phase's schema lets no other field through, and the session, the
    // address typed and a command acknowledgement (dropped when the activation started) go here.
    const { session: _session, email: _email, commandAck: _commandAck, ...device } = raw;
    return {
      version: undefined,
      config: undefined,
      ...device,
      phase: 'failed',
      failure: { ...RESTART_REQUIRED },
      status: failedStatus(RESTART_REQUIRED.code),
    };
  }
  return raw;
}

/**
 * Version 1 (before issue 13) had no IT policy key binding and no password failure count. A
 * device activated then is bound to the key of the server it holds (RIM binds at the first
 * activation), from the commit point on, as the machine binds now; it has made no failed entry.
 */
function toVersion2(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.version !== 1) return raw;
  const committed =
    raw.phase === 'syncing' || raw.phase === 'sync-pending' || raw.phase === 'complete' || raw.phase === 'applying-policy-update';
  const server = raw.server;
  const key = committed && server !== null && typeof server === 'object' && 'publicKey' in server ? server.publicKey : undefined;
  return { ...raw, version: 2, ...(key === undefined ? {} : { policyKey: key }) };
}

/**
 * Version 2 had no key rollover keys in its schema: it is read as it is (no pending key, no
 * previous key). Versioned all the same, so that a version 2 reader refuses a snapshot holding a
 * rollover's keys (MALFORMED) instead of dropping them without a word.
 */
function toVersion3(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.version !== 2) return raw;
  return { ...raw, version: 3 };
}

/**
 * Version 3 held the organizer records in the state; {@link takeRecords} has taken them out. The
 * keyed session's share and ETP.DAT header go with the schema (it keeps only what it lists).
 */
function toVersion4(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.version !== 3) return raw;
  return { ...raw, version: 4 };
}

/** The state with its service books and synchronized records in their current shape. */
function upgradeContents(raw: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if ('serviceBooks' in out) out.serviceBooks = upgradeServiceBooks(out.serviceBooks);
  const sync = out.sync;
  if (sync !== null && typeof sync === 'object' && 'store' in sync) out.sync = { ...sync, store: upgradeSyncStore(sync.store) };
  if ('organizer' in out) out.organizer = upgradeSyncStore(out.organizer);
  return out;
}

/** A handset snapshot opened: the state, and the records a snapshot of an earlier layout held (else none). */
export interface OpenedHandsetSnapshot {
  readonly state: HandsetState;
  /** For the record store: what a snapshot sealed before layout 4 held; empty for a newer one. */
  readonly records: DeviceSyncStore;
}

/** The state of a snapshot, without the records an earlier layout may hold (see {@link openHandsetSnapshot}). */
export function openHandsetState(
  snapshot: Uint8Array,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  options: SnapshotOpenOptions = {},
): HandsetState {
  return openHandsetSnapshot(snapshot, storageKey, provider, options).state;
}

/**
 * Opens a handset snapshot: its state, checked, in the current layout, and the organizer records
 * of a snapshot sealed before layout 4 (migrated, not refused: the host's records would otherwise
 * be lost with the upgrade), which the caller puts into its record store.
 */
export function openHandsetSnapshot(
  snapshot: Uint8Array,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  options: SnapshotOpenOptions = {},
): OpenedHandsetSnapshot {
  const opened = openSnapshot('handset', snapshot, storageKey, provider, options);
  const isState = opened !== null && typeof opened === 'object' && 'phase' in opened;
  const { layout, records } = isState ? takeRecords(upgradeContents(opened), provider) : { layout: opened, records: {} };
  const state = validate(handsetStateSchema, isState ? upgradeLayout(layout as Record<string, unknown>) : layout, 'handset snapshot');
  // The configuration goes through the same checks as a new one.
  let config;
  try {
    config = resolveHandsetConfig(state.config, provider);
  } catch (err) {
    // resolveHandsetConfig refuses with an ActivationError only: it asks the provider through
    // provides(), which catches what the provider throws, and the rest is schema-checked data.
    throw new ActivationError('MALFORMED', 'handset snapshot: invalid configuration', {
      operation: 'open snapshot',
      reason: (err as ActivationError).code,
    });
  }
  return { state: { ...state, config }, records };
}
