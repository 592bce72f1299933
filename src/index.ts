/**
 * enterprise-activation: the handset side of BlackBerry-style wireless Enterprise Activation.
 *
 * - `Handset` runs an activation over any `Transport`; `handsetStep` is its sans-I/O core.
 * - `enterprise-activation/simulator` ships the reference BES peer.
 * - `enterprise-activation/node` has the Node-only relay and mail servers.
 */
export { ActivationError, ACTIVATION_ERROR_CODES, isActivationError } from './errors/activation-error.js';
export type { ActivationErrorCode, ActivationErrorDetail } from './errors/activation-error.js';
export * from './handset/index.js';
export * from './transport/index.js';
export * from './wire/index.js';
export * from './crypto/index.js';
export { passwordToPrs, channelIdentifier, normalizeEmail, MAX_PASSWORD_LENGTH } from './protocol/key-schedule.js';
export * from './policy/index.js';
export * from './service-books/index.js';
export * from './sync/index.js';
export * from './server-version/index.js';
