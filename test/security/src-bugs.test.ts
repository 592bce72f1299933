/**
 * Regression tests for the src bugs found by the security tests and the fuzzers (fixed in
 * 4139bdf). Each test states the correct behaviour and is a complete, deterministic reproduction
 * through the pure cores; the comment above it describes the bug as it was ("was: ..."). Should
 * one of them regress, mark it `it.fails` only together with a new bug report.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import type { HandsetInput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetState } from '../../src/handset/state.js';
import { openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { createPolicy } from '../../src/policy/policy.js';
import { encodePolicy, policySignatureInput, verifySignedPolicy } from '../../src/policy/signed-policy.js';
import type { FrameHandler, Transport } from '../../src/transport/transport.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { EMAIL, HANDSET_CONFIG, PASSWORD, USERS } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { runActivation, SecurityHarness } from './harness.js';
import { caught, expectCode } from '../support/errors.js';

const ENV = { provider: nobleProvider, random: seededRandom('src-bugs') };

/** A simulator attached to a fake transport, so that it has a route for pushes (updatePolicy). */
function attachedServer() {
  const { sim, clock, log } = createServer({ users: USERS });
  const outbox: Uint8Array[] = [];
  let toServer: FrameHandler = () => {};
  const transport: Transport = {
    send: async (bytes) => {
      outbox.push(bytes);
    },
    onFrame: (handler) => {
      toServer = handler;
      return () => {};
    },
    close: async () => {},
  };
  sim.attach(transport);
  return { sim, clock, log, outbox, viaTransport: (bytes: Uint8Array) => toServer(bytes) };
}

