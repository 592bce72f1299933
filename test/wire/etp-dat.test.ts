import { decode as cborXDecode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { bytesToHex, utf8ToBytes } from '../../src/util/bytes.js';
import { encodeCbor, MAX_FRAME_BYTES } from '../../src/codec/cbor.js';
import { decodeEtpDat, encodeEtpDat, ETP_DAT_VERSION, type EtpDat, MAX_ETP_DAT_BYTES } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader, encodeEtpHeader, type EtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, type Frame, MAX_SEQUENCE } from '../../src/wire/frame.js';
import { HANDSET_CONFIG } from '../support/fixtures.js';
import { frameOf } from '../support/frames.js';
import { runExchange, sentFrames } from '../activation/harness.js';
import { caught } from '../support/errors.js';

// ---------------------------------------------------------------------------------------------
// A real ETP.DAT, produced by a real activation (X25519 and P-521).

function realEtpDat(suite: EtpHeader['suite']): { frameBytes: Uint8Array; frame: Frame; bytes: Uint8Array } {
  const run = runExchange({ handsetConfig: { ...HANDSET_CONFIG, suites: [suite] }, handsetSeed: `wire/${suite}` });
  expect(run.stoppedBy).toBe('key-established');
  const frameBytes = sentFrames(run, 'to-server', 'etp-dat')[0]!;
  const frame = frameOf(frameBytes);
  return { frameBytes, frame, bytes: frame.body };
}

const X = realEtpDat('CPACE-X25519-SHA512');
const P = realEtpDat('CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512');

/** Runs `fn`, which must throw ActivationError('MALFORMED') and nothing else. */
function expectMalformed(fn: () => unknown, label = ''): ActivationError {
  const err = caught(fn);
  expect(err, `${label}: did not throw`).toBeDefined();
  expect(err instanceof ActivationError, `${label}: ${String(err)}`).toBe(true);
  expect((err as ActivationError).code, label).toBe('MALFORMED');
  return err as ActivationError;
}

/** Index of `needle` in `haystack`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Where `needle` sits in `haystack`. */
function regionOf(haystack: Uint8Array, needle: Uint8Array): { start: number; end: number } {
  const start = indexOf(haystack, needle);
  expect(start).toBeGreaterThan(0);
  return { start, end: start + needle.length };
}

/** The outer ETP.DAT map, for building variants. */
function outer(etp: EtpDat): Record<string, unknown> {
  return {
    format: 'ETP.DAT',
    v: ETP_DAT_VERSION,
    header: etp.headerBytes,
    share: etp.share,
    body: { nonce: etp.sealedBody.nonce, ciphertext: etp.sealedBody.ciphertext },
  };
}

/** The header as a plain map, for building variants. */
function headerMap(h: EtpHeader): Record<string, unknown> {
  return {
    protocol: h.protocol,
    pin: h.pin,
    email: h.email,
    nonce: h.nonce,
    suite: h.suite,
    suites: [...h.suites],
    ciphers: [...h.ciphers],
  };
}

function withHeader(etp: EtpDat, header: Record<string, unknown>): Uint8Array {
  return encodeCbor({ ...outer(etp), header: encodeCbor(header) });
}

// ---------------------------------------------------------------------------------------------

describe.each([
  ['X25519', X],
  ['P-521', P],
])('ETP.DAT round trip (%s)', (_name, real) => {
  it('decodes, and re-encodes to the very same bytes', () => {
    const etp = decodeEtpDat(real.bytes);
    expect(etp.header.pin).toBe('2100000A');
    expect(etp.header.email).toBe('alice@example.com');
    // The handset's routing metadata is sealed in the body, not in the cleartext header (finding 21).
    expect(Object.keys(etp.header)).not.toContain('routing');
    expect(bytesToHex(etp.header.nonce)).toBe(bytesToHex(real.frame.sid));
    expect(etp.header.ciphers).toEqual(['AES-256-CBC', 'TDES-EDE2-CBC']);
    expect(etp.share.length).toBe(etp.header.suite === 'CPACE-X25519-SHA512' ? 32 : 133);
    expect(etp.sealedBody.nonce.length).toBe(24);
    expect(bytesToHex(encodeEtpDat(etp))).toBe(bytesToHex(real.bytes));
    // The header bytes (CPace's ADa) are kept exactly, and re-encoding the decoded header gives them back.
    expect(bytesToHex(encodeEtpHeader(etp.header))).toBe(bytesToHex(etp.headerBytes));
    expect(decodeEtpDat(encodeEtpDat(etp))).toEqual(etp);
  });

  it('the frame round-trips too', () => {
    expect(bytesToHex(encodeFrame(decodeFrame(real.frameBytes)))).toBe(bytesToHex(real.frameBytes));
  });
});

