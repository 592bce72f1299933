/**
 * Phase 3 on the handset (src/handset/phase-services.ts), stepped through `handsetStep`: the IT
 * policy's verification at activation and after it, the enforcer's answer, and the statuses the
 * service books bring (docs/handset.md, "States" and "Statuses"; docs/it-policy.md).
 *
 * The server's frames are sealed here under the transport key the handset holds (a test may read
 * its state), so that only the handset's own checks decide; the IT policies are signed with the
 * server's domain key (the Pair's server derives it from its seed), or with none.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/codec/cbor.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { HandsetOutput, StepResult } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState, HandsetStateIn } from '../../src/handset/state.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { createPolicy } from '../../src/policy/policy.js';
import { encodePolicy, policySignatureInput } from '../../src/policy/signed-policy.js';
import { defaultServiceBooks } from '../../src/service-books/server-books.js';
import { encodeFrame, frameAssociatedData, type MessageType } from '../../src/wire/frame.js';
import { encodeSignedPolicy } from '../../src/wire/messages/it-policy.js';
import { sealBody, type TransportKeyRef } from '../../src/wire/messages/sealed-body.js';
import { EMAIL, T0, USERS } from '../support/fixtures.js';
import { frameOf } from '../support/frames.js';
import { type Pair, activatePair, domainKeySeedFor } from '../support/pair.js';
import { activatedHandset } from '../support/handset-states.js';
import { allAlgorithms } from '../support/providers.js';

const ENV = { provider: allAlgorithms, random: seededRandom('services-phase') };
const SERVER_VERSION = 'BlackBerry Enterprise Server for Microsoft Exchange 5.0 SP4';
/** The Pair's server signs with the domain key of its seed, 'server-seed'. */
const DOMAIN_KEY = allAlgorithms.signingKeyPair(domainKeySeedFor('server-seed'));

function frameStep(state: HandsetState, bytes: Uint8Array): StepResult<HandsetState> {
  return handsetStep(state, { type: 'frame', bytes, now: T0 }, ENV);
}

/** A server frame like `like` (its session and address), of `type` and `seq`, its body `plaintext` sealed under `tk`. */
function serverFrame(like: Uint8Array, type: MessageType, seq: number, plaintext: Uint8Array, tk: TransportKeyRef): Uint8Array {
  const { body: _body, ...header } = { ...frameOf(like), type, seq };
  return encodeFrame({ ...header, body: sealBody(allAlgorithms, tk, plaintext, frameAssociatedData(header), ENV.random) });
}

/** `policyBytes` signed with the server's domain key (or with a signature of zeros). */
function signed(
  policyBytes: Uint8Array,
  signature = allAlgorithms.sign(DOMAIN_KEY.secretKey, policySignatureInput(policyBytes)),
): Uint8Array {
  return encodeSignedPolicy({ policy: policyBytes, signature });
}

const NEWER = createPolicy('update', SERVER_VERSION, T0 + 60_000, { 'Password Required': true });
/** The same policy's fields in another order: it decodes, but it is not its canonical encoding. */
const NON_CANONICAL = encodeCbor({
  serverVersion: SERVER_VERSION,
  id: 'update',
  issuedAt: T0 + 60_000,
  rules: { 'Password Required': true },
});

function ignoredOf(outputs: readonly HandsetOutput[]): { reason: string; code?: string }[] {
  return outputs.flatMap((o) =>
    o.type === 'ignored' ? [o.code === undefined ? { reason: o.reason } : { reason: o.reason, code: o.code }] : [],
  );
}

describe('the IT policy during activation (awaiting-policy)', () => {
  let waiting: HandsetStateIn<'awaiting-policy'>;
  let genuine: Uint8Array;

  beforeAll(() => {
    const pair = activatePair({ users: USERS });
    const state = pair.states.find((s) => s.phase === 'awaiting-policy');
    if (state?.phase !== 'awaiting-policy') throw new Error('no awaiting-policy state');
    waiting = state;
    genuine = pair.sent('to-handset', 'it-policy')[0]!;
  });

  const policyFrame = (body: Uint8Array) => serverFrame(genuine, 'it-policy', frameOf(genuine).seq, body, waiting.transportKey);

  it('control: a canonical policy signed with the domain key goes to the enforcer', () => {
    const result = frameStep(waiting, policyFrame(signed(encodePolicy(NEWER))));
    expect(result.state.phase).toBe('applying-policy');
    expect(result.outputs.map((o) => o.type)).toEqual(['clear-timer', 'apply-policy']);
  });

  it.each([
    ['signed with no key of the server (BAD_SIGNATURE)', () => signed(encodePolicy(NEWER), new Uint8Array(64)), 'BAD_SIGNATURE'],
    ['signed, but not in canonical form (PROTOCOL_ERROR)', () => signed(NON_CANONICAL), 'PROTOCOL_ERROR'],
  ])('a policy %s ends the activation: "the IT policy signature did not verify"', (_what, body, code) => {
    const result = frameStep(waiting, policyFrame(body()));
    expect(result.state.phase).toBe('failed');
    expect(result.outputs.find((o) => o.type === 'failed')?.error).toMatchObject({
      code,
      message: 'the IT policy signature did not verify',
    });
  });
});

