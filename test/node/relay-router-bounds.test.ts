/**
 * The relay router's documented bounds and refusals, pinned at their exact edges (issue 9,
 * mutation testing): the server configuration, POST /v1/register (409 / 403 / 401 / 503), the
 * messages and codes users see, take() batches by frames and bytes, per-queue and total byte
 * bounds with eviction of idle queues (least recently used first), the TTL of frames, address
 * slots and receive bindings at exactly their expiry instant, and the counters of `stats`.
 * docs/transports.md ("Addresses", "Routing", "Endpoints", "Authentication") and
 * docs/reliability.md ("Relay limits"). The router runs on an injected clock; no sockets.
 */
import { describe, expect, it } from 'vitest';
import { RelayRouter, type RelayRouterOptions } from '../../src/node/relay/relay-router.js';
import { parseRelayAddress } from '../../src/transport/relay-protocol.js';
import { deriveVouchKey } from '../../src/transport/relay-vouch.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { decodeFrame, encodeFrame } from '../../src/wire/frame.js';
import { refusal, srp } from './relay-router-support.js';
import { PIN, makeEtpFrame, makeFrame } from '../transport/helpers.js';

const T0 = 1_000_000;

/** A router on a clock the test moves (`clock.now`). */
function clocked(options: RelayRouterOptions = {}): { r: RelayRouter; clock: { now: number }; logs: string[] } {
  const clock = { now: T0 };
  const logs: string[] = [];
  const r = new RelayRouter({ now: () => clock.now, log: (m) => logs.push(m), ...options });
  return { r, clock, logs };
}

function configError(options: RelayRouterOptions): ActivationError {
  try {
    new RelayRouter(options);
  } catch (err) {
    if (err instanceof ActivationError) return err;
    throw err;
  }
  throw new Error('expected an ActivationError');
}

/** A frame to `to` whose body has `body` bytes (its encoded size is a little more). */
function sized(to: string, body: number, seq = 0): Uint8Array {
  return encodeFrame({ v: 1, type: 'server-share', sid: new Uint8Array(16), seq, pin: PIN, to, body: new Uint8Array(body) });
}

const seqs = (frames: { bytes: Uint8Array }[]): number[] => frames.map((f) => decodeFrame(f.bytes).seq);

describe('RelayRouter bounds: server configuration (docs/transports.md, "Authentication")', () => {
  it('names what is wrong with a configured server, as INVALID_ARGUMENT on the field servers', () => {
    const cases: Array<[RelayRouterOptions, RegExp]> = [
      [{ servers: { 'bad id!': { token: 't' } } }, /^a configured server must have a valid SRP identifier$/],
      [{ tokens: { 'bad id!': 't' } }, /valid SRP identifier/],
      [{ servers: { S0000001: { token: '' } } }, /^a configured server needs a non-empty token$/],
      [{ tokens: { S0000001: '' } }, /non-empty token/],
      [{ servers: { S0000001: { token: 't', serves: 'example.com' as unknown as string[] } } }, /^servers\[…\]\.serves must be a list$/],
      [{ servers: { S0000001: { token: 't', serves: ['not an entry!'] } } }, /^servers\[…\]\.serves must list email addresses or domains$/],
      [
        { servers: { A: { token: 'a', serves: ['x.example'] }, B: { token: 'b', serves: ['X.Example'] } } },
        /^two configured servers serve the same entry$/,
      ],
    ];
    for (const [options, message] of cases) {
      const err = configError(options);
      expect(err.code, JSON.stringify(options)).toBe('INVALID_ARGUMENT');
      expect(err.message, JSON.stringify(options)).toMatch(message);
      expect(err.cause, JSON.stringify(options)).toEqual({ field: 'servers' });
    }
  });

  it('refuses a server entry that is not an object as a server without a token (no TypeError)', () => {
    const err = configError({ servers: { S0000001: null as unknown as { token: string } } });
    expect(err.message).toMatch(/non-empty token/);
  });

  it('lets one server list the same entry twice (case ignored): one entry, bound to it', () => {
    const { r } = clocked({ servers: { S0000001: { token: 't', serves: ['Example.com', 'example.COM', 'boss@example.com'] } } });
    expect(r.usage.serves).toBe(2);
    r.route(makeEtpFrame('a@example.com').frame);
    expect(r.queueLength('srp:S0000001')).toBe(1);
  });
});

