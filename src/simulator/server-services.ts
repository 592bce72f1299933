/** Phases 3 and 4 on the server: IT policy, service books, synchronization. */
import type { Frame, MessageType } from '../wire/frame.js';
import type { ServerIdentity } from './server-config.js';
import type { ServerContext, ServerPhase, ServerSession, ServerStep } from './server-session.js';

export interface ServicesConfig {
  readonly placeholder?: true;
}

export function resolveServicesConfig(_options: Partial<ServicesConfig> | undefined, _identity: ServerIdentity, _now: () => number): ServicesConfig {
  return {};
}

export function afterKeyVerified(_services: ServicesConfig) {
  return (session: ServerSession, _ctx: ServerContext, _forSeq: number): Uint8Array[] => {
    session.phase = 'awaiting-policy-ack';
    return [];
  };
}

type Handler = (session: ServerSession, frame: Frame, ctx: ServerContext, services: ServicesConfig) => ServerStep;
export const SERVICE_PHASE_HANDLERS: Partial<Record<ServerPhase, Partial<Record<MessageType, Handler>>>> = {};
