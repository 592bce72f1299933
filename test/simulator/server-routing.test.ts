/**
 * Which session a frame belongs to (src/simulator/server-routing.ts; docs/server.md, "Routing";
 * docs/protocol.md, "Sessions"): among the sessions with the frame's sid and PIN, a confirmation
 * goes to the session whose Ta it carries, an error to the session whose key seals it with the
 * sequence number it expects (one in clear is only logged, as a hint), anything else to the
 * session that got furthest, the most recently active first. An ETP.DAT seen before gets the same
 * reply while its session is in phase 1, and nothing otherwise.
 */
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { ServerOutput } from '../../src/simulator/server-io.js';
import { routeEtpDat, routeFrame, type SessionEntry } from '../../src/simulator/server-routing.js';
import { decodeFrame, encodeFrame, frameAssociatedData, type Frame } from '../../src/wire/frame.js';
import { type ErrorKey, sealErrorBody } from '../../src/wire/messages/error.js';
import { expectCode } from '../support/errors.js';
import { EMAIL, HANDSET_CONFIG } from '../support/fixtures.js';
import { reframe } from '../support/frames.js';
import { CoreRig, rigAt, sessionOf } from '../support/server-core.js';

const PIN = HANDSET_CONFIG.pin;
const context = { provider: nobleProvider, sidKnown: false };

const session = sessionOf;

function next(rig: CoreRig): Frame {
  return decodeFrame(rig.toServer[0]!);
}

function droppedLine(frame: Frame, reason: string): ServerOutput {
  return { type: 'log', event: 'frame dropped', detail: { reason, type: frame.type, pin: frame.pin, seq: frame.seq } };
}

/** An error frame like the handset's next one, with sequence number `seq`, sealed under `key` (in clear when undefined). */
function errorFrame(rig: CoreRig, seq: number, key: ErrorKey | undefined): Frame {
  const header = { ...next(rig), type: 'error' as const, seq };
  return {
    ...header,
    body: sealErrorBody(nobleProvider, seededRandom('routing error'), { code: 'PROTOCOL_ERROR' }, frameAssociatedData(header), key),
  };
}

function handsetToServer(rig: CoreRig): Uint8Array {
  const state = session(rig);
  if (state.phase !== 'awaiting-confirm') throw new Error(`not awaiting the confirmation: ${state.phase}`);
  return state.handsetToServer;
}

describe('a confirmation goes to the session whose Ta it carries (docs/server.md, "Routing")', () => {
  it('to its own session, whether that session is the most recently active or not', () => {
    const a = rigAt('awaiting-confirm', { seed: 'route a' });
    const b = rigAt('awaiting-confirm', { seed: 'route b' });
    const sessions: SessionEntry[] = [
      ['a', session(a)],
      ['b', session(b)],
    ];
    expect(routeFrame(next(a), sessions, context)).toEqual({ to: 'session', key: 'a' });
    expect(routeFrame(next(b), sessions, context)).toEqual({ to: 'session', key: 'b' });
    expect(routeFrame(next(a), [...sessions].reverse(), context)).toEqual({ to: 'session', key: 'a' });
  });

  it('nowhere when no session verifies its tag, nor when its body does not decode (logged as MALFORMED)', () => {
    const a = rigAt('awaiting-confirm', { seed: 'route a' });
    const b = rigAt('awaiting-confirm', { seed: 'route b' });
    expect(routeFrame(next(a), [['b', session(b)]], context)).toEqual({
      to: 'nowhere',
      outputs: [droppedLine(next(a), 'confirmation tag did not verify')],
    });
    const garbled = decodeFrame(reframe(a.toServer[0]!, { body: new Uint8Array([1, 2, 3]) }));
    expect(routeFrame(garbled, [['a', session(a)]], context)).toEqual({
      to: 'nowhere',
      outputs: [droppedLine(garbled, 'rejected handset-confirm: MALFORMED')],
    });
  });

  it('a failure of the crypto provider is not taken for a bad frame: it is thrown, not logged as a drop', () => {
    const a = rigAt('awaiting-confirm', { seed: 'route a' });
    const failing: CryptoProvider = {
      ...nobleProvider,
      hmac: () => {
        throw new ActivationError('UNSUPPORTED', 'no HMAC here');
      },
    };
    expectCode(() => routeFrame(next(a), [['a', session(a)]], { provider: failing, sidKnown: false }), 'UNSUPPORTED');
  });
});

