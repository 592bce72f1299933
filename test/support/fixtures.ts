/**
 * The one set of defaults the end-to-end tests share: who activates, on which device, at what time.
 * The Pair (pair.ts) uses them when a test says nothing; the phase rig (test/phases/helpers.ts)
 * and the tests use them by name. One place, so that two harnesses cannot drift apart (they had:
 * the security harness activated with another password than the activation harness).
 */
import type { HandsetConfig } from '../../src/handset/config.js';
import type { ActivatedDevice, NewUser } from '../../src/simulator/accounts.js';

/** 2024-01-01T00:00:00Z: where every virtual clock starts unless a test says otherwise. */
export const T0 = Date.UTC(2024, 0, 1);
export const HOUR = 3_600_000;

export const EMAIL = 'alice@example.com';
export const PASSWORD = 'Bb-activation-1';
export const DISPLAY_NAME = 'Alice Example';

export const HANDSET_CONFIG: HandsetConfig = {
  pin: '2100000A',
  routing: { relay: 'relay.blackberry.test', uid: 'carrier-uid-0001' },
  device: { model: '8800', os: '4.5.0.110' },
};

/** The P-521 CPace suite (the default handset offers X25519 first). */
export const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512' as const;

/** The default user: {@link EMAIL} with the activation password {@link PASSWORD}. */
export const USERS: readonly NewUser[] = [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD }];

/**
 * A device an account is activated on, for the AccountStore tests: the default handset's PIN and
 * model, zero keys, activated at {@link T0}.
 */
export const ACTIVATED_DEVICE: ActivatedDevice = {
  pin: HANDSET_CONFIG.pin,
  model: '8800',
  os: '4.5.0.110',
  identityKey: new Uint8Array(32),
  agreementKey: new Uint8Array(32),
  keyAlgorithm: 'AES-256',
  keyId: new Uint8Array(8),
  transportKey: new Uint8Array(32),
  activatedAt: T0,
};
