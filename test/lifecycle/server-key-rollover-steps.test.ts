/**
 * Key rollover on the server's sans-I/O core (src/simulator/server-phase-rollover.ts), step by step
 * against a real handset (docs/lifecycle.md, "Key rollover"): when a rollover cannot start, what
 * the offer and its resends log, which `rekey-accept` is dropped (no offer, a low-order ephemeral
 * key, a proof that does not verify) with the offer standing, and the switch.
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider, SealedMessage } from '../../src/crypto/provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ServerEnv, ServerStepResult } from '../../src/simulator/server-io.js';
import { serverStep } from '../../src/simulator/server-machine.js';
import type { ServerSessionState } from '../../src/simulator/server-state.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { decodeFrame, frameAssociatedData, type Frame } from '../../src/wire/frame.js';
import { decodeRekeyAccept, encodeRekeyAccept, type RekeyAccept } from '../../src/wire/messages/rekey-accept.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { HANDSET_CONFIG } from '../support/fixtures.js';
import { activatedRig, CoreRig, resealed, rigIdentity, sessionOf } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;
const MINUTE = 60_000;
const DAY = 24 * 3_600_000;

/** The rig's own identity (same seed, same domain key), with the long-term agreement key rollovers need. */
const IDENTITY = rigIdentity('core rig', 'rollover agreement');

type Complete = Extract<ServerSessionState, { phase: 'complete' }>;

function complete(rig: CoreRig): Complete {
  const state = sessionOf(rig);
  if (state.phase !== 'complete') throw new Error(`the session is in ${state.phase}`);
  return state;
}

/** An activated pair on the core rig: a server with an agreement key unless `agreement` is false. */
function activated(agreement = true): CoreRig {
  return activatedRig(agreement ? { env: { identity: IDENTITY } } : {});
}

/** The administrator's regenerateKey, its offer delivered: the handset's rekey-accept waits in `toServer`. */
function offered(rig: CoreRig): { before: Complete; offer: ServerStepResult; accept: Uint8Array } {
  const before = complete(rig);
  const offer = rig.input({ type: 'regenerate-key' });
  rig.deliver(offer);
  const accept = rig.toServer.shift();
  if (accept === undefined) throw new Error('the handset did not accept');
  return { before, offer, accept };
}

/** The rekey-accept in `bytes`, opened under the session's current key. */
function acceptOf(rig: CoreRig, bytes: Uint8Array): RekeyAccept {
  const frame = decodeFrame(bytes);
  return decodeRekeyAccept(openBody(nobleProvider, complete(rig).transportKey, frame.body, frameAssociatedData(frame), frame.type));
}

/** `bytes` with its rekey-accept replaced, sealed under the current key as the handset would. */
function withAccept(rig: CoreRig, bytes: Uint8Array, accept: RekeyAccept): Uint8Array {
  return resealed(bytes, encodeRekeyAccept(accept), complete(rig).transportKey);
}

/** The account as the store has it, its device holding another key id (another activation replaced it). */
function replacedAccount(rig: CoreRig): ServerEnv['account'] {
  const account = rig.env().account;
  const device = account?.device;
  if (account === undefined || device === undefined) throw new Error('no activated device');
  return { ...account, device: { ...device, keyId: new Uint8Array(8).fill(0xee) } };
}

describe('a rollover that cannot start is logged, and nothing is sent', () => {
  it('a server without a long-term agreement key: "key rollover not possible", the session unchanged', () => {
    const rig = activated(false);
    const before = complete(rig);
    const result = rig.input({ type: 'regenerate-key' });
    expect(result.outputs).toEqual([{ type: 'log', event: 'key rollover not possible', detail: { pin: PIN, reason: 'admin' } }]);
    expect(result.state).toBe(before);
  });

  it("a session that is no longer the account's current device: not possible either, even with the agreement key", () => {
    const rig = activated();
    const before = complete(rig);
    const result = rig.input({ type: 'regenerate-key' }, { account: replacedAccount(rig) });
    expect(result.outputs).toEqual([{ type: 'log', event: 'key rollover not possible', detail: { pin: PIN, reason: 'admin' } }]);
    expect(result.state).toBe(before);
  });

  it("the schedule (30 days) does nothing at all for a session that is not the account's current device", () => {
    const rig = activated();
    rig.clock.now += 31 * DAY;
    expect(rig.input({ type: 'tick' }, { account: replacedAccount(rig) }).outputs).toEqual([]);
    // The same tick for the current device starts the scheduled rollover.
    expect(CoreRig.logs(rig.input({ type: 'tick' }).outputs).map((l) => [l.event, l.detail?.reason])).toEqual([
      ['key rollover offered', 'schedule'],
    ]);
  });

  it("an offer due again goes to no session that stopped being the account's current device", () => {
    const rig = activated();
    rig.input({ type: 'regenerate-key' });
    rig.clock.now += 16 * MINUTE;
    expect(rig.input({ type: 'tick' }, { account: replacedAccount(rig) }).outputs).toEqual([]);
  });
});

