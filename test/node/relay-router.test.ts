/**
 * The relay's routing core without sockets: routing by pin:/srp:/mailto:, live delivery versus
 * queueing, bounded queues, held mailto: frames moved on registration, token checks, limits.
 */
import { describe, expect, it } from 'vitest';
import { RelayRouter, type PeerDelivery, type RelayRouterOptions } from '../../src/node/relay/relay-router.js';
import { RelayRefusal } from '../../src/node/relay/relay-refusal.js';
import { parseRelayAddress, type RelayAddress } from '../../src/transport/relay-protocol.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { PIN, SRP, makeEtpFrame, makeFrame } from '../transport/helpers.js';

/** A delivery that pushes to the addresses in `connected` and records everything. */
function fakeDelivery(connected: string[] = []): PeerDelivery & { pushed: Array<[string, Uint8Array]>; woken: string[] } {
  const pushed: Array<[string, Uint8Array]> = [];
  const woken: string[] = [];
  return {
    pushed,
    woken,
    push(address, frame) {
      if (!connected.includes(address)) return false;
      pushed.push([address, frame]);
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

function srp(id: string): RelayAddress {
  return parseRelayAddress(`srp:${id}`)!;
}

function refusal(fn: () => unknown): RelayRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof RelayRefusal) return err;
    throw err;
  }
  throw new Error('expected a RelayRefusal');
}

const seqs = (frames: Uint8Array[]): number[] => frames.map((f) => decodeFrame(f).seq);

describe('RelayRouter: pin: and srp:', () => {
  it('queues frames for a peer that is not connected and hands them out oldest first', () => {
    const delivery = fakeDelivery();
    const { router: r } = router({ delivery });
    for (let i = 0; i < 3; i++) expect(r.route(makeFrame(`pin:${PIN.toLowerCase()}`, i))).toEqual({ kind: 'answer', answer: { status: 202 } });
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

  it('a later registration takes an entry over, and says so', () => {
    const { router: r, logs } = router();
    r.register(srp('S0000001'), ['example.com']);
    r.register(srp('S0000002'), ['example.com']);
    r.route(makeEtpFrame('a@example.com').frame);
    expect(r.queueLength('srp:S0000002')).toBe(1);
    expect(logs).toContain('relay: srp:S0000002 serves example.com (was srp:S0000001)');
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
  it('checks addresses, serves and tokens', () => {
    const { router: r } = router({ tokens: { [SRP]: 'secret' } });
    expect(r.checkReceiver({ address: `pin:${PIN.toLowerCase()}` })).toEqual({ address: parseRelayAddress(`pin:${PIN}`), serves: [] });
    expect(r.checkReceiver({ address: `srp:${SRP}`, serves: 'Example.com, boss@Other.com', token: 'secret' }).serves).toEqual(['example.com', 'boss@other.com']);
    expect(r.checkReceiver({ address: 'srp:OPEN' }).address.address).toBe('srp:OPEN');

    expect(refusal(() => r.checkReceiver({ address: `srp:${SRP}` }))).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(refusal(() => r.checkReceiver({ address: `srp:${SRP}`, token: 'secreT' }))).toMatchObject({ status: 401 });
    expect(r.stats.unauthorized).toBe(2);
    expect(refusal(() => r.checkReceiver({ address: 'pin:XYZ' }))).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(refusal(() => r.checkReceiver({ address: null }))).toMatchObject({ status: 400 });
    expect(refusal(() => r.checkReceiver({ address: `pin:${PIN}`, serves: 'example.com' }))).toMatchObject({ status: 400 });
    expect(refusal(() => r.checkReceiver({ address: 'srp:OPEN', serves: 'not an address' }))).toMatchObject({ status: 400 });
  });

  it('keeps at most maxAddresses queues (peers and held mail): RELAY_FULL', () => {
    const { router: r } = router({ maxAddresses: 2 });
    r.admitPeer(`pin:${PIN}`);
    r.admitPeer(`pin:${PIN}`);
    r.route(makeEtpFrame('a@nowhere.example').frame);
    expect(refusal(() => r.admitPeer('srp:S0000009'))).toMatchObject({ status: 503, code: 'RELAY_FULL' });
    expect(refusal(() => r.route(makeFrame('pin:2100000B')))).toMatchObject({ status: 503, code: 'RELAY_FULL' });
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
