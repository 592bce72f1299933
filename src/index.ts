/**
 * enterprise-activation: the handset side of BlackBerry-style wireless Enterprise Activation.
 *
 * - `Handset` runs an activation over any `Transport`; `handsetStep` is its sans-I/O core.
 * - `enterprise-activation/wire` has the codecs (ETP.DAT, frames, messages), for tools.
 * - `enterprise-activation/crypto` has CPace, the transport ciphers and the provider's parts.
 * - `enterprise-activation/simulator` ships the reference BES peer.
 * - `enterprise-activation/node` has the Node-only relay and mail servers.
 *
 * Every name is exported by name: each one is a semver promise, and the API report
 * (api-extractor/reports/) shows any change to this list in a diff. What an emulator author or a
 * test writer needs is here; codecs, CPace and schemas are not (at most 80 runtime values, checked
 * by test/package/api-report.test.ts).
 *
 * @packageDocumentation
 */

// Errors
export { ActivationError, ACTIVATION_ERROR_CODES, isActivationError } from './errors/activation-error.js';
export type { ActivationErrorCode, ActivationErrorDetail } from './errors/activation-error.js';

// The handset: driver, sans-I/O core, configuration, statuses
export { Handset, type HandsetOptions, type HandsetEvents, type TimerApi } from './handset/handset.js';
// The base class of Handset (its on/off). A value, not only a type: a declared class must exist at run time.
export { TypedEmitter, type Listener } from './handset/events.js';
export { handsetStep, type HandsetEnv } from './handset/machine.js';
export {
  HANDSET_PHASES,
  initialHandsetState,
  type ApplyingPolicyState,
  type ApplyingPolicyUpdateState,
  type AwaitingKeyState,
  type AwaitingPolicyState,
  type AwaitingServerShareState,
  type AwaitingServicesState,
  type CommandAck,
  type CompleteState,
  type DeactivatedState,
  type Established,
  type FailedState,
  type FailureState,
  type HandsetCommon,
  type HandsetIdentity,
  type HandsetPhase,
  type HandsetState,
  type HandsetStateIn,
  type IdleState,
  type KeyWaitSession,
  type KeyedSession,
  type PendingKey,
  type PendingPolicy,
  type PhaseFields,
  type PhaseState,
  type Provisioned,
  type PolicyInForce,
  type PreviousKey,
  type RolloverKeys,
  type SessionBase,
  type SessionFields,
  type SessionOf,
  type SessionState,
  type ShareWaitSession,
  type SyncPendingState,
  type SyncState,
  type SyncingState,
  type TransportKeyState,
} from './handset/state.js';
export type { ActivationResult, HandsetInput, HandsetOutput, StepResult } from './handset/io.js';
export {
  DEFAULT_RETRY,
  resolveHandsetConfig,
  type HandsetConfig,
  type NonEmpty,
  type ResolvedHandsetConfig,
  type RetryPolicy,
} from './handset/config.js';
export { STATUS_IDS, STATUS_TEXT, type Status, type StatusId } from './handset/status.js';
export { MAX_PASSWORD_LENGTH, normalizeEmail } from './protocol/key-schedule.js';
// Types the handset's configuration and results are made of (their codecs are in /wire).
export type { DeviceInfo, HandsetRouting } from './wire/etp/etp-body.js';
export type { ServerInfo } from './wire/messages/key-issue.js';

// Snapshots (Handset#snapshot, Handset.restore)
export { snapshotGeneration, type SnapshotOpenOptions, type SnapshotSealOptions } from './persistence/sealed-snapshot.js';

// Transports
export type { FrameHandler, FrameMeta, Transport } from './transport/transport.js';
export { createMemoryTransportPair } from './transport/memory-transport.js';
export {
  withFaults,
  type FaultAction,
  type FaultDirection,
  type FaultOptions,
  type FaultStats,
  type FaultyTransport,
  type Scheduler,
  type ScriptedFault,
} from './transport/fault-injector.js';
export {
  createRelayTransport,
  type RelayTransport,
  type RelayTransportOptions,
  type WebSocketConstructorLike,
  type WebSocketHandler,
  type WebSocketLike,
} from './transport/http-relay-transport.js';
export { combineTransports, type CombineOptions } from './transport/combine.js';

