/**
 * `enterprise-activation/node`: the Node-only parts, the reference relay server and the mail path
 * (SMTP server, submission, mailbox monitor, ETP.DAT mail building and parsing), the
 * node:crypto provider, and three applications: `startBesServer` (a BES simulator behind the relay,
 * with metrics), `runFleet` (many handsets against it) and `activateFleetDevice` (one of them, for
 * load tools such as Artillery). The servers need the optional peer
 * dependencies `ws`, `nodemailer`, `smtp-server` and `mailparser`, `startBesServer` also
 * `prom-client`, `runFleet` `hdr-histogram-js` (and `tinypool` with worker threads); the provider needs none.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_RELAY_LIMITS,
  startRelayServer,
  type RelayLimits,
  type RelayServer,
  type RelayServerConfig,
  type RelayServerOptions,
  type RelaySmtpOptions,
  type RelayStats,
} from './relay-server.js';
export {
  ETP_ATTACHMENT_NAME,
  ETP_MAIL_SUBJECT,
  NOT_AN_ACTIVATION_REQUEST,
  ETP_MAIL_TEXT,
  PIN_HEADER,
  SESSION_HEADER,
  SOURCE_HEADER,
  VOUCH_HEADER,
  buildEtpMail,
  etpMailSubject,
  hasEtpAttachmentMarker,
  isNotActivationRequest,
  parseEtpMail,
  type BuildEtpMailOptions,
  type ParsedEtpMail,
} from './mail/etp-mail.js';
export { submitMail, type SmtpTarget, type SubmitMailOptions, type SubmitResult } from './mail/smtp-submitter.js';
export {
  DEFAULT_MAIL_SERVER_LIMITS,
  MemoryMailbox,
  startMailServer,
  type Mailbox,
  type MailServer,
  type MailServerLimits,
  type MailServerOptions,
  type MailServerStats,
  type StoredMail,
} from './mail/mail-server.js';
export {
  DEFAULT_MAILBOX_MONITOR_LIMITS,
  createMailboxMonitor,
  type MailboxMonitor,
  type MailboxMonitorOptions,
  type MailboxMonitorStats,
} from './mail/mailbox-monitor.js';
export { MAX_MAIL_ADDRESS_LENGTH, checkMailAddress, isMailAddress } from './mail/mail-address.js';
export {
  MAX_VOUCH_SOURCE_LENGTH,
  RELAY_VOUCH_INFO,
  RELAY_VOUCH_LENGTH,
  checkVouch,
  decodeVouch,
  deriveVouchKey,
  encodeVouch,
  isValidVouchSource,
  vouchMac,
} from '../transport/relay-vouch.js';
export { combineTransports, type CombineOptions } from '../transport/combine.js';
export { createNodeCryptoProvider, type NodeCryptoProviderOptions } from './crypto/node-crypto-provider.js';

// Types the Node-only API uses (and the lists the id types are made of), also exported by the root,
// /wire and /crypto entries (the same declarations and the same objects).
export type { FrameHandler, FrameMeta, Transport } from '../transport/transport.js';
export type { EtpHeader } from '../wire/etp/etp-header.js';
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
export { startBesServer, runFleet, activateFleetDevice } from '../serve/load.js';
export type { BesServer, BesServerOptions, BesServerSummary, BesServerUi, BesServerUser } from '../serve/bes-server.js';
export { ACTIVATION_OUTCOMES, SERVER_PHASES, type ActivationOutcome, type ServerPhase } from '../serve/activation-tracker.js';
export type { RelayEndpoint, RelayEndpointAnswer, RelayEndpointRequest } from './relay-server.js';
export { MAX_ENDPOINT_BODY_BYTES } from './relay-server.js';
export type { FleetOptions } from '../fleet/run-fleet.js';
export type { FleetProgress, FleetReport, PhaseLatency } from '../fleet/fleet-report.js';
export { FLEET_PHASES, type FleetPhase } from '../fleet/phase-clock.js';
export { FLEET_CRYPTO, FLEET_MODES, type FleetCrypto, type FleetMode } from '../fleet/fleet-choices.js';
export { fleetDevices, type FleetDevice, type FleetDeviceOptions } from '../fleet/fleet-device.js';
export type { ActivateFleetDeviceOptions } from '../fleet/activate-fleet-device.js';
export type { FleetDeviceResult } from '../fleet/fleet-target.js';
export { checkFleetTarget, TARGET_CHECK_TIMEOUT_MS } from '../fleet/target-check.js';