describe('decodeEtpDat refuses anything malformed, always with ActivationError MALFORMED', () => {
  const etp = decodeEtpDat(X.bytes);

  it('every truncated prefix (all lengths, including empty)', () => {
    for (let n = 0; n < X.bytes.length; n++) expectMalformed(() => decodeEtpDat(X.bytes.subarray(0, n)), `prefix ${n}`);
  });

  it('trailing bytes after a valid ETP.DAT', () => {
    for (const extra of [[0x00], [0xf6], [0xa0], Array.from(X.bytes.subarray(0, 10))]) {
      const bytes = new Uint8Array([...X.bytes, ...extra]);
      expectMalformed(() => decodeEtpDat(bytes), `trailing ${extra.length}`);
    }
  });

  it('more than 16 KiB is refused before decoding; exactly 16 KiB is accepted', () => {
    // Pad the sealed body's ciphertext so that the whole encoding is exactly MAX_ETP_DAT_BYTES.
    const sized = (total: number): Uint8Array => {
      let length = 16;
      for (;;) {
        const bytes = encodeEtpDat({ ...etp, sealedBody: { nonce: etp.sealedBody.nonce, ciphertext: new Uint8Array(length) } });
        if (bytes.length === total) return bytes;
        // Head sizes change at 24/256 bytes: step towards the target from either side.
        length += bytes.length < total ? Math.max(1, total - bytes.length) : -1;
        if (length < 16) throw new Error(`cannot hit ${total} exactly`);
      }
    };
    const max = sized(MAX_ETP_DAT_BYTES);
    expect(decodeEtpDat(max).sealedBody.ciphertext.length).toBeGreaterThan(15_000);
    const over = new Uint8Array(MAX_ETP_DAT_BYTES + 1);
    over.set(max);
    const err = expectMalformed(() => decodeEtpDat(over), 'over by 1');
    expect(err.cause).toMatchObject({ reason: 'oversized', limit: MAX_ETP_DAT_BYTES });
    expectMalformed(() => decodeEtpDat(new Uint8Array(1 << 20)), '1 MiB of zeros');
  });

  it('random bytes of many lengths', () => {
    const random = seededRandom('etp-dat random bytes');
    for (let i = 0; i < 2_000; i++) {
      const bytes = random(1 + (i % 700));
      expectMalformed(() => decodeEtpDat(bytes), `random #${i}`);
    }
  });

  it('random bytes that start like an ETP.DAT map', () => {
    const random = seededRandom('etp-dat random tail');
    for (let i = 0; i < 1_000; i++) {
      const cut = 1 + (i % 60);
      const bytes = new Uint8Array([...X.bytes.subarray(0, cut), ...random(i % 300)]);
      expectMalformed(() => decodeEtpDat(bytes), `prefix ${cut} + random`);
    }
  });

  it('every single-byte change: precisely which ones decode (ETP.DAT checks structure only) and which are MALFORMED', () => {
    // An ETP.DAT has no checksum of its own (its frame has one, below): decoding checks structure.
    // So a change inside an opaque byte string (the share, the body nonce, the ciphertext)
    // decodes, to exactly that change; a change inside the header's bytes decodes exactly when the
    // changed header still decodes; a change anywhere in the outer CBOR structure (map heads, keys,
    // "ETP.DAT", the version, the byte-string heads) is MALFORMED.
    const region = (needle: Uint8Array) => regionOf(X.bytes, needle);
    const etpX = decodeEtpDat(X.bytes);
    const opaque = [region(etpX.share), region(etpX.sealedBody.nonce), region(etpX.sealedBody.ciphertext)];
    const header = region(etpX.headerBytes);
    const counts = { opaque: 0, header: 0, structure: 0 };
    for (let i = 0; i < X.bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bytes = X.bytes.slice();
        bytes[i] = bytes[i]! ^ mask;
        const label = `byte ${i} ^ ${mask}`;
        if (opaque.some((r) => i >= r.start && i < r.end)) {
          counts.opaque++;
          const decoded = decodeEtpDat(bytes);
          const changed = [decoded.share, decoded.sealedBody.nonce, decoded.sealedBody.ciphertext].map(bytesToHex).join('|');
          const expected = [etpX.share, etpX.sealedBody.nonce, etpX.sealedBody.ciphertext].map(bytesToHex).join('|');
          expect(changed, label).not.toBe(expected);
          expect(decoded.header, label).toEqual(etpX.header);
        } else if (i >= header.start && i < header.end) {
          counts.header++;
          const headerBytes = bytes.subarray(header.start, header.end);
          const headerError = caught(() => decodeEtpHeader(headerBytes));
          if (headerError === undefined) expect(decodeEtpDat(bytes).header, label).toEqual(decodeEtpHeader(headerBytes));
          else expectMalformed(() => decodeEtpDat(bytes), label);
        } else {
          counts.structure++;
          expectMalformed(() => decodeEtpDat(bytes), label);
        }
      }
    }
    // Every class was exercised.
    expect(counts.opaque).toBeGreaterThan(100);
    expect(counts.header).toBeGreaterThan(100);
    expect(counts.structure).toBeGreaterThan(30);
  });

  it('every single-byte change of the frame that carries an ETP.DAT is MALFORMED: the checksum catches what the structure does not', () => {
    const body = regionOf(X.frameBytes, X.bytes);
    for (let i = 0; i < X.frameBytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bytes = X.frameBytes.slice();
        bytes[i] = bytes[i]! ^ mask;
        const err = expectMalformed(() => decodeFrame(bytes), `frame byte ${i} ^ ${mask}`);
        // Inside the body the CBOR stays valid: only the checksum can tell (docs/protocol.md, "check").
        if (i >= body.start && i < body.end) expect(err.cause, `frame byte ${i} ^ ${mask}`).toMatchObject({ reason: 'checksum' });
      }
    }
  });

  it('wrong version or format', () => {
    for (const v of [0, 2, 255, -1, 1.5, '1', null, true]) {
      expectMalformed(() => decodeEtpDat(encodeCbor({ ...outer(etp), v })), `v ${String(v)}`);
    }
    for (const format of ['ETP.DAX', 'etp.dat', '', 1]) {
      expectMalformed(() => decodeEtpDat(encodeCbor({ ...outer(etp), format })), `format ${String(format)}`);
    }
    const { v: _v, ...noVersion } = outer(etp);
    expectMalformed(() => decodeEtpDat(encodeCbor(noVersion)), 'no version');
  });

  it('an extra field at any level', () => {
    expectMalformed(() => decodeEtpDat(encodeCbor({ ...outer(etp), extra: 1 })), 'outer');
    expectMalformed(
      () => decodeEtpDat(encodeCbor({ ...outer(etp), body: { ...(outer(etp).body as object), extra: new Uint8Array(1) } })),
      'body',
    );
    expectMalformed(() => decodeEtpDat(withHeader(etp, { ...headerMap(etp.header), extra: 'x' })), 'header');
    // The old place of the routing (in clear, before finding 21) is an unknown field now.
    expectMalformed(() => decodeEtpDat(withHeader(etp, { ...headerMap(etp.header), routing: { ...HANDSET_CONFIG.routing } })), 'routing');
  });

  it('an unknown suite or cipher in the header', () => {
    for (const patch of [
      { suite: 'CPACE-X448-SHAKE256' },
      { suites: ['CPACE-X25519-SHA512', 'CPACE-X448-SHAKE256'] },
      { suites: [] },
      { ciphers: ['AES-256-CBC', 'RC4'] },
      { ciphers: [] },
      { suite: '__proto__' },
      { ciphers: ['toString'] },
    ]) {
      expectMalformed(() => decodeEtpDat(withHeader(etp, { ...headerMap(etp.header), ...patch })), JSON.stringify(patch));
    }
  });

  it('a bad PIN in the header', () => {
    for (const pin of ['2100000a', '2100000', '2100000AB', '2100000G', '', ' 2100000A', 0x2100000a]) {
      expectMalformed(() => decodeEtpDat(withHeader(etp, { ...headerMap(etp.header), pin })), `pin ${String(pin)}`);
    }
  });

  it('other bad header fields', () => {
    const bad: Record<string, unknown>[] = [
      { email: 'not an email' },
      { email: 'a'.repeat(250) + '@x.example' },
      { nonce: new Uint8Array(15) },
      { nonce: 'aaaaaaaaaaaaaaaa' },
      { protocol: -1 },
      { protocol: 256 },
      { protocol: 1.5 },
      { routing: 'relay' },
    ];
    for (const patch of bad)
      expectMalformed(() => decodeEtpDat(withHeader(etp, { ...headerMap(etp.header), ...patch })), JSON.stringify(patch));
    // The header is a byte string holding CBOR: a map in its place, or bytes that are not CBOR, are refused.
    expectMalformed(() => decodeEtpDat(encodeCbor({ ...outer(etp), header: headerMap(etp.header) })), 'header as a map');
    expectMalformed(() => decodeEtpDat(encodeCbor({ ...outer(etp), header: new Uint8Array([0xff, 0x00]) })), 'header not CBOR');
  });

  it('bad share or sealed body fields', () => {
    for (const patch of [
      { share: new Uint8Array(31) },
      { share: new Uint8Array(134) },
      { share: 'share' },
      { body: { nonce: new Uint8Array(23), ciphertext: etp.sealedBody.ciphertext } },
      { body: { nonce: etp.sealedBody.nonce, ciphertext: new Uint8Array(15) } },
      { body: { nonce: etp.sealedBody.nonce } },
      { body: [etp.sealedBody.nonce, etp.sealedBody.ciphertext] },
    ]) {
      expectMalformed(() => decodeEtpDat(encodeCbor({ ...outer(etp), ...patch })), Object.keys(patch).join());
    }
  });

  it('not a byte array at all', () => {
    for (const input of [undefined, null, 'ETP.DAT', 42, {}, [1, 2, 3], X.bytes.buffer]) {
      expectMalformed(() => decodeEtpDat(input as unknown as Uint8Array), String(input));
    }
  });

  it('deep nesting, huge declared lengths and odd CBOR', () => {
    const deep = new Uint8Array(5_000).fill(0x81); // [[[[...
    expectMalformed(() => decodeEtpDat(deep), 'deep arrays');
    expectMalformed(() => decodeEtpDat(new Uint8Array([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 'bstr of 2^64-1 bytes');
    expectMalformed(() => decodeEtpDat(new Uint8Array([0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00])), 'map of 2^32 entries');
    expectMalformed(() => decodeEtpDat(new Uint8Array([0x9f, 0x9f, 0x9f, 0xff])), 'unterminated indefinite arrays');
    // Tags cbor-x knows (dates, sets, typed arrays, records, shared structures ...) around the
    // whole ETP.DAT: MALFORMED, except the two that leave the value as it is (28, a shareable
    // value, and 55799, "self-described CBOR"), which decode to the very same ETP.DAT. Around an
    // ETP.DAT without its header: always MALFORMED.
    const tags = [0, 1, 2, 3, 21, 24, 25, 27, 28, 29, 40, 51, 64, 65, 69, 72, 77, 85, 86, 105, 256, 258, 259, 55799, 57342, 57343];
    const transparent = [28, 55799];
    const headerless = encodeCbor({ ...outer(etp), header: undefined });
    for (const tag of tags) {
      const head = tag < 24 ? [0xc0 + tag] : tag < 256 ? [0xd8, tag] : [0xd9, tag >> 8, tag & 0xff];
      const around = new Uint8Array([...head, ...X.bytes]);
      if (transparent.includes(tag)) expect(decodeEtpDat(around), `tag ${tag} around`).toEqual(decodeEtpDat(X.bytes));
      else expectMalformed(() => decodeEtpDat(around), `tag ${tag} around`);
      expectMalformed(() => decodeEtpDat(new Uint8Array([...head, ...headerless])), `tag ${tag} around, no header`);
    }
  });
});

describe('decodeFrame is just as strict', () => {
  const frame = X.frame;

  it('every truncated prefix', () => {
    for (let n = 0; n < X.frameBytes.length; n++) expectMalformed(() => decodeFrame(X.frameBytes.subarray(0, n)), `prefix ${n}`);
  });

  it('oversized (over 1 MiB)', () => {
    const err = expectMalformed(() => decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), 'oversized');
    expect(err.cause).toMatchObject({ reason: 'oversized' });
  });

  it('random bytes, and every single-byte change', () => {
    const random = seededRandom('frame random bytes');
    for (let i = 0; i < 2_000; i++) expectMalformed(() => decodeFrame(random(1 + (i % 900))), `random #${i}`);
    for (let i = 0; i < X.frameBytes.length; i++) {
      const bytes = X.frameBytes.slice();
      bytes[i] = bytes[i]! ^ 0x80;
      // The checksum catches whatever the structure does not.
      expectMalformed(() => decodeFrame(bytes), `byte ${i}`);
    }
  });

  it('bad header fields', () => {
    // The genuine checksum: a patched field is refused by the schema or, failing that, by the checksum.
    const check = (cborXDecode(X.frameBytes) as { check: Uint8Array }).check;
    const base: Record<string, unknown> = {
      v: frame.v,
      type: frame.type,
      sid: frame.sid,
      seq: frame.seq,
      pin: frame.pin,
      to: frame.to,
      body: frame.body,
      check,
    };
    const bad: Record<string, unknown>[] = [
      { v: 2 },
      { v: 0 },
      { type: 'etp-dat2' },
      { type: 'sync-request' === (frame.type as string) ? 'x' : 'hello' },
      { sid: new Uint8Array(15) },
      { sid: new Uint8Array(17) },
      { seq: -1 },
      { seq: 1.5 },
      { seq: MAX_SEQUENCE + 1 },
      { seq: '0' },
      { pin: '2100000a' },
      { pin: '2100000' },
      { to: 'alice@example.com' },
      { to: 'mailto:' },
      { to: 'mailto:alice @example.com' },
      { to: 'http://example.com' },
      { body: 'text' },
      { extra: true },
    ];
    for (const patch of bad) expectMalformed(() => decodeFrame(encodeCbor({ ...base, ...patch })), JSON.stringify(patch));
    const { body: _body, ...noBody } = base;
    expectMalformed(() => decodeFrame(encodeCbor(noBody)), 'no body');
    // Sanity: the unmodified map decodes.
    expect(decodeFrame(encodeCbor(base)).type).toBe('etp-dat');
  });
});

