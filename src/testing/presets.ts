/**
 * Scenario presets for {@link createActivationPair}: each one a named setup of the simulator, the
 * handset's enforcer and the link, with the outcome it leads to. The outcomes are those of this
 * library's simulator and handset (tested in test/testing/presets.test.ts); which server behaviour
 * is RIM's is said in docs/server.md and docs/fidelity.md, not here.
 */
import { createPolicy } from '../policy/policy.js';
import { defaultServiceBooks } from '../service-books/server-books.js';
import type { BesSimulatorOptions } from '../simulator/bes-simulator.js';
import type { FaultOptions } from '../transport/fault-injector.js';
import { deepFreeze } from '../util/deep-freeze.js';

/** The name of a scenario preset: one of {@link PRESET_NAMES}. */
export type PresetName = keyof typeof PRESETS;

/** What a preset is, for a reader: one line on what it sets up, one on the outcome it leads to. */
export interface PresetDescription {
  /** What the preset sets up. */
  readonly setup: string;
  /** What an activation under it ends in: an error code, a status, a key. */
  readonly outcome: string;
}

/**
 * Every scenario preset, by name, with what it sets up and what an activation under it ends in.
 * Pass names as `preset` to {@link createActivationPair} or {@link activate}; several combine
 * (e.g. `['tdes-only', 'lossy-link']`).
 */
export const PRESETS = deepFreeze({
  'password-expired': {
    setup: "The administrator expired the user's activation password before the handset activates.",
    outcome: 'Fails with PASSWORD_EXPIRED; the screen shows "Activation failed: the activation password has expired".',
  },
  'locked-out': {
    setup: 'Another device typed a wrong activation password 5 times (MAX_FAILED_ATTEMPTS) before this one activates with the right one.',
    outcome:
      'Fails with WRONG_PASSWORD: a handset that has not proved the password is not told why (docs/protocol.md, "What a peer learns"). ' +
      "The server's `account(email)` reads locked, its `lastFailure.code` LOCKED_OUT.",
  },
  'wrong-password': {
    setup: 'The user types a wrong activation password. With `times: n` the user tries n times in a row.',
    outcome:
      'Fails with WRONG_PASSWORD, each time. After 5 (MAX_FAILED_ATTEMPTS) the password is locked: the right one fails too, ' +
      'with WRONG_PASSWORD on the handset and LOCKED_OUT in `account(email).lastFailure`.',
  },
  'tdes-only': {
    setup:
      'The server issues Triple DES transport keys only (its `ciphers` option), as an administrator can configure BES 4.0 to 5.0 (KB05429, src/server-version/capabilities.ts).',
    outcome: 'Completes with a TDES-EDE2-CBC transport key.',
  },
  'old-bes': {
    setup:
      'The server acts as BlackBerry Enterprise Server for Microsoft Exchange 3.6: before 4.0, Triple DES keys only (src/server-version/capabilities.ts).',
    outcome: 'Completes with a TDES-EDE2-CBC transport key; `result.serverVersion` is 3.6.',
  },
  'no-cmime': {
    setup: 'The server sends every default service book but the [CMIME] one.',
    outcome: 'Completes, showing the email-not-enabled status instead of email-enabled; no email messages are synchronized.',
  },
  'policy-rejected': {
    setup: 'The server\'s IT policy sets "Disable Bluetooth", which the handset\'s enforcer cannot apply.',
    outcome: 'Fails with POLICY_REJECTED; the screen shows "Activation failed: the IT policy could not be applied".',
  },
  'server-silent': {
    setup: 'No server answers: the handset sends its request into the void.',
    outcome: 'Fails with TIMEOUT after its retransmissions (5 sends, 15 s apart by default: 75 s of virtual time, no real wait).',
  },
  'slow-link': {
    setup: 'Every frame takes 3 s each way on the link (virtual time).',
    outcome: 'Completes; `elapsedMs` shows the delays.',
  },
  'lossy-link': {
    setup: 'The link loses 10% of the frames each way (seeded: the same frames each run).',
    outcome: 'Completes; the handset sends again what was lost (frames seen show the repeats).',
  },
  'restart-mid-activation': {
    setup: 'At the first synchronization page the handset loses power: it is restored from a snapshot taken then and resumes.',
    outcome:
      'Completes: the restored handset sends its last sync-ack again when its reply timeout (15 s, virtual) fires, and the synchronization finishes.',
  },
  'second-device': {
    setup: 'The user activated another device (PIN 2100000B) first; the administrator set a new activation password for this one.',
    outcome: 'Completes; the server retires the first device, which shows deactivated (`pair.otherHandsets[0]`).',
  },
} as const satisfies Record<string, PresetDescription>);

/** The preset names, in the order of {@link PRESETS}. */
export const PRESET_NAMES = deepFreeze(Object.keys(PRESETS) as PresetName[]);

/** What a preset changes in a pair: merged in order, for {@link createActivationPair}. Internal. */
export interface PresetSetup {
  readonly server?: Partial<BesSimulatorOptions>;
  readonly link?: Omit<FaultOptions, 'seed' | 'schedule'>;
  /** The server is not attached: nobody answers. */
  readonly silent?: boolean;
  /** Policy rules the handset's enforcer cannot apply. */
  readonly unsupportedRules?: readonly string[];
  /** The user types a wrong password. */
  readonly wrongPassword?: boolean;
  /** Something that happens before the first activation. */
  readonly before?: 'expire-password' | 'lock-out' | 'first-device';
  /** The handset loses power and is restored at this event. */
  readonly restartAt?: 'sync-progress';
}

/** The one rule the `policy-rejected` preset's policy sets and its handset's enforcer cannot apply. */
const REJECTED_RULE = 'Disable Bluetooth';

/** What preset `name` changes, given the clock's time (for the IT policy's issue time). Internal. */
export function presetSetup(name: PresetName, now: number): PresetSetup {
  switch (name) {
    case 'password-expired':
      return { before: 'expire-password' };
    case 'locked-out':
      return { before: 'lock-out' };
    case 'wrong-password':
      return { wrongPassword: true };
    case 'tdes-only':
      return { server: { ciphers: ['TDES-EDE2-CBC'] } };
    case 'old-bes':
      return { server: { version: 'BlackBerry Enterprise Server for Microsoft Exchange 3.6' } };
    case 'no-cmime':
      return {
        server: {
          services: {
            serviceBooks: (account, id) =>
              defaultServiceBooks({ srp: id.srp, besDomain: id.besDomain, email: account.email, omit: ['CMIME'] }),
          },
        },
      };
    case 'policy-rejected':
      return {
        server: { services: { policy: createPolicy('no-bluetooth', 'enterprise-activation/testing', now, { [REJECTED_RULE]: true }) } },
        unsupportedRules: [REJECTED_RULE],
      };
    case 'server-silent':
      return { silent: true };
    case 'slow-link':
      return { link: { direction: 'both', delayMs: 3_000 } };
    case 'lossy-link':
      return { link: { direction: 'both', loss: 0.1 } };
    case 'restart-mid-activation':
      return { restartAt: 'sync-progress' };
    case 'second-device':
      return { before: 'first-device' };
  }
}
