/**
 * The contract every message codec keeps (docs/protocol.md; src/codec/check-argument.ts): a
 * decoder's refusal is ActivationError('MALFORMED') whose message and `cause.operation` name the
 * message ("decode <what>"); an encoder's refusal of what its caller hands in is
 * ActivationError('INVALID_ARGUMENT') with `cause.operation` "encode <what>" and the offending
 * field, never a TypeError; and a size limit holds at its exact boundary: the largest page or
 * policy is accepted, one byte more is refused. Pinned where the wire mutation run on the code of
 * issue 11 found nothing holding these (issue 9).
 */
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { openEtpBody } from '../../src/wire/etp/etp-body.js';
import { decodeSignedPolicy, encodeSignedPolicy } from '../../src/wire/messages/it-policy.js';
import { decodeKeyGrant, decodeKeyIssue } from '../../src/wire/messages/key-issue.js';
import { decodeKeyVerified } from '../../src/wire/messages/key-verified.js';
import { decodePolicyAck, encodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { decodeServerShare } from '../../src/wire/messages/server-share.js';
import { decodeServiceBooks, encodeServiceBooks } from '../../src/wire/messages/service-books.js';
import { decodeSyncAck, encodeSyncAck } from '../../src/wire/messages/sync-ack.js';
import { decodeSyncDone } from '../../src/wire/messages/sync-done.js';
import { decodeSyncPage, encodeSyncPage } from '../../src/wire/messages/sync-page.js';
import type { PolicyAck } from '../../src/policy/acknowledgement.js';
import type { ServiceBook } from '../../src/service-books/service-book.js';
import type { SyncAck, SyncPage } from '../../src/sync/pages.js';
import type { Memo } from '../../src/sync/records.js';
import { expectCode } from '../support/errors.js';

/** A provider whose AEAD "opens" anything to the given plaintext: the ETP.DAT body decoder is reached without real keys. */
function openingTo(plaintext: Uint8Array): CryptoProvider {
  return { aeadOpen: () => plaintext } as unknown as CryptoProvider;
}

const NOT_A_MAP = encodeCbor(5);

describe('every decoder names what it decodes in a refusal', () => {
  it.each([
    ['key grant', () => decodeKeyGrant(NOT_A_MAP)],
    ['key-issue', () => decodeKeyIssue(NOT_A_MAP)],
    ['key-verified', () => decodeKeyVerified(NOT_A_MAP)],
    ['policy-ack', () => decodePolicyAck(NOT_A_MAP)],
    ['it-policy', () => decodeSignedPolicy(NOT_A_MAP)],
    ['service books', () => decodeServiceBooks(NOT_A_MAP)],
    ['sync ack', () => decodeSyncAck(NOT_A_MAP)],
    ['sync-done', () => decodeSyncDone(NOT_A_MAP)],
    ['sync page', () => decodeSyncPage(NOT_A_MAP)],
    [
      'server-share routing',
      () => decodeServerShare(encodeCbor({ etp: new Uint8Array(32), share: new Uint8Array(32), ad: NOT_A_MAP, tag: new Uint8Array(64) })),
    ],
    [
      'ETP.DAT body',
      () =>
        openEtpBody(
          openingTo(NOT_A_MAP),
          new Uint8Array(32),
          { nonce: new Uint8Array(24), ciphertext: new Uint8Array(16) },
          Uint8Array.of(1),
          Uint8Array.of(2),
        ),
    ],
  ])('%s', (what, decode) => {
    const err = expectCode(decode, 'MALFORMED');
    expect(err.message).toBe(`${what}: invalid field (root)`);
    expect(err.cause).toMatchObject({ operation: `decode ${what}`, field: '(root)' });
  });
});

describe("an encoder's refusal is INVALID_ARGUMENT naming the message and the field", () => {
  it('policy-ack', () => {
    const ack: PolicyAck = { policyId: '', policyHash: new Uint8Array(32), status: 'applied', applied: [], rejected: [], ignored: [] };
    const err = expectCode(() => encodePolicyAck(ack), 'INVALID_ARGUMENT');
    expect(err.message).toBe('policy-ack: invalid field policyId');
    expect(err.cause).toEqual({ operation: 'encode policy-ack', field: 'policyId', reason: expect.any(String) });
  });

  it('sync ack (through the shared argument check)', () => {
    const ack: SyncAck = { database: 'memos', page: 0, received: [''] };
    const err = expectCode(() => encodeSyncAck(ack), 'INVALID_ARGUMENT');
    expect(err.message).toBe('sync ack: invalid field received.0');
    expect(err.cause).toEqual({ operation: 'encode sync ack', field: 'received.0', reason: expect.any(String) });
  });

  it('service books: a book that breaks the schema', () => {
    const err = expectCode(() => encodeServiceBooks([{} as ServiceBook]), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/^service books: invalid field books\.0\./);
    expect(err.cause).toMatchObject({ operation: 'encode service books' });
  });

  it.each([
    ['null', null],
    ['a string', 'CMIME'],
    ['an object', { length: 0 }],
  ])('service books: %s instead of a list is INVALID_ARGUMENT, not a TypeError', (_name, books) => {
    const err = expectCode(() => encodeServiceBooks(books as unknown as ServiceBook[]), 'INVALID_ARGUMENT');
    expect(err.message).toBe('service books must be an array');
    expect(err.cause).toEqual({ operation: 'encode service books' });
  });

  it('sync page: a schema-valid page that is not consistent names the inconsistent field', () => {
    const page: SyncPage = { database: 'memos', page: 1, pageCount: 1, total: 0, records: [] };
    const err = expectCode(() => encodeSyncPage(page), 'INVALID_ARGUMENT');
    expect(err.message).toBe('sync page: invalid field page');
    expect(err.cause).toEqual({ operation: 'encode sync page', field: 'page', reason: 'page index not below pageCount' });
  });

  it('sync page: a record that breaks the schema', () => {
    const page = { database: 'memos', page: 0, pageCount: 1, total: 1, records: [{ kind: 'memo', id: '' }] } as unknown as SyncPage;
    const err = expectCode(() => encodeSyncPage(page), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/^sync page: invalid field records\.0\./);
    expect(err.cause).toMatchObject({ operation: 'encode sync page' });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 5],
    ['empty policy bytes', { policy: new Uint8Array(0), signature: new Uint8Array(64) }],
    ['a short signature', { policy: Uint8Array.of(1), signature: new Uint8Array(63) }],
  ])('it-policy: %s is INVALID_ARGUMENT, not a TypeError', (_name, signed) => {
    const err = expectCode(() => encodeSignedPolicy(signed as never), 'INVALID_ARGUMENT');
    expect(err.message).toBe('a signed IT policy is 1..262144 policy bytes and a 64-byte signature');
    expect(err.cause).toEqual({ operation: 'encode it-policy' });
  });
});