describe('any other frame goes to the session that got furthest, the most recently active first', () => {
  it('past the confirmation beats waiting for it, which beats failed, wherever each is in the list', () => {
    const past = rigAt('awaiting-key-verified', { seed: 'route past' });
    const waiting = rigAt('awaiting-confirm', { seed: 'route waiting' });
    const failedRig = rigAt('awaiting-confirm', { seed: 'route failed' });
    failedRig.server(encodeFrame(errorFrame(failedRig, 1, { session: handsetToServer(failedRig) })));
    expect(session(failedRig).phase).toBe('failed');
    const frame = next(past);
    const entries: Record<string, SessionEntry> = {
      past: ['past', session(past)],
      waiting: ['waiting', session(waiting)],
      failed: ['failed', session(failedRig)],
    };
    const route = (...keys: string[]) =>
      routeFrame(
        frame,
        keys.map((k) => entries[k]!),
        context,
      );
    expect(route('past', 'waiting')).toEqual({ to: 'session', key: 'past' });
    expect(route('waiting', 'past')).toEqual({ to: 'session', key: 'past' });
    expect(route('waiting', 'failed')).toEqual({ to: 'session', key: 'waiting' });
    expect(route('failed', 'waiting')).toEqual({ to: 'session', key: 'waiting' });
    expect(route('failed', 'past', 'waiting', 'failed')).toEqual({ to: 'session', key: 'past' });
  });

  it('between sessions that got as far, to the most recently active (the last listed)', () => {
    const one = rigAt('awaiting-key-verified', { seed: 'route one' });
    const two = rigAt('awaiting-policy-ack', { seed: 'route two' });
    const frame = next(one);
    expect(
      routeFrame(
        frame,
        [
          ['one', session(one)],
          ['two', session(two)],
        ],
        context,
      ),
    ).toEqual({ to: 'session', key: 'two' });
    expect(
      routeFrame(
        frame,
        [
          ['two', session(two)],
          ['one', session(one)],
        ],
        context,
      ),
    ).toEqual({ to: 'session', key: 'one' });
  });
});

describe('an error goes to the session whose key seals it (docs/protocol.md, "error")', () => {
  it('sealed under k_HS with the sequence number the session expects: to that session, wherever it is in the list', () => {
    const a = rigAt('awaiting-confirm', { seed: 'route a' });
    const b = rigAt('awaiting-confirm', { seed: 'route b' });
    const error = errorFrame(a, session(a).recvSeq, { session: handsetToServer(a) });
    expect(
      routeFrame(
        error,
        [
          ['a', session(a)],
          ['b', session(b)],
        ],
        context,
      ),
    ).toEqual({ to: 'session', key: 'a' });
    expect(
      routeFrame(
        error,
        [
          ['b', session(b)],
          ['a', session(a)],
        ],
        context,
      ),
    ).toEqual({ to: 'session', key: 'a' });
  });

  it('sealed under k_HS with another sequence number: nowhere, as of no session state', () => {
    const a = rigAt('awaiting-confirm', { seed: 'route a' });
    for (const seq of [session(a).recvSeq + 1, session(a).recvSeq - 1]) {
      const error = errorFrame(a, seq, { session: handsetToServer(a) });
      expect(routeFrame(error, [['a', session(a)]], context)).toEqual({
        to: 'nowhere',
        outputs: [droppedLine(error, 'error frame of no session state')],
      });
    }
  });

  it('in clear: to no session, logged as an unauthenticated error frame with its code', () => {
    const a = rigAt('awaiting-confirm', { seed: 'route a' });
    const error = errorFrame(a, session(a).recvSeq, undefined);
    expect(routeFrame(error, [['a', session(a)]], context)).toEqual({
      to: 'nowhere',
      outputs: [{ type: 'log', event: 'unauthenticated error frame', detail: { pin: PIN, code: 'PROTOCOL_ERROR' } }],
    });
  });
});

describe('an ETP.DAT seen before (docs/server.md, "Routing"; docs/reliability.md, "Replays")', () => {
  /** A rig whose ETP.DAT (kept) has been answered. */
  function answered(seed: string): { rig: CoreRig; etp: Frame } {
    const rig = new CoreRig({ seed });
    rig.activate();
    const etp = decodeFrame(rig.toServer[0]!);
    expect(rig.runUntil('awaiting-confirm')).toBe(true);
    return { rig, etp };
  }

  it('the same bytes while the session waits for the confirmation get the same reply, each time from a copy', () => {
    const { rig, etp } = answered('etp again');
    const kept = session(rig).lastReply!.bytes.slice();
    for (let i = 0; i < 2; i++) {
      const outputs = routeEtpDat(etp, session(rig), 'same');
      expect(outputs).toEqual([{ type: 'send', bytes: kept }]);
      // The transport overwrites its buffer; the reply kept in the session stays.
      const send = outputs?.[0];
      if (send?.type === 'send') send.bytes.fill(0);
    }
  });

  it('the same bytes once the session failed after the confirmation are dropped, not answered with its error', () => {
    const { rig, etp } = answered('etp after failure');
    rig.clock.now += 1_000;
    rig.accounts.setActivationPassword(EMAIL, 'A-new-password-2');
    rig.server(rig.toServer.shift()!);
    expect(session(rig).phase).toBe('failed');
    expect(routeEtpDat(etp, session(rig), 'same')).toEqual([droppedLine(etp, 'replayed ETP.DAT')]);
  });

  it('the same bytes whose session is gone (the replay cache still knows them) start nothing: dropped as replayed', () => {
    const { etp } = answered('etp session gone');
    expect(routeEtpDat(etp, undefined, 'same')).toEqual([droppedLine(etp, 'replayed ETP.DAT')]);
    expect(routeEtpDat(etp, undefined, undefined)).toBeUndefined();
  });
});
