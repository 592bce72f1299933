/**
 * The relay's routing core without sockets: routing by pin:/srp:/mailto:, live delivery versus
 * queueing, bounded queues, held mailto: frames moved on registration, token checks, limits.
 */
import { describe, expect, it } from 'vitest';
import { RelayRouter, type PeerDelivery, type RelayRouterOptions } from '../../src/node/relay/relay-router.js';
import { parseRelayAddress } from '../../src/transport/relay-protocol.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { decodeFrame, encodeFrame } from '../../src/wire/frame.js';
import { refusal, srp } from './relay-router-support.js';
import { PIN, SRP, makeEtpFrame, makeFrame } from '../transport/helpers.js';

/** A delivery that pushes to the addresses in `connected` and records everything. */
function fakeDelivery(connected: string[] = []): PeerDelivery & { pushed: Array<[string, Uint8Array]>; woken: string[] } {
  const pushed: Array<[string, Uint8Array]> = [];
  const woken: string[] = [];
  return {
    pushed,
    woken,
    push(address, item) {
      if (!connected.includes(address)) return false;
      pushed.push([address, item.bytes]);
      return true;
    },
    queued(address) {
      woken.push(address);
    },
  };
}

function router(options: RelayRouterOptions = {}): { router: RelayRouter; logs: string[] } {
  const logs: string[] = [];
  return { router: new RelayRouter({ log: (m) => logs.push(m), ...options }), logs };
}

const seqs = (frames: Uint8Array[]): number[] => frames.map((f) => decodeFrame(f).seq);

describe('RelayRouter: pin: and srp:', () => {
  it('queues frames for a peer that is not connected and hands them out oldest first', () => {
    const delivery = fakeDelivery();
    const { router: r } = router({ delivery });
    for (let i = 0; i < 3; i++)
      expect(r.route(makeFrame(`pin:${PIN.toLowerCase()}`, i))).toEqual({ kind: 'answer', answer: { status: 202 } });
    expect(r.queueLength(`pin:${PIN}`)).toBe(3);
    expect(delivery.woken).toEqual([`pin:${PIN}`, `pin:${PIN}`, `pin:${PIN}`]);
    expect(seqs(r.take(`pin:${PIN}`, 2))).toEqual([0, 1]);
    expect(seqs(r.take(`pin:${PIN}`))).toEqual([2]);
    expect(r.take(`pin:${PIN}`)).toEqual([]);
    expect(r.stats).toMatchObject({ received: 3, queued: 3, delivered: 3, dropped: 0 });
  });

  it('pushes to a connected peer at once instead of queueing', () => {
    const delivery = fakeDelivery([`srp:${SRP}`]);
    const { router: r } = router({ delivery });
    const frame = makeFrame(`srp:${SRP}`, 7, 'handset-confirm');
    r.route(frame);
    expect(delivery.pushed).toEqual([[`srp:${SRP}`, frame]]);
    expect(r.queueLength(`srp:${SRP}`)).toBe(0);
    expect(delivery.woken).toEqual([]);
    expect(r.stats).toMatchObject({ received: 1, delivered: 1, queued: 0 });
  });

  it('refuses undecodable frames and bad addresses as MALFORMED', () => {
    const { router: r } = router();
    expect(r.route(new Uint8Array([1, 2, 3]))).toMatchObject({ kind: 'answer', answer: { status: 400, error: 'MALFORMED' } });
    expect(r.route(makeFrame('pin:XYZ'))).toMatchObject({ kind: 'answer', answer: { status: 400, error: 'MALFORMED' } });
    expect(r.route(makeFrame('mailto:not-an-email'))).toMatchObject({ kind: 'answer', answer: { status: 400, error: 'MALFORMED' } });
    expect(r.stats).toMatchObject({ malformed: 3, received: 2, queued: 0 });
  });

  it('bounds each queue, dropping (and counting) the oldest frames', () => {
    const { router: r, logs } = router({ maxQueue: 3 });
    for (let i = 0; i < 5; i++) r.route(makeFrame(`pin:${PIN}`, i));
    expect(r.queueLength(`pin:${PIN}`)).toBe(3);
    expect(r.stats.dropped).toBe(2);
    expect(seqs(r.take(`pin:${PIN}`))).toEqual([2, 3, 4]);
    expect(logs).toContain(`relay: queue of pin:${PIN} is full; dropped its oldest frame`);
  });
});

