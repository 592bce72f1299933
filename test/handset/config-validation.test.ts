/**
 * The handset configuration as documented (src/handset/config.ts, docs/handset.md "Driver"): each
 * field a caller can get wrong is refused with ActivationError INVALID_ARGUMENT naming the field,
 * never a TypeError; each default and each limit is pinned at its edge.
 */
import { describe, expect, it } from 'vitest';
import { resolveHandsetConfig, type HandsetConfig } from '../../src/index.js';
import { expectCode } from '../support/errors.js';
import { HANDSET_CONFIG, P521 } from '../support/fixtures.js';
import { allAlgorithms } from '../support/providers.js';

const X25519 = 'CPACE-X25519-SHA512';
const AES = 'AES-256-CBC';
const TDES = 'TDES-EDE2-CBC';
const SEVEN_DATABASES = ['calendar', 'contacts', 'tasks', 'memos', 'emailSettings', 'messages', 'options'];

/** The test configuration with `patch` over it (hostile values included). */
function withFields(patch: Record<string, unknown>): HandsetConfig {
  return { ...HANDSET_CONFIG, ...patch } as HandsetConfig;
}

const PIN = 'the PIN must be 8 hex digits, e.g. 2100000A';
const ROUTING = 'routing needs a relay (1 to 253 characters) and a uid (1 to 64), and an srp of 1 to 64 if any';
const DEVICE = 'device needs a model and an os version (1 to 64 characters each)';
const SUITES = `suites must be some of ${X25519}, ${P521}`;
const CIPHERS = `ciphers must be some of ${AES}, ${TDES}`;
const DATABASES = `databases must be some of ${SEVEN_DATABASES.join(', ')}`;
const OS_VERSION = 'device.os must be a software version such as 4.5.0.110';
const PAGE = 'maxPageRecords must be an integer from 1 to 10000';
const RETRY = 'retry.replyTimeoutMs must be positive and at most 2147483647 (ms), and retry.retries a non-negative integer';

