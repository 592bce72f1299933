/**
 * Issue 8, finding 6: unauthenticated error frames were believed at any time. A forged error
 * during sync left the server `Activated` with the password deleted and the handset without its
 * key, and the attacker's text became the error message. Each test injects the forgery a
 * stranger on the path can make (the frame header is cleartext, so the right sid, PIN and
 * sequence number are easy) and checks that it no longer ends anything; genuine errors, sealed
 * under the session's key, still do, with our text.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { PROTOCOL_VERSION, decodeFrame, encodeFrame, frameAssociatedData, type Frame } from '../../src/wire/frame.js';
import { decodeErrorMessage, encodeErrorMessage, errorText, sealErrorBody } from '../../src/wire/messages/error.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { failedStatus } from '../../src/handset/status.js';
import { EMAIL, HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { type Adversary, runActivation, SecurityHarness } from './harness.js';
import { caught } from '../support/errors.js';

const ATTACKER_TEXT = 'Security alert: call the IT helpdesk on +1 555 0100 and give them your activation password';

/** An error frame as an attacker makes it: the victim's header fields, a body of their choosing. */
function forgedError(like: Uint8Array, to: string, seq: number, body: Uint8Array): Uint8Array {
  const f = decodeFrame(like);
  return encodeFrame({ v: PROTOCOL_VERSION, type: 'error', sid: f.sid, seq, pin: f.pin, to, body });
}

/** The plain body the attack used: a code and the attacker's text (the old wire form). */
const OLD_FORM_BODY = encodeCbor({ code: 'PROTOCOL_ERROR', message: ATTACKER_TEXT });

function expectCompleted(h: SecurityHarness): void {
  expect(h.error).toBeUndefined();
  expect(h.state.phase).toBe('complete');
  expect(h.state.transportKey).toBeDefined();
  expect(h.sim.account(EMAIL)).toMatchObject({ status: 'Activated', hasPassword: false, devicePin: HANDSET_CONFIG.pin });
  expect(h.sim.accounts.get(EMAIL)!.device!.transportKey).toEqual(h.state.transportKey!.key);
}

/**
 * During sync, right after the n-th sync-page reaches the handset: a forged error to each side,
 * each with the sequence number its receiver expects next.
 */
function forgeDuringSync(bodyFor: (direction: 'to-handset' | 'to-server') => Uint8Array): Adversary {
  let done = false;
  return (bytes, direction, ctx) => {
    if (!done && direction === 'to-handset' && ctx.type === 'sync-page') {
      done = true;
      const page = decodeFrame(bytes);
      // The handset expects page.seq + 1 next; the server expects the ack the handset is about to send.
      const handsetSeq = ctx.harness.state.session!.sendSeq;
      ctx.inject('to-handset', forgedError(bytes, `pin:${page.pin}`, page.seq, bodyFor('to-handset')));
      ctx.inject('to-server', forgedError(bytes, 'srp:S0000001', handsetSeq, bodyFor('to-server')));
      // The forgeries arrive before the genuine page (same sequence numbers as the genuine frames).
      ctx.inject('to-handset', bytes);
      return [];
    }
    return [bytes];
  };
}