describe('the offer and its resends are logged with their count', () => {
  it('"key rollover offered" (sends 1), then every 15 minutes "key rollover offered again" for the same key id', () => {
    const rig = activated();
    const first = rig.input({ type: 'regenerate-key' });
    const keyId = complete(rig).rollover?.keyId;
    expect(keyId).toBeDefined();
    const hex = bytesToHex(keyId ?? new Uint8Array());
    expect(CoreRig.logs(first.outputs)).toEqual([
      { event: 'key rollover offered', detail: { pin: PIN, reason: 'admin', keyId: hex, sends: 1 } },
    ]);
    expect(CoreRig.sends(first.outputs).map((f) => f.type)).toEqual(['rekey-offer']);

    rig.clock.now += 15 * MINUTE - 1;
    expect(rig.input({ type: 'tick' }).outputs).toEqual([]);
    rig.clock.now += 1;
    const again = rig.input({ type: 'tick' });
    expect(CoreRig.logs(again.outputs)).toEqual([
      { event: 'key rollover offered again', detail: { pin: PIN, reason: 'admin', keyId: hex, sends: 2 } },
    ]);
    rig.clock.now += 15 * MINUTE;
    expect(CoreRig.logs(rig.input({ type: 'tick' }).outputs)).toEqual([
      { event: 'key rollover offered again', detail: { pin: PIN, reason: 'admin', keyId: hex, sends: 3 } },
    ]);
  });
});

describe('a rekey-accept that does not complete the offer is dropped, and the offer stands', () => {
  function dropped(frame: Frame, reason: string) {
    return [{ type: 'log', event: 'frame dropped', detail: { reason, type: 'rekey-accept', pin: PIN, seq: frame.seq } }];
  }

  it('a rekey-accept when no key is offered: "rekey-accept for no offered key"', () => {
    const rig = activated();
    const { before, accept } = offered(rig);
    const result = serverStep(before, { type: 'frame', frame: decodeFrame(accept) }, rig.env());
    expect(result.outputs).toEqual(dropped(decodeFrame(accept), 'rekey-accept for no offered key'));
    expect(result.state).toBe(before);
  });

  it('a low-order ephemeral key (all zeros) is refused: "rekey-accept refused: PROTOCOL_ERROR"', () => {
    const rig = activated();
    const { accept } = offered(rig);
    const state = complete(rig);
    const forged = withAccept(rig, accept, { ...acceptOf(rig, accept), ephemeral: new Uint8Array(32) });
    const result = rig.server(forged);
    expect(result.outputs).toEqual(dropped(decodeFrame(forged), 'rekey-accept refused: PROTOCOL_ERROR'));
    expect(result.state).toBe(state);
  });

  it.each<{ name: string; proof: (rig: CoreRig, bytes: Uint8Array, proof: SealedMessage) => SealedMessage }>([
    {
      name: 'a proof that does not open under the new key (one byte of its tag flipped)',
      proof: (_rig, _bytes, proof) => ({ ...proof, tag: proof.tag.map((b, i) => (i === 0 ? b ^ 1 : b)) }),
    },
    {
      name: 'a proof that opens under the new key but carries the server\u2019s proof, not the handset\u2019s',
      proof: (rig, bytes) => {
        const pending = rig.handset.phase === 'complete' ? rig.handset.pendingKey : undefined;
        if (pending === undefined) throw new Error('the handset holds no pending key');
        const ad = frameAssociatedData(decodeFrame(bytes));
        return nobleProvider.sealMessage(pending.key.algorithm, pending.key.key, pending.serverProof, ad, seededRandom('proof'));
      },
    },
  ])('$name: "rekey-accept proof did not verify"', ({ proof }) => {
    const rig = activated();
    const { accept } = offered(rig);
    const state = complete(rig);
    const genuine = acceptOf(rig, accept);
    const forged = withAccept(rig, accept, { ...genuine, proof: proof(rig, accept, genuine.proof) });
    const result = rig.server(forged);
    expect(result.outputs).toEqual(dropped(decodeFrame(forged), 'rekey-accept proof did not verify'));
    expect(result.state).toBe(state);
    // The offer stands: the genuine accept still switches the key.
    expect(CoreRig.logs(rig.server(accept).outputs).map((l) => l.event)).toEqual(['key rolled over']);
  });

  it('a proof labelled with another algorithm is dropped without the provider ever opening it', () => {
    const opened: string[] = [];
    const spy: CryptoProvider = {
      ...nobleProvider,
      openMessage(key, sealed, ad) {
        opened.push(sealed.algorithm);
        return nobleProvider.openMessage(key, sealed, ad);
      },
    };
    const rig = activated();
    const { accept } = offered(rig);
    const state = complete(rig);
    const genuine = acceptOf(rig, accept);
    const forged = withAccept(rig, accept, { ...genuine, proof: { ...genuine.proof, algorithm: 'TDES-EDE2-CBC' } });
    opened.length = 0;
    const result = rig.server(forged, { provider: spy });
    expect(result.outputs).toEqual(dropped(decodeFrame(forged), 'rekey-accept proof did not verify'));
    expect(result.state).toBe(state);
    // The frame's body itself was opened under the current key (AES-256-CBC); the proof never was.
    expect(opened).toEqual(['AES-256-CBC']);
  });
});

describe('the switch', () => {
  it('takes the accept (recvSeq past it) and logs "key rolled over" with the reason and the new key id', () => {
    const rig = activated();
    const { accept } = offered(rig);
    const keyId = bytesToHex(complete(rig).rollover?.keyId ?? new Uint8Array());
    const seq = decodeFrame(accept).seq;
    const result = rig.server(accept);
    expect(CoreRig.logs(result.outputs)).toEqual([{ event: 'key rolled over', detail: { pin: PIN, reason: 'admin', keyId } }]);
    expect(result.state.recvSeq).toBe(seq + 1);
    expect(bytesToHex(complete(rig).transportKey.keyId)).toBe(keyId);
  });
});