describe('resolveHandsetConfig refuses a bad field with INVALID_ARGUMENT naming it', () => {
  it.each([null, undefined, 'config', 42])('a configuration that is not an object (%s)', (config) => {
    const err = expectCode(() => resolveHandsetConfig(config as unknown as HandsetConfig), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field: 'config' });
    expect(err.message).toBe('handset configuration is required');
  });

  const refusals: readonly (readonly [string, Record<string, unknown>, string, string])[] = [
    ['pin missing', { pin: undefined }, 'pin', PIN],
    ['pin of 7 digits', { pin: '2100000' }, 'pin', PIN],
    ['pin of 9 digits', { pin: '2100000AB' }, 'pin', PIN],
    ['pin with a non-hex digit', { pin: '2100000G' }, 'pin', PIN],
    ['pin as a number of 8 digits', { pin: 21000001 }, 'pin', PIN],
    ['routing missing', { routing: undefined }, 'routing', ROUTING],
    ['routing null', { routing: null }, 'routing', ROUTING],
    ['routing without a relay', { routing: { uid: 'U1' } }, 'routing', ROUTING],
    ['routing with an empty relay', { routing: { relay: '', uid: 'U1' } }, 'routing', ROUTING],
    ['routing with a numeric relay', { routing: { relay: 7, uid: 'U1' } }, 'routing', ROUTING],
    ['routing without a uid', { routing: { relay: 'relay.example' } }, 'routing', ROUTING],
    ['routing with an empty uid', { routing: { relay: 'relay.example', uid: '' } }, 'routing', ROUTING],
    ['routing with a numeric uid', { routing: { relay: 'relay.example', uid: 7 } }, 'routing', ROUTING],
    ['a relay of 254 characters', { routing: { relay: 'r'.repeat(254), uid: 'U1' } }, 'routing', ROUTING],
    ['a uid of 65 characters', { routing: { relay: 'relay.example', uid: 'u'.repeat(65) } }, 'routing', ROUTING],
    ['an empty srp', { routing: { relay: 'relay.example', uid: 'U1', srp: '' } }, 'routing', ROUTING],
    ['a numeric srp', { routing: { relay: 'relay.example', uid: 'U1', srp: 1 } }, 'routing', ROUTING],
    ['an srp of 65 characters', { routing: { relay: 'relay.example', uid: 'U1', srp: 'S'.repeat(65) } }, 'routing', ROUTING],
    ['a relay with a lone surrogate', { routing: { relay: 'relay\uD800', uid: 'U1' } }, 'routing', ROUTING],
    ['device missing', { device: undefined }, 'device', DEVICE],
    ['device null', { device: null }, 'device', DEVICE],
    ['device without a model', { device: { os: '4.5.0' } }, 'device', DEVICE],
    ['device with an empty model', { device: { model: '', os: '4.5.0' } }, 'device', DEVICE],
    ['device with a numeric model', { device: { model: 8800, os: '4.5.0' } }, 'device', DEVICE],
    ['device without an os', { device: { model: '8800' } }, 'device', DEVICE],
    ['device with an empty os', { device: { model: '8800', os: '' } }, 'device', DEVICE],
    ['device with a numeric os', { device: { model: '8800', os: 4.5 } }, 'device', DEVICE],
    ['a model of 65 characters', { device: { model: 'm'.repeat(65), os: '4.5.0' } }, 'device', DEVICE],
    ['an os of 65 characters', { device: { model: '8800', os: '4'.repeat(65) } }, 'device', DEVICE],
    ['an os with a lone surrogate', { device: { model: '8800', os: '4.5\uDC00' } }, 'device', DEVICE],
    ['an os that is not a software version', { device: { model: '8800', os: 'BlackBerry OS' } }, 'device', OS_VERSION],
    ['an os with the version after a word', { device: { model: '8800', os: 'OS 4.5.0.110' } }, 'device', OS_VERSION],
    ['no suite', { suites: [] }, 'suites', 'suites must not be empty'],
    ['an unknown suite', { suites: ['CPACE-X448'] }, 'suites', SUITES],
    ['a known and an unknown suite', { suites: [X25519, 'CPACE-X448'] }, 'suites', SUITES],
    ['suites as a string', { suites: X25519 }, 'suites', SUITES],
    ['suites as an object', { suites: { 0: X25519, length: 1 } }, 'suites', SUITES],
    [
      'a suite the provider lacks',
      { suites: [X25519, P521] },
      'suites',
      `the crypto provider has no ${P521}; build one with createNobleProvider({ suites: [...] })`,
    ],
    ['no cipher', { ciphers: [] }, 'ciphers', 'ciphers must not be empty'],
    ['an unknown cipher', { ciphers: ['DES-CBC'] }, 'ciphers', CIPHERS],
    ['a known and an unknown cipher', { ciphers: [AES, 'DES-CBC'] }, 'ciphers', CIPHERS],
    ['ciphers as a string', { ciphers: AES }, 'ciphers', CIPHERS],
    ['ciphers as an object', { ciphers: { 0: AES, length: 1 } }, 'ciphers', CIPHERS],
    [
      'a cipher the provider lacks',
      { ciphers: [TDES] },
      'ciphers',
      `the crypto provider has no ${TDES}; build one with createNobleProvider({ ciphers: [...] })`,
    ],
    ['an unknown database', { databases: ['photos'] }, 'databases', DATABASES],
    ['a known and an unknown database', { databases: ['calendar', 'photos'] }, 'databases', DATABASES],
    ['databases as a string', { databases: 'calendar' }, 'databases', DATABASES],
    ['databases as an object', { databases: { 0: 'calendar', length: 1 } }, 'databases', DATABASES],
    ['maxPageRecords 0', { maxPageRecords: 0 }, 'maxPageRecords', PAGE],
    ['maxPageRecords -1', { maxPageRecords: -1 }, 'maxPageRecords', PAGE],
    ['maxPageRecords 10001', { maxPageRecords: 10_001 }, 'maxPageRecords', PAGE],
    ['maxPageRecords 1.5', { maxPageRecords: 1.5 }, 'maxPageRecords', PAGE],
    ['maxPageRecords as a string', { maxPageRecords: '50' }, 'maxPageRecords', PAGE],
    ['retry as a number', { retry: 5 }, 'retry', 'retry must be an object'],
    ['retry as a string', { retry: 'ab' }, 'retry', 'retry must be an object'],
    ['replyTimeoutMs 0', { retry: { replyTimeoutMs: 0 } }, 'retry', RETRY],
    ['replyTimeoutMs -1', { retry: { replyTimeoutMs: -1 } }, 'retry', RETRY],
    ['replyTimeoutMs NaN', { retry: { replyTimeoutMs: NaN } }, 'retry', RETRY],
    ['replyTimeoutMs as a string', { retry: { replyTimeoutMs: '5000' } }, 'retry', RETRY],
    ['replyTimeoutMs Infinity', { retry: { replyTimeoutMs: Infinity } }, 'retry', RETRY],
    ['replyTimeoutMs 2^31 (overflows a timer)', { retry: { replyTimeoutMs: 2_147_483_648 } }, 'retry', RETRY],
    ['retries -1', { retry: { retries: -1 } }, 'retry', RETRY],
    ['retries 1.5', { retry: { retries: 1.5 } }, 'retry', RETRY],
    ['retries as a string', { retry: { retries: '4' } }, 'retry', RETRY],
  ];
  it.each(refusals)('%s', (_, patch, field, message) => {
    const err = expectCode(() => resolveHandsetConfig(withFields(patch)), 'INVALID_ARGUMENT');
    expect(err.cause).toEqual({ field });
    expect(err.message).toBe(message);
  });
});

