/**
 * Issue 8, finding 20 (and issue 10, "Strict decoding"): the CBOR decoder accepted invalid UTF-8
 * (decoding it to U+FFFD), let the last of two duplicate map keys win, and in Node let cbor-x's
 * native addon (cbor-extract) parse peer input. Each test builds the hostile bytes by hand and
 * shows the old outcome with plain cbor-x, then that the library refuses them.
 *
 * "Plain cbor-x" here is cbor-x's own decoder with default options, from its addon-free entry.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decode as plainCborX } from 'cbor-x/index-no-eval';
import { ActivationError } from '../../src/errors/activation-error.js';
import { concatBytes, utf8ToBytes } from '../../src/util/bytes.js';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader, encodeEtpHeader, type EtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, type Frame } from '../../src/wire/frame.js';
import { caught } from '../support/errors.js';

/** A definite-length CBOR map written entry by entry, so that keys can repeat. */
function rawMap(entries: [string | number | boolean, unknown][]): Uint8Array {
  if (entries.length > 23) throw new Error('test helper: at most 23 entries');
  return concatBytes(Uint8Array.of(0xa0 | entries.length), ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)]));
}

/** A CBOR text string whose UTF-8 payload is `payload`, valid or not. */
function rawText(payload: Uint8Array): Uint8Array {
  if (payload.length > 23) throw new Error('test helper: at most 23 bytes');
  return concatBytes(Uint8Array.of(0x60 | payload.length), payload);
}

function expectMalformed(fn: () => unknown, reason: string): void {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe('MALFORMED');
  expect(((err as ActivationError).cause as { reason?: string }).reason).toBe(reason);
}

const HEADER: EtpHeader = {
  protocol: 1,
  pin: '2100000A',
  email: 'victim@example.com',
  nonce: new Uint8Array(16).fill(9),
  suite: 'CPACE-X25519-SHA512',
  suites: ['CPACE-X25519-SHA512'],
  ciphers: ['AES-256-CBC'],
};

function headerEntries(email: string): [string, unknown][] {
  return [
    ['protocol', HEADER.protocol],
    ['pin', HEADER.pin],
    ['email', email],
    ['nonce', HEADER.nonce],
    ['suite', HEADER.suite],
    ['suites', [...HEADER.suites]],
    ['ciphers', [...HEADER.ciphers]],
  ];
}

function etpDatWithHeader(headerBytes: Uint8Array): Uint8Array {
  return encodeEtpDat({
    headerBytes,
    share: new Uint8Array(32).fill(5),
    sealedBody: { nonce: new Uint8Array(24), ciphertext: new Uint8Array(32) },
  });
}