// ---------------------------------------------------------------------------------------------
// Interoperability. No independent CBOR library is installed, so two checks: cbor-x's plain,
// default-options `decode` (not the library's configured decoder), and a minimal RFC 8949
// decoder written here for the subset the wire format uses (definite-length maps, arrays, byte
// and text strings, unsigned and negative integers, simple values); it refuses everything else,
// so it also proves that no cbor-x extension (records, tags, bundled strings) is on the wire.

type Cbor = number | string | Uint8Array | boolean | null | Cbor[] | { [key: string]: Cbor };

function rfc8949Decode(bytes: Uint8Array): { value: Cbor; nonMinimalHeads: number } {
  let pos = 0;
  let nonMinimalHeads = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new Error('truncated');
  };
  const argument = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error(`unsupported additional info ${info}`);
    need(size);
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + bytes[pos + i]!;
    pos += size;
    const minimal = n < 24 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x100000000 ? 4 : 8;
    if (size !== minimal) nonMinimalHeads += 1;
    return n;
  };
  const item = (): Cbor => {
    need(1);
    const head = bytes[pos++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      throw new Error(`unsupported simple/float ${info}`);
    }
    const n = argument(info);
    switch (major) {
      case 0:
        return n;
      case 1:
        return -1 - n;
      case 2: {
        need(n);
        const out = bytes.slice(pos, pos + n);
        pos += n;
        return out;
      }
      case 3: {
        need(n);
        const out = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(pos, pos + n));
        pos += n;
        return out;
      }
      case 4:
        return Array.from({ length: n }, () => item());
      case 5: {
        const out: { [key: string]: Cbor } = {};
        for (let i = 0; i < n; i++) {
          const key = item();
          if (typeof key !== 'string') throw new Error('non-text map key');
          if (Object.hasOwn(out, key)) throw new Error(`duplicate key ${key}`);
          out[key] = item();
        }
        return out;
      }
      default:
        throw new Error(`unsupported major type ${major}`);
    }
  };
  const value = item();
  if (pos !== bytes.length) throw new Error('trailing bytes');
  return { value, nonMinimalHeads };
}

