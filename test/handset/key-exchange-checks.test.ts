/**
 * Phases 1 and 2 on the handset (src/handset/phase-key-exchange.ts): what it checks in the
 * server's share and key grant, and how each failure reads (docs/protocol.md, messages 2 and 4:
 * "The handset checks the following and fails with PROTOCOL_ERROR if any check fails").
 *
 * The server's frames come from one honest activation and are altered the way only a rogue server
 * could: the test holds the handset's session keys (k_SH is in the state), so an altered grant
 * still authenticates and only the handset's own checks stand in the way. Each altered frame is
 * stepped into the handset's state as it was when the genuine one arrived.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CPaceSuite, CryptoProvider, SealedMessage } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import type { HandsetInput, StepResult } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState, HandsetStateIn } from '../../src/handset/state.js';
import { frameAssociatedData } from '../../src/wire/frame.js';
import { type KeyGrant, decodeKeyGrant, decodeKeyIssue, encodeKeyGrant, encodeKeyIssue } from '../../src/wire/messages/key-issue.js';
import { decodeServerShare, encodeServerRouting, encodeServerShare } from '../../src/wire/messages/server-share.js';
import { caught } from '../support/errors.js';
import { EMAIL, HANDSET_CONFIG, P521, PASSWORD, T0, USERS } from '../support/fixtures.js';
import { frameOf, reframe } from '../support/frames.js';
import { type Pair, activatePair } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';

const X25519 = 'CPACE-X25519-SHA512';
const ENV = { provider: allAlgorithms, random: seededRandom('key-exchange-checks') };

function step(state: HandsetState, bytes: Uint8Array, env = ENV): StepResult<HandsetState> {
  return handsetStep(state, { type: 'frame', bytes, now: T0 }, env);
}

function failure(result: StepResult<HandsetState>): ActivationError | undefined {
  return result.outputs.find((o) => o.type === 'failed')?.error;
}

/** What a failed step leaves: the error's code, message and cause, and the phase. */
function failed(result: StepResult<HandsetState>): { phase: string; code?: string; message?: string; cause?: unknown } {
  const error = failure(result);
  return { phase: result.state.phase, code: error?.code, message: error?.message, cause: error?.cause };
}

describe('activate: the email address', () => {
  // A caller that hands over something else than a string gets the same refusal as for a bad
  // address, never a TypeError from trimming it.
  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { toString: () => EMAIL }],
    ['a list', [EMAIL]],
  ])('%s is INVALID_ARGUMENT "enter a valid email address" (field email)', (_what, email) => {
    const pair = activatePair({ users: USERS, until: () => true });
    const idle = pair.states[0]!;
    const input = { type: 'activate', email, password: PASSWORD, now: T0 } as unknown as HandsetInput;
    const err = caught(() => handsetStep(idle, input, ENV));
    expect(err).toBeInstanceOf(ActivationError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'enter a valid email address', cause: { field: 'email' } });
  });

  it('control: the same address as a string, with white space around it, starts the activation', () => {
    const pair = activatePair({ users: USERS, until: () => true });
    const next = handsetStep(pair.states[0]!, { type: 'activate', email: `  ${EMAIL} `, password: PASSWORD, now: T0 }, ENV);
    expect(next.state.phase).toBe('awaiting-server-share');
    expect(next.state.email ?? (next.state.phase === 'awaiting-server-share' ? next.state.session.email : undefined)).toBe(EMAIL);
  });
});

describe('activate: what the device carries into the activation', () => {
  // The device's own organizer records stay for the slow sync (issue 12, finding 7); a device that
  // has none carries no store at all, as a failed or deactivated device keeps none.
  it('a device that holds no organizer records starts the activation without an (empty) organizer store', () => {
    const pair = activatePair({ users: USERS, until: () => true });
    const idle = pair.states[0]!;
    expect(idle.organizer).toBeUndefined();
    const next = handsetStep(idle, { type: 'activate', email: EMAIL, password: PASSWORD, now: T0 }, ENV).state;
    expect(next.phase).toBe('awaiting-server-share');
    expect(Object.keys(next)).not.toContain('organizer');
  });
});