describe('RelayRouter bounds: refusals users see (docs/transports.md, "Endpoints")', () => {
  it('MALFORMED frames name what is wrong with their address', () => {
    const { r } = clocked();
    expect(r.route(makeFrame('mailto:not-an-email'))).toEqual({
      kind: 'answer',
      answer: { status: 400, error: 'MALFORMED', message: 'the mailto: address is not an email address' },
    });
    expect(r.route(makeFrame('pin:XYZ'))).toEqual({
      kind: 'answer',
      answer: { status: 400, error: 'MALFORMED', message: 'the frame is addressed to no valid pin: or srp: address' },
    });
    expect(r.stats).toMatchObject({ malformed: 2, received: 2, queued: 0, held: 0 });
  });

  it('answers 429 RATE_LIMITED beyond etpDatPerPinPerMinute and counts it', () => {
    const { r } = clocked({ limits: { etpDatPerPinPerMinute: 1 } });
    expect(r.route(makeEtpFrame('a@example.com').frame)).toEqual({ kind: 'answer', answer: { status: 202 } });
    expect(r.route(makeEtpFrame('b@example.com').frame)).toEqual({
      kind: 'answer',
      answer: { status: 429, error: 'RATE_LIMITED', message: 'too many activation requests; try again later' },
    });
    expect(r.stats).toMatchObject({ received: 2, rateLimited: 1, held: 1 });
  });

  it('receivers: 400 for a bad address or a serves parameter, 401 with its message for servers', () => {
    const { r } = clocked({ tokens: { S0000001: 'secret' } });
    const bad = refusal(() => r.checkReceiver({ address: 'pin:XYZ' }));
    expect(bad).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(bad.message).toBe('address must be pin:<8 hex digits> or srp:<SRP identifier>');
    const serves = refusal(() => r.checkReceiver({ address: 'srp:S0000001', token: 'secret', serves: 'example.com' }));
    expect(serves).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    expect(serves.message).toMatch(/serves is registered with POST \/v1\/register/);
    const noToken = refusal(() => r.checkReceiver({ address: 'srp:S0000001' }));
    expect(noToken).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'a configured SRP identifier and its token are required' });
    expect(r.stats.unauthorized).toBe(1);
  });

  it('an unconfigured id is refused whatever token it presents, even the placeholder compared against', () => {
    const { r } = clocked({ tokens: { S0000001: 'secret' } });
    expect(refusal(() => r.checkReceiver({ address: 'srp:OTHER', token: '\u0000unconfigured' }))).toMatchObject({ status: 401 });
    expect(refusal(() => r.register(srp('OTHER'), ['x.example'], '\u0000unconfigured'))).toMatchObject({ status: 401 });
    expect(r.stats.unauthorized).toBe(2);
    expect(r.usage.serves).toBe(0);
  });

  it('a handset with a bad receive credential is 401 and counted in stats.unauthorized', () => {
    const { r } = clocked();
    expect(refusal(() => r.checkReceiver({ address: `pin:${PIN}`, credential: 'garbage' }))).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect(r.stats.unauthorized).toBe(1);
  });

  it('503 RELAY_FULL names the full address table', () => {
    const { r } = clocked({ maxAddresses: 1 });
    r.receiverLive(`pin:${PIN}`, 1);
    expect(refusal(() => r.admitPeer('pin:2100000B'))).toMatchObject({
      status: 503,
      code: 'RELAY_FULL',
      message: 'the relay keeps no more addresses',
    });
  });

  it('frames routed without a context come from the source labelled "local"', () => {
    const { r } = clocked();
    r.route(makeFrame(`pin:${PIN}`));
    const [item] = r.takeFor(`pin:${PIN}`, {});
    expect(item!.source).toBe(r.sourceLabel('local'));
    expect(item!.source).not.toBe(r.sourceLabel(''));
  });
});

