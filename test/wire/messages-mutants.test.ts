/**
 * Wire messages, pinned where the first mutation run of `wire` found nothing holding them
 * (issue 9): every field survives a round trip, each decoder names what it decodes in its
 * refusals, a body is opened only under a key of the algorithm it was sealed with, and the text
 * shown for a peer's error is always ours (docs/protocol.md, "Frames", "error").
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ACTIVATION_ERROR_CODES, ActivationError } from '../../src/errors/activation-error.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { openEtpBody, sealEtpBody, type EtpBody } from '../../src/wire/etp/etp-body.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, type Frame } from '../../src/wire/frame.js';
import { decodeBooksAck, encodeBooksAck } from '../../src/wire/messages/books-ack.js';
import { decodeErrorMessage, encodeErrorMessage, errorText, openErrorBody, sealErrorBody } from '../../src/wire/messages/error.js';
import { decodeHandsetConfirm } from '../../src/wire/messages/handset-confirm.js';
import { openBody, sealBody } from '../../src/wire/messages/sealed-body.js';
import { decodeServerShare } from '../../src/wire/messages/server-share.js';
import { caught } from '../support/errors.js';

function failure(fn: () => unknown, code: string): ActivationError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe(code);
  return err as ActivationError;
}

const AD = Uint8Array.of(1, 2, 3);
const AES_KEY = new Uint8Array(32).fill(3);
const aes = { algorithm: 'AES-256-CBC', key: AES_KEY } as const;
/** The same key bytes under the other algorithm's name. */
const tdesNamedAes = { algorithm: 'TDES-EDE2-CBC', key: AES_KEY } as const;
const tdes = { algorithm: 'TDES-EDE2-CBC', key: new Uint8Array(16).fill(5) } as const;

describe('each decoder names what it decodes', () => {
  it.each([
    ['ETP.DAT', () => decodeEtpDat(encodeCbor(5))],
    ['ETP.DAT header', () => decodeEtpHeader(encodeCbor(5))],
    ['frame', () => decodeFrame(encodeCbor(5))],
    ['handset-confirm', () => decodeHandsetConfirm(encodeCbor(5))],
    ['server-share', () => decodeServerShare(encodeCbor(5))],
    ['books-ack', () => decodeBooksAck(encodeCbor(5))],
    ['error', () => decodeErrorMessage(encodeCbor(5))],
  ])('%s', (what, decode) => {
    const err = failure(decode, 'MALFORMED');
    expect(err.message).toBe(`${what}: invalid field (root)`);
    expect(err.cause).toMatchObject({ operation: `decode ${what}`, field: '(root)' });
  });

  it('an ETP.DAT header whose suite is not among its suites', () => {
    const header = encodeCbor({
      protocol: 1,
      pin: '2100000A',
      email: 'user@example.com',
      nonce: new Uint8Array(16),
      suite: 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512',
      suites: ['CPACE-X25519-SHA512'],
      ciphers: ['AES-256-CBC'],
    });
    const err = failure(() => decodeEtpHeader(header), 'MALFORMED');
    expect(err.message).toBe('ETP.DAT header: its suite is not one of the suites it offers');
    expect(err.cause).toEqual({ operation: 'decode ETP.DAT header', field: 'suite', reason: 'suite not offered' });
  });

  it('a frame whose checksum does not match (docs/protocol.md: damage in transit)', () => {
    const frame: Frame = {
      v: 1,
      type: 'key-verified',
      sid: new Uint8Array(16).fill(1),
      seq: 2,
      pin: '2100000A',
      to: 'srp:x',
      body: Uint8Array.of(1),
    };
    const bytes = encodeFrame(frame);
    bytes[bytes.length - 1]! ^= 1; // the last byte of `check`
    const err = failure(() => decodeFrame(bytes), 'MALFORMED');
    expect(err.message).toBe('frame: checksum mismatch (damaged in transit)');
    expect(err.cause).toEqual({ operation: 'decode frame', reason: 'checksum' });
  });
});

describe('the ETP.DAT body', () => {
  const header = encodeCbor({ h: 1 });
  const share = new Uint8Array(32).fill(7);
  const bodyKey = new Uint8Array(32).fill(9);
  const body = (srp?: string): EtpBody => ({
    identityKey: new Uint8Array(32).fill(1),
    agreementKey: new Uint8Array(32).fill(2),
    device: { model: '8800', os: '4.5.0.110' },
    capabilities: { databases: ['calendar', 'contacts'], maxPageRecords: 50 },
    routing: srp === undefined ? { relay: 'relay.example', uid: 'uid-1' } : { relay: 'relay.example', uid: 'uid-1', srp },
  });

  it('the routing, with or without the SRP id of a former server, survives sealing and opening', () => {
    for (const srp of ['S0000001', undefined]) {
      const sealed = sealEtpBody(nobleProvider, bodyKey, new Uint8Array(24), body(srp), { headerBytes: header, share });
      expect(openEtpBody(nobleProvider, bodyKey, sealed, header, share)).toEqual(body(srp));
    }
  });

  it('under the wrong key it is DECRYPT_FAILED, saying what failed', () => {
    const sealed = sealEtpBody(nobleProvider, bodyKey, new Uint8Array(24), body(), { headerBytes: header, share });
    const err = failure(() => openEtpBody(nobleProvider, new Uint8Array(32), sealed, header, share), 'DECRYPT_FAILED');
    expect(err.message).toBe('ETP.DAT body authentication failed');
    expect(err.cause).toEqual({ operation: 'open ETP.DAT body' });
  });
});

