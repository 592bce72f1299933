/**
 * A man in the middle alters, drops or replays frames. Whatever he does, no transport key may be
 * established from an altered message: the activation fails with a typed error, or the altered
 * frame is dropped (and the handset times out, driven by 'timer' inputs), or the genuine frame
 * still gets through and the key is the server's own.
 */
import { caught } from '../support/errors.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CPaceSuiteId } from '../../src/crypto/provider.js';
import { ActivationError, type ActivationErrorCode } from '../../src/errors/activation-error.js';
import { DEFAULT_RETRY } from '../../src/handset/config.js';
import { bytesToHex, utf8ToBytes } from '../../src/util/bytes.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader, encodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { decodeHandsetConfirm } from '../../src/wire/messages/handset-confirm.js';
import { decodeKeyIssue } from '../../src/wire/messages/key-issue.js';
import { decodeKeyVerified } from '../../src/wire/messages/key-verified.js';
import { decodeServerShare } from '../../src/wire/messages/server-share.js';
import { EMAIL, HANDSET_CONFIG, P521, T0 } from '../support/fixtures.js';
import { flipByte, frameOf, frameType, indexOfBytes, regionOf } from '../support/frames.js';
import type { Direction } from '../support/pair.js';
import { type ExchangeOptions, type ExchangeResult, runExchange, sentFrames } from './harness.js';

const X25519: CPaceSuiteId = 'CPACE-X25519-SHA512';

interface Region {
  readonly start: number;
  readonly end: number;
}

const base = (suite: CPaceSuiteId): ExchangeOptions => ({
  handsetConfig: { ...HANDSET_CONFIG, suites: [suite] },
  handsetSeed: `tamper/${suite}`,
  serverSeed: `tamper-server/${suite}`,
});

/** Flips a low bit at even offsets and a high bit at odd ones. */
const maskAt = (offset: number) => (offset % 2 === 0 ? 0x01 : 0x80);

/** A MITM that replaces every copy of `original` travelling in `direction` (retransmissions too). */
function persistent(direction: Direction, original: Uint8Array, replacement: Uint8Array | null) {
  const hex = bytesToHex(original);
  return (frame: Uint8Array, d: Direction) => (d === direction && bytesToHex(frame) === hex ? replacement : frame);
}

/** A MITM that replaces only the first copy of `original` in `direction`. */
function once(direction: Direction, original: Uint8Array, replacement: Uint8Array | null) {
  const hex = bytesToHex(original);
  let done = false;
  return (frame: Uint8Array, d: Direction) => {
    if (done || d !== direction || bytesToHex(frame) !== hex) return frame;
    done = true;
    return replacement;
  };
}

function offsets(region: Region, step = 1): number[] {
  const out: number[] = [];
  for (let i = region.start; i < region.end; i += step) out.push(i);
  return out;
}

/** Every run of an altered exchange: no key anywhere, a typed failure, the account not activated. */
function expectNoKey(run: ExchangeResult): ActivationErrorCode {
  expect(run.keyEstablished).toBeUndefined();
  expect(run.state.transportKey).toBeUndefined();
  expect(run.stoppedBy).toBe('failed');
  expect(run.error).toBeInstanceOf(ActivationError);
  const account = run.sim.accounts.get(EMAIL)!;
  expect(account.device).toBeUndefined();
  expect(account.status).not.toBe('Activated');
  expect(account.password).toBeDefined();
  return run.error!.code;
}