describe('forged error frames once keys exist (finding 6)', () => {
  it('a forged error in clear during sync, to both sides, ends nothing: the activation completes and the key stays', () => {
    const h = runActivation({ users: USERS, adversary: forgeDuringSync(() => encodeErrorMessage({ code: 'PROTOCOL_ERROR' })) });
    expectCompleted(h);
    expect(h.ignored).toContainEqual({ reason: 'unauthenticated error frame', code: 'PROTOCOL_ERROR' });
    // The server's sync comes after the commit point, where no phase takes an error from the handset:
    // the frame is routed to no session at all.
    expect(h.logged('frame dropped').map((e) => e.detail?.reason)).toContain('error frame of no session state');
    expect(h.logged('unauthenticated error frame')).toEqual([]);
    expect(h.logged('handset aborted')).toEqual([]);
    expect(h.logged('activation failed')).toEqual([]);
  });

  it("the attack's own body (a code and the attacker's text) does not even decode: ignored, and nothing shows the text", () => {
    const h = runActivation({ users: USERS, adversary: forgeDuringSync(() => OLD_FORM_BODY) });
    expectCompleted(h);
    expect(h.ignored).toContainEqual({ reason: 'undecodable error frame', code: 'MALFORMED' });
    const shown = JSON.stringify([h.outputs, h.simLog]);
    expect(shown).not.toContain('helpdesk');
  });

  it('an error sealed under a key the attacker made up is ignored (DECRYPT_FAILED) by both sides', () => {
    const random = seededRandom('attacker');
    const fakeSession = { session: random(32) };
    const fakeTransport = { transport: { algorithm: 'AES-256-CBC' as const, key: random(32) } };
    let done = false;
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (done || direction !== 'to-handset' || ctx.type !== 'sync-page') return [bytes];
        done = true;
        const page = decodeFrame(bytes);
        const toHandset: Omit<Frame, 'body'> = {
          v: PROTOCOL_VERSION,
          type: 'error',
          sid: page.sid,
          seq: page.seq,
          pin: page.pin,
          to: `pin:${page.pin}`,
        };
        const toServer = { ...toHandset, seq: ctx.harness.state.session!.sendSeq, to: 'srp:S0000001' };
        for (const key of [fakeSession, fakeTransport]) {
          const body = (header: Omit<Frame, 'body'>) =>
            sealErrorBody(nobleProvider, random, { code: 'ABORTED' }, frameAssociatedData(header), key);
          ctx.inject('to-handset', encodeFrame({ ...toHandset, body: body(toHandset) }));
          ctx.inject('to-server', encodeFrame({ ...toServer, body: body(toServer) }));
        }
        ctx.inject('to-handset', bytes); // the genuine page after the forgeries
        return [];
      },
    });
    expectCompleted(h);
    expect(h.ignored.filter((i) => i.reason === 'error frame failed authentication')).toHaveLength(2);
    expect(h.logged('frame dropped').filter((e) => e.detail?.reason === 'error frame of no session state')).toHaveLength(2);
  });

  it('an error in clear after the server share (the handset holds k_SH) is ignored, and the run completes', () => {
    let done = false;
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (!done && direction === 'to-handset' && ctx.type === 'key-issue') {
          done = true;
          const f = decodeFrame(bytes);
          ctx.inject('to-handset', forgedError(bytes, f.to, f.seq, encodeErrorMessage({ code: 'WRONG_PASSWORD' })));
          ctx.inject('to-handset', bytes);
          return [];
        }
        return [bytes];
      },
    });
    expectCompleted(h);
    expect(h.ignored).toContainEqual({ reason: 'unauthenticated error frame', code: 'WRONG_PASSWORD' });
  });

  it('the sequence check applies to error frames: a genuine sealed error replayed later is a duplicate', () => {
    // A genuine error sealed under the transport key: the server refuses a damaged key-verified proof.
    let sealedError: Uint8Array | undefined;
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-server' && ctx.type === 'key-verified') {
          const f = decodeFrame(bytes);
          const body = f.body.slice();
          body[body.length - 1]! ^= 1;
          return [encodeFrame({ ...f, body })];
        }
        if (direction === 'to-handset' && ctx.type === 'error') sealedError = bytes;
        return [bytes];
      },
    });
    expect(sealedError).toBeDefined();
    // Sealed: an observer cannot read the code.
    expect(
      isActivationError(
        caught(() => decodeErrorMessage(decodeFrame(sealedError!).body)),
        'MALFORMED',
      ),
    ).toBe(true);
    expect(h.error?.code).toBe('PROTOCOL_ERROR');
    expect(h.error?.cause).toMatchObject({ reportedBy: 'server', authenticated: true });
    // The text is ours, from the table, for both the error and the screen.
    expect(h.error?.message).toBe(errorText('PROTOCOL_ERROR'));
    expect(h.state.status).toEqual(failedStatus('PROTOCOL_ERROR'));
    expect(h.sim.account(EMAIL)).toMatchObject({ status: 'Activating', hasPassword: true });

    // The same genuine error, replayed into a later activation of the same session numbers, or
    // with an old sequence number into this one: never taken.
    const again = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-handset' && ctx.type === 'sync-page') ctx.inject('to-handset', sealedError!);
        return [bytes];
      },
    });
    expectCompleted(again);
  });

  it('an error with an old or a future sequence number is ignored even when sealed right', () => {
    const h = new SecurityHarness({ users: USERS });
    h.activate();
    h.run((x) => x.state.phase === 'syncing');
    expect(h.state.phase).toBe('syncing');
    const session = h.state.session!;
    const mk = (seq: number) => {
      const header: Omit<Frame, 'body'> = {
        v: PROTOCOL_VERSION,
        type: 'error',
        sid: session.sid,
        seq,
        pin: HANDSET_CONFIG.pin,
        to: `pin:${HANDSET_CONFIG.pin}`,
      };
      // Sealed under the real transport key (as the server would): only the sequence number is wrong.
      const body = sealErrorBody(nobleProvider, seededRandom('x'), { code: 'ABORTED' }, frameAssociatedData(header), {
        transport: h.state.transportKey!,
      });
      return encodeFrame({ ...header, body });
    };
    const before = h.state;
    h.step({ type: 'frame', bytes: mk(session.recvSeq - 1), now: h.clock.now });
    h.step({ type: 'frame', bytes: mk(session.recvSeq + 1), now: h.clock.now });
    expect(h.state).toBe(before);
    expect(h.ignored.slice(-2)).toEqual([{ reason: 'duplicate frame' }, { reason: 'frame out of order' }]);
    // With the expected number it is the server's word: the activation ends, with our text.
    h.step({ type: 'frame', bytes: mk(session.recvSeq), now: h.clock.now });
    expect(h.error?.code).toBe('ABORTED');
    expect(h.error?.message).toBe(errorText('ABORTED'));
  });

  it('a cancel after the commit point (during sync) is not taken: nothing is sent, nothing changes', () => {
    const h = new SecurityHarness({ users: USERS });
    h.activate();
    h.run((x) => x.state.phase === 'syncing');
    const before = h.state;
    const sends = h.outputsOf('send').length;
    h.step({ type: 'cancel', now: h.clock.now });
    expect(h.state).toBe(before);
    expect(h.outputsOf('send')).toHaveLength(sends);
    h.run();
    expect(h.state.phase).toBe('complete');
    expect(h.logged('handset aborted')).toEqual([]);
  });

  it('a cancel before the commit point reaches the server sealed under the transport key, and ends its session', () => {
    const h = new SecurityHarness({ users: USERS });
    h.activate();
    h.run((x) => x.state.phase === 'awaiting-services');
    h.step({ type: 'cancel', now: h.clock.now });
    const sent = h.outputsOf('send').at(-1)!.bytes;
    expect(frameType(sent)).toBe('error');
    expect(
      isActivationError(
        caught(() => decodeErrorMessage(decodeFrame(sent).body)),
        'MALFORMED',
      ),
    ).toBe(true);
    h.run();
    expect(h.logged('handset aborted')).toEqual([
      { event: 'handset aborted', detail: { pin: HANDSET_CONFIG.pin, email: EMAIL, code: 'ABORTED' } },
    ]);
  });
});

