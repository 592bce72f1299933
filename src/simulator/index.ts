/**
 * `enterprise-activation/simulator`: the reference BES peer, with what a test needs to set it up:
 * accounts, the ETP.DAT admission limits, the default service books and the generator of a
 * user's organizer data (the data a server synchronizes belongs to the server side); and the
 * server's sans-I/O core, `serverStep`, the mirror of the handset's `handsetStep`.
 *
 * @packageDocumentation
 */
export { BesSimulator, DEFAULT_POLICY_RETRANSMIT_MS, MAX_UNAPPLIED_POLICY_HOURS, UNCONFIRMED_ATTEMPT_MS } from './bes-simulator.js';
export type { AccountView, BesSimulatorOptions } from './bes-simulator.js';
// The server's sans-I/O core: one session's state machine, its tables, and the routing of frames to sessions.
export {
  serverStep,
  startServerSession,
  SERVER_FRAME_TRANSITIONS,
  SERVER_INPUT_TRANSITIONS,
  SERVER_START_PHASES,
  type ServerFrameTable,
  type ServerFrameTransition,
} from './server-machine.js';
export { routeFrame, routeEtpDat, type FrameRoute, type SessionEntry } from './server-routing.js';
export type { AccountChange, ServerEnv, ServerInput, ServerOutput, ServerStartResult, ServerStepResult } from './server-io.js';
export {
  SERVER_PHASES,
  COMMAND_GIVE_UP_MS,
  type AwaitingBooksAckState,
  type AwaitingConfirmState,
  type AwaitingKeyVerifiedState,
  type AwaitingPolicyAckState,
  type LastReply,
  type PendingBooksPush,
  type PendingCommand,
  type PendingPolicyPush,
  type PendingRollover,
  type PolicySent,
  ROLLOVER_REASONS,
  type RolloverReason,
  type ServerCompleteState,
  type ServerFailedState,
  type ServerPhase,
  type ServerPhaseState,
  type ServerRetiredState,
  type ServerSessionBase,
  type ServerSessionFields,
  type ServerSessionState,
  type ServerStateIn,
  type ServerSyncingState,
  type ServerTransportKey,
  type SyncProgress,
  type TaCheck,
} from './server-state.js';
export { EtpAdmission, DEFAULT_PIN_RATE_LIMIT, DEFAULT_SOURCE_RATE_LIMIT, DEFAULT_MAX_TRACKED, MAX_ADMIN_LOG } from './admission.js';
export type { AdminEvent, EtpAdmissionOptions, RateLimit, RefusalReason } from './admission.js';
/** The commands a server sends a device (also exported by `enterprise-activation/wire`). */
export { DEVICE_COMMANDS, type DeviceCommandName } from '../wire/messages/device-command.js';
export {
  ACCOUNT_STATUSES,
  ADMIN_STATUSES,
  AccountStore,
  DEFAULT_PASSWORD_LIFETIME_HOURS,
  EXPIRE_NOW_HOURS,
  MAX_CONSOLE_PASSWORD_LENGTH,
  MAX_PASSWORD_LIFETIME_HOURS,
  MAX_FAILED_ATTEMPTS,
  MIN_ACTIVATION_PASSWORD_LENGTH,
  DEFAULT_USER_SETTINGS,
  DEFAULT_CLAIM_TIMEOUT_MS,
  generateActivationPassword,
} from './accounts.js';
export type {
  Account,
  AccountStatus,
  AdminStatus,
  CpaceChoice,
  NewUser,
  PasswordProblem,
  UserSettings,
  ActivatedDevice,
} from './accounts.js';
export type { ServerIdentity, ServerPolicy } from './server-config.js';
export { type ServicesConfig } from './server-services.js';
export {
  CMIME_CONFIG_EMAIL,
  DEFAULT_BOOK_CIDS,
  defaultServiceBooks,
  type DefaultBookCid,
  type DefaultServiceBookOptions,
} from '../service-books/server-books.js';
export {
  DEFAULT_DATA_COUNTS,
  MAX_GENERATED_RECORDS,
  generateUserData,
  type GenerateUserDataOptions,
} from './user-data/generate-user-data.js';

// Types (and the value lists some are made of) that the simulator's API uses, also exported by the
// root entry: the same declarations and the same objects.
export { ACTIVATION_ERROR_CODES, type ActivationErrorCode } from '../errors/activation-error.js';
export { MESSAGE_TYPES, PROTOCOL_VERSION, type Frame, type MessageType } from '../wire/frame.js';
export type { EtpDat } from '../wire/messages/etp-dat.js';
export type { EtpHeader } from '../wire/etp/etp-header.js';
export type { DeviceCapabilities, DeviceInfo, EtpBody, HandsetRouting, SealedBody } from '../wire/etp/etp-body.js';
export type { SyncDone } from '../wire/messages/sync-done.js';
export type { SyncPage } from '../sync/pages.js';
export type { FrameHandler, FrameMeta, Transport } from '../transport/transport.js';
export type {
  CPaceSuite,
  CPaceSuiteId,
  CryptoProvider,
  KeyPair,
  RandomSource,
  SealedMessage,
  TransportCipher,
  TransportKeyAlgorithm,
} from '../crypto/provider.js';
export { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
export type { SnapshotOpenOptions, SnapshotSealOptions } from '../persistence/sealed-snapshot.js';
export {
  MAINTENANCE_RELEASE_KINDS,
  SERVER_FLAVOURS,
  type MaintenanceReleaseKind,
  type ServerFlavour,
  type ServerVersion,
} from '../server-version/server-version.js';
export { serverCapabilities, type ServerCapabilities } from '../server-version/capabilities.js';
export type { ItPolicy } from '../policy/policy.js';
export type { RuleValue } from '../policy/rules.js';
export { POLICY_ACK_STATUSES, type PolicyAck, type PolicyAckStatus } from '../policy/acknowledgement.js';
export type { RuleRejection } from '../policy/enforcer.js';
export {
  SERVICE_BOOK_CONFIG_FORMATS,
  type ServiceBook,
  type ServiceBookConfig,
  type ServiceBookConfigField,
  type ServiceBookConfigFormat,
} from '../service-books/service-book.js';
export { TIME_ZONES, TIME_ZONE_CODES, TIME_ZONE_TABLE, type TimeZone, type TimeZoneCode } from '../sync/time-zones.js';
export { SYNC_ORDER, type RecordByDatabase, type SyncData, type SyncDatabase } from '../sync/databases.js';
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
  type EmailFilter,
  type EmailFilterAction,
  type EmailSettings,
  type TaskAlarmType,
  type CalendarEvent,
  type Contact,
  type ContactPhones,
  type DeviceOption,
  type EmailMessage,
  type EventClass,
  type FreeBusy,
  type Memo,
  type PostalAddress,
  type RecordKind,
  type Recurrence,
  type RecurrenceType,
  type SyncRecord,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from '../sync/records.js';
export {
  FLEET_PASSWORD_LENGTH,
  MAX_FLEET_USERS,
  fleetEmail,
  fleetPassword,
  fleetUsers,
  type FleetUser,
  type FleetUsersOptions,
} from './fleet-users.js';
export type { TimerApi } from '../util/timers.js';