describe('RelayRouter bounds: POST /v1/register (docs/transports.md, "Addresses")', () => {
  it('400 for a pin: address or an entry that is neither an address nor a domain; nothing registered', () => {
    const { r } = clocked();
    const pin = refusal(() => r.register(parseRelayAddress(`pin:${PIN}`)!, ['example.com']));
    expect(pin).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: 'only a server (srp:) can serve email addresses' });
    const entry = refusal(() => r.register(srp('S0000001'), ['example.com', 'not an entry!']));
    expect(entry).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: 'serves must list email addresses or domains' });
    expect(r.usage.serves).toBe(0);
  });

  it('409 names the entry another server holds; 403 names the entry not bound to this server', () => {
    const { r } = clocked({ servers: { S0000001: { token: 't1', serves: ['example.com'] }, S0000002: { token: 't2' } } });
    const taken = refusal(() => r.register(srp('S0000002'), ['example.com'], 't2'));
    expect(taken).toMatchObject({ status: 409, code: 'CONFLICT', message: 'example.com is served by another server' });
    const unbound = refusal(() => r.register(srp('S0000001'), ['other.example'], 't1'));
    expect(unbound).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'other.example is not bound to this server' });
  });

  it('403 beyond maxServesPerServer; an entry listed twice counts once', () => {
    const { r } = clocked({ limits: { maxServesPerServer: 2 } });
    r.register(srp('S0000001'), ['a.example', 'A.Example', 'b.example']);
    expect(r.usage.serves).toBe(2);
    const over = refusal(() => r.register(srp('S0000001'), ['c.example']));
    expect(over).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'a server registers at most 2 entries' });
    // Entries it already holds are not counted again.
    r.register(srp('S0000001'), ['a.example', 'b.example']);
    expect(r.usage.serves).toBe(2);
  });

  it('503 RELAY_FULL beyond maxServes: exactly maxServes entries fit, one more is refused', () => {
    const { r } = clocked({ limits: { maxServes: 2 } });
    expect(refusal(() => r.register(srp('S0000001'), ['a.example', 'b.example', 'c.example']))).toMatchObject({
      status: 503,
      code: 'RELAY_FULL',
    });
    expect(r.usage.serves).toBe(0);
    r.register(srp('S0000001'), ['a.example', 'b.example']);
    expect(r.usage.serves).toBe(2);
    const full = refusal(() => r.register(srp('S0000002'), ['c.example']));
    expect(full).toMatchObject({ status: 503, code: 'RELAY_FULL', message: 'the relay keeps no more serves entries' });
    expect(r.usage.serves).toBe(2);
  });

  it('moves held mail for an exact address to the server that registers it', () => {
    const { r } = clocked();
    r.route(makeEtpFrame('boss@x.example').frame);
    expect(r.queueLength('mailto:boss@x.example')).toBe(1);
    r.register(srp('S0000001'), ['boss@x.example']);
    expect(r.queueLength('mailto:boss@x.example')).toBe(0);
    expect(r.queueLength('srp:S0000001')).toBe(1);
  });

  it('moves only held mail: the queue of a peer whose address merely ends in the entry stays', () => {
    const { r } = clocked();
    // "srp:abc" is seven characters: what follows is "example.com".
    r.route(makeFrame('srp:abcexample.com'));
    r.register(srp('S0000001'), ['example.com']);
    expect(r.queueLength('srp:abcexample.com')).toBe(1);
    expect(r.queueLength('srp:S0000001')).toBe(0);
  });

  it('open mode: registrations live as long as the server address slot, and only its own go with it', () => {
    const { r, clock } = clocked({ limits: { addressTtlMs: 1000 } });
    r.register(srp('S0000001'), ['a.example']);
    expect(r.usage).toMatchObject({ addresses: 1, serves: 1 });
    clock.now = T0 + 500;
    r.register(srp('S0000002'), ['b.example']);
    expect(r.usage).toMatchObject({ addresses: 2, serves: 2 });
    clock.now = T0 + 1000;
    r.sweep(); // the slot of S0000001 expires, and its entry with it
    expect(r.usage).toMatchObject({ addresses: 1, serves: 1 });
    expect(r.stats.evicted).toBe(1);
    r.route(makeEtpFrame('u@b.example').frame);
    expect(r.queueLength('srp:S0000002')).toBe(1);
    r.route(makeEtpFrame('u@a.example').frame);
    expect(r.queueLength('mailto:u@a.example')).toBe(1);
    // The entry is free again.
    r.register(srp('S0000003'), ['a.example']);
    expect(r.queueLength('srp:S0000003')).toBe(1);
    expect(refusal(() => r.register(srp('S0000003'), ['b.example']))).toMatchObject({ status: 409 });
  });

  it('with tokens: registering keeps no address slot, and registrations outlive the server slot', () => {
    const { r, clock } = clocked({ tokens: { S0000001: 't1' }, limits: { addressTtlMs: 1000 } });
    r.register(srp('S0000001'), ['a.example'], 't1');
    expect(r.usage).toMatchObject({ addresses: 0, serves: 1 });
    r.route(makeEtpFrame('u@a.example').frame);
    expect(r.take('srp:S0000001')).toHaveLength(1);
    clock.now = T0 + 1000;
    r.sweep(); // the empty, idle slot of srp:S0000001 expires
    expect(r.usage).toMatchObject({ addresses: 0, serves: 1 });
    expect(r.stats.evicted).toBe(1);
    r.route(makeEtpFrame('v@a.example').frame);
    expect(r.queueLength('srp:S0000001')).toBe(1);
    expect(r.stats.held).toBe(0);
  });
});