function tally(codes: ActivationErrorCode[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
}

interface Reference {
  readonly run: ExchangeResult;
  readonly etpFrame: Uint8Array;
  readonly serverShare: Uint8Array;
  readonly handsetConfirm: Uint8Array;
  readonly keyIssue: Uint8Array;
  readonly keyVerified: Uint8Array;
}

function reference(suite: CPaceSuiteId): Reference {
  const run = runExchange(base(suite));
  expect(run.stoppedBy).toBe('key-established');
  return {
    run,
    etpFrame: sentFrames(run, 'to-server', 'etp-dat')[0]!,
    serverShare: sentFrames(run, 'to-handset', 'server-share')[0]!,
    handsetConfirm: sentFrames(run, 'to-server', 'handset-confirm')[0]!,
    keyIssue: sentFrames(run, 'to-handset', 'key-issue')[0]!,
    keyVerified: sentFrames(run, 'to-server', 'key-verified')[0]!,
  };
}

describe('tampered ETP.DAT (X25519, every byte)', () => {
  let ref: Reference;
  let regions: Record<'frameBody' | 'to' | 'header' | 'share' | 'bodyNonce' | 'bodyCiphertext', Region>;

  beforeAll(() => {
    ref = reference(X25519);
    const frame = frameOf(ref.etpFrame);
    const etp = decodeEtpDat(frame.body);
    regions = {
      frameBody: regionOf(ref.etpFrame, frame.body),
      to: regionOf(ref.etpFrame, utf8ToBytes(frame.to)),
      header: regionOf(ref.etpFrame, etp.headerBytes),
      share: regionOf(ref.etpFrame, etp.share),
      bodyNonce: regionOf(ref.etpFrame, etp.sealedBody.nonce),
      bodyCiphertext: regionOf(ref.etpFrame, etp.sealedBody.ciphertext),
    };
  });

  const run = (offset: number) =>
    runExchange({ ...base(X25519), tamper: persistent('to-server', ref.etpFrame, flipByte(ref.etpFrame, offset, maskAt(offset))) });

  it('frame envelope (except the routing address) and ETP.DAT container: dropped by the server, the handset times out', () => {
    const positions = [
      ...offsets({ start: 0, end: regions.frameBody.start }).filter((i) => i < regions.to.start || i >= regions.to.end),
      ...offsets({ start: regions.frameBody.start, end: regions.header.start }),
      ...offsets({ start: regions.header.end, end: regions.share.start }),
      ...offsets({ start: regions.share.end, end: regions.bodyNonce.start }),
      ...offsets({ start: regions.bodyNonce.end, end: regions.bodyCiphertext.start }),
    ];
    expect(positions.length).toBeGreaterThan(100);
    for (const offset of positions) {
      const r = run(offset);
      expect(expectNoKey(r), `offset ${offset}`).toBe('TIMEOUT');
      // The server never answered; the handset sent the ETP.DAT 1 + retries times, one timeout apart.
      expect(r.frames.every((f) => f.direction === 'to-server' && frameType(f.sent) === 'etp-dat')).toBe(true);
      expect(r.frames).toHaveLength(1 + DEFAULT_RETRY.retries);
      expect(r.clock.now).toBe(T0 + (1 + DEFAULT_RETRY.retries) * DEFAULT_RETRY.replyTimeoutMs);
      expect(r.sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0 });
    }
  });

  it("the handset's routing (relay host, carrier UID) is not in the cleartext ETP.DAT at all (issue 8, finding 21)", () => {
    for (const secretish of [HANDSET_CONFIG.routing.relay, HANDSET_CONFIG.routing.uid]) {
      expect(indexOfBytes(ref.etpFrame, utf8ToBytes(secretish)), secretish).toBe(-1);
    }
  });

  it('header bytes (CPace ADa): never a key; an altered header is never answered, so the handset times out', () => {
    // Whatever changes, the handset gets no answer it can use: a changed nonce or PIN no longer
    // equals the frame's and is dropped; another (valid) address has no account, and a BES does
    // not answer for mailboxes it does not monitor or users it does not know (issue 8, findings 6
    // and 9); a protocol, suite or cipher the server does not know, or a header that no longer
    // parses, is dropped. Never WRONG_PASSWORD: the server's answer would name another ETP.DAT.
    expect(offsets(regions.header).length).toBeGreaterThan(100);
    for (const offset of offsets(regions.header)) {
      const r = run(offset);
      expect(expectNoKey(r), `offset ${offset}`).toBe('TIMEOUT');
    }
  });

  it('share: never a key; the answer names another share, so the handset ignores it and times out', () => {
    for (const offset of offsets(regions.share)) {
      const r = run(offset);
      // The server keys its session by the share it received and says so in the server share
      // (issue 8, finding 17): the handset ignores a share made for another ETP.DAT and times
      // out. (Every 32-byte string but a handful of low-order points is an X25519 share, and no
      // single flipped byte of this one is among them, so the server always answers.)
      expect(expectNoKey(r), `offset ${offset}`).toBe('TIMEOUT');
      expect(
        r.ignored.some((i) => i.reason === 'server-share for another ETP.DAT'),
        `offset ${offset}`,
      ).toBe(true);
      expect(r.frames.some((f) => frameType(f.sent) === 'key-issue')).toBe(false);
    }
  });

  it('sealed body (nonce and ciphertext): the server cannot open it after key confirmation: PROTOCOL_ERROR', () => {
    for (const offset of [...offsets(regions.bodyNonce), ...offsets(regions.bodyCiphertext)]) {
      const r = run(offset);
      expect(expectNoKey(r), `offset ${offset}`).toBe('PROTOCOL_ERROR');
      expect(r.error!.cause).toMatchObject({ reportedBy: 'server' });
      // The password was proven (confirmation passed), so the attempt does not count against it.
      expect(r.sim.account(EMAIL)!.failedAttempts).toBe(0);
      expect(r.frames.some((f) => frameType(f.sent) === 'key-issue')).toBe(false);
    }
  });
});