// Crypto provider (CPace and the ciphers themselves are in /crypto), and the id lists its types are made of
export type {
  CPaceSuite,
  CPaceSuiteId,
  CryptoProvider,
  KeyPair,
  RandomSource,
  SealedMessage,
  TransportCipher,
  TransportKeyAlgorithm,
} from './crypto/provider.js';
// The handset takes an asynchronous provider too (the WebCrypto one is in /crypto).
export type { AnyCryptoProvider, AsyncCryptoProvider, AsyncCPaceSuite, AsyncTransportCipher } from './crypto/async-provider.js';
export { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from './crypto/ids.js';
export { nobleProvider } from './crypto/noble-provider.js';
export { seededRandom, systemRandom } from './crypto/seeded-random.js';

// IT policy: the enforcer API, the rule catalogue, policies
export {
  ENFORCER_ERROR_REASON,
  InMemoryPolicyEnforcer,
  UNSUPPORTED_REASON,
  createMappedEnforcer,
  type EnforcementContext,
  type EnforcementResult,
  type InMemoryPolicyEnforcerOptions,
  type MappedEnforcerOptions,
  type PolicyActionEvent,
  type PolicyEnforcer,
  type RuleMapper,
  type RuleRejection,
  type RuleSettings,
} from './policy/enforcer.js';
export { NOT_APPLIED_REASON, applyPolicy, type ApplyPolicyOptions } from './policy/apply-policy.js';
export {
  RULES,
  checkRuleValue,
  defaultFor,
  getRule,
  isKnownRule,
  sameRuleValue,
  type BooleanRule,
  type EnumRule,
  type RuleBase,
  type IntegerRule,
  type RuleDefinition,
  type RuleDependency,
  type RuleGroup,
  type RuleType,
  type RuleUnit,
  type RuleValue,
  type StringListRule,
  type VersionDefault,
} from './policy/rules.js';
export {
  createPolicy,
  effectiveRules,
  validatePolicy,
  type EffectiveRules,
  type EffectiveRulesOptions,
  type InvalidRule,
  type ItPolicy,
} from './policy/policy.js';
export { POLICY_ACK_STATUSES, type PolicyAck, type PolicyAckStatus } from './policy/acknowledgement.js';

// Service books, as a handset holds them
export {
  KNOWN_CIDS,
  SERVICE_BOOK_CONFIG_FORMATS,
  displayName,
  type KnownCid,
  type ServiceBook,
  type ServiceBookConfig,
  type ServiceBookConfigField,
  type ServiceBookConfigFormat,
} from './service-books/service-book.js';
export {
  CAPABILITIES,
  CID_CAPABILITIES,
  CID_DESCRIPTIONS,
  capabilitiesOf,
  capabilitiesOfCid,
  emailEnabled,
  type Capability,
} from './service-books/capabilities.js';
export { booksByCid, findBook } from './service-books/store.js';

// Organizer synchronization: the databases and their records, as a handset holds them
export { SYNC_ORDER, isSyncDatabase, type RecordByDatabase, type SyncData, type SyncDatabase } from './sync/databases.js';
export type { DeviceSyncStore, LocalRecordIds, RecordDigests } from './sync/sync-store.js';
export { MemoryRecordStore, type MaybePromise, type PutOptions, type RecordStore } from './sync/record-store.js';
export {
  EMAIL_FILTER_ACTIONS,
  EVENT_CLASSES,
  FREE_BUSY,
  RECURRENCE_FIELDS,
  RECURRENCE_TYPES,
  TASK_ALARM_TYPES,
  TASK_PRIORITIES,
  TASK_STATUSES,
  WEEK_DAY_BITS,
} from './sync/records.js';
export { TIME_ZONES, TIME_ZONE_CODES, TIME_ZONE_TABLE, timeZoneByCode, type TimeZone, type TimeZoneCode } from './sync/time-zones.js';
export type {
  CalendarEvent,
  Contact,
  ContactPhones,
  DeviceOption,
  EmailFilter,
  EmailFilterAction,
  EmailMessage,
  EmailSettings,
  EventClass,
  FreeBusy,
  Memo,
  PostalAddress,
  RecordKind,
  Recurrence,
  RecurrenceType,
  SyncRecord,
  Task,
  TaskAlarmType,
  TaskPriority,
  TaskStatus,
} from './sync/records.js';

// Server versions (ActivationResult.serverVersion)
export {
  MAINTENANCE_RELEASE_KINDS,
  SERVER_FLAVOURS,
  compareServerVersions,
  formatServerVersion,
  includesFixesOf,
  parseServerVersion,
  shortServerVersion,
  type MaintenanceReleaseKind,
  type ServerFlavour,
  type ServerVersion,
} from './server-version/server-version.js';