describe('RelayRouter bounds: lookups that ignore case and spaces', () => {
  it('vouchKeyFor finds the configured server of an address or its domain', () => {
    const { r } = clocked({ servers: { S0000001: { token: 't1', serves: ['example.com'] } } });
    expect(r.vouchKeyFor(' Alice@Example.COM ')).toEqual(deriveVouchKey('t1'));
    expect(r.vouchKeyFor('alice@other.example')).toBeUndefined();
  });

  it('queueLength of held mail ignores case and surrounding spaces', () => {
    const { r } = clocked();
    r.route(makeEtpFrame('a@x.example').frame);
    expect(r.queueLength('mailto: A@X.example ')).toBe(1);
  });
});

describe('RelayRouter bounds: take() batches (docs/transports.md, "GET /v1/frames")', () => {
  it('takes at most maxFrames and about maxBytes, at least one, oldest first; counts delivered', () => {
    const { r } = clocked();
    const frames = [0, 1, 2, 3, 4].map((i) => makeFrame(`pin:${PIN}`, i));
    const size = frames[0]!.length;
    expect(frames.every((f) => f.length === size)).toBe(true);
    for (const f of frames) r.route(f);
    expect(r.usage.bytes).toBe(5 * size);

    expect(seqs(r.takeFor(`pin:${PIN}`, {}, Infinity, 2 * size))).toEqual([0, 1]); // exactly fits
    expect(r.usage.bytes).toBe(3 * size);
    expect(r.stats.delivered).toBe(2);
    expect(seqs(r.takeFor(`pin:${PIN}`, {}, Infinity, 2 * size - 1))).toEqual([2]); // one byte over
    expect(r.usage.bytes).toBe(2 * size);
    expect(seqs(r.takeFor(`pin:${PIN}`, {}, Infinity, 1))).toEqual([3]); // at least one
    expect(seqs(r.takeFor(`pin:${PIN}`, {}, 1))).toEqual([4]);
    expect(r.takeFor(`pin:${PIN}`, {})).toEqual([]);
    expect(r.stats).toMatchObject({ delivered: 5, queued: 5, dropped: 0 });
    expect(r.usage.bytes).toBe(0);
  });

  it('a queue that was taken from is not counted full: it holds maxQueueBytes again', () => {
    const a = sized(`pin:${PIN}`, 600_000, 0);
    const { r } = clocked({ limits: { maxQueueBytes: 2 * a.length } });
    r.route(a);
    r.route(sized(`pin:${PIN}`, 600_000, 1));
    expect(r.take(`pin:${PIN}`)).toHaveLength(2);
    r.route(sized(`pin:${PIN}`, 600_000, 2));
    r.route(sized(`pin:${PIN}`, 600_000, 3));
    expect(r.queueLength(`pin:${PIN}`)).toBe(2);
    expect(r.stats.dropped).toBe(0);
  });
});