describe('tampered ETP.DAT (P-521, sampled bytes)', () => {
  it('never establishes a key', () => {
    const ref = reference(P521);
    const frame = frameOf(ref.etpFrame);
    const etp = decodeEtpDat(frame.body);
    const to = regionOf(ref.etpFrame, utf8ToBytes(frame.to));
    const share = regionOf(ref.etpFrame, etp.share);
    const codes: ActivationErrorCode[] = [];
    const positions = offsets({ start: 0, end: ref.etpFrame.length }, 13).filter((i) => i < to.start || i >= to.end);
    // Every third byte of the share, which is where P-521 differs most (point validation).
    positions.push(...offsets(share, 3).filter((i) => !positions.includes(i)));
    for (const offset of positions) {
      const tamper = persistent('to-server', ref.etpFrame, flipByte(ref.etpFrame, offset, maskAt(offset)));
      const r = runExchange({ ...base(P521), tamper });
      const code = expectNoKey(r);
      codes.push(code);
      // A P-521 share with a flipped byte is not on the curve: the server refuses it (its error in
      // clear is the handset's hint, reported after the wait).
      if (offset >= share.start && offset < share.end) expect(code, `share offset ${offset}`).toBe('PROTOCOL_ERROR');
    }
    // Most altered P-521 shares are not on the curve at all: the server refuses them as such.
    expect(tally(codes).PROTOCOL_ERROR).toBeGreaterThan(0);
  });
});