describe('regressions: src bugs found by the security tests and fuzzers', () => {
  // src/simulator/server-session.ts failSession stores the error frame as lastReply for the
  // request's own seq (forSeq = recvSeq) without advancing recvSeq, and bes-simulator.ts only
  // answers repeats for seq < recvSeq; a repeat with seq == recvSeq reaches dispatch, which drops
  // it ("unexpected handset-confirm in failed"). So if the one error frame is lost, the handset
  // retransmits into silence and ends with TIMEOUT instead of the server's code (here UNSUPPORTED;
  // the same for WRONG_PASSWORD on a bad Ta, PROTOCOL_ERROR on a bad body or key proof, ...).
  it('a lost error reply is sent again when the handset repeats its request (docs/protocol.md, Idempotency)', () => {
    let dropped = false;
    const h = runActivation({
      users: USERS,
      handsetConfig: { ...HANDSET_CONFIG, ciphers: ['AES-256-CBC'] },
      serverOptions: { ciphers: ['TDES-EDE2-CBC'] },
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-handset' && ctx.type === 'error' && !dropped) {
          dropped = true;
          return [];
        }
        return [bytes];
      },
    });
    expect(h.error?.code).toBe('UNSUPPORTED'); // was: TIMEOUT
  });

  // src/simulator/bes-simulator.ts updatePolicy pushes each update once (lastReply forSeq -1, no
  // retransmission), and the handset accepts only seq == recvSeq. One lost push leaves the
  // handset's recvSeq behind for good: every later push has a higher seq and is ignored as
  // "frame out of order", so the device never receives a policy update again.
  it('after one lost IT policy update, the next update still reaches the device', () => {
    const s = attachedServer();
    const h = runActivation({ sim: s.sim, clock: s.clock, log: s.log });
    expect(h.state.phase).toBe('complete');
    s.viaTransport(h.sent('to-server', 'sync-ack').at(-1)!); // gives the server a route to the device
    s.outbox.length = 0;
    s.sim.updatePolicy('p2', { 'Password Required': true });
    s.outbox.shift(); // lost on the air
    s.sim.updatePolicy('p3', { 'Password Required': true, 'Minimum Password Length': 6 });
    h.step({ type: 'frame', bytes: s.outbox.shift()!, now: s.clock.now });
    h.run();
    expect(h.state.policy?.policy.id).toBe('p3'); // was: 'default'; ignored as 'frame out of order'
  });

  // updatePolicy (bes-simulator.ts, policyFrame with forSeq -1) overwrites session.lastReply, the
  // server's copy of sync-done. A device whose sync-done was lost retransmits its last sync-ack,
  // the server drops it as an "old frame", and the device ends in TIMEOUT while the server shows
  // the account Activated (its password already deleted).
  it('an update pushed while the last sync-done is lost does not cost the device its activation', () => {
    const s = attachedServer();
    let dropped = false;
    const h = runActivation({
      sim: s.sim,
      clock: s.clock,
      log: s.log,
      driveTimers: false,
      adversary: (bytes, direction, ctx) => (direction === 'to-handset' && ctx.type === 'sync-done' && !dropped ? ((dropped = true), []) : [bytes]),
    });
    expect(h.state.phase).toBe('syncing');
    s.viaTransport(h.sent('to-server', 'sync-ack').at(-1)!); // route (the server repeats sync-done to the outbox)
    s.outbox.length = 0;
    s.sim.updatePolicy('p2', { 'Password Required': true });
    h.driveTimers = true;
    h.run();
    expect(s.sim.account(EMAIL)?.status).toBe('Activated');
    expect(h.state.phase).toBe('complete'); // was: failed (TIMEOUT)
  });

  // src/handset/machine-support.ts fail() and phase-key-exchange.ts startActivation() keep
  // state.pendingPolicy. After a cancel (or a server error frame) while the enforcer runs, every
  // later activation ignores every frame ("frame while the IT policy is being applied") and times
  // out. Found by the state-machine fuzzer (fuzz/run.ts --seed 12345), which also gets a TypeError
  // out of handsetStep from the stale policy: see the next test.
  it('a cancel while the IT policy is being applied does not block the next activation', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const h = new SecurityHarness({ sim, clock, log });
    h.activate();
    h.run((x) => x.state.pendingPolicy !== undefined); // apply-policy is out, policy-applied not yet fed
    h.step({ type: 'cancel', now: clock.now });
    sim.setActivationPassword(EMAIL, 'Second-Pw-1');
    const again = new SecurityHarness({ sim, clock, log, state: h.state, handsetSeed: 'again' });
    again.activate(EMAIL, 'Second-Pw-1');
    again.run();
    expect(again.error).toBeUndefined(); // was: TIMEOUT, every frame ignored
    expect(again.state.phase).toBe('complete');
  });

  it('handsetStep never throws a TypeError for valid inputs: it-policy, cancel, activate, policy-applied', () => {
    const base = runActivation({ users: USERS });
    const start = base.states.find((s) => s.phase === 'awaiting-policy' && !s.pendingPolicy)!;
    const itPolicy = base.sent('to-handset', 'it-policy')[0]!;
    const inputs: HandsetInput[] = [
      { type: 'frame', bytes: itPolicy, now: 1 },
      { type: 'cancel', now: 2 },
      { type: 'activate', email: EMAIL, password: PASSWORD, now: 3 },
    ];
    let state: HandsetState = start;
    let pendingPolicy: NonNullable<HandsetState['pendingPolicy']>['policy'] | undefined;
    for (const input of inputs) {
      state = handsetStep(state, input, ENV).state;
      pendingPolicy ??= state.pendingPolicy?.policy;
    }
    expect(pendingPolicy).toBeDefined();
    // The enforcer's (late) answer to the policy of the cancelled activation.
    const ack = applyPolicy(new InMemoryPolicyEnforcer(), pendingPolicy!);
    // was: TypeError: Cannot read properties of undefined (reading 'srp') in sendPolicyAck.
    // The answer belongs to no pending policy of the running activation: ignored, nothing changes.
    let result: ReturnType<typeof handsetStep> | undefined;
    expect(caught(() => (result = handsetStep(state, { type: 'policy-applied', ack, now: 4 }, ENV)))).toBeUndefined();
    expect(result!.outputs).toEqual([{ type: 'ignored', reason: 'policy result without a pending policy' }]);
    expect(result!.state).toBe(state);
    expect(state.phase).toBe('awaiting-server-share');
  });

  // onItPolicy (src/handset/phase-services.ts) skips applying a policy whose id equals the one in
  // force, across activations and servers. Every BesSimulator's policy is id "default", so a
  // device re-activated against another server keeps the previous server's settings, and answers
  // the new server with the OLD acknowledgement ("applied"): the new server believes a policy is in
  // force (here Password Required, Minimum Password Length 8) that the device never applied.
  it("a new activation applies the new server's IT policy even if its id equals the previous one", () => {
    const a = createServer({ serverSeed: 'A', users: USERS });
    const first = runActivation({ sim: a.sim, clock: a.clock, log: a.log });
    const b = createServer({
      serverSeed: 'B',
      clock: a.clock,
      users: [{ email: 'bob@corp.test', displayName: 'Bob', activationPassword: 'Bob-Pw-1' }],
      serverOptions: { srp: 'S0000002', services: { policy: createPolicy('default', 'BES', a.clock.now, { 'Password Required': true, 'Minimum Password Length': 8 }) } },
    });
    const second = new SecurityHarness({ sim: b.sim, clock: a.clock, log: b.log, state: first.state, handsetSeed: 'second' });
    second.activate('bob@corp.test', 'Bob-Pw-1');
    second.run();
    expect(second.state.phase).toBe('complete');
    expect(second.outputsOf('apply-policy')).toHaveLength(1); // was: 0
    expect(second.state.policy?.policy.rules).toMatchObject({ 'Password Required': true, 'Minimum Password Length': 8 }); // was: {}
  });

  // Same root: the handset's store, progress and books are carried into an activation for another
  // account; the progress then counts the previous account's records ("Synchronizing Calendar
  // (24/12)") and its calendar holds both accounts' events.
  it('a new activation for another account does not count the previous account’s records', () => {
    const a = createServer({ serverSeed: 'A', users: USERS });
    const first = runActivation({ sim: a.sim, clock: a.clock, log: a.log });
    const b = createServer({ serverSeed: 'B', clock: a.clock, users: [{ email: 'bob@corp.test', displayName: 'Bob', activationPassword: 'Bob-Pw-1' }], serverOptions: { srp: 'S0000002' } });
    const second = new SecurityHarness({ sim: b.sim, clock: a.clock, log: b.log, state: first.state, handsetSeed: 'second' });
    second.activate('bob@corp.test', 'Bob-Pw-1');
    second.run();
    for (const p of second.outputsOf('sync-progress')) expect(p.received, `${p.database} ${p.received}/${p.total}`).toBeLessThanOrEqual(p.total);
  });

  // docs/it-policy.md: "rules is a map sorted by rule name (JavaScript string order: UTF-16 code
  // units)". canonicalBytes (src/policy/signed-policy.ts) sorts the names, but inserts them into a
  // plain object, and JavaScript enumerates integer-like keys first in numeric order: rules "9" and
  // "10" are encoded 9, 10, while string order is "10" < "9". A policy encoded as documented is
  // refused as "not in canonical form" (an interoperability bug for any other server).
  it('a policy encoded as documented (rule "10" before rule "9") verifies', () => {
    const key = nobleProvider.signingKeyPair(seededRandom('policy-key')(32));
    // Built by hand from the documented form: { id: "p", serverVersion: "5.0", issuedAt: 1,
    // rules: { "10": true, "9": false } } with the rules in string order ("10" < "9").
    const documented = Uint8Array.from(
      Buffer.from(
        'a4' + '626964' + '6170' + '6d73657276657256657273696f6e' + '63352e30' + '686973737565644174' + '01' + '6572756c6573' + 'a2' + '623130' + 'f5' + '6139' + 'f4',
        'hex',
      ),
    );
    const signature = nobleProvider.sign(key.secretKey, policySignatureInput(documented));
    expect(() => verifySignedPolicy(nobleProvider, key.publicKey, { policy: documented, signature })).not.toThrow(); // was: MALFORMED
    // And the library itself encodes exactly that.
    expect(Buffer.from(encodePolicy(createPolicy('p', '5.0', 1, { '10': true, '9': false }))).toString('hex')).toBe(Buffer.from(documented).toString('hex'));
  });

  // BesSimulator.receive returns the very Uint8Array it keeps as session.lastReply, and the
  // handset's `send` output is the very array kept as state.session.lastSent.bytes. A transport
  // that zeroizes or transfers its buffer after sending corrupts the retransmission (and, on the
  // handset, the state the machine promises never to share or mutate).
  it('the simulator does not hand out the buffer it keeps for retransmission', () => {
    const { sim, clock } = createServer({ users: USERS });
    const h = new SecurityHarness({ sim, clock });
    h.activate();
    const etp = h.sent('to-server', 'etp-dat')[0] ?? h.outputsOf('send')[0]!.bytes;
    const first = sim.receive(etp)[0]!;
    first.fill(0); // e.g. a transport that wipes its buffer once sent
    const again = sim.receive(etp)[0]!;
    expect(frameType(again)).toBe('server-share'); // was: the zeroed buffer, undecodable
  });

  it('the handset does not hand out the buffer it keeps for retransmission', () => {
    const { sim, clock } = createServer({ users: USERS });
    const h = new SecurityHarness({ sim, clock, driveTimers: false });
    const { outputs } = h.activate();
    const sent = outputs.filter((o) => o.type === 'send');
    expect(sent).toHaveLength(1);
    sent[0]!.bytes.fill(0);
    const deadline = h.state.session!.deadline!;
    const retry = handsetStep(h.state, { type: 'timer', now: deadline }, ENV).outputs.filter((o) => o.type === 'send');
    expect(retry.map((o) => frameType(o.bytes))).toEqual(['etp-dat']); // was: [undefined]
  });

  // handsetStep (src/handset/machine.ts) promises ActivationError INVALID_ARGUMENT for caller
  // errors, but dereferences its input first: `input.type` on null, `ack.policyId` on a null ack.
  it('handsetStep rejects a null input or a null policy result with INVALID_ARGUMENT, not a TypeError', () => {
    const base = runActivation({ users: USERS });
    const pending = base.states.find((s) => s.pendingPolicy)!;
    const codes = [
      () => handsetStep(base.states[2]!, null as unknown as HandsetInput, ENV),
      () => handsetStep(pending, { type: 'policy-applied', ack: null as never, now: 1 }, ENV),
    ].map((fn) => {
      try {
        fn();
        return 'returned';
      } catch (err) {
        return isActivationError(err) ? err.code : (err as Error).name;
      }
    });
    expect(codes).toEqual(['INVALID_ARGUMENT', 'INVALID_ARGUMENT']); // was: TypeError, TypeError
  });

  // openHandsetState (src/handset/snapshot.ts) checks only version, phase and config, so a sealed
  // state whose session is not an object (e.g. written by another version, or a bug) is returned,
  // and the next frame makes handsetStep throw a TypeError from inside constantTimeEqual.
  it('a restored state whose session is not an object is refused by openHandsetState (MALFORMED)', () => {
    const base = runActivation({ users: USERS });
    const key = seededRandom('k')(32);
    const bogus = { ...base.states[3]!, session: 5 } as unknown as HandsetState;
    const sealed = sealHandsetState(bogus, key, nobleProvider, ENV.random);
    // was: returned, and the next frame threw a TypeError
    const err = expectCode(() => openHandsetState(sealed, key, nobleProvider), 'MALFORMED');
    expect(err.message).toMatch(/session/);
  });

  // BesSimulator accepts any text as its SRP identifier, but the frame grammar needs `srp:\S+`:
  // with "S 0000001" the handset addresses every later frame to "srp:S 0000001", frames its own
  // decoder and the server's refuse (MALFORMED), and every activation times out.
  it('an SRP identifier the frames cannot carry is refused up front (INVALID_ARGUMENT)', () => {
    // was: accepted, then every activation timed out (TIMEOUT / MALFORMED frames)
    const err = expectCode(() => createServer({ users: USERS, serverOptions: { srp: 'S 0000001' } }), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ field: 'srp' });
    // An identifier the frames can carry works, and every frame decodes.
    const h = runActivation({ users: USERS, serverOptions: { srp: 'S0000001' } });
    expect(h.state.phase).toBe('complete');
    for (const f of h.frames) expect(decodeFrame(f.sent).sid).toHaveLength(16);
  });
});