describe('RelayRouter bounds: queue bytes (docs/reliability.md, "Relay limits")', () => {
  it('a queue holds exactly maxQueueBytes; one frame more drops the oldest', () => {
    const first = sized(`pin:${PIN}`, 600_000, 0);
    const { r, logs } = clocked({ limits: { maxQueueBytes: 2 * first.length } });
    r.route(first);
    r.route(sized(`pin:${PIN}`, 600_000, 1));
    expect(r.queueLength(`pin:${PIN}`)).toBe(2);
    expect(r.stats.dropped).toBe(0);
    expect(r.usage.bytes).toBe(2 * first.length);
    r.route(sized(`pin:${PIN}`, 600_000, 2));
    expect(r.stats.dropped).toBe(1);
    expect(seqs(r.takeFor(`pin:${PIN}`, {}))).toEqual([1, 2]);
    expect(logs).toContain(`relay: queue of pin:${PIN} is full; dropped its oldest frame`);
  });

  it('over maxTotalQueueBytes, the least recently used idle queue with frames goes first, and only as many as needed', () => {
    const S = sized('pin:2100000D', 400_000).length;
    const total = 3 * S;
    const { r } = clocked({ limits: { maxTotalQueueBytes: total, maxQueueBytes: total } });
    r.admitPeer('pin:2100000E'); // idle and empty: nothing to free
    r.receiverLive('pin:2100000F', 1); // a waiting poll: never evicted
    r.route(sized('pin:2100000F', 400_000));
    r.route(sized('pin:2100000A', 400_000));
    r.route(sized('pin:2100000B', 400_000));
    expect(r.usage).toMatchObject({ bytes: total, addresses: 4 });
    expect(r.stats.evicted).toBe(0);
    r.route(sized('pin:2100000D', 400_000)); // exactly one queue's worth over
    expect(r.queueLength('pin:2100000A')).toBe(0);
    expect(r.queueLength('pin:2100000B')).toBe(1);
    expect(r.queueLength('pin:2100000F')).toBe(1);
    expect(r.queueLength('pin:2100000D')).toBe(1);
    expect(r.usage).toMatchObject({ bytes: total, addresses: 4 });
    expect(r.stats).toMatchObject({ evicted: 1, dropped: 1, queued: 4 });
  });

  it('the queue a frame goes to is not evicted to make room for it: a live queue loses its oldest frame instead', () => {
    const S = sized('pin:2100000A', 600_000).length;
    const { r } = clocked({ limits: { maxTotalQueueBytes: 3 * S, maxQueueBytes: 2 * S } });
    r.receiverLive('pin:2100000B', 1);
    r.route(sized('pin:2100000B', 600_000, 0));
    r.route(sized('pin:2100000B', 600_000, 1));
    r.route(sized('pin:2100000A', 600_000, 2)); // idle, but it is the target below
    expect(r.usage.bytes).toBe(3 * S);
    r.route(sized('pin:2100000A', 600_000, 3));
    expect(seqs(r.takeFor('pin:2100000A', {}))).toEqual([2, 3]);
    expect(seqs(r.takeFor('pin:2100000B', {}))).toEqual([1]);
    expect(r.stats).toMatchObject({ dropped: 1, evicted: 0 });
    expect(r.usage.bytes).toBe(0);
  });

  it('when every other queue is live, their oldest frames go, in slot order, until the new frame fits', () => {
    const S = sized('pin:2100000A', 400_000).length;
    const total = 3 * S;
    const { r } = clocked({ limits: { maxTotalQueueBytes: total, maxQueueBytes: total } });
    r.receiverLive('pin:2100000A', 1);
    r.receiverLive('pin:2100000B', 1);
    r.route(sized('pin:2100000A', 400_000, 0));
    r.route(sized('pin:2100000B', 400_000, 1));
    r.route(sized('pin:2100000B', 400_000, 2));
    expect(r.usage.bytes).toBe(total);
    const big = sized('pin:2100000C', 800_000, 3); // needs the room of more than one frame
    r.route(big);
    expect(r.queueLength('pin:2100000A')).toBe(0);
    expect(seqs(r.takeFor('pin:2100000B', {}))).toEqual([2]);
    expect(seqs(r.takeFor('pin:2100000C', {}))).toEqual([3]);
    expect(r.stats).toMatchObject({ dropped: 2, evicted: 0, delivered: 2 });
    expect(r.usage).toMatchObject({ bytes: 0, addresses: 3 });
  });
});