describe.each([X25519, P521])('tampered server-share (%s)', (suite) => {
  it('share, ad or tag altered: WRONG_PASSWORD, PROTOCOL_ERROR for an off-curve P-521 share, TIMEOUT for an ADb that no longer decodes', () => {
    const ref = reference(suite);
    const body = decodeServerShare(frameOf(ref.serverShare).body);
    const share = regionOf(ref.serverShare, body.share);
    const ad = regionOf(ref.serverShare, body.adBytes);
    const tag = regionOf(ref.serverShare, body.tag);
    const step = suite === X25519 ? 1 : 5;
    const codes: ActivationErrorCode[] = [];
    for (const [name, region] of [
      ['share', share],
      ['ad', ad],
      ['tag', tag],
    ] as const) {
      for (const offset of offsets(region, step)) {
        const altered = flipByte(ref.serverShare, offset, maskAt(offset));
        const tamper = persistent('to-handset', ref.serverShare, altered);
        const r = runExchange({ ...base(suite), tamper });
        const code = expectNoKey(r);
        codes.push(code);
        expect(
          r.frames.some((f) => frameType(f.sent) === 'handset-confirm'),
          `${name} ${offset}`,
        ).toBe(false);
        // The one outcome for each place (docs/protocol.md, message 2): a P-521 share that is off
        // the curve is PROTOCOL_ERROR (every 32 bytes are an X25519 share, whose ISK then differs:
        // Tb fails, WRONG_PASSWORD); an altered tag fails Tb; an altered ADb that still decodes
        // changes the transcript (WRONG_PASSWORD), one that does not is dropped, every time it
        // comes, and the handset times out.
        const adDecodes = caught(() => decodeServerShare(frameOf(altered).body)) === undefined;
        const expected =
          name === 'share'
            ? suite === X25519
              ? 'WRONG_PASSWORD'
              : 'PROTOCOL_ERROR'
            : name === 'ad' && !adDecodes
              ? 'TIMEOUT'
              : 'WRONG_PASSWORD';
        expect(code, `${name} offset ${offset}`).toBe(expected);
        if (expected === 'TIMEOUT') {
          expect(r.ignored.length).toBe(1 + DEFAULT_RETRY.retries);
          expect(r.ignored.every((i) => i.code === 'MALFORMED')).toBe(true);
        }
      }
    }
    expect(tally(codes).WRONG_PASSWORD).toBeGreaterThan(0);
  });
});

describe('tampered key-issue', () => {
  let ref: Reference;
  let grant: Region[];
  let proofFields: Region[];
  beforeAll(() => {
    ref = reference(X25519);
    const msg = decodeKeyIssue(frameOf(ref.keyIssue).body);
    grant = [regionOf(ref.keyIssue, msg.grant.nonce), regionOf(ref.keyIssue, msg.grant.ciphertext)];
    proofFields = [msg.proof.keyIv, msg.proof.wrappedKey, msg.proof.iv, msg.proof.ciphertext, msg.proof.tag].map((f) =>
      regionOf(ref.keyIssue, f),
    );
  });

  it('altered grant: ignored (DECRYPT_FAILED); the genuine retransmission then gives the server key', () => {
    for (const offset of grant.flatMap((g) => offsets(g, 3))) {
      const r = runExchange({ ...base(X25519), tamper: once('to-handset', ref.keyIssue, flipByte(ref.keyIssue, offset, maskAt(offset))) });
      expect(r.ignored, `offset ${offset}`).toEqual([{ reason: 'key-issue failed authentication', code: 'DECRYPT_FAILED' }]);
      // The handset asked again (handset-confirm repeated after the timeout) and got the genuine key-issue.
      expect(sentFrames(r, 'to-server', 'handset-confirm')).toHaveLength(2);
      expect(r.stoppedBy).toBe('key-established');
      // The key is the genuine one (the reference run's, same seeds).
      expect(bytesToHex(r.state.transportKey!.key)).toBe(bytesToHex(ref.run.state.transportKey!.key));
      expect(r.keyEstablished!.keyId).toBe(ref.run.keyEstablished!.keyId);
    }
  });

  it('altered grant every time: never a key, the handset times out', () => {
    const offset = grant[1]!.end - 1;
    const r = runExchange({ ...base(X25519), tamper: persistent('to-handset', ref.keyIssue, flipByte(ref.keyIssue, offset)) });
    expect(expectNoKey(r)).toBe('TIMEOUT');
    expect(r.ignored.length).toBe(1 + DEFAULT_RETRY.retries);
    expect(r.statuses.map((s) => s.id)).toEqual(['activating', 'verifying-encryption', 'activation-failed']);
  });

  it('altered proof (any byte of keyIv, wrappedKey, iv, ciphertext, tag): PROTOCOL_ERROR, the key is not taken', () => {
    for (const offset of proofFields.flatMap((f) => offsets(f, 2))) {
      const r = runExchange({
        ...base(X25519),
        tamper: persistent('to-handset', ref.keyIssue, flipByte(ref.keyIssue, offset, maskAt(offset))),
      });
      expect(expectNoKey(r), `offset ${offset}`).toBe('PROTOCOL_ERROR');
      expect(r.error!.cause).toMatchObject({ reason: 'key-proof' });
      expect(r.statuses.map((s) => s.id)).toEqual(['activating', 'verifying-encryption', 'activation-failed']);
      // The handset told the server, which then never sees a key-verified.
      expect(sentFrames(r, 'to-server', 'key-verified')).toEqual([]);
      expect(sentFrames(r, 'to-server', 'error')).toHaveLength(1);
    }
  });

  it('altered proof structure (CBOR between the fields): dropped as MALFORMED, never a key', () => {
    const start = proofFields[0]!.start;
    const end = proofFields.at(-1)!.end;
    const structure = offsets({ start, end }).filter((i) => !proofFields.some((f) => i >= f.start && i < f.end));
    expect(structure.length).toBeGreaterThan(20);
    for (const offset of structure) {
      const r = runExchange({
        ...base(X25519),
        tamper: persistent('to-handset', ref.keyIssue, flipByte(ref.keyIssue, offset, maskAt(offset))),
      });
      // The proof no longer parses: the key-issue is dropped (MALFORMED) every time, and the
      // handset times out; the grant is never taken.
      expect(expectNoKey(r), `offset ${offset}`).toBe('TIMEOUT');
      expect(r.ignored.length, `offset ${offset}`).toBeGreaterThan(0);
      expect(
        r.ignored.every((i) => i.code === 'MALFORMED'),
        `offset ${offset}`,
      ).toBe(true);
    }
  });
});