describe('books-ack', () => {
  it('every field survives a round trip', () => {
    const m = {
      stored: ['CMIME:1', 'SYNC:2'],
      emailEnabled: true,
      sync: { databases: ['calendar', 'contacts'] as const, maxPageRecords: 25 },
    };
    expect(decodeBooksAck(encodeBooksAck({ ...m, sync: { ...m.sync, databases: [...m.sync.databases] } }))).toEqual({
      ...m,
      sync: { ...m.sync, databases: [...m.sync.databases] },
    });
  });
});

describe('bodies sealed under the transport key', () => {
  it('open under the key and algorithm they were sealed with', () => {
    const sealed = sealBody(nobleProvider, aes, Uint8Array.of(4, 5), AD, seededRandom('a'));
    expect(openBody(nobleProvider, aes, sealed, AD, 'key-verified')).toEqual(Uint8Array.of(4, 5));
  });

  it('a body sealed under another algorithm is DECRYPT_FAILED, even when the key bytes would open it', () => {
    const sealed = sealBody(nobleProvider, aes, Uint8Array.of(4, 5), AD, seededRandom('a'));
    for (const key of [tdesNamedAes, tdes]) {
      const err = failure(() => openBody(nobleProvider, key, sealed, AD, 'key-verified'), 'DECRYPT_FAILED');
      expect(err.message).toBe('message authentication failed');
      expect(err.cause).toEqual({ operation: 'open key-verified' });
    }
  });
});

describe('error bodies', () => {
  it('in clear, with and without rules, round trip', () => {
    expect(decodeErrorMessage(encodeErrorMessage({ code: 'WRONG_PASSWORD' }))).toEqual({ code: 'WRONG_PASSWORD' });
    expect(decodeErrorMessage(encodeErrorMessage({ code: 'POLICY_REJECTED', rules: ['a', 'b'] }))).toEqual({
      code: 'POLICY_REJECTED',
      rules: ['a', 'b'],
    });
  });

  it('sealed under the transport key: opened only by a key of the same algorithm', () => {
    const body = sealErrorBody(nobleProvider, seededRandom('e'), { code: 'PROTOCOL_ERROR' }, AD, { transport: aes });
    expect(openErrorBody(nobleProvider, body, AD, [{ transport: aes }])).toEqual({
      message: { code: 'PROTOCOL_ERROR' },
      authenticated: true,
    });
    expect(openErrorBody(nobleProvider, body, AD, [{ transport: tdesNamedAes }])).toBeUndefined();
    expect(openErrorBody(nobleProvider, body, AD, [{ transport: { ...aes, key: new Uint8Array(32) } }])).toBeUndefined();
  });

  it('a body of none of the three forms is refused as a whole, at the root (docs/protocol.md, "error")', () => {
    // A plain form with a rule over 128 characters, a plain form with an extra field, a box that is no box.
    for (const body of [{ code: 'POLICY_REJECTED', rules: ['x'.repeat(129)] }, { code: 'WRONG_PASSWORD', text: 'free text' }, { box: 5 }]) {
      const err = failure(() => openErrorBody(nobleProvider, encodeCbor(body), AD, [{ transport: aes }]), 'MALFORMED');
      expect(err.cause).toEqual({ operation: 'decode error', field: '(root)', reason: 'expected Object' });
    }
  });

  it('a provider failure that is not an ActivationError is not taken for "not under this key"', () => {
    const broken: CryptoProvider = {
      ...nobleProvider,
      openMessage: () => {
        throw new TypeError('provider bug');
      },
    };
    const body = sealErrorBody(nobleProvider, seededRandom('e'), { code: 'PROTOCOL_ERROR' }, AD, { transport: aes });
    expect(() => openErrorBody(broken, body, AD, [{ transport: aes }])).toThrow(TypeError);
  });

  it('every error code has a text of ours', () => {
    for (const code of ACTIVATION_ERROR_CODES) {
      expect(errorText(code)).toMatch(/\S/);
      expect(errorText(code)).not.toBe(code);
    }
    expect(errorText('WRONG_PASSWORD')).toBe('the activation password is incorrect');
  });
});
