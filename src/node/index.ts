/** Node-only parts: the reference relay server and the mail path (SMTP, mailbox monitor). */
export {
  startRelayServer,
  type RelayServer,
  type RelayServerOptions,
  type RelaySmtpOptions,
  type RelayStats,
} from './relay-server.js';
export {
  ETP_ATTACHMENT_NAME,
  ETP_MAIL_SUBJECT,
  NOT_AN_ACTIVATION_REQUEST,
  PIN_HEADER,
  SESSION_HEADER,
  buildEtpMail,
  etpMailSubject,
  isNotActivationRequest,
  parseEtpMail,
  type BuildEtpMailOptions,
  type ParsedEtpMail,
} from './mail/etp-mail.js';
export { submitMail, type SmtpTarget, type SubmitMailOptions, type SubmitResult } from './mail/smtp-submitter.js';
export { MemoryMailbox, startMailServer, type Mailbox, type MailServer, type MailServerOptions, type StoredMail } from './mail/mail-server.js';
export { createMailboxMonitor, type MailboxMonitor, type MailboxMonitorOptions, type MailboxMonitorStats } from './mail/mailbox-monitor.js';
export { combineTransports, type CombineOptions } from '../transport/combine.js';