describe('RelayRouter: mailto:', () => {
  it('routes to the server that serves the exact address, else the domain', () => {
    const { router: r } = router();
    r.register(srp('S0000001'), ['example.com']);
    r.register(srp('S0000002'), ['boss@example.com']);
    r.route(makeEtpFrame('Alice@EXAMPLE.com').frame);
    r.route(makeEtpFrame('boss@example.com').frame);
    expect(r.queueLength('srp:S0000001')).toBe(1);
    expect(r.queueLength('srp:S0000002')).toBe(1);
  });

  it('holds frames until a server registers, then moves them to it', () => {
    const delivery = fakeDelivery([`srp:${SRP}`]);
    const { router: r, logs } = router({ delivery });
    const { frame } = makeEtpFrame('user@late.example');
    expect(r.route(frame)).toEqual({ kind: 'answer', answer: { status: 202 } });
    expect(r.queueLength('mailto:User@Late.Example')).toBe(1);
    expect(r.stats.held).toBe(1);
    expect(logs).toContain('relay: no server serves user@late.example yet; holding the etp-dat');

    r.register(srp('OTHER'), ['other.example']);
    expect(r.queueLength('mailto:user@late.example')).toBe(1);

    r.register(srp(SRP), ['late.example']);
    expect(r.queueLength('mailto:user@late.example')).toBe(0);
    expect(delivery.pushed).toEqual([[`srp:${SRP}`, frame]]);
    expect(logs).toContain(`relay: srp:${SRP} serves late.example`);
  });

  it('a later registration by another server cannot take an entry over (issue 8, finding 2)', () => {
    const { router: r, logs } = router();
    r.register(srp('S0000001'), ['example.com']);
    expect(refusal(() => r.register(srp('S0000002'), ['example.com', 'other.example']))).toMatchObject({ status: 409, code: 'CONFLICT' });
    r.route(makeEtpFrame('a@example.com').frame);
    expect(r.queueLength('srp:S0000001')).toBe(1);
    expect(r.queueLength('srp:S0000002')).toBe(0);
    // Nothing of a refused registration is kept.
    r.route(makeEtpFrame('b@other.example').frame);
    expect(r.queueLength('mailto:b@other.example')).toBe(1);
    expect(logs.filter((l) => l.includes('S0000002 serves'))).toEqual([]);
  });

  it('with mailEtpDat, hands an ETP.DAT back to be mailed (address as given) but routes other frames', () => {
    const { router: r } = router({ mailEtpDat: true });
    const { frame } = makeEtpFrame('Alice@Example.com');
    const decision = r.route(frame);
    expect(decision).toMatchObject({ kind: 'mail', email: 'Alice@Example.com' });
    expect(decision.kind === 'mail' && decision.frame.type).toBe('etp-dat');
    expect(r.route(makeFrame('mailto:alice@example.com', 1, 'server-share'))).toEqual({ kind: 'answer', answer: { status: 202 } });
    expect(r.queueLength('mailto:alice@example.com')).toBe(1);
    r.countMail('mailed');
    r.countMail('failed');
    r.countMail('unmailable');
    expect(r.stats).toMatchObject({ mailed: 1, mailFailed: 1, malformed: 1 });
  });
});