describe('size limits hold at their exact boundary', () => {
  /** The sync page limit: half of the 1 MiB frame (src/sync/pages.ts). */
  const PAGE_LIMIT = 524_288;

  function memo(i: number, bodyLength: number): Memo {
    return { kind: 'memo', id: `m${i}`, title: 'T', body: 'b'.repeat(bodyLength), categories: [] };
  }

  function memosPage(records: Memo[]): SyncPage {
    return { database: 'memos', page: 0, pageCount: 1, total: records.length, records };
  }

  /** A memos page whose encoding is exactly `size` bytes (bodies stay 256..4096 characters, where one more character is one more byte). */
  function pageOfSize(size: number): SyncPage {
    const records: Memo[] = [];
    const sizeOf = (): number => encodeCbor(memosPage(records)).length;
    while (sizeOf() + 4200 < size) records.push(memo(records.length, 4000));
    records.push(memo(records.length, 300));
    const last = records.length - 1;
    records[last] = memo(last, 300 + size - sizeOf());
    return memosPage(records);
  }

  it('a sync page of exactly 524288 bytes encodes and decodes; one byte more is refused both ways', () => {
    const atLimit = pageOfSize(PAGE_LIMIT);
    const encoded = encodeSyncPage(atLimit);
    expect(encoded.length).toBe(PAGE_LIMIT);
    expect(decodeSyncPage(encoded)).toEqual(atLimit);

    const over = pageOfSize(PAGE_LIMIT + 1);
    const err = expectCode(() => encodeSyncPage(over), 'INVALID_ARGUMENT');
    expect(err.message).toBe('sync page: 524289 bytes exceeds the limit of 524288');
    expect(err.cause).toEqual({ operation: 'encode sync page', size: 524_289, limit: 524_288 });
    const bytes = encodeCbor(over);
    expect(bytes.length).toBe(PAGE_LIMIT + 1);
    expectCode(() => decodeSyncPage(bytes), 'MALFORMED');
  });

  it('an it-policy with the largest policy (262144 bytes) and its signature decodes', () => {
    const signed = { policy: new Uint8Array(262_144).fill(7), signature: new Uint8Array(64).fill(9) };
    const decoded = decodeSignedPolicy(encodeSignedPolicy(signed));
    expect(decoded.policy).toEqual(signed.policy);
    expect(decoded.signature).toEqual(signed.signature);
  });
});
