/**
 * `enterprise-activation/wire`: the bytes on the wire, for tools that build and inspect them.
 * Frames, ETP.DAT and the protocol messages, the IT policy, service book and sync bodies, and the
 * relay's HTTP protocol. A handset or a simulator needs none of this directly.
 *
 * Exported by name, like every entry point: the schemas behind the decoders and the CBOR codec
 * itself stay internal, so the wire format can be checked more strictly without an API change.
 *
 * @packageDocumentation
 */

// Frames
export { MAX_FRAME_BYTES } from '../codec/cbor.js';
export { PROTOCOL_VERSION, MESSAGE_TYPES, encodeFrame, decodeFrame, frameAssociatedData, type Frame, type MessageType } from './frame.js';

// ETP.DAT: the activation request
export { encodeEtpDat, decodeEtpDat, ETP_DAT_VERSION, MAX_ETP_DAT_BYTES, type EtpDat } from './messages/etp-dat.js';
export { encodeEtpHeader, decodeEtpHeader, type EtpHeader } from './etp/etp-header.js';
// The id lists live in crypto/ (issue 11); exported here too, as before.
export { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
export {
  sealEtpBody,
  openEtpBody,
  BODY_KEY_LENGTH,
  type EtpBody,
  type EtpBodyBinding,
  type DeviceInfo,
  type DeviceCapabilities,
  type HandsetRouting,
  type SealedBody,
} from './etp/etp-body.js';

// Protocol messages
export {
  decodeServerShare,
  encodeServerShare,
  encodeServerRouting,
  type ServerShare,
  type ServerRouting,
} from './messages/server-share.js';
export { sessionDigest } from '../protocol/session-digest.js';
export { decodeKeyIssue, decodeKeyGrant, type KeyIssue, type KeyGrant, type ServerInfo } from './messages/key-issue.js';
export {
  decodeErrorMessage,
  encodeErrorMessage,
  errorText,
  openErrorBody,
  sealErrorBody,
  type ErrorKey,
  type ErrorMessage,
} from './messages/error.js';
export type { TransportKeyRef } from './messages/sealed-body.js';
export {
  COMMAND_ID_LENGTH,
  DEVICE_COMMANDS,
  decodeDeviceCommand,
  encodeDeviceCommand,
  type DeviceCommand,
  type DeviceCommandName,
} from './messages/device-command.js';
export { decodeDeviceCommandAck, encodeDeviceCommandAck, type DeviceCommandAck } from './messages/device-command-ack.js';

// IT policy bodies: the signed policy and the device's acknowledgement
export { decodeSignedPolicy, encodeSignedPolicy } from './messages/it-policy.js';
export {
  IT_POLICY_SIGNATURE_LABEL,
  MAX_POLICY_BYTES,
  POLICY_HASH_LENGTH,
  encodePolicy,
  policyBytesHash,
  policyHash,
  policySignatureInput,
  signPolicy,
  verifySignedPolicy,
  type SignedPolicy,
} from '../policy/signed-policy.js';
export {
  MAX_POLICY_ID_LENGTH,
  MAX_RULES,
  MAX_RULE_LIST_ITEMS,
  MAX_RULE_NAME_LENGTH,
  MAX_RULE_TEXT_LENGTH,
  MAX_SERVER_VERSION_LENGTH,
} from '../policy/policy.js';
export { MAX_POLICY_ACK_BYTES, decodePolicyAck, encodePolicyAck } from './messages/policy-ack.js';
export { MAX_REASON_LENGTH } from '../policy/acknowledgement.js';

// Service book bodies
export { MAX_SERVICE_BOOKS_BYTES, decodeServiceBooks, encodeServiceBooks } from './messages/service-books.js';
export { MAX_CONFIG_BYTES, MAX_CONFIG_FIELD_BYTES, MAX_SERVICE_BOOKS, SERVICE_BOOK_CONFIG_FORMATS } from '../service-books/service-book.js';

// Sync bodies: pages of records and their acknowledgements, and the values records may hold
export { decodeSyncPage, encodeSyncPage } from './messages/sync-page.js';
export { decodeSyncAck, encodeSyncAck } from './messages/sync-ack.js';
export { MAX_DATABASE_RECORDS, MAX_PAGE_BYTES, MAX_PAGE_RECORDS, paginate, type SyncAck, type SyncPage } from '../sync/pages.js';
export {
  EMAIL_FILTER_ACTIONS,
  EVENT_CLASSES,
  FREE_BUSY,
  MAX_CATEGORIES,
  MAX_EMAIL_FILTERS,
  MAX_MESSAGE_BODY,
  MAX_NOTES,
  MAX_RECORD_ID,
  RECORD_KINDS,
  RECURRENCE_FIELDS,
  RECURRENCE_TYPES,
  TASK_ALARM_TYPES,
  TASK_PRIORITIES,
  TASK_STATUSES,
  WEEK_DAY_BITS,
} from '../sync/records.js';
export { TIME_ZONES, TIME_ZONE_CODES, TIME_ZONE_TABLE, timeZoneByCode, type TimeZone, type TimeZoneCode } from '../sync/time-zones.js';

// The relay's HTTP protocol (createRelayTransport and startRelayServer speak it)
export {
  FRAME_BATCH_CONTENT_TYPE,
  FRAME_CONTENT_TYPE,
  FRAMES_PATH,
  MAX_POLL_WAIT_SECONDS,
  WEBSOCKET_PATH,
  decodeFrameBatch,
  encodeFrameBatch,
  normalizeServes,
  parseRelayAddress,
  type RelayAddress,
} from '../transport/relay-protocol.js';

// Types the bodies above are made of, also exported by the root entry (the same declarations)
export { ACTIVATION_ERROR_CODES, type ActivationErrorCode } from '../errors/activation-error.js';
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
export type { AeadBox } from './messages/boxes.js';
export type { ItPolicy } from '../policy/policy.js';
export type { RuleValue } from '../policy/rules.js';
export { POLICY_ACK_STATUSES, type PolicyAck, type PolicyAckStatus } from '../policy/acknowledgement.js';
export type { RuleRejection } from '../policy/enforcer.js';
export type { ServiceBook, ServiceBookConfig, ServiceBookConfigField, ServiceBookConfigFormat } from '../service-books/service-book.js';
export { SYNC_ORDER, type SyncDatabase } from '../sync/databases.js';
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
} from '../sync/records.js';