describe('resolveHandsetConfig fills in the documented defaults and keeps the limits', () => {
  it('only pin, routing and device are required; the rest defaults', () => {
    expect(resolveHandsetConfig(HANDSET_CONFIG)).toStrictEqual({
      pin: '2100000A',
      routing: { relay: 'relay.blackberry.test', uid: 'carrier-uid-0001' },
      device: { model: '8800', os: '4.5.0.110' },
      suites: [X25519],
      ciphers: [AES],
      databases: SEVEN_DATABASES,
      maxPageRecords: 50,
      retry: { replyTimeoutMs: 15_000, retries: 4 },
    });
  });

  it.each(['4.5.0.110', '4', 'v5.0', '5.0.0.1036 (Bundle 1)'])('an os of %j reads as a software version and is kept', (os) => {
    expect(resolveHandsetConfig(withFields({ device: { model: '8800', os } })).device).toEqual({ model: '8800', os });
  });

  it('a lower-case PIN is accepted and upper-cased', () => {
    expect(resolveHandsetConfig(withFields({ pin: 'abcdef01' })).pin).toBe('ABCDEF01');
  });

  it('routing keeps the SRP identifier of an earlier server, and has none when none is given', () => {
    const routing = { relay: 'relay.example', uid: 'U1', srp: 'S0000001' };
    expect(resolveHandsetConfig(withFields({ routing })).routing).toStrictEqual(routing);
    const without = resolveHandsetConfig(withFields({ routing: { relay: 'relay.example', uid: 'U1' } })).routing;
    expect(Object.keys(without)).toEqual(['relay', 'uid']);
  });

  it('routing and device take the longest values the ETP.DAT carries: relay 253, uid, srp, model and os 64', () => {
    const routing = { relay: 'r'.repeat(253), uid: 'u'.repeat(64), srp: 'S'.repeat(64) };
    const device = { model: 'm'.repeat(64), os: '4'.repeat(64) };
    const config = resolveHandsetConfig(withFields({ routing, device }));
    expect(config.routing).toStrictEqual(routing);
    expect(config.device).toStrictEqual(device);
  });

  it('suites and ciphers default to every one the provider has, X25519 first', () => {
    const config = resolveHandsetConfig(HANDSET_CONFIG, allAlgorithms);
    expect(config.suites).toEqual([X25519, P521]);
    expect(config.ciphers).toEqual([AES, TDES]);
  });

  it('suites and ciphers keep the given order, without duplicates', () => {
    const config = resolveHandsetConfig(withFields({ suites: [P521, X25519, P521], ciphers: [TDES, TDES, AES] }), allAlgorithms);
    expect(config.suites).toEqual([P521, X25519]);
    expect(config.ciphers).toEqual([TDES, AES]);
  });

  it('databases are put in sync order, without duplicates; none at all is allowed', () => {
    expect(resolveHandsetConfig(withFields({ databases: ['contacts', 'calendar', 'contacts'] })).databases).toEqual([
      'calendar',
      'contacts',
    ]);
    expect(resolveHandsetConfig(withFields({ databases: [] })).databases).toEqual([]);
  });

  it.each([1, 10_000])('maxPageRecords %d is accepted', (maxPageRecords) => {
    expect(resolveHandsetConfig(withFields({ maxPageRecords })).maxPageRecords).toBe(maxPageRecords);
  });

  it.each([
    [{ replyTimeoutMs: 1 }, { replyTimeoutMs: 1, retries: 4 }],
    [{ replyTimeoutMs: 2_147_483_647 }, { replyTimeoutMs: 2_147_483_647, retries: 4 }],
    [{ retries: 0 }, { replyTimeoutMs: 15_000, retries: 0 }],
    [
      { replyTimeoutMs: 200, retries: 8 },
      { replyTimeoutMs: 200, retries: 8 },
    ],
    // Only the two fields are taken: nothing else reaches state.config (and its snapshot).
    [
      { replyTimeoutMs: 200, retries: 8, backoff: 2 },
      { replyTimeoutMs: 200, retries: 8 },
    ],
  ])('retry %o is taken over the defaults: %o', (retry, expected) => {
    expect(resolveHandsetConfig(withFields({ retry })).retry).toStrictEqual(expected);
  });
});
