/**
 * Phases 1 and 2 on the server's sans-I/O core (src/simulator/server-phase-key-exchange.ts), step
 * by step: which ETP.DAT is answered (docs/protocol.md, "etp-dat", "What a peer learns"), what a
 * proven password is refused for when it changed after the ETP.DAT (expired, replaced, claimed by
 * another device), the confirmation Ta and the handset's key proof (docs/protocol.md, messages 3
 * and 5), the administrator's view (the log, the account changes, `unconfirmed` after 2 minutes).
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { keyProofPayload } from '../../src/protocol/key-schedule.js';
import type { AccountChange, ServerOutput } from '../../src/simulator/server-io.js';
import { encodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { decodeErrorMessage } from '../../src/wire/messages/error.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { encodeKeyVerified } from '../../src/wire/messages/key-verified.js';
import { DISPLAY_NAME, EMAIL, HANDSET_CONFIG, HOUR, PASSWORD } from '../support/fixtures.js';
import { reframe } from '../support/frames.js';
import { allAlgorithms } from '../support/providers.js';
import { CoreRig, expectConfirmDropped } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;
const SUITE = 'CPACE-X25519-SHA512';

function changes(outputs: readonly ServerOutput[]): AccountChange[] {
  return outputs.flatMap((o) => (o.type === 'account' ? [o.change] : []));
}

/** The code the administrator is told an activation failed with (`activation failed` in the log), if it failed. */
function failedWith(outputs: readonly ServerOutput[]): unknown {
  return CoreRig.logs(outputs).find((l) => l.event === 'activation failed')?.detail?.code;
}

/** A rig whose handset has sent its ETP.DAT (not yet delivered). */
function activated(options: ConstructorParameters<typeof CoreRig>[0] = {}): { rig: CoreRig; etp: Uint8Array } {
  const rig = new CoreRig(options);
  rig.activate();
  const etp = rig.toServer.shift()!;
  return { rig, etp };
}

/** A rig run until the server waits for the confirmation, which is next in `toServer`. */
function confirming(options: ConstructorParameters<typeof CoreRig>[0] = {}): CoreRig {
  const rig = new CoreRig(options);
  rig.activate();
  expect(rig.runUntil('awaiting-confirm')).toBe(true);
  // The server share reached the handset, whose confirmation waits.
  expect(rig.toServer).toHaveLength(1);
  return rig;
}

describe('the ETP.DAT a server takes (docs/protocol.md, "Parties and addresses")', () => {
  it('drops an ETP.DAT whose mailto: address is not the header email, or that is not addressed to a mailbox', () => {
    for (const to of ['mailto:bob@example.com', `srp:123${EMAIL}`]) {
      const { rig, etp } = activated();
      const started = rig.server(reframe(etp, { to }));
      expect(started.state).toBeUndefined();
      expect(started.outputs).toEqual([
        { type: 'log', event: 'frame dropped', detail: { reason: 'rejected etp-dat: MALFORMED', type: 'etp-dat', pin: PIN, seq: 0 } },
      ]);
    }
    // The same request, addressed to the mailbox in its header (any case), is answered.
    const { rig, etp } = activated();
    expect(rig.server(reframe(etp, { to: `mailto:${EMAIL.toUpperCase()}` })).state?.phase).toBe('awaiting-confirm');
  });

  it('answers an ETP.DAT of another protocol version with UNSUPPORTED in clear, and opens no session', () => {
    const { rig, etp } = activated();
    const decoded = decodeEtpDat(decodeFrame(etp).body);
    const headerBytes = encodeEtpHeader({ ...decoded.header, protocol: 2 });
    const v2 = reframe(etp, { body: encodeEtpDat({ headerBytes, share: decoded.share, sealedBody: decoded.sealedBody }) });
    const started = rig.server(v2);
    expect(started.state).toBeUndefined();
    expect(started.outputs[0]).toEqual({ type: 'log', event: 'ETP.DAT refused', detail: { pin: PIN, code: 'UNSUPPORTED', protocol: 2 } });
    const sends = CoreRig.sends(started.outputs);
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ type: 'error', seq: 0, pin: PIN, to: `pin:${PIN}` });
    expect(decodeErrorMessage(sends[0]!.body)).toEqual({ code: 'UNSUPPORTED' });
    expect(changes(started.outputs)).toEqual([]);
  });
});