describe('tampered handset-confirm', () => {
  it('altered tag: the server drops it (nobody can end the session with a forged Ta), issues no key, the handset times out', () => {
    const ref = reference(X25519);
    const tag = regionOf(ref.handsetConfirm, decodeHandsetConfirm(frameOf(ref.handsetConfirm).body).tag);
    for (const offset of offsets(tag, 4)) {
      const r = runExchange({ ...base(X25519), tamper: persistent('to-server', ref.handsetConfirm, flipByte(ref.handsetConfirm, offset)) });
      expect(expectNoKey(r), `offset ${offset}`).toBe('TIMEOUT');
      expect(r.frames.some((f) => frameType(f.sent) === 'key-issue' || frameType(f.sent) === 'error')).toBe(false);
      expect(r.sim.account(EMAIL)!.failedAttempts).toBe(1);
    }
  });

  it('altered body key box: the server drops it, issues no key, the handset times out', () => {
    const ref = reference(X25519);
    const box = decodeHandsetConfirm(frameOf(ref.handsetConfirm).body).bodyKey;
    const region = { start: regionOf(ref.handsetConfirm, box.nonce).start, end: regionOf(ref.handsetConfirm, box.ciphertext).end };
    for (const offset of offsets(region, 4)) {
      const r = runExchange({ ...base(X25519), tamper: persistent('to-server', ref.handsetConfirm, flipByte(ref.handsetConfirm, offset)) });
      expect(expectNoKey(r), `offset ${offset}`).toBe('TIMEOUT');
      expect(r.frames.some((f) => frameType(f.sent) === 'key-issue')).toBe(false);
    }
  });
});

