/**
 * What the wire mutation run of 2026-12-03 (commit 72af9c6) found nothing holding (issue 9;
 * docs/testing-strength.md, "wire"): the lifecycle decoders name what they decode, a rekey request
 * is a plain empty map and nothing else, an encoder sends only the fields the protocol knows (an
 * absent optional field stays absent; extra properties of the caller's objects stay home), and an
 * encoder refuses a malformed service-book config with INVALID_ARGUMENT, not a TypeError.
 * Each test was checked by planting its mutant by hand.
 */
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { decodeDeviceCommand } from '../../src/wire/messages/device-command.js';
import { decodeDeviceCommandAck } from '../../src/wire/messages/device-command-ack.js';
import { decodeKeyGrant, encodeKeyGrant, type KeyGrant } from '../../src/wire/messages/key-issue.js';
import { decodeRekeyAccept } from '../../src/wire/messages/rekey-accept.js';
import { decodeRekeyDone } from '../../src/wire/messages/rekey-done.js';
import { decodeRekeyOffer } from '../../src/wire/messages/rekey-offer.js';
import { decodeRekeyRequest, encodeRekeyRequest } from '../../src/wire/messages/rekey-request.js';
import { decodeServiceBooks, encodeServiceBooks } from '../../src/wire/messages/service-books.js';
import type { ServiceBook } from '../../src/service-books/service-book.js';
import { defaultServiceBooks } from '../../src/service-books/server-books.js';
import { expectCode } from '../support/errors.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const NOT_A_MAP = encodeCbor(5);

describe('the lifecycle decoders name what they decode in a refusal (docs/protocol.md)', () => {
  it.each([
    ['device-command', () => decodeDeviceCommand(NOT_A_MAP)],
    ['device-command-ack', () => decodeDeviceCommandAck(NOT_A_MAP)],
    ['rekey-offer', () => decodeRekeyOffer(NOT_A_MAP)],
    ['rekey-accept', () => decodeRekeyAccept(NOT_A_MAP)],
    ['rekey-done', () => decodeRekeyDone(NOT_A_MAP)],
    ['rekey-request', () => decodeRekeyRequest(NOT_A_MAP)],
  ])('%s', (what, decode) => {
    const err = expectCode(decode, 'MALFORMED');
    expect(err.message).toMatch(new RegExp(`^${what}: invalid field `));
    expect(err.cause).toMatchObject({ operation: `decode ${what}` });
  });
});

describe('rekey-request: the empty map `{}` and nothing else (docs/lifecycle.md, "Key rollover")', () => {
  it('its own encoding decodes', () => {
    expect(decodeRekeyRequest(encodeRekeyRequest())).toEqual({});
  });

  it.each([
    ['null', 'f6'],
    ['undefined', 'f7'],
    ['a Date (tag 1), an object without own fields', 'c1 00'],
    ['a number', '05'],
    ['an empty array', '80'],
    ['a map with a field', 'a1 61 61 00'],
  ])('%s is MALFORMED, never a TypeError', (_name, h) => {
    const err = expectCode(() => decodeRekeyRequest(hex(h)), 'MALFORMED');
    expect(err.message).toMatch(/^rekey-request: invalid field /);
  });
});

describe('key grant: an absent agreement key is absent on the wire, not `undefined`', () => {
  const grant: KeyGrant = {
    algorithm: 'AES-256-CBC',
    keyId: new Uint8Array(8).fill(1),
    key: new Uint8Array(32).fill(2),
    server: { srp: 'S12345678', relay: 'relay.example', name: 'BES01', version: '5.0', publicKey: new Uint8Array(32).fill(3) },
  };

  it('a server before key rollover sends no agreementKey field at all', () => {
    const raw = decodeCbor(encodeKeyGrant(grant), 'test') as { server: Record<string, unknown> };
    expect(Object.keys(raw.server)).toEqual(['srp', 'relay', 'name', 'version', 'publicKey']);
    expect(decodeKeyGrant(encodeKeyGrant(grant)).server).not.toHaveProperty('agreementKey');
  });

  it('a server with one sends it', () => {
    const withKey = { ...grant, server: { ...grant.server, agreementKey: new Uint8Array(32).fill(4) } };
    expect(decodeKeyGrant(encodeKeyGrant(withKey)).server.agreementKey).toEqual(new Uint8Array(32).fill(4));
  });
});

describe('service books: the encoder sends the known fields of a config, and refuses a broken one', () => {
  const [book] = defaultServiceBooks({ email: 'user@example.com', srp: 'S12345678', besDomain: 'BES01' });
  if (book === undefined) throw new Error('no default book');

  it('extra properties of a config and of its fields are not sent', () => {
    const config = book.config as unknown as { format: unknown; fields: { type: number; data: Uint8Array }[] };
    const noisy = {
      ...book,
      config: { ...config, secret: 'not for the wire', fields: config.fields.map((f) => ({ ...f, note: 'nor this' })) },
    } as unknown as ServiceBook;
    const raw = decodeCbor(encodeServiceBooks([noisy]), 'test') as { books: { config: Record<string, unknown> }[] };
    const sent = raw.books[0]?.config as { fields: Record<string, unknown>[] };
    expect(Object.keys(sent)).toEqual(['format', 'fields']);
    for (const f of sent.fields) expect(Object.keys(f)).toEqual(['type', 'data']);
    expect(decodeServiceBooks(encodeServiceBooks([noisy]))).toEqual([book]);
  });

  it.each([
    ['a null config', null, 'books.0.config', 'expected Object'],
    ['a config without a field list', { format: 1, fields: 'x' }, 'books.0.config.fields', 'expected Array'],
    ['a config whose field is null', { format: 1, fields: [null] }, 'books.0.config.fields.0', 'expected Object'],
    ['a config whose field is a number', { format: 1, fields: [7] }, 'books.0.config.fields.0', 'expected Object'],
  ])('%s is INVALID_ARGUMENT naming what is wrong with it, not a TypeError', (_name, config, field, reason) => {
    const err = expectCode(() => encodeServiceBooks([{ ...book, config } as unknown as ServiceBook]), 'INVALID_ARGUMENT');
    expect(err.message).toBe(`service books: invalid field ${field}`);
    expect(err.cause).toEqual({ operation: 'encode service books', field, reason });
  });
});