describe('interoperability of the encoding', () => {
  it.each([
    ['X25519', X],
    ['P-521', P],
  ])('a real ETP.DAT (%s) is plain CBOR: an independent decoder reads the same fields', (_name, real) => {
    const etp = decodeEtpDat(real.bytes);
    const { value } = rfc8949Decode(real.bytes);
    const o = value as Record<string, Cbor>;
    expect(Object.keys(o)).toEqual(['format', 'v', 'header', 'share', 'body']);
    expect(o.format).toBe('ETP.DAT');
    expect(o.v).toBe(1);
    expect(bytesToHex(o.header as Uint8Array)).toBe(bytesToHex(etp.headerBytes));
    expect(bytesToHex(o.share as Uint8Array)).toBe(bytesToHex(etp.share));
    const body = o.body as Record<string, Uint8Array>;
    expect(bytesToHex(body.nonce!)).toBe(bytesToHex(etp.sealedBody.nonce));
    expect(bytesToHex(body.ciphertext!)).toBe(bytesToHex(etp.sealedBody.ciphertext));

    const header = rfc8949Decode(etp.headerBytes);
    expect(header.value).toEqual({
      protocol: etp.header.protocol,
      pin: etp.header.pin,
      email: etp.header.email,
      nonce: etp.header.nonce,
      suite: etp.header.suite,
      suites: [...etp.header.suites],
      ciphers: [...etp.header.ciphers],
    });
    // The header is CPace's ADa: both sides use the bytes as sent, but an implementation that
    // re-encodes it must get the same bytes, so it is written in preferred (shortest) form.
    expect(header.nonMinimalHeads).toBe(0);

    const frame = rfc8949Decode(real.frameBytes).value as Record<string, Cbor>;
    expect(Object.keys(frame)).toEqual(['v', 'type', 'sid', 'seq', 'pin', 'to', 'body', 'check']);
    expect(frame.type).toBe('etp-dat');
    expect(frame.to).toBe('mailto:alice@example.com');
    expect(bytesToHex(frame.body as Uint8Array)).toBe(bytesToHex(real.bytes));
  });

  it("cbor-x's plain decode reads the header bytes to the same fields", () => {
    for (const real of [X, P]) {
      const etp = decodeEtpDat(real.bytes);
      const plain = cborXDecode(etp.headerBytes) as Record<string, unknown>;
      expect(plain.protocol).toBe(etp.header.protocol);
      expect(plain.pin).toBe(etp.header.pin);
      expect(plain.email).toBe(etp.header.email);
      expect(bytesToHex(Uint8Array.from(plain.nonce as Uint8Array))).toBe(bytesToHex(etp.header.nonce));
      expect(plain.suite).toBe(etp.header.suite);
      expect(plain.suites).toEqual([...etp.header.suites]);
      expect(plain.ciphers).toEqual([...etp.header.ciphers]);
      expect(Object.keys(plain)).toEqual(['protocol', 'pin', 'email', 'nonce', 'suite', 'suites', 'ciphers']);

      const whole = cborXDecode(real.bytes) as Record<string, unknown>;
      expect(whole.format).toBe('ETP.DAT');
      expect(bytesToHex(Uint8Array.from(whole.header as Uint8Array))).toBe(bytesToHex(etp.headerBytes));
    }
  });

  it('a header written by hand (independent encoder) decodes with decodeEtpHeader', () => {
    // {"protocol":1,"pin":"2100000A","email":"a@b.c",
    //  "nonce":h'00..0f',"suite":"CPACE-X25519-SHA512","suites":[...],"ciphers":["AES-256-CBC"]}
    const text = (s: string) => {
      const b = utf8ToBytes(s);
      return b.length < 24 ? [0x60 + b.length, ...b] : [0x78, b.length, ...b];
    };
    const bytes = new Uint8Array([
      0xa7,
      ...text('protocol'),
      0x01,
      ...text('pin'),
      ...text('2100000A'),
      ...text('email'),
      ...text('a@b.c'),
      ...text('nonce'),
      0x50,
      ...Array.from({ length: 16 }, (_, i) => i),
      ...text('suite'),
      ...text('CPACE-X25519-SHA512'),
      ...text('suites'),
      0x81,
      ...text('CPACE-X25519-SHA512'),
      ...text('ciphers'),
      0x81,
      ...text('AES-256-CBC'),
    ]);
    const header = decodeEtpHeader(bytes);
    expect(header).toEqual({
      protocol: 1,
      pin: '2100000A',
      email: 'a@b.c',
      nonce: Uint8Array.from({ length: 16 }, (_, i) => i),
      suite: 'CPACE-X25519-SHA512',
      suites: ['CPACE-X25519-SHA512'],
      ciphers: ['AES-256-CBC'],
    });
    // And the library writes exactly these bytes for it.
    expect(bytesToHex(encodeEtpHeader(header))).toBe(bytesToHex(bytes));
  });
});
