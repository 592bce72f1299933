/** Handset snapshots: the whole device state, sealed under a storage key (see persistence/sealed-snapshot). */
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { openSnapshot, sealSnapshot } from '../persistence/sealed-snapshot.js';
import { validate } from '../wire/cbor.js';
import { resolveHandsetConfig, type HandsetConfig } from './config.js';
import type { HandsetPhase, HandsetState } from './state.js';

const PHASES: readonly HandsetPhase[] = [
  'idle',
  'awaiting-server-share',
  'awaiting-key',
  'awaiting-policy',
  'awaiting-services',
  'syncing',
  'complete',
  'failed',
];

/** The parts of a restored state checked before it is trusted (the seal already proves who wrote it). */
const stateShape = v.looseObject({
  version: v.literal(1),
  phase: v.picklist(PHASES),
  config: v.looseObject({}),
});

export function sealHandsetState(state: HandsetState, storageKey: Uint8Array, provider: CryptoProvider, random: RandomSource): Uint8Array {
  return sealSnapshot('handset', state, storageKey, provider, random);
}

export function openHandsetState(snapshot: Uint8Array, storageKey: Uint8Array, provider: CryptoProvider): HandsetState {
  const value = validate(stateShape, openSnapshot('handset', snapshot, storageKey, provider), 'handset snapshot');
  // The configuration goes through the same checks as a new one.
  let config;
  try {
    config = resolveHandsetConfig(value.config as unknown as HandsetConfig);
  } catch (err) {
    throw new ActivationError('MALFORMED', 'handset snapshot: invalid configuration', { operation: 'open snapshot', reason: err instanceof ActivationError ? err.code : 'invalid' });
  }
  return { ...(value as unknown as HandsetState), config };
}