describe('the ETP.DAT answered (docs/protocol.md, "What a peer learns"; docs/server.md, account changes)', () => {
  it('against the password: one attempt started, logged as accepted with the pin, email and suite', () => {
    const { rig, etp } = activated();
    const { outputs } = rig.server(etp);
    expect(changes(outputs)).toEqual([{ kind: 'attempt-started', email: EMAIL, expired: false }]);
    expect(CoreRig.logs(outputs)).toEqual([{ event: 'ETP.DAT accepted', detail: { pin: PIN, email: EMAIL, suite: SUITE } }]);
  });

  it('against an expired password: the attempt counts, marked expired, and the log says why it will be refused', () => {
    const { rig, etp } = activated({
      users: [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD, passwordLifetimeHours: 1 }],
    });
    rig.clock.now += HOUR;
    const { outputs } = rig.server(etp);
    expect(changes(outputs)).toEqual([{ kind: 'attempt-started', email: EMAIL, expired: true }]);
    expect(CoreRig.logs(outputs)).toEqual([
      { event: 'ETP.DAT accepted', detail: { pin: PIN, email: EMAIL, suite: SUITE, refusal: 'PASSWORD_EXPIRED' } },
    ]);
  });

  it('against a dummy (no password): refused for the administrator with the reason, never logged as accepted', () => {
    const { rig, etp } = activated({ users: [{ email: EMAIL, displayName: DISPLAY_NAME }] });
    const { state, outputs } = rig.server(etp);
    expect(state.phase).toBe('awaiting-confirm');
    const refused = changes(outputs);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ kind: 'refused', email: EMAIL, code: 'NO_ACTIVATION_PASSWORD' });
    // The account's history says why (docs/protocol.md: "The administrator always sees the reason").
    expect(refused[0]?.kind === 'refused' && refused[0].event).toContain('NO_ACTIVATION_PASSWORD');
    expect(rig.accounts.get(EMAIL)?.history.at(-1)?.event).toContain('NO_ACTIVATION_PASSWORD');
    expect(CoreRig.logs(outputs)).toEqual([
      { event: 'ETP.DAT refused', detail: { pin: PIN, email: EMAIL, code: 'NO_ACTIVATION_PASSWORD' } },
    ]);
  });
});

describe('a proven password refused anyway (docs/protocol.md, "handset-confirm")', () => {
  it('an expired password proven after the administrator set a new one is refused as expired, and proves nothing about the new one', () => {
    const rig = new CoreRig({
      users: [{ email: EMAIL, displayName: DISPLAY_NAME, activationPassword: PASSWORD, passwordLifetimeHours: 1 }],
    });
    rig.clock.now += HOUR;
    rig.activate();
    expect(rig.runUntil('awaiting-confirm')).toBe(true);
    rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
    const { state, outputs } = rig.server(rig.toServer.shift()!);
    expect(state.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('PASSWORD_EXPIRED');
    expect(changes(outputs).map((c) => c.kind)).not.toContain('attempt-proven');
  });

  it('a password replaced since the ETP.DAT is refused with NO_ACTIVATION_PASSWORD, and its proof does not count for the new one', () => {
    const rig = confirming();
    rig.clock.now += 1_000;
    rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
    const { state, outputs } = rig.server(rig.toServer.shift()!);
    expect(state.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('NO_ACTIVATION_PASSWORD');
    expect(changes(outputs).map((c) => c.kind)).toEqual(['attempt-failed', 'release-claim']);
    expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['error']);
  });

  it('a password the administrator expired (0 hours) after the ETP.DAT is refused as expired; the proof counts as a correct entry', () => {
    const rig = confirming();
    rig.accounts.setActivationPassword(EMAIL, PASSWORD, 0);
    const { state, outputs } = rig.server(rig.toServer.shift()!);
    expect(state.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('PASSWORD_EXPIRED');
    expect(changes(outputs)[0]).toEqual({ kind: 'attempt-proven', email: EMAIL });
    expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['error']);
  });

  it('a password another device holds is refused with NO_ACTIVATION_PASSWORD; the claim is asked for and nothing is issued', () => {
    const rig = confirming();
    expect(rig.accounts.attemptConfirmed(EMAIL, 'aa'.repeat(16), '2100FFFF')).toBe(true);
    const { state, outputs } = rig.server(rig.toServer.shift()!);
    expect(state.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('NO_ACTIVATION_PASSWORD');
    expect(changes(outputs)[0]).toMatchObject({ kind: 'claim', email: EMAIL, pin: PIN });
    expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['error']);
    expect(rig.accounts.get(EMAIL)?.password?.claimedByPin).toBe('2100FFFF');
  });

  it('control: the same confirmation with the password unchanged and free issues the key', () => {
    const rig = confirming();
    const { state, outputs } = rig.server(rig.toServer.shift()!);
    expect(state.phase).toBe('awaiting-key-verified');
    expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['key-issue']);
  });
});

