/**
 * Why an activation failed, as the administrator reads it in the server's log (docs/server.md,
 * "Log events"): each way the server's core ends a session with an error frame logs
 * `activation failed` with the pin, the email, the stable `code` and a human-readable `reason`.
 * Each failure is driven on the server's sans-I/O core (test/support/server-core.ts), step by step.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { keyProofPayload } from '../../src/protocol/key-schedule.js';
import { createPolicy } from '../../src/policy/policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import type { ServerOutput } from '../../src/simulator/server-io.js';
import { decodeFrame, encodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { encodeKeyVerified } from '../../src/wire/messages/key-verified.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD } from '../support/fixtures.js';
import { reframe } from '../support/frames.js';
import { allAlgorithms } from '../support/providers.js';
import { CoreRig, expectConfirmDropped, resealed, rigAt, sessionOf } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;

/** The `activation failed` log lines among `outputs`, their detail. */
function failures(outputs: readonly ServerOutput[]): unknown[] {
  return CoreRig.logs(outputs).flatMap((l) => (l.event === 'activation failed' ? [l.detail] : []));
}

function transportKeyOf(rig: CoreRig) {
  const state = sessionOf(rig);
  if (state.transportKey === undefined) throw new Error('no transport key yet');
  return state.transportKey;
}

/** The handset's ETP.DAT, altered by `change`, starts the session; the pair then runs until the server waits for the confirmation. */
function withEtpDat(change: (etp: ReturnType<typeof decodeEtpDat>) => Parameters<typeof encodeEtpDat>[0]): CoreRig {
  const rig = new CoreRig();
  rig.activate();
  const bytes = rig.toServer.shift()!;
  rig.toServer.unshift(reframe(bytes, { body: encodeEtpDat(change(decodeEtpDat(decodeFrame(bytes).body))) }));
  return rig;
}

/** The handset's key-verified with its proof replaced by `payload` sealed under `algorithm` and `key`. */
function keyVerifiedWith(rig: CoreRig, payload: Uint8Array, algorithm: 'AES-256-CBC' | 'TDES-EDE2-CBC', key: Uint8Array): Uint8Array {
  const frame = decodeFrame(rig.toServer.shift()!);
  const proof = allAlgorithms.sealMessage(algorithm, key, payload, frameAssociatedData(frame), seededRandom('proof'));
  return encodeFrame({ ...frame, body: encodeKeyVerified({ proof }) });
}

function transcriptOf(rig: CoreRig): Uint8Array {
  const state = sessionOf(rig);
  if (state.phase !== 'awaiting-key-verified') throw new Error('not awaiting the key proof');
  return state.transcript;
}

/** The policy-ack waiting in `toServer`, with its content changed by `patch` and resealed. */
function policyAckWith(rig: CoreRig, patch: Partial<ReturnType<typeof decodePolicyAck>>): Uint8Array {
  const bytes = rig.toServer.shift()!;
  const frame = decodeFrame(bytes);
  const key = transportKeyOf(rig);
  const ack = decodePolicyAck(openBody(nobleProvider, key, frame.body, frameAssociatedData(frame), 'policy-ack'));
  return resealed(bytes, encodePolicyAck({ ...ack, ...patch }), key);
}

interface Case {
  readonly name: string;
  readonly code: string;
  readonly reason: string;
  /** Runs the session into the failure; returns the outputs of the failing step. */
  readonly run: () => ServerOutput[];
}

