/** Public handset API: the driver class, the sans-I/O core and their types. */
export { Handset } from './handset.js';
export type { HandsetOptions, HandsetEvents, TimerApi } from './handset.js';
export { handsetStep } from './machine.js';
export type { HandsetEnv } from './machine.js';
export { initialHandsetState } from './state.js';
export type { HandsetState, HandsetPhase, SessionState, TransportKeyState } from './state.js';
export type { HandsetInput, HandsetOutput, ActivationResult, StepResult } from './io.js';
export { resolveHandsetConfig, SYNC_DATABASES, DEFAULT_RETRY } from './config.js';
export type { HandsetConfig, ResolvedHandsetConfig, RetryPolicy, SyncDatabase } from './config.js';
export { STATUS_TEXT } from './status.js';
export type { Status, StatusId } from './status.js';