describe('the confirmation Ta (docs/protocol.md, message 3)', () => {
  it('a confirmation whose Ta does not verify is dropped and logged; the session and the attempt stay as they were', () => {
    const rig = confirming();
    // Dropped, and the genuine confirmation still goes through.
    expectConfirmDropped(
      rig,
      (msg) => {
        const tag = msg.tag.slice();
        tag[0] = tag[0]! ^ 1;
        return { ...msg, tag };
      },
      'confirmation tag did not verify',
    );
  });

  it('the body key is wiped once the ETP.DAT body is opened', () => {
    const opened: Uint8Array[] = [];
    const spy: CryptoProvider = {
      ...nobleProvider,
      aeadOpen: (...args) => {
        const out = nobleProvider.aeadOpen(...args);
        if (out !== undefined) opened.push(out);
        return out;
      },
    };
    const rig = confirming({ env: { provider: spy } });
    expect(rig.server(rig.toServer.shift()!).state.phase).toBe('awaiting-key-verified');
    // The first AEAD opened is the body key (under k_HS); the ETP.DAT body is opened with it next.
    expect(opened[0]?.length).toBe(32);
    expect(opened[0]!.every((b) => b === 0)).toBe(true);
  });
});

describe("the handset's key proof (docs/protocol.md, message 5)", () => {
  /** A rig waiting for the key-verified, which is next in `toServer`. */
  function verifying(options: ConstructorParameters<typeof CoreRig>[0] = {}): CoreRig {
    const rig = new CoreRig(options);
    rig.activate();
    expect(rig.runUntil('awaiting-key-verified')).toBe(true);
    expect(rig.toServer).toHaveLength(1);
    return rig;
  }

  /** The handset's key-verified frame with its proof replaced by `payload` sealed under the session's transport key. */
  function withProof(rig: CoreRig, payload: Uint8Array): Uint8Array {
    const state = rig.session;
    if (state?.phase !== 'awaiting-key-verified') throw new Error('not awaiting the key proof');
    const frame = decodeFrame(rig.toServer.shift()!);
    const tk = state.transportKey;
    const proof = nobleProvider.sealMessage(tk.algorithm, tk.key, payload, frameAssociatedData(frame), seededRandom('proof'));
    return encodeFrame({ ...frame, body: encodeKeyVerified({ proof }) });
  }

  it("a proof that opens under the new key but is not the handset's payload (the server's own, reflected) fails with PROTOCOL_ERROR", () => {
    const rig = verifying();
    const state = rig.session;
    if (state?.phase !== 'awaiting-key-verified') throw new Error('not awaiting the key proof');
    const { state: next, outputs } = rig.server(withProof(rig, keyProofPayload('server', state.transcript)));
    expect(next.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('PROTOCOL_ERROR');
    expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['error']);
  });

  it("control: the handset's payload sealed the same way is taken, logged, and the IT policy goes out", () => {
    const rig = verifying();
    const state = rig.session;
    if (state?.phase !== 'awaiting-key-verified') throw new Error('not awaiting the key proof');
    const { state: next, outputs } = rig.server(withProof(rig, keyProofPayload('handset', state.transcript)));
    expect(next.phase).toBe('awaiting-policy-ack');
    expect(CoreRig.logs(outputs)).toEqual([
      { event: 'encryption verified', detail: { pin: PIN, email: EMAIL } },
      { event: 'IT policy sent', detail: { pin: PIN, policyId: 'default' } },
    ]);
    expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['it-policy']);
  });

  it('a proof under another algorithm than the key issued is refused before it is opened', () => {
    const asked: string[] = [];
    const spy: CryptoProvider = {
      ...nobleProvider,
      openMessage: (key, sealed, ad) => {
        asked.push(sealed.algorithm);
        return nobleProvider.openMessage(key, sealed, ad);
      },
    };
    const rig = verifying({ env: { provider: spy } });
    const state = rig.session;
    if (state?.phase !== 'awaiting-key-verified') throw new Error('not awaiting the key proof');
    expect(state.transportKey.algorithm).toBe('AES-256-CBC');
    const frame = decodeFrame(rig.toServer.shift()!);
    const tdesKey = state.transportKey.key.slice(0, 16);
    const proof = allAlgorithms.sealMessage(
      'TDES-EDE2-CBC',
      tdesKey,
      keyProofPayload('handset', state.transcript),
      frameAssociatedData(frame),
      seededRandom('p'),
    );
    const { state: next, outputs } = rig.server(encodeFrame({ ...frame, body: encodeKeyVerified({ proof }) }));
    expect(next.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('PROTOCOL_ERROR');
    expect(asked).toEqual([]);
  });
});

describe('an attempt never confirmed (docs/protocol.md, "Online guessing": reported after two minutes)', () => {
  it('is not reported before 2 minutes, then once', () => {
    const rig = confirming();
    const startedAt = rig.clock.now;
    for (const at of [0, 60_000, 119_999]) {
      rig.clock.now = startedAt + at;
      expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
    }
    rig.clock.now = startedAt + 120_000;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([{ type: 'attempt-failed', email: EMAIL, pin: PIN, reason: 'unconfirmed' }]);
    rig.clock.now += 120_000;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
  });
});
