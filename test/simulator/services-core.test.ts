/**
 * Phase 3 and after on the server's sans-I/O core (src/simulator/server-phase-services.ts), step by
 * step: the policy acknowledgement must name the content sent (docs/it-policy.md), a device that
 * could not apply the policy is not sent an error, the books-ack commits and plans the sync for the
 * databases the device declared (docs/synchronization.md, "Prerequisites"), and after activation
 * only the device the account is activated with gets policy updates, sent again until acknowledged
 * (docs/server.md, "States").
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { createPolicy } from '../../src/policy/policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import type { Account, ActivatedDevice } from '../../src/simulator/accounts.js';
import type { ServerOutput } from '../../src/simulator/server-io.js';
import type { ServerSessionState } from '../../src/simulator/server-state.js';
import type { SyncData } from '../../src/sync/databases.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { decodeFrame, frameAssociatedData } from '../../src/wire/frame.js';
import { decodeBooksAck, encodeBooksAck } from '../../src/wire/messages/books-ack.js';
import { openErrorBody } from '../../src/wire/messages/error.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { decodeSyncDone } from '../../src/wire/messages/sync-done.js';
import { expectCode } from '../support/errors.js';
import { EMAIL, HANDSET_CONFIG } from '../support/fixtures.js';
import { CoreRig, resealed } from '../support/server-core.js';
import { EVENT } from '../sync/helpers.js';

const PIN = HANDSET_CONFIG.pin;
const OTHER_PIN = '2100FFFF';

type Keyed = Extract<ServerSessionState, { transportKey: { key: Uint8Array } }>;

function keyed(rig: CoreRig): Keyed {
  const state = rig.session;
  if (state === undefined || state.transportKey === undefined) throw new Error('no transport key yet');
  return state as Keyed;
}

/** The handset's next frame to the server, opened under the session's transport key. */
function nextOpened(rig: CoreRig): { bytes: Uint8Array; plaintext: Uint8Array } {
  const bytes = rig.toServer.shift()!;
  const frame = decodeFrame(bytes);
  return { bytes, plaintext: openBody(nobleProvider, keyed(rig).transportKey, frame.body, frameAssociatedData(frame), frame.type) };
}

function failedWith(outputs: readonly ServerOutput[]): unknown {
  return CoreRig.logs(outputs).find((l) => l.event === 'activation failed')?.detail?.code;
}

function rigAt(phase: ServerSessionState['phase'], options: ConstructorParameters<typeof CoreRig>[0] = {}): CoreRig {
  const rig = new CoreRig(options);
  rig.activate();
  expect(rig.runUntil(phase)).toBe(true);
  return rig;
}