describe('server-share (message 2)', () => {
  let pair: Pair;
  let waiting: HandsetStateIn<'awaiting-server-share'>;
  let genuine: Uint8Array;

  beforeAll(() => {
    pair = activatePair({ users: USERS });
    expect(pair.result).toBeDefined();
    const state = pair.states.find((s) => s.phase === 'awaiting-server-share');
    if (state?.phase !== 'awaiting-server-share') throw new Error('no awaiting-server-share state');
    waiting = state;
    genuine = pair.sent('to-handset', 'server-share')[0]!;
  });

  function withShare(alter: (share: ReturnType<typeof decodeServerShare>) => Parameters<typeof encodeServerShare>[0]): Uint8Array {
    return reframe(genuine, { body: encodeServerShare(alter(decodeServerShare(frameOf(genuine).body))) });
  }

  it('control: the genuine share moves the handset on to awaiting-key', () => {
    expect(waiting.session.suite).toBe(X25519);
    expect(step(waiting, genuine).state.phase).toBe('awaiting-key');
  });

  it('a share for another CPace suite than the one the handset ran: PROTOCOL_ERROR naming the suite', () => {
    const other = withShare((m) => ({ ...m, adBytes: encodeServerRouting({ ...m.ad, suite: P521 }) }));
    expect(failed(step(waiting, other))).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server answered with another CPace suite',
      cause: { operation: 'activation', phase: 'awaiting-server-share', suite: P521 },
    });
  });

  it('a share that is not a point of the curve (all zeros): PROTOCOL_ERROR "the server sent an invalid CPace share"', () => {
    const invalid = withShare((m) => ({ ...m, share: new Uint8Array(32) }));
    expect(failed(step(waiting, invalid))).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server sent an invalid CPace share',
      cause: { operation: 'activation', phase: 'awaiting-server-share', reason: 'invalid-point' },
    });
  });

  it('a provider whose suite fails with its own error (not an ActivationError) is not reported as the server’s invalid share', () => {
    const bug = new TypeError('provider bug');
    const broken: CryptoProvider = {
      ...allAlgorithms,
      cpaceSuite: (id) => {
        const suite: CPaceSuite = allAlgorithms.cpaceSuite(id);
        return {
          ...suite,
          scalarMultVfy: () => {
            throw bug;
          },
        };
      },
    };
    expect(caught(() => step(waiting, genuine, { ...ENV, provider: broken }))).toBe(bug);
  });

  it('a wrong password: WRONG_PASSWORD "the activation password is incorrect", and the error frame goes back to the server that sent Tb', () => {
    const wrong = activatePair({ users: USERS, password: 'Wrong-password-1' });
    expect(wrong.error).toMatchObject({ code: 'WRONG_PASSWORD', message: 'the activation password is incorrect' });
    const srp = decodeServerShare(frameOf(wrong.sent('to-handset', 'server-share')[0]!).body).ad.srp;
    const errors = wrong.sent('to-server', 'error').map((bytes) => frameOf(bytes).to);
    // The ETP.DAT went to the user's address; the answer to the server's Tb goes to the server.
    expect(frameOf(wrong.sent('to-server', 'etp-dat')[0]!).to).toBe(`mailto:${EMAIL}`);
    expect(errors).toEqual([`srp:${srp}`]);
  });
});

