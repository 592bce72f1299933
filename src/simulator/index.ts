/** `enterprise-activation/simulator`: the reference BES peer. */
export { BesSimulator, DEFAULT_POLICY_RETRANSMIT_MS, UNCONFIRMED_ATTEMPT_MS } from './bes-simulator.js';
export type { BesSimulatorOptions } from './bes-simulator.js';
export { EtpAdmission, DEFAULT_PIN_RATE_LIMIT, DEFAULT_SOURCE_RATE_LIMIT, DEFAULT_MAX_TRACKED, MAX_ADMIN_LOG } from './admission.js';
export type { AdminEvent, EtpAdmissionOptions, RateLimit, RefusalReason } from './admission.js';
export {
  AccountStore,
  DEFAULT_PASSWORD_LIFETIME_HOURS,
  MAX_PASSWORD_LIFETIME_HOURS,
  MAX_FAILED_ATTEMPTS,
  MIN_ACTIVATION_PASSWORD_LENGTH,
  DEFAULT_USER_SETTINGS,
  DEFAULT_CLAIM_TIMEOUT_MS,
  generateActivationPassword,
} from './accounts.js';
export type { Account, AccountStatus, CpaceChoice, NewUser, PasswordProblem, UserSettings, ActivatedDevice } from './accounts.js';
export type { ServerIdentity, ServerPolicy } from './server-config.js';
export type { ServicesConfig } from './server-services.js';