describe('tampered key-verified', () => {
  it('an altered proof is refused by the server: the account is not activated and the password survives', () => {
    const ref = reference(X25519);
    const proof = decodeKeyVerified(frameOf(ref.keyVerified).body).proof;
    const fields = [proof.keyIv, proof.wrappedKey, proof.iv, proof.ciphertext, proof.tag].map((f) => regionOf(ref.keyVerified, f));
    for (const field of fields) {
      for (const offset of [field.start, field.end - 1]) {
        const r = runExchange({
          ...base(X25519),
          until: 'end',
          driveTimers: false,
          tamper: persistent('to-server', ref.keyVerified, flipByte(ref.keyVerified, offset)),
        });
        // The handset believed the key (it sent key-verified) but the server refused the proof.
        expect(r.keyEstablished).toBeDefined();
        expect(r.stoppedBy).toBe('failed');
        expect(r.error).toBeInstanceOf(ActivationError);
        expect(r.error!.code).toBe('PROTOCOL_ERROR');
        expect(r.error!.cause).toMatchObject({ reportedBy: 'server' });
        const account = r.sim.account(EMAIL)!;
        expect(account.status).not.toBe('Activated');
        expect(account.hasPassword).toBe(true);
        expect(account.failedAttempts).toBe(0);
        expect(r.sim.accounts.get(EMAIL)!.device).toBeUndefined();

        // The password was not consumed: a fresh handset activates with it.
        const again = runExchange({ sim: r.sim, clock: r.clock, handsetSeed: `after-refusal/${offset}`, until: 'end' });
        expect(again.stoppedBy).toBe('complete');
        expect(r.sim.account(EMAIL)!.status).toBe('Activated');
      }
    }
  });
});

describe('cipher downgrade by a man in the middle', () => {
  it.each([X25519, P521])('removing AES-256 from the offered ciphers (%s) establishes no key', (suite) => {
    const ref = reference(suite);
    const frame = frameOf(ref.etpFrame);
    const etp = decodeEtpDat(frame.body);
    expect(etp.header.ciphers).toEqual(['AES-256-CBC', 'TDES-EDE2-CBC']);
    // He re-encodes the header, the ETP.DAT and the frame; he cannot re-seal the body.
    const downgradedHeader = encodeEtpHeader({ ...etp.header, ciphers: ['TDES-EDE2-CBC'] });
    expect(decodeEtpHeader(downgradedHeader).ciphers).toEqual(['TDES-EDE2-CBC']);
    const forged = encodeFrame({
      ...frame,
      body: encodeEtpDat({ headerBytes: downgradedHeader, share: etp.share, sealedBody: etp.sealedBody }),
    });

    const r = runExchange({ ...base(suite), tamper: persistent('to-server', ref.etpFrame, forged) });
    // The server accepted the forged request, but the header is CPace's ADa: the keys differ,
    // so the server's confirmation fails on the handset.
    expect(sentFrames(r, 'to-handset', 'server-share')).toHaveLength(1);
    expect(expectNoKey(r)).toBe('WRONG_PASSWORD');
    expect(r.frames.some((f) => frameType(f.sent) === 'key-issue')).toBe(false);
    expect(r.sim.accounts.get(EMAIL)!.device).toBeUndefined();
  });

  it('removing a suite from the offered suites establishes no key either', () => {
    const options: ExchangeOptions = { handsetSeed: 'suite-downgrade' }; // default config: both suites
    const ref = runExchange(options);
    const etpFrame = sentFrames(ref, 'to-server', 'etp-dat')[0]!;
    const frame = frameOf(etpFrame);
    const etp = decodeEtpDat(frame.body);
    expect(etp.header.suites).toEqual([X25519, P521]);
    const header = encodeEtpHeader({ ...etp.header, suites: [X25519] });
    const forged = encodeFrame({ ...frame, body: encodeEtpDat({ headerBytes: header, share: etp.share, sealedBody: etp.sealedBody }) });
    expect(bytesToHex(forged)).not.toBe(bytesToHex(etpFrame));
    const r = runExchange({ ...options, tamper: persistent('to-server', etpFrame, forged) });
    expect(expectNoKey(r)).toBe('WRONG_PASSWORD');
  });
});