describe('key-issue (message 4)', () => {
  let waiting: HandsetStateIn<'awaiting-key'>;
  let genuine: Uint8Array;
  let grant: KeyGrant;

  beforeAll(() => {
    const pair = activatePair({ users: USERS, handsetConfig: HANDSET_CONFIG });
    expect(pair.result).toBeDefined();
    const state = pair.states.find((s) => s.phase === 'awaiting-key');
    if (state?.phase !== 'awaiting-key') throw new Error('no awaiting-key state');
    waiting = state;
    genuine = pair.sent('to-handset', 'key-issue')[0]!;
    const msg = decodeKeyIssue(frameOf(genuine).body);
    const opened = allAlgorithms.aeadOpen(waiting.session.serverToHandset, msg.grant.nonce, msg.grant.ciphertext, adOf(genuine));
    grant = decodeKeyGrant(opened!);
  });

  function adOf(bytes: Uint8Array): Uint8Array {
    return frameAssociatedData(frameOf(bytes));
  }

  /** The key-issue with its grant replaced (sealed under k_SH, as the server would) and/or its proof replaced. */
  function keyIssue(options: { grant?: KeyGrant; proof?: SealedMessage }): Uint8Array {
    const msg = decodeKeyIssue(frameOf(genuine).body);
    const box =
      options.grant === undefined
        ? msg.grant
        : {
            nonce: msg.grant.nonce,
            ciphertext: allAlgorithms.aeadSeal(
              waiting.session.serverToHandset,
              msg.grant.nonce,
              encodeKeyGrant(options.grant),
              adOf(genuine),
            ),
          };
    return reframe(genuine, { body: encodeKeyIssue({ grant: box, proof: options.proof ?? msg.proof }) });
  }

  const cause = (detail: Record<string, unknown>) => ({ operation: 'activation', phase: 'awaiting-key', ...detail });

  it('control: the genuine key-issue, and the same grant sealed again by the test, establish the key', () => {
    expect(step(waiting, genuine).state.phase).toBe('awaiting-policy');
    expect(step(waiting, keyIssue({ grant })).state.phase).toBe('awaiting-policy');
  });

  it('a grant naming another SRP id than ADb: PROTOCOL_ERROR "the server identity changed during activation"', () => {
    expect(grant.server.srp).toBe(waiting.session.serverSrp);
    const moved = keyIssue({ grant: { ...grant, server: { ...grant.server, srp: 'S0000099' } } });
    expect(failed(step(waiting, moved))).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server identity changed during activation',
      cause: cause({ field: 'server.srp' }),
    });
  });

  it('a key of the wrong length for its algorithm: PROTOCOL_ERROR "the server issued a key the handset did not offer"', () => {
    const short = keyIssue({ grant: { ...grant, key: grant.key.slice(0, 16) } });
    expect(failed(step(waiting, short))).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server issued a key the handset did not offer',
      cause: cause({ algorithm: grant.algorithm }),
    });
  });

  it('a proof that does not open under the new key: PROTOCOL_ERROR "the server could not prove the new key"', () => {
    const msg = decodeKeyIssue(frameOf(genuine).body);
    const tag = msg.proof.tag.slice();
    tag[0]! ^= 0x01;
    expect(failed(step(waiting, keyIssue({ proof: { ...msg.proof, tag } })))).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server could not prove the new key',
      cause: cause({ reason: 'key-proof' }),
    });
  });

  it('a proof that opens under the new key but covers another transcript: PROTOCOL_ERROR "the server could not prove the new key"', () => {
    const msg = decodeKeyIssue(frameOf(genuine).body);
    const payload = allAlgorithms.openMessage(grant.key, msg.proof, adOf(genuine));
    // keyProofPayload('server', th) ends with th: change its last byte.
    payload[payload.length - 1]! ^= 0x01;
    const other = allAlgorithms.sealMessage(grant.algorithm, grant.key, payload, adOf(genuine), seededRandom('p'));
    expect(failed(step(waiting, keyIssue({ proof: other })))).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server could not prove the new key',
      cause: cause({ reason: 'key-proof' }),
    });
  });

  it('a proof under another algorithm than the key issued is refused before it is opened', () => {
    const asked: string[] = [];
    const spy: CryptoProvider = {
      ...allAlgorithms,
      openMessage: (key, sealed, ad) => {
        asked.push(sealed.algorithm);
        return allAlgorithms.openMessage(key, sealed, ad);
      },
    };
    expect(grant.algorithm).toBe('AES-256-CBC');
    const tdes = allAlgorithms.sealMessage('TDES-EDE2-CBC', grant.key.slice(0, 16), new Uint8Array(8), adOf(genuine), seededRandom('t'));
    const result = step(waiting, keyIssue({ proof: tdes }), { ...ENV, provider: spy });
    expect(failed(result)).toEqual({
      phase: 'failed',
      code: 'PROTOCOL_ERROR',
      message: 'the server could not prove the new key',
      cause: cause({ reason: 'key-proof' }),
    });
    expect(asked).toEqual([]);
    // Control: the genuine proof is opened, once.
    step(waiting, genuine, { ...ENV, provider: spy });
    expect(asked).toEqual(['AES-256-CBC']);
  });
});