describe('errors in clear before any key are hints (finding 6)', () => {
  it('a forged error before the server share does not pre-empt it: the handset keeps waiting and completes', () => {
    let injected = false;
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (!injected && direction === 'to-server' && ctx.type === 'etp-dat') {
          injected = true;
          ctx.inject('to-handset', forgedError(bytes, `pin:${HANDSET_CONFIG.pin}`, 0, encodeErrorMessage({ code: 'UNSUPPORTED' })));
        }
        return [bytes];
      },
    });
    expectCompleted(h);
    expect(h.ignored[0]).toEqual({ reason: 'unauthenticated error frame (kept as a hint)', code: 'UNSUPPORTED' });
  });

  it('a hint does not outlive its wait: a later timeout (key-issue lost) is TIMEOUT, not the stale hint', () => {
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-server' && ctx.type === 'etp-dat' && ctx.index === 0) {
          ctx.inject('to-handset', forgedError(bytes, `pin:${HANDSET_CONFIG.pin}`, 0, encodeErrorMessage({ code: 'UNSUPPORTED' })));
        }
        return direction === 'to-handset' && ctx.type === 'key-issue' ? [] : [bytes];
      },
    });
    expect(h.ignored[0]).toEqual({ reason: 'unauthenticated error frame (kept as a hint)', code: 'UNSUPPORTED' });
    expect(h.outputsOf('status').map((o) => o.status.id)).toContain('verifying-encryption');
    expect(h.error?.code).toBe('TIMEOUT');
  });

  it('when the server never answers, the hinted code is reported after the full wait, marked as a hint', () => {
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-server' && ctx.type === 'etp-dat') {
          ctx.inject('to-handset', forgedError(bytes, `pin:${HANDSET_CONFIG.pin}`, 0, encodeErrorMessage({ code: 'UNSUPPORTED' })));
          return []; // the server never sees the request
        }
        return [bytes];
      },
    });
    expect(h.error?.code).toBe('UNSUPPORTED');
    expect(h.error?.cause).toMatchObject({ hint: true, authenticated: false, retries: 4 });
    expect(h.error?.message).toBe(errorText('UNSUPPORTED'));
    // Only after the whole wait: 1 + 4 sends, 15 s apart.
    expect(h.sent('to-server', 'etp-dat')).toHaveLength(5);
    expect(h.clock.now - h.frames[0]!.at).toBe(5 * 15_000);
  });
});
