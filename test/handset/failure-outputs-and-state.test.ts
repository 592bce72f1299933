/**
 * How an activation fails (src/handset/machine-support.ts `fail`): the step disarms the timer,
 * tells the server where there is a session to tell (an `error` frame to the server's SRP
 * identifier once it is known, to the typed address before), shows "Activation failed" and emits
 * `failed`; the failed state keeps nothing of the activation (docs/handset.md, "The commit
 * point"): the device's own fields, the failure, the address once the key issue confirmed it, and
 * the device's own organizer records.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { HandsetOutput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import { failedStatus } from '../../src/handset/status.js';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import { initialHandsetState } from '../../src/handset/state.js';
import type { Memo } from '../../src/sync/records.js';
import { encodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { type ErrorKey, openErrorBody, sealErrorBody } from '../../src/wire/messages/error.js';
import { EMAIL, HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { frameOf, frameType, sessionHeader } from '../support/frames.js';
import { Pair, activatePair, createServer } from '../support/pair.js';
import { allAlgorithms } from '../support/providers.js';
import { activationRun } from '../support/handset-states.js';

const { run, env, stateIn } = activationRun();

/** The one `send` among `outputs`. */
function sentFrame(outputs: readonly HandsetOutput[]): Extract<HandsetOutput, { type: 'send' }> {
  const sends = outputs.filter((o): o is Extract<HandsetOutput, { type: 'send' }> => o.type === 'send');
  expect(sends).toHaveLength(1);
  return sends[0]!;
}

describe('a cancel before the commit point fails the activation', () => {
  it.each([
    ['awaiting-server-share', `mailto:${EMAIL}`, false],
    ['awaiting-key', 'srp:S0000001', false],
    ['awaiting-policy', 'srp:S0000001', true],
    ['applying-policy', 'srp:S0000001', true],
    ['awaiting-services', 'srp:S0000001', true],
  ] as const)('in %s: clear the timer, an error frame to %s, "Activation failed", failed; nothing of it kept', (phase, to, keepsEmail) => {
    const before = stateIn(phase);
    const { state, outputs } = handsetStep(before, { type: 'cancel', now: run.clock.now }, env);
    const send = sentFrame(outputs);
    expect(send.to).toBe(to);
    const frame = frameOf(send.bytes);
    expect(frame).toMatchObject({ type: 'error', to, seq: before.session!.sendSeq });
    // Sealed under the key the activation holds (docs/protocol.md, "error"): none before the server's
    // share, k_HS while awaiting the key, the transport key from the key issue on.
    const key: ErrorKey | undefined =
      phase === 'awaiting-server-share'
        ? undefined
        : phase === 'awaiting-key'
          ? { session: before.session!.handsetToServer! }
          : { transport: before.transportKey! };
    expect(openErrorBody(allAlgorithms, frame.body, frameAssociatedData(frame), key ? [key] : [])).toEqual({
      message: { code: 'ABORTED' },
      authenticated: key !== undefined,
    });
    const failed = outputs.at(-1);
    if (failed?.type !== 'failed') throw new Error('the last output is not failed');
    expect(outputs).toEqual([{ type: 'clear-timer' }, send, { type: 'status', status: failedStatus('ABORTED') }, failed]);
    expect(failed.error.code).toBe('ABORTED');
    expect(failed.error.message).toMatch(/cancelled/);
    expect(failed.error.cause).toStrictEqual({ operation: 'activation', phase });
    // Only the device's own fields, the failure, and the address once the key issue confirmed it.
    expect(state).toStrictEqual({
      version: 4,
      phase: 'failed',
      config: before.config,
      identity: before.identity,
      ...(keepsEmail ? { email: EMAIL } : {}),
      status: failedStatus('ABORTED'),
      failure: { code: 'ABORTED', message: failed.error.message },
    });
  });

  it('a wrong Tb (WRONG_PASSWORD) is told to the server whose share it answers: srp:S0000001, though the session has no SRP yet', () => {
    const wrong = activatePair({ users: USERS, password: 'Not-the-password-1' });
    expect(wrong.error?.code).toBe('WRONG_PASSWORD');
    const step = wrong.steps.find((s) => s.after.phase === 'failed')!;
    expect(step.before.phase).toBe('awaiting-server-share');
    expect(sentFrame(step.outputs).to).toBe('srp:S0000001');
    expect(wrong.sent('to-server').map(frameType)).toEqual(['etp-dat', 'error']);
  });
});

describe('a failure after the books came: the state keeps no records, and the record store is not touched', () => {
  const MY_MEMO: Memo = { kind: 'memo', id: 'device-memo-1', title: 'Written on the device', body: 'not on the server', categories: [] };

  // The server refuses only the books-ack itself, before any page (docs/handset.md, "The commit
  // point"): what the store holds then is what the device held. Since issue 14 the machine holds no
  // records to drop, so a failure asks nothing of the store.
  it('a sealed error in the sync: failed, no records in the state, no store operation', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const device = { ...initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG, allAlgorithms)), organizer: { memos: [MY_MEMO] } };
    const pair = new Pair({ server: sim, clock, serverLog: log, state: device });
    pair.activate();
    pair.drive();
    expect(pair.handset.phase).toBe('complete');
    // The state that had every page and waited for sync-done: the server's records and the memo.
    const syncing = pair.steps.find((s) => s.input.type === 'frame' && frameType(s.input.bytes) === 'sync-done')!.before;
    expect(syncing.phase).toBe('syncing');
    expect(pair.records.memos!.length).toBeGreaterThan(1);
    expect(pair.records.memos).toContainEqual(MY_MEMO);
    const header = sessionHeader(syncing, 'error');
    const body = sealErrorBody(
      allAlgorithms,
      seededRandom('server error'),
      { code: 'NO_ACTIVATION_PASSWORD' },
      frameAssociatedData(header),
      {
        transport: syncing.transportKey!,
      },
    );
    const { state, outputs } = handsetStep(syncing, { type: 'frame', bytes: encodeFrame({ ...header, body }), now: clock.now }, pair.env);
    expect(state.phase).toBe('failed');
    expect(state.failure?.code).toBe('NO_ACTIVATION_PASSWORD');
    expect(state.organizer).toBeUndefined();
    expect(state.sync).toBeUndefined();
    expect(outputs.map((o) => o.type)).not.toContain('store-records');
    expect(outputs.map((o) => o.type)).not.toContain('wiped');
  });
});