describe('invalid UTF-8 in CBOR text is MALFORMED, never U+FFFD (finding 20)', () => {
  const cases: [string, number[]][] = [
    ['lone continuation byte', [0x80]],
    ['truncated 2-byte sequence', [0x61, 0xc3]],
    ['overlong encoding of "/"', [0xc0, 0xaf]],
    ['UTF-16 surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['invalid lead byte FF', [0x61, 0xff, 0x62]],
  ];
  it.each(cases)('%s: cbor-x alone gives U+FFFD, decodeCbor refuses it', (_name, payload) => {
    const bytes = concatBytes(Uint8Array.of(0xa1), encodeCbor('name'), rawText(Uint8Array.from(payload)));
    expect((plainCborX(bytes) as { name: string }).name).toContain('\ufffd');
    expectMalformed(() => decodeCbor(bytes, 'test'), 'invalid utf-8');
  });

  it('in an ETP.DAT header email: two different byte strings no longer decode to the same address', () => {
    // "victim\xff@example.com" and "victim\xfe@example.com" both used to read "victim\ufffd@example.com".
    const bad = (b: number) => concatBytes(utf8ToBytes('victim'), Uint8Array.of(b), utf8ToBytes('@ex.com'));
    for (const b of [0xff, 0xfe]) {
      const header = concatBytes(
        Uint8Array.of(0xa7),
        ...headerEntries('x').flatMap(([k, v]) => [encodeCbor(k), k === 'email' ? rawText(bad(b)) : encodeCbor(v)]),
      );
      expect((plainCborX(header) as { email: string }).email).toBe('victim\ufffd@ex.com');
      expectMalformed(() => decodeEtpHeader(header), 'invalid utf-8');
      expectMalformed(() => decodeEtpDat(etpDatWithHeader(header)), 'invalid utf-8');
    }
  });

  it('in an indefinite-length text string, each chunk must be valid on its own', () => {
    // "é" split across two chunks: C3 | A9. Joined it would be valid; RFC 8949 3.2.3 forbids the split.
    const bytes = concatBytes(Uint8Array.of(0x7f), rawText(Uint8Array.of(0xc3)), rawText(Uint8Array.of(0xa9)), Uint8Array.of(0xff));
    expectMalformed(() => decodeCbor(bytes, 'test'), 'invalid utf-8');
  });

  it('valid non-ASCII text still decodes', () => {
    const value = { name: 'Zoë Ångström 日本 🙂', list: ['ü', 'x'] };
    expect(decodeCbor(encodeCbor(value), 'test')).toEqual(value);
  });
});

describe('duplicate map keys are MALFORMED (finding 20, issue 10)', () => {
  it('two `email` keys in an ETP.DAT header: cbor-x alone takes the last, the library refuses', () => {
    const header = rawMap([...headerEntries('victim@example.com'), ['email', 'attacker@evil.example']]);
    expect((plainCborX(header) as { email: string }).email).toBe('attacker@evil.example');
    expectMalformed(() => decodeEtpHeader(header), 'duplicate map key');
    expectMalformed(() => decodeEtpDat(etpDatWithHeader(header)), 'duplicate map key');
    // The same header without the duplicate is accepted, so the refusal is about the duplicate.
    expect(decodeEtpHeader(rawMap(headerEntries('victim@example.com'))).email).toBe('victim@example.com');
    expect(decodeEtpHeader(encodeEtpHeader(HEADER)).email).toBe('victim@example.com');
  });

  it('two `to` keys in a frame: the checksum is right for the last one, the library refuses the frame', () => {
    const frame: Frame = {
      v: 1,
      type: 'key-verified',
      sid: new Uint8Array(16).fill(1),
      seq: 2,
      pin: '2100000A',
      to: 'srp:attacker',
      body: new Uint8Array([1, 2, 3]),
    };
    // The checksum of the frame the last-key-wins reading sees.
    const { check } = plainCborX(encodeFrame(frame)) as { check: Uint8Array };
    const bytes = rawMap([
      ['v', frame.v],
      ['type', frame.type],
      ['sid', frame.sid],
      ['seq', frame.seq],
      ['pin', frame.pin],
      ['to', 'srp:victim'],
      ['body', frame.body],
      ['check', check],
      ['to', frame.to],
    ]);
    expect((plainCborX(bytes) as { to: string }).to).toBe('srp:attacker');
    expectMalformed(() => decodeFrame(bytes), 'duplicate map key');
    expect(decodeFrame(encodeFrame(frame)).to).toBe('srp:attacker');
  });

  it('keys that cbor-x would turn into the same property name collide too', () => {
    // cbor-x renames `__proto__` to `__proto_`; a number key becomes its decimal string.
    expectMalformed(
      () =>
        decodeCbor(
          rawMap([
            ['__proto_', 1],
            ['__proto__', 2],
          ]),
          'test',
        ),
      'duplicate map key',
    );
    expectMalformed(
      () =>
        decodeCbor(
          rawMap([
            ['1', 'a'],
            [1, 'b'],
          ]),
          'test',
        ),
      'non-text map key',
    );
    expectMalformed(() => decodeCbor(rawMap([[true, 'b']]), 'test'), 'non-text map key');
  });

  it('a duplicate deep inside (a nested map in an array) is found as well', () => {
    const inner = rawMap([
      ['id', 'a'],
      ['id', 'b'],
    ]);
    const bytes = concatBytes(Uint8Array.of(0xa1), encodeCbor('records'), Uint8Array.of(0x81), inner);
    expectMalformed(() => decodeCbor(bytes, 'test'), 'duplicate map key');
  });

  it('well-formedness failures found by the walk keep their reasons', () => {
    expectMalformed(() => decodeCbor(Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'test'), 'invalid encoding');
    expectMalformed(() => decodeCbor(Uint8Array.of(0x1c), 'test'), 'invalid encoding');
    expectMalformed(() => decodeCbor(Uint8Array.of(0x01, 0x02), 'test'), 'invalid encoding');
    expectMalformed(() => decodeCbor(new Uint8Array(40).fill(0x81), 'test'), 'too deeply nested');
  });
});

describe('duplicate keys hidden by the encoding, and at every level of an ETP.DAT (issue 10)', () => {
  /** `key` as a text string whose length is written in one extra byte (0x78 n): not the shortest form. */
  const longForm = (key: string) => concatBytes(Uint8Array.of(0x78, key.length), utf8ToBytes(key));
  /** `key` as an indefinite-length text string of two chunks. */
  const chunked = (key: string) =>
    concatBytes(Uint8Array.of(0x7f), encodeCbor(key.slice(0, 2)), encodeCbor(key.slice(2)), Uint8Array.of(0xff));

  it.each([
    ['a longer length encoding', longForm],
    ['an indefinite-length key', chunked],
  ])('the same key in %s (other bytes, same name) is still a duplicate', (_name, spell) => {
    const entries = headerEntries('victim@example.com');
    const header = concatBytes(
      Uint8Array.of(0xa0 | (entries.length + 1)),
      ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)]),
      spell('email'),
      encodeCbor('attacker@evil.example'),
    );
    // Compared byte for byte the two keys differ, yet they name one property: cbor-x keeps the
    // last (it cannot read indefinite-length text at all, so the walk must see through both).
    if (spell === longForm) expect((plainCborX(header) as { email: string }).email).toBe('attacker@evil.example');
    expectMalformed(() => decodeEtpHeader(header), 'duplicate map key');
    expectMalformed(() => decodeEtpDat(etpDatWithHeader(header)), 'duplicate map key');
  });

  it('two `header` keys in the outer ETP.DAT map, two `nonce` keys in its sealed body', () => {
    const good = encodeEtpHeader(HEADER);
    const other = encodeEtpHeader({ ...HEADER, email: 'attacker@evil.example' });
    const body = (extra: [string, unknown][] = []) => rawMap([['nonce', new Uint8Array(24)], ['ciphertext', new Uint8Array(32)], ...extra]);
    const etpDat = (header: [string, unknown][], sealed: Uint8Array) =>
      concatBytes(
        Uint8Array.of(0xa0 | (4 + header.length)),
        ...[['format', 'ETP.DAT'], ['v', 1], ...header, ['share', new Uint8Array(32).fill(5)]].flatMap(([k, v]) => [
          encodeCbor(k),
          encodeCbor(v),
        ]),
        encodeCbor('body'),
        sealed,
      );
    // Control: the same bytes without the duplicates decode.
    expect(decodeEtpDat(etpDat([['header', good]], body())).header.email).toBe(HEADER.email);
    expectMalformed(
      () =>
        decodeEtpDat(
          etpDat(
            [
              ['header', good],
              ['header', other],
            ],
            body(),
          ),
        ),
      'duplicate map key',
    );
    expectMalformed(() => decodeEtpDat(etpDat([['header', good]], body([['nonce', new Uint8Array(24).fill(1)]]))), 'duplicate map key');
  });
});