describe('the policy acknowledgement names the content sent (docs/it-policy.md)', () => {
  it('an acknowledgement with the right id but another hash, or another id with the right hash, fails with PROTOCOL_ERROR', () => {
    for (const patch of [{ policyHash: new Uint8Array(32).fill(7) }, { policyId: 'another-policy' }]) {
      const rig = rigAt('awaiting-policy-ack');
      const { bytes, plaintext } = nextOpened(rig);
      const ack = decodePolicyAck(plaintext);
      expect(ack.status).toBe('applied');
      const altered = resealed(bytes, encodePolicyAck({ ...ack, ...patch }), keyed(rig).transportKey);
      const { state, outputs } = rig.server(altered);
      expect(state.phase).toBe('failed');
      expect(failedWith(outputs)).toBe('PROTOCOL_ERROR');
      expect(CoreRig.sends(outputs).map((f) => f.type)).toEqual(['error']);
    }
  });

  it('control: the acknowledgement as the device sent it, resealed, is taken', () => {
    const rig = rigAt('awaiting-policy-ack');
    const { bytes, plaintext } = nextOpened(rig);
    const { state } = rig.server(resealed(bytes, plaintext, keyed(rig).transportKey));
    expect(state.phase).toBe('awaiting-books-ack');
  });

  it('a device that could not apply the policy is sent nothing; the error kept for it names the rules (POLICY_REJECTED)', () => {
    const rig = rigAt('awaiting-policy-ack', {
      enforcer: new InMemoryPolicyEnforcer({ unsupported: ['Disable Bluetooth'] }),
      services: { policy: createPolicy('no-bluetooth', 'BES 5.0', 1, { 'Disable Bluetooth': true }) },
    });
    const { transportKey } = keyed(rig);
    const { state, outputs } = rig.server(rig.toServer.shift()!);
    expect(state.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('POLICY_REJECTED');
    expect(CoreRig.sends(outputs)).toEqual([]);
    const kept = decodeFrame(state.lastReply!.bytes);
    expect(kept.type).toBe('error');
    const opened = openErrorBody(nobleProvider, kept.body, frameAssociatedData(kept), [{ transport: transportKey }]);
    expect(opened).toEqual({ message: { code: 'POLICY_REJECTED', rules: ['Disable Bluetooth'] }, authenticated: true });
  });
});

describe('the books-ack, the commit point (docs/protocol.md, "The commit point")', () => {
  it('plans only the databases the device declared in its ETP.DAT, whatever the books-ack asks for', () => {
    const rig = rigAt('awaiting-books-ack', { handsetConfig: { ...HANDSET_CONFIG, databases: ['tasks', 'memos'] } });
    const { bytes, plaintext } = nextOpened(rig);
    const ack = decodeBooksAck(plaintext);
    expect(ack.sync.databases).toEqual(['tasks', 'memos']);
    const asking = encodeBooksAck({ ...ack, sync: { ...ack.sync, databases: ['contacts', 'tasks', 'memos'] } });
    const { outputs } = rig.server(resealed(bytes, asking, keyed(rig).transportKey));
    const started = CoreRig.logs(outputs).find((l) => l.event === 'synchronization started');
    expect(started?.detail?.databases).toEqual(['tasks', 'memos']);
    expect(started?.detail?.skipped).toContainEqual({ database: 'contacts', reason: 'device does not support' });
  });

  it('activates the account and logs the commit with the pin and email', () => {
    const rig = rigAt('awaiting-books-ack');
    const { outputs } = rig.server(rig.toServer.shift()!);
    expect(outputs.find((o) => o.type === 'account')).toMatchObject({ type: 'account', change: { kind: 'activated', email: EMAIL } });
    expect(CoreRig.logs(outputs)[0]).toEqual({ event: 'activation committed', detail: { pin: PIN, email: EMAIL } });
  });

  it("a device record of another PIN is not this session's commit, even with the same key id: without the claim it fails", () => {
    const rig = rigAt('awaiting-books-ack');
    const state = keyed(rig);
    const { password: _password, ...account } = rig.accounts.get(EMAIL)!;
    const device: ActivatedDevice = {
      pin: OTHER_PIN,
      model: '8800',
      os: '4.5.0.110',
      identityKey: new Uint8Array(32),
      agreementKey: new Uint8Array(32),
      keyAlgorithm: state.transportKey.algorithm,
      keyId: state.transportKey.keyId,
      transportKey: new Uint8Array(32),
      activatedAt: rig.clock.now,
    };
    const { state: next, outputs } = rig.server(rig.toServer.shift()!, { account: { ...account, device } as Account });
    expect(next.phase).toBe('failed');
    expect(failedWith(outputs)).toBe('NO_ACTIVATION_PASSWORD');
  });

  it('a database the user data leaves out (a JavaScript caller) is synchronized empty', () => {
    const rig = rigAt('complete', { services: { userData: () => ({}) as SyncData } });
    const sends = CoreRig.sends(rig.outputs);
    const last = sends.at(-1)!;
    expect(last.type).toBe('sync-done');
    const done = decodeSyncDone(openBody(nobleProvider, keyed(rig).transportKey, last.body, frameAssociatedData(last), 'sync-done'));
    expect(done.synchronized.length).toBeGreaterThan(0);
    for (const s of done.synchronized) expect(s.records).toBe(0);
  });
  it('the calendar window applies to the calendar only: a calendar event filed under memos is refused, not filtered (docs/synchronization.md)', () => {
    // Long past (2009, not recurring): outside the window of an activation in 2024.
    const { recurrence: _recurrence, ...past } = EVENT;
    const rig = rigAt('awaiting-books-ack', { services: { userData: () => ({ memos: [past] }) as unknown as SyncData } });
    const err = expectCode(() => rig.server(rig.toServer.shift()!), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ operation: 'paginate', field: 'records.0.kind' });
  });
});