describe('RelayRouter: receivers and limits', () => {
  it('checks addresses and tokens; refuses serves on a receive request', () => {
    const { router: r } = router({ tokens: { [SRP]: 'secret' } });
    expect(r.checkReceiver({ address: `pin:${PIN.toLowerCase()}` })).toEqual({ address: parseRelayAddress(`pin:${PIN}`) });
    const server = r.checkReceiver({ address: `srp:${SRP}`, token: 'secret' });
    expect(server.address.address).toBe(`srp:${SRP}`);
    expect(server.vouchKey).toBeInstanceOf(Uint8Array);

    expect(refusal(() => r.checkReceiver({ address: `srp:${SRP}` }))).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(refusal(() => r.checkReceiver({ address: `srp:${SRP}`, token: 'secreT' }))).toMatchObject({ status: 401 });
    // With tokens configured, an SRP id that is not configured is refused, token or not.
    expect(refusal(() => r.checkReceiver({ address: 'srp:OPEN' }))).toMatchObject({ status: 401 });
    expect(refusal(() => r.checkReceiver({ address: 'srp:OPEN', token: 'secret' }))).toMatchObject({ status: 401 });
    expect(r.stats.unauthorized).toBe(4);
    expect(refusal(() => r.checkReceiver({ address: 'pin:XYZ' }))).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(refusal(() => r.checkReceiver({ address: null }))).toMatchObject({ status: 400 });
    expect(refusal(() => r.checkReceiver({ address: `srp:${SRP}`, token: 'secret', serves: 'example.com' }))).toMatchObject({
      status: 400,
    });
    expect(refusal(() => r.checkReceiver({ address: `pin:${PIN}`, credential: 'garbage' }))).toMatchObject({ status: 401 });
  });

  it('keeps at most maxAddresses slots: evicts the least recently used idle one, refuses only when all are live', () => {
    const { router: r } = router({ maxAddresses: 2 });
    r.receiverLive(`pin:${PIN}`, 1); // a waiting poll
    r.route(makeEtpFrame('a@nowhere.example').frame);
    r.route(makeFrame('pin:2100000B')); // evicts the held mail (idle), not the live peer
    expect(r.queueLength('mailto:a@nowhere.example')).toBe(0);
    expect(r.queueLength('pin:2100000B')).toBe(1);
    expect(r.stats).toMatchObject({ evicted: 1, dropped: 1 });
    r.receiverLive('pin:2100000B', 1);
    expect(refusal(() => r.admitPeer('srp:S0000009'))).toMatchObject({ status: 503, code: 'RELAY_FULL' });
    expect(refusal(() => r.route(makeEtpFrame('b@nowhere.example').frame))).toMatchObject({ status: 503, code: 'RELAY_FULL' });
    r.route(makeFrame(`pin:${PIN}`));
    expect(r.queueLength(`pin:${PIN}`)).toBe(1);
  });

  it('refuses limits that are not positive integers', () => {
    for (const options of [{ maxQueue: 0 }, { maxQueue: 1.5 }, { maxAddresses: 0 }]) {
      let caught: unknown;
      try {
        new RelayRouter(options);
      } catch (err) {
        caught = err;
      }
      expect(isActivationError(caught, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('RelayRouter: receive bindings, byte bounds, expiry (issue 8)', () => {
  it('binds a session to the receive key of its first ETP.DAT; only that key takes the session frames', () => {
    const { router: r } = router();
    const { frame, nonce } = makeEtpFrame('a@example.com');
    r.route(frame, { ip: '10.0.0.1', receiveKey: 'KEY-A' });
    // A second ETP.DAT of the same session with another key does not rebind it (first wins).
    r.route(frame, { ip: '10.0.0.2', receiveKey: 'KEY-B' });
    r.route(makeFrame(`pin:${PIN}`, 0, 'server-share', nonce));
    r.route(makeFrame(`pin:${PIN}`, 1, 'server-share')); // another, unbound session
    expect(r.takeFor(`pin:${PIN}`, {}).map((i) => decodeFrame(i.bytes).seq)).toEqual([1]);
    expect(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-B' })).toEqual([]);
    expect(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-A' }).map((i) => decodeFrame(i.bytes).seq)).toEqual([0]);
    expect(r.usage.bindings).toBe(1);
  });

  it('bounds bytes per address and in total, evicting idle addresses first', () => {
    const big = (to: string) => makeFrameOfSize(to, 600_000);
    const { router: r } = router({ limits: { maxQueueBytes: 1_300_000, maxTotalQueueBytes: 2_000_000 } });
    r.route(big(`pin:${PIN}`));
    r.route(big(`pin:${PIN}`));
    r.route(big(`pin:${PIN}`));
    expect(r.queueLength(`pin:${PIN}`)).toBe(2);
    r.receiverLive(`pin:${PIN}`, 1);
    r.route(big('pin:2100000B'));
    r.route(big('pin:2100000C')); // over the total: the idle B is evicted, not the live PIN
    expect(r.usage.bytes).toBeLessThanOrEqual(2_000_000);
    expect(r.queueLength('pin:2100000B')).toBe(0);
    expect(r.queueLength('pin:2100000C')).toBe(1);
  });

  it('expires frames and idle empty addresses', () => {
    let now = 1_000_000;
    const { router: r } = router({ now: () => now, limits: { frameTtlMs: 1000, addressTtlMs: 5000 } });
    r.route(makeFrame(`pin:${PIN}`));
    now += 1001;
    expect(r.take(`pin:${PIN}`)).toEqual([]);
    expect(r.stats.dropped).toBe(1);
    expect(r.usage.addresses).toBe(1);
    now += 5000;
    r.sweep();
    expect(r.usage.addresses).toBe(0);
  });

  it('binds configured serves to their server and caps what a server registers', () => {
    const { router: r } = router({
      servers: { [SRP]: { token: 't1', serves: ['example.com'] }, S0000002: { token: 't2' } },
      limits: { maxServesPerServer: 2 },
    });
    expect(refusal(() => r.register(srp('S0000002'), ['example.com'], 't2'))).toMatchObject({ status: 409 });
    expect(refusal(() => r.register(srp(SRP), ['other.example'], 't1'))).toMatchObject({ status: 403 });
    expect(refusal(() => r.register(srp('S0000003'), ['x.example'], 't2'))).toMatchObject({ status: 401 });
    r.register(srp('S0000002'), ['a.example', 'b.example'], 't2');
    expect(refusal(() => r.register(srp('S0000002'), ['c.example'], 't2'))).toMatchObject({ status: 403 });
    r.route(makeEtpFrame('x@example.com').frame);
    expect(r.queueLength(`srp:${SRP}`)).toBe(1);
  });

  it('refuses bad server configurations', () => {
    for (const options of [
      { servers: { 'bad id!': { token: 't' } } },
      { servers: { [SRP]: { token: '' } } },
      { servers: { A: { token: 'a', serves: ['x.example'] }, B: { token: 'b', serves: ['x.example'] } } },
      { limits: { maxQueueBytes: 10 } },
    ]) {
      let caught: unknown;
      try {
        new RelayRouter(options as RelayRouterOptions);
      } catch (err) {
        caught = err;
      }
      expect(isActivationError(caught, 'INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true);
    }
  });
});

function makeFrameOfSize(to: string, size: number): Uint8Array {
  return encodeFrame({ v: 1, type: 'server-share', sid: new Uint8Array(16), seq: 0, pin: PIN, to, body: new Uint8Array(size) });
}