describe('RelayRouter bounds: time (frameTtlMs, addressTtlMs, receiveBindingTtlMs)', () => {
  it('a frame expires at exactly its TTL: gone (and counted dropped) at expiry, there one millisecond before', () => {
    const { r, clock } = clocked({ limits: { frameTtlMs: 1000 } });
    r.route(makeFrame(`pin:${PIN}`, 0));
    clock.now = T0 + 1;
    r.route(makeFrame(`pin:${PIN}`, 1));
    clock.now = T0 + 1000;
    expect(r.hasFor(`pin:${PIN}`, {})).toBe(true);
    expect(seqs(r.takeFor(`pin:${PIN}`, {}))).toEqual([1]);
    expect(r.stats).toMatchObject({ dropped: 1, delivered: 1 });
    expect(r.usage.bytes).toBe(0);
  });

  it('hasFor: false for an unknown address and for a frame at its expiry', () => {
    const { r, clock } = clocked({ limits: { frameTtlMs: 1000 } });
    expect(r.hasFor(`pin:${PIN}`, {})).toBe(false);
    r.route(makeFrame(`pin:${PIN}`));
    clock.now = T0 + 999;
    expect(r.hasFor(`pin:${PIN}`, {})).toBe(true);
    clock.now = T0 + 1000;
    expect(r.hasFor(`pin:${PIN}`, {})).toBe(false);
  });

  it('an idle, empty address slot lives exactly addressTtlMs; slots with frames or a receiver stay', () => {
    const { r, clock } = clocked({ limits: { addressTtlMs: 5000, frameTtlMs: 60_000 } });
    r.route(makeFrame('pin:2100000A')); // frames waiting
    r.receiverLive('pin:2100000B', 1); // a waiting poll
    clock.now = T0 + 1;
    r.admitPeer('pin:2100000C'); // idle and empty
    clock.now = T0 + 5000;
    r.sweep();
    expect(r.usage.addresses).toBe(3);
    expect(r.stats.evicted).toBe(0);
    clock.now = T0 + 5001;
    r.sweep();
    expect(r.usage.addresses).toBe(2);
    expect(r.stats).toMatchObject({ evicted: 1, dropped: 0 });
    expect(r.queueLength('pin:2100000A')).toBe(1);
  });

  it('a receive binding holds until exactly receiveBindingTtlMs, then the session frames go to anyone', () => {
    const { r, clock } = clocked({ limits: { receiveBindingTtlMs: 1000 } });
    const { frame, nonce } = makeEtpFrame('a@example.com');
    r.route(frame, { ip: '10.0.0.1', receiveKey: 'KEY-A' });
    r.route(makeFrame(`pin:${PIN}`, 0, 'server-share', nonce));
    clock.now = T0 + 999;
    expect(r.hasFor(`pin:${PIN}`, {})).toBe(false);
    expect(r.hasFor(`pin:${PIN}`, { receiveKey: 'KEY-B' })).toBe(false);
    expect(r.hasFor(`pin:${PIN}`, { receiveKey: 'KEY-A' })).toBe(true);
    expect(r.takeFor(`pin:${PIN}`, {})).toEqual([]);
    clock.now = T0 + 1000;
    expect(r.hasFor(`pin:${PIN}`, {})).toBe(true);
    expect(seqs(r.takeFor(`pin:${PIN}`, {}))).toEqual([0]);
  });

  it('an expired binding is replaced by the next ETP.DAT of the session, at exactly its expiry', () => {
    const { r, clock } = clocked({ limits: { receiveBindingTtlMs: 1000 } });
    const { frame, nonce } = makeEtpFrame('a@example.com');
    r.route(frame, { ip: '10.0.0.1', receiveKey: 'KEY-A' });
    clock.now = T0 + 1000;
    r.route(frame, { ip: '10.0.0.2', receiveKey: 'KEY-B' });
    r.route(makeFrame(`pin:${PIN}`, 0, 'server-share', nonce));
    expect(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-A' })).toEqual([]);
    expect(seqs(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-B' }))).toEqual([0]);
    expect(r.usage.bindings).toBe(1);
  });

  it('sweep drops bindings at exactly their expiry, oldest first, and keeps the younger', () => {
    const { r, clock } = clocked({ limits: { receiveBindingTtlMs: 1000 } });
    r.route(makeEtpFrame('a@example.com').frame, { ip: '10.0.0.1', receiveKey: 'KEY-A' });
    clock.now = T0 + 10;
    r.route(makeEtpFrame('b@example.com').frame, { ip: '10.0.0.1', receiveKey: 'KEY-B' });
    expect(r.usage.bindings).toBe(2);
    clock.now = T0 + 999;
    r.sweep();
    expect(r.usage.bindings).toBe(2);
    clock.now = T0 + 1000;
    r.sweep();
    expect(r.usage.bindings).toBe(1);
    clock.now = T0 + 1010;
    r.sweep();
    expect(r.usage.bindings).toBe(0);
  });
});

describe('receive bindings: their bound, their order, and what they apply to', () => {
  /** A server-share of session `nonce` for the test PIN, with sequence number `seq`. */
  const share = (nonce: Uint8Array, seq = 0): Uint8Array => makeFrame(`pin:${PIN}`, seq, 'server-share', nonce);

  it('keeps at most maxReceiveBindings; the oldest binding goes first, and its session frames then go to anyone', () => {
    const { r } = clocked({ limits: { maxReceiveBindings: 2 } });
    const sessions = ['a', 'b', 'c'].map((n, i) => {
      const { frame, nonce } = makeEtpFrame(`${n}@example.com`);
      r.route(frame, { ip: '10.0.0.1', receiveKey: `KEY-${i}` });
      return nonce;
    });
    expect(r.usage.bindings).toBe(2);
    r.route(share(sessions[0]!, 0));
    expect(seqs(r.takeFor(`pin:${PIN}`, {}))).toEqual([0]); // the first binding was dropped
    r.route(share(sessions[1]!, 1));
    expect(r.takeFor(`pin:${PIN}`, {})).toEqual([]);
    expect(seqs(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-1' }))).toEqual([1]);
    r.route(share(sessions[2]!, 2));
    expect(seqs(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-2' }))).toEqual([2]);
  });

  it('a session bound again after its binding expired counts as the newest: an older binding goes first', () => {
    const { r, clock } = clocked({ limits: { maxReceiveBindings: 3, receiveBindingTtlMs: 1000 } });
    const a = makeEtpFrame('a@example.com');
    const b = makeEtpFrame('b@example.com');
    r.route(a.frame, { ip: '10.0.0.1', receiveKey: 'KEY-A' });
    clock.now = T0 + 500;
    r.route(b.frame, { ip: '10.0.0.1', receiveKey: 'KEY-B' });
    clock.now = T0 + 1000; // A's binding expires; B's holds until T0 + 1500
    r.route(a.frame, { ip: '10.0.0.2', receiveKey: 'KEY-A2' });
    r.route(makeEtpFrame('c@example.com').frame, { ip: '10.0.0.1', receiveKey: 'KEY-C' });
    r.route(makeEtpFrame('d@example.com').frame, { ip: '10.0.0.1', receiveKey: 'KEY-D' }); // full: one goes
    expect(r.usage.bindings).toBe(3);
    r.route(share(b.nonce, 1));
    expect(seqs(r.takeFor(`pin:${PIN}`, {})), 'B, now the oldest, was dropped').toEqual([1]);
    r.route(share(a.nonce, 2));
    expect(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-A' })).toEqual([]);
    expect(seqs(r.takeFor(`pin:${PIN}`, { receiveKey: 'KEY-A2' }))).toEqual([2]);
  });

  it('binds handset sessions only: a frame to a server (srp:) whose id and session match a bound handset session needs no key', () => {
    const { r } = clocked();
    const { frame, nonce } = makeEtpFrame('a@example.com');
    r.route(frame, { ip: '10.0.0.1', receiveKey: 'KEY-A' }); // binds (PIN, session)
    r.route(makeFrame(`srp:${PIN}`, 1, 'handset-confirm', nonce));
    expect(r.hasFor(`srp:${PIN}`, {})).toBe(true);
    expect(seqs(r.takeFor(`srp:${PIN}`, {}))).toEqual([1]);
  });

  it('a receiver that leaves an address the relay does not know makes no slot for it', () => {
    const { r } = clocked();
    r.receiverLive('pin:2100000B', -1);
    expect(r.usage.addresses).toBe(0);
    r.receiverLive('pin:2100000B', 1);
    expect(r.usage.addresses).toBe(1);
  });
});