describe('an inconsistent suite offer is MALFORMED (issue 10)', () => {
  const P521 = 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512';
  const withOffer = (suite: string, suites: string[]) =>
    rawMap(
      headerEntries(HEADER.email).map(([k, v]): [string, unknown] => (k === 'suite' ? [k, suite] : k === 'suites' ? [k, suites] : [k, v])),
    );

  it('a header whose suite is not among its own suites decodes with cbor-x, and the library refuses it', () => {
    const header = withOffer(P521, ['CPACE-X25519-SHA512']);
    expect(plainCborX(header)).toMatchObject({ suite: P521, suites: ['CPACE-X25519-SHA512'] });
    for (const decode of [() => decodeEtpHeader(header), () => decodeEtpDat(etpDatWithHeader(header))]) {
      expectMalformed(decode, 'suite not offered');
      expect((caught(decode) as ActivationError).cause).toMatchObject({ field: 'suite' });
    }
    expectMalformed(() => decodeEtpHeader(withOffer('CPACE-X25519-SHA512', [P521])), 'suite not offered');
  });

  it('the suite anywhere in the offer is consistent, first or not', () => {
    expect(decodeEtpHeader(withOffer(P521, ['CPACE-X25519-SHA512', P521])).suite).toBe(P521);
    expect(decodeEtpHeader(withOffer('CPACE-X25519-SHA512', ['CPACE-X25519-SHA512', P521])).suite).toBe('CPACE-X25519-SHA512');
  });
});

describe('the native cbor-extract addon never parses peer input (finding 20)', () => {
  it('with the addon loaded and switched on in this process (by importing the cbor-x root), the library never calls it', async () => {
    // Load the addon exactly as cbor-x's Node entry does (from cbor-x's own folder), and wrap its
    // one entry point in a spy before cbor-x picks it up.
    const fromCborX = createRequire(createRequire(import.meta.url).resolve('cbor-x/package.json'));
    const addon = fromCborX('cbor-extract') as { extractStrings: (...args: unknown[]) => unknown };
    const real = addon.extractStrings;
    let nativeCalls = 0;
    addon.extractStrings = (...args: unknown[]) => {
      nativeCalls += 1;
      return real(...args);
    };
    try {
      const root = (await import('cbor-x')) as { decode(bytes: Uint8Array): unknown; isNativeAccelerationEnabled: boolean };
      expect(root.isNativeAccelerationEnabled).toBe(true);
      // Long and short strings, many of them: cbor-x hands each to the addon when it is on.
      const value = { a: 'x'.repeat(200), b: Array.from({ length: 50 }, (_, i) => `s${i}é`) };
      const bytes = encodeCbor(value);
      // Control: plain cbor-x in this process now goes through the addon.
      expect(root.decode(bytes)).toEqual(value);
      expect(nativeCalls).toBeGreaterThan(0);
      // The library: same bytes, not one call.
      nativeCalls = 0;
      expect(decodeCbor(bytes, 'test')).toEqual(value);
      expect(decodeEtpHeader(encodeEtpHeader(HEADER)).email).toBe(HEADER.email);
      expect(nativeCalls).toBe(0);
    } finally {
      addon.extractStrings = real;
    }
  });
});