describe('IT policy updates after activation (docs/server.md, "States"; docs/it-policy.md)', () => {
  const update = createPolicy('update-1', 'BES 5.0', Date.UTC(2030, 0, 1), { 'Disable Camera': true });

  it('go only to the device the account is activated with now (its PIN and key id)', () => {
    const rig = rigAt('complete');
    const state = keyed(rig);
    const account = rig.accounts.get(EMAIL)!;
    const push = { type: 'push-policy', policy: update, sendNow: true } as const;
    const elsewhere = { ...account, device: { ...account.device!, pin: OTHER_PIN } };
    for (const patch of [{ account: elsewhere }, { account: undefined }]) {
      const result = rig.input(push, patch);
      expect(result.outputs).toEqual([]);
      expect(result.state).toBe(state);
    }
    expect(CoreRig.sends(rig.input(push).outputs).map((f) => f.type)).toEqual(['it-policy']);
  });

  it('one recorded for the next tick is logged as sent once, then as sent again, with the count', () => {
    const rig = rigAt('complete');
    expect(rig.input({ type: 'push-policy', policy: update, sendNow: false }).outputs).toEqual([]);
    const first = rig.input({ type: 'tick' }).outputs;
    expect(CoreRig.logs(first)).toEqual([{ event: 'IT policy update sent', detail: { pin: PIN, policyId: 'update-1', sends: 1 } }]);
    expect(CoreRig.sends(first).map((f) => f.type)).toEqual(['it-policy']);
    rig.clock.now += 60_000;
    const again = rig.input({ type: 'tick' }).outputs;
    expect(CoreRig.logs(again)).toEqual([{ event: 'IT policy update sent again', detail: { pin: PIN, policyId: 'update-1', sends: 2 } }]);
  });

  /** A rig whose device has the update and whose acknowledgement waits in `toServer`. */
  function acknowledging(): CoreRig {
    const rig = rigAt('complete');
    const sent = CoreRig.sends(rig.input({ type: 'push-policy', policy: update, sendNow: true }).outputs);
    expect(sent).toHaveLength(1);
    for (const o of rig.outputs.slice(-1)) if (o.type === 'send') rig.toHandset({ type: 'frame', bytes: o.bytes, now: rig.clock.now });
    expect(rig.toServer).toHaveLength(1);
    return rig;
  }

  it('an acknowledgement naming another policy id with the hash of the update is logged and changes nothing', () => {
    const rig = acknowledging();
    const before = keyed(rig);
    const { bytes, plaintext } = nextOpened(rig);
    const ack = decodePolicyAck(plaintext);
    expect(ack.policyId).toBe('update-1');
    const { state, outputs } = rig.server(resealed(bytes, encodePolicyAck({ ...ack, policyId: 'other' }), before.transportKey));
    expect(outputs).toEqual([
      {
        type: 'log',
        event: 'IT policy acknowledgement does not match the update sent',
        detail: { pin: PIN, policyId: 'other', expected: 'update-1', policyHash: bytesToHex(ack.policyHash) },
      },
    ]);
    expect(state.phase === 'complete' && state.push?.policy.id).toBe('update-1');
  });

  it('the acknowledgement of the update is recorded once; the same frame again is an old frame', () => {
    const rig = acknowledging();
    const bytes = rig.toServer.shift()!;
    const { state, outputs } = rig.server(bytes);
    expect(CoreRig.logs(outputs).map((l) => l.event)).toEqual(['IT policy update acknowledged']);
    expect(state.phase === 'complete' && state.push).toBeUndefined();
    const again = rig.server(bytes);
    expect(again.outputs).toEqual([
      { type: 'log', event: 'frame dropped', detail: { reason: 'old frame', type: 'policy-ack', pin: PIN, seq: decodeFrame(bytes).seq } },
    ]);
  });
});