const cases: readonly Case[] = [
  {
    name: 'an ETP.DAT whose CPace share is a low-order point (all zeros)',
    code: 'PROTOCOL_ERROR',
    reason: 'invalid CPace share',
    run: () => {
      const rig = withEtpDat((etp) => ({ ...etp, share: new Uint8Array(32) }));
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: 'a proven password that expired after the ETP.DAT (the administrator set 0 hours)',
    code: 'PASSWORD_EXPIRED',
    reason: 'the proven activation password is refused: PASSWORD_EXPIRED',
    run: () => {
      const rig = rigAt('awaiting-confirm');
      rig.accounts.setActivationPassword(EMAIL, PASSWORD, 0);
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: 'a proven password the administrator replaced after the ETP.DAT',
    code: 'NO_ACTIVATION_PASSWORD',
    reason: 'the proven activation password is refused: NO_ACTIVATION_PASSWORD',
    run: () => {
      const rig = rigAt('awaiting-confirm');
      rig.clock.now += 1_000;
      rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: 'a proven password another device holds',
    code: 'NO_ACTIVATION_PASSWORD',
    reason: 'the activation password is in use by another activation',
    run: () => {
      const rig = rigAt('awaiting-confirm');
      expect(rig.accounts.attemptConfirmed(EMAIL, 'aa'.repeat(16), '2100FFFF')).toBe(true);
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: 'an ETP.DAT whose sealed body was altered (the body key opens, the body does not)',
    code: 'PROTOCOL_ERROR',
    reason: 'the ETP.DAT body could not be opened',
    run: () => {
      const rig = withEtpDat((etp) => {
        const ciphertext = etp.sealedBody.ciphertext.slice();
        ciphertext[0] = ciphertext[0]! ^ 1;
        return { ...etp, sealedBody: { ...etp.sealedBody, ciphertext } };
      });
      expect(rig.runUntil('awaiting-confirm')).toBe(true);
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    // The server's list as configured, each entry once per mention (BesSimulator takes the list as given).
    name: 'no transport key algorithm in common: the server allows only TDES (named twice), the handset offers only AES',
    code: 'UNSUPPORTED',
    reason: 'no transport key algorithm in common; this server allows TDES-EDE2-CBC, TDES-EDE2-CBC',
    run: () => {
      const rig = rigAt('awaiting-confirm', {
        handsetConfig: { ...HANDSET_CONFIG, ciphers: ['AES-256-CBC'] },
        env: { policy: { suites: ['CPACE-X25519-SHA512'], ciphers: ['TDES-EDE2-CBC', 'TDES-EDE2-CBC'] } },
      });
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: "a key proof under another algorithm than the key issued (the handset's payload, under TDES)",
    code: 'PROTOCOL_ERROR',
    reason: 'the key proof is sealed under another algorithm than the key issued',
    run: () => {
      const rig = rigAt('awaiting-key-verified');
      const key = transportKeyOf(rig).key.slice(0, 16);
      return [...rig.server(keyVerifiedWith(rig, keyProofPayload('handset', transcriptOf(rig)), 'TDES-EDE2-CBC', key)).outputs];
    },
  },
  {
    name: 'a key proof that does not open under the key issued (sealed under another AES key)',
    code: 'PROTOCOL_ERROR',
    reason: 'the key proof does not open under the key issued',
    run: () => {
      const rig = rigAt('awaiting-key-verified');
      const other = new Uint8Array(32).fill(9);
      return [...rig.server(keyVerifiedWith(rig, keyProofPayload('handset', transcriptOf(rig)), 'AES-256-CBC', other)).outputs];
    },
  },
  {
    name: "a key proof that opens but is not the handset's payload (the server's own, reflected)",
    code: 'PROTOCOL_ERROR',
    reason: "the key proof is not the handset's proof of this session",
    run: () => {
      const rig = rigAt('awaiting-key-verified');
      const key = transportKeyOf(rig).key;
      return [...rig.server(keyVerifiedWith(rig, keyProofPayload('server', transcriptOf(rig)), 'AES-256-CBC', key)).outputs];
    },
  },
  {
    name: 'a policy acknowledgement that names another IT policy',
    code: 'PROTOCOL_ERROR',
    reason: 'the acknowledgement names another IT policy',
    run: () => {
      const rig = rigAt('awaiting-policy-ack');
      return [...rig.server(policyAckWith(rig, { policyId: 'another-policy' })).outputs];
    },
  },
  {
    name: 'a device that could not apply two rules of the IT policy',
    code: 'POLICY_REJECTED',
    reason: 'the device could not apply the IT policy: Disable Bluetooth, Disable Camera',
    run: () => {
      const rig = rigAt('awaiting-policy-ack', {
        enforcer: new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth', 'Disable Camera'] }),
        services: { policy: createPolicy('locked-down', 'BES 5.0', 1, { 'Disable Bluetooth': true, 'Disable Camera': true }) },
      });
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: 'a policy acknowledgement after the administrator set a new password (the claim is lost)',
    code: 'NO_ACTIVATION_PASSWORD',
    reason: 'the activation password is no longer valid',
    run: () => {
      const rig = rigAt('awaiting-policy-ack');
      rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
  {
    name: 'a books-ack after the administrator set a new password (the claim is lost before the commit)',
    code: 'NO_ACTIVATION_PASSWORD',
    reason: 'the activation password is no longer valid',
    run: () => {
      const rig = rigAt('awaiting-books-ack');
      rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
      return [...rig.server(rig.toServer.shift()!).outputs];
    },
  },
];

describe('the reason an activation failed, in the log (docs/server.md, "Log events")', () => {
  it.each(cases)('$name', ({ code, reason, run }) => {
    expect(failures(run())).toEqual([{ pin: PIN, email: EMAIL, code, reason }]);
  });
});

describe('a confirmation whose body key does not open (docs/protocol.md, message 3)', () => {
  it('is dropped and logged as DECRYPT_FAILED, fails nothing, and the genuine confirmation still goes through', () => {
    const rig = rigAt('awaiting-confirm');
    expectConfirmDropped(
      rig,
      (msg) => {
        const ciphertext = msg.bodyKey.ciphertext.slice();
        ciphertext[0] = ciphertext[0]! ^ 1;
        return { ...msg, bodyKey: { ...msg.bodyKey, ciphertext } };
      },
      'rejected handset-confirm: DECRYPT_FAILED',
    );
  });
});