describe('an IT policy update that does not verify (complete)', () => {
  let complete: HandsetStateIn<'complete'>;
  let like: Uint8Array;

  beforeAll(() => {
    ({ complete, like } = activatedHandset('it-policy'));
  });

  it.each([
    ['a bad signature', () => signed(encodePolicy(NEWER), new Uint8Array(64)), 'BAD_SIGNATURE'],
    ['a body not in canonical form', () => signed(NON_CANONICAL), 'MALFORMED'],
  ])('with %s is ignored, its sequence number taken: the same frame again is a duplicate', (_what, body, code) => {
    const seq = complete.session.recvSeq;
    const update = serverFrame(like, 'it-policy', seq, body(), complete.transportKey);
    const first = frameStep(complete, update);
    expect(ignoredOf(first.outputs)).toEqual([{ reason: 'IT policy update rejected', code }]);
    expect(first.state.phase).toBe('complete');
    expect(first.state.policy).toEqual(complete.policy);
    const again = frameStep(first.state, update);
    expect(ignoredOf(again.outputs)).toEqual([{ reason: 'duplicate frame' }]);
    // And the next number is still taken: a good update right after it is applied.
    const next = serverFrame(like, 'it-policy', seq + 1, signed(encodePolicy(NEWER)), complete.transportKey);
    expect(frameStep(again.state, next).state.phase).toBe('applying-policy-update');
  });
});

describe("the enforcer's answer (policy-applied)", () => {
  let applying: HandsetStateIn<'applying-policy'>;

  beforeAll(() => {
    const pair = activatePair({ users: USERS });
    const state = pair.states.find((s) => s.phase === 'applying-policy');
    if (state?.phase !== 'applying-policy') throw new Error('no applying-policy state');
    applying = state;
  });

  const answer = (ack: PolicyAck) => handsetStep(applying, { type: 'policy-applied', ack, now: T0 }, ENV);

  it('control: the acknowledgement of the pending policy moves on to the service books', () => {
    const ack = applyPolicy(new InMemoryPolicyEnforcer(), applying.pendingPolicy.policy);
    expect(answer(ack).state.phase).toBe('awaiting-services');
  });

  it.each([
    ['another policy', () => applyPolicy(new InMemoryPolicyEnforcer(), createPolicy('other', SERVER_VERSION, T0, {}))],
    [
      'the pending policy’s id with another content',
      () => {
        const pending = applying.pendingPolicy.policy;
        return applyPolicy(
          new InMemoryPolicyEnforcer(),
          createPolicy(pending.id, pending.serverVersion, pending.issuedAt, { 'Disable Bluetooth': true }),
        );
      },
    ],
    [
      'the pending policy’s hash under another id',
      () => ({ ...applyPolicy(new InMemoryPolicyEnforcer(), applying.pendingPolicy.policy), policyId: 'other' }),
    ],
  ])('an acknowledgement of %s is ignored and changes nothing', (_what, ack) => {
    const result = answer(ack());
    expect(result.outputs).toEqual([{ type: 'ignored', reason: 'policy result without a pending policy' }]);
    expect(result.state).toBe(applying);
  });
});

describe('a policy the device rejects during activation', () => {
  let pair: Pair;

  beforeAll(() => {
    pair = activatePair({
      users: USERS,
      enforcer: new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth', 'Disable Camera'] }),
      serverOptions: {
        services: { policy: createPolicy('locked-down', SERVER_VERSION, T0, { 'Disable Bluetooth': true, 'Disable Camera': true }) },
      },
    });
  });

  it('sends the rejecting policy-ack, arms no timer, sends no error frame, and fails with POLICY_REJECTED naming the rules', () => {
    const rejected = pair.steps.find((s) => s.input.type === 'policy-applied');
    expect(rejected).toBeDefined();
    const outputs = rejected!.outputs;
    expect(outputs.map((o) => o.type)).toEqual(['policy-acknowledged', 'send', 'clear-timer', 'status', 'failed']);
    const send = outputs.find((o) => o.type === 'send');
    expect(send?.type === 'send' && frameOf(send.bytes).type).toBe('policy-ack');
    const error = outputs.find((o) => o.type === 'failed')?.error;
    expect(error).toMatchObject({
      code: 'POLICY_REJECTED',
      message: 'the IT policy could not be applied: Disable Bluetooth, Disable Camera',
      cause: { rules: ['Disable Bluetooth', 'Disable Camera'], policyId: 'locked-down' },
    });
    expect(pair.handset.phase).toBe('failed');
    expect(pair.timerAt).toBeUndefined();
    expect(pair.sent('to-server', 'error')).toEqual([]);
  });
});

describe('the statuses the service books bring', () => {
  /** The step that took the service books: its status outputs and the state's status after it. */
  function booksStep(pair: Pair): { shown: string[]; status: string | undefined } {
    const step = pair.steps.find((s) => s.before.phase === 'awaiting-services' && s.after.phase === 'syncing');
    expect(step).toBeDefined();
    return {
      shown: step!.outputs.flatMap((o) => (o.type === 'status' ? [o.status.text] : [])),
      status: step!.after.status?.text,
    };
  }

  it('with a [SYNC] book: "Services Received", the email line, then "Synchronization service Desktop [S0000001]", which stays shown', () => {
    const { shown, status } = booksStep(activatePair({ users: USERS }));
    expect(shown).toEqual([
      'Services Received',
      `Your email address "${EMAIL}" is now enabled`,
      'Synchronization service Desktop [S0000001]',
    ]);
    expect(status).toBe('Synchronization service Desktop [S0000001]');
  });

  it('without a [SYNC] book: "Services Received", then the email line, which stays shown', () => {
    const pair = activatePair({
      users: USERS,
      serverOptions: {
        services: {
          serviceBooks: (account, id) =>
            defaultServiceBooks({ srp: id.srp, besDomain: id.besDomain, email: account.email }).filter((b) => b.cid !== 'SYNC'),
        },
      },
    });
    const { shown, status } = booksStep(pair);
    expect(shown).toEqual(['Services Received', `Your email address "${EMAIL}" is now enabled`]);
    expect(status).toBe(`Your email address "${EMAIL}" is now enabled`);
  });
});
