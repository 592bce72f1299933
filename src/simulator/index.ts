/** `enterprise-activation/simulator`: the reference BES peer. */
export { BesSimulator } from './bes-simulator.js';
export type { BesSimulatorOptions } from './bes-simulator.js';
export { AccountStore, DEFAULT_PASSWORD_LIFETIME_HOURS, MAX_PASSWORD_LIFETIME_HOURS, MAX_FAILED_ATTEMPTS, DEFAULT_USER_SETTINGS, DEFAULT_CLAIM_TIMEOUT_MS } from './accounts.js';
export type { Account, AccountStatus, NewUser, UserSettings, ActivatedDevice } from './accounts.js';
export type { ServerIdentity, ServerPolicy } from './server-config.js';
export type { ServicesConfig } from './server-services.js';