describe('replayed ETP.DAT', () => {
  it('after a completed activation: the server answers nothing and keeps the first key', () => {
    const full = runExchange({ ...base(X25519), until: 'end' });
    expect(full.stoppedBy).toBe('complete');
    const ref = { etpFrame: sentFrames(full, 'to-server', 'etp-dat')[0]! };
    const sim = full.sim;
    const device = sim.accounts.get(EMAIL)!.device!;
    const sidHex = bytesToHex(frameOf(ref.etpFrame).sid);
    const phase = sim.sessionPhase(sidHex);
    expect(phase).toBeDefined();

    expect(sim.receive(ref.etpFrame)).toEqual([]);
    // Even once the administrator sets a new password, the old request starts nothing.
    sim.setActivationPassword(EMAIL, 'a-new-password');
    expect(sim.receive(ref.etpFrame)).toEqual([]);
    expect(sim.receive(ref.etpFrame.slice())).toEqual([]);
    expect(sim.sessionPhase(sidHex)).toBe(phase);
    expect(sim.accounts.get(EMAIL)!.device).toBe(device);
    // A new password on an activated account means re-activation: it stays "Activated" until one commits (docs/lifecycle.md).
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', failedAttempts: 0, hasPassword: true });
  });

  it('while the first exchange is in progress: the same server-share again, and no second attempt is counted', () => {
    const first = runExchange({ ...base(X25519), until: 'end', driveTimers: false, tamper: (f, d) => (d === 'to-handset' ? null : f) });
    const etpFrame = sentFrames(first, 'to-server', 'etp-dat')[0]!;
    const reply =
      first.undelivered.length > 0 ? first.undelivered : first.frames.filter((f) => f.direction === 'to-handset').map((f) => f.sent);
    expect(reply).toHaveLength(1);
    expect(first.sim.account(EMAIL)!.failedAttempts).toBe(1);
    const again = first.sim.receive(etpFrame);
    expect(again).toHaveLength(1);
    expect(bytesToHex(again[0]!)).toBe(bytesToHex(reply[0]!));
    expect(first.sim.account(EMAIL)!.failedAttempts).toBe(1);
  });

  it('replayed handset-confirm and key-verified after activation change nothing', () => {
    const full = runExchange({ ...base(X25519), until: 'end' });
    expect(full.stoppedBy).toBe('complete');
    const sim = full.sim;
    const device = sim.accounts.get(EMAIL)!.device!;
    expect(sim.receive(sentFrames(full, 'to-server', 'key-verified')[0]!)).toEqual([]);
    expect(sim.receive(sentFrames(full, 'to-server', 'handset-confirm')[0]!)).toEqual([]);
    expect(sim.accounts.get(EMAIL)!.device).toBe(device);
    expect(sim.account(EMAIL)!.status).toBe('Activated');
  });
});

describe('frames from other sessions', () => {
  it('a server frame whose sid is not the session is ignored by the handset', () => {
    const ref = reference(X25519);
    const frame = frameOf(ref.serverShare);
    const other = encodeFrame({ ...frame, sid: new Uint8Array(16).fill(0xaa) });
    const r = runExchange({ ...base(X25519), tamper: once('to-handset', ref.serverShare, other) });
    expect(r.ignored[0]).toEqual({ reason: 'frame of another session' });
    // The genuine server-share comes again after the handset retransmits its ETP.DAT.
    expect(r.stoppedBy).toBe('key-established');
    expect(sentFrames(r, 'to-server', 'etp-dat')).toHaveLength(2);
  });
});

// Guard against a harness that silently tampers nothing.
describe('harness sanity', () => {
  it('the untampered reference run establishes the key the server holds', () => {
    const ref = reference(X25519);
    const full = runExchange({ ...base(X25519), until: 'end' });
    expect(bytesToHex(full.state.transportKey!.key)).toBe(bytesToHex(ref.run.state.transportKey!.key));
    expect(bytesToHex(ref.run.state.transportKey!.key)).toBe(bytesToHex(full.sim.accounts.get(EMAIL)!.device!.transportKey));
    const tampered = flipByte(ref.etpFrame, 0);
    expect(bytesToHex(tampered)).not.toBe(bytesToHex(ref.etpFrame));
  });
});
