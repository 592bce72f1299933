import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { CMIME_CONFIG_EMAIL } from '../../src/service-books/server-books.js';
import { utf8ToBytes } from '../../src/util/bytes.js';
import {
  CID_CAPABILITIES,
  CID_DESCRIPTIONS,
  DEFAULT_BOOK_CIDS,
  KNOWN_CIDS,
  MAX_CONFIG_BYTES,
  MAX_CONFIG_FIELD_BYTES,
  MAX_SERVICE_BOOKS,
  ServiceBookStore,
  addBooks,
  booksByCid,
  capabilitiesOf,
  defaultServiceBooks,
  displayName,
  emailEnabled,
  findBook,
  removeBook,
  type ServiceBook,
} from '../../src/service-books/index.js';
import { decodeServiceBooks, encodeServiceBooks } from '../../src/wire/messages/service-books.js';
import { expectCode } from '../support/errors.js';

function book(cid: string, uid: string, extra: Partial<ServiceBook> = {}): ServiceBook {
  return {
    cid,
    uid,
    recType: 0,
    recordId: 1,
    name: 'Desktop',
    hiddenName: '',
    description: '',
    dsid: uid,
    besDomain: 'bes.example.com',
    config: { format: 0x10, fields: [{ type: 7, data: new Uint8Array([1, 2, 3]) }] },
    ...extra,
  };
}

/** Encodes a hand-made wire value, bypassing the encoder's own checks. */
function rawBooks(books: unknown[]): Uint8Array {
  return encodeCbor({ books });
}

function wireBook(b: ServiceBook): Record<string, unknown> {
  return { ...b };
}

/** A config of `n` fields of `size` bytes each. */
function configOf(n: number, size: number, format: 0x01 | 0x02 | 0x10 = 0x10): ServiceBook['config'] {
  return { format, fields: Array.from({ length: n }, (_, i) => ({ type: i & 0xff, data: new Uint8Array(size) })) };
}

const SRP = 'S12345678';

describe('service book encoding', () => {
  it('round-trips a list of books', () => {
    const books = defaultServiceBooks({ srp: SRP, besDomain: 'bes.example.com', email: 'jane@example.com' });
    const decoded = decodeServiceBooks(encodeServiceBooks(books));
    expect(decoded).toEqual(books);
    expect(decoded[0]?.config.fields[0]?.data).toBeInstanceOf(Uint8Array);
  });

  it('round-trips an empty list and a full one', () => {
    expect(decodeServiceBooks(encodeServiceBooks([]))).toEqual([]);
    // 16 fields of 253 bytes packed as format 0x10: 1 + 16 * (2 + 253) = 4081 bytes, under the 4 KiB limit.
    const many = Array.from({ length: MAX_SERVICE_BOOKS }, (_, i) => book('CMIME', `S${i}`, { config: configOf(16, 253) }));
    expect(decodeServiceBooks(encodeServiceBooks(many))).toHaveLength(MAX_SERVICE_BOOKS);
  });

  it('does not send properties that are not book fields', () => {
    const withExtra = { ...book('CMIME', SRP), secret: 'x' } as ServiceBook;
    const decoded = decodeCbor(encodeServiceBooks([withExtra]), 'test') as { books: Record<string, unknown>[] };
    expect(decoded.books[0]).not.toHaveProperty('secret');
  });

  it('rejects an extra field as MALFORMED', () => {
    const err = expectCode(() => decodeServiceBooks(rawBooks([{ ...wireBook(book('CMIME', SRP)), extra: 1 }])), 'MALFORMED');
    expect(err.cause?.field).toBe('books.0.extra');
  });

  it('rejects a missing field as MALFORMED', () => {
    const { config: _config, ...partial } = book('CMIME', SRP);
    expectCode(() => decodeServiceBooks(rawBooks([partial])), 'MALFORMED');
  });

  it('rejects a config over 4 KiB packed as MALFORMED (and refuses to encode it); the format counts its header bytes', () => {
    // 1 + 16 * (2 + 255) = 4113 bytes as format 0x10; 1 + 15 * (3 + 255) = 3871 as format 0x02, but 16 fields are 4129.
    for (const config of [configOf(16, 255), configOf(16, 255, 0x02)]) {
      const big = book('CMIME', SRP, { config });
      const err = expectCode(() => decodeServiceBooks(rawBooks([wireBook(big)])), 'MALFORMED');
      expect(err.cause?.field).toBe('books.0.config');
      expectCode(() => encodeServiceBooks([big]), 'INVALID_ARGUMENT');
    }
    expect(decodeServiceBooks(encodeServiceBooks([book('CMIME', SRP, { config: configOf(15, 255, 0x02) })]))).toHaveLength(1);
    expect(MAX_CONFIG_BYTES).toBe(4096);
  });

  it("round-trips Barry's book fields: RecType, RecordId, a string UniqueId (uid) and a packed config with its format byte", () => {
    const b = book('CICAL', 'S0000001', {
      recType: 0xff,
      recordId: 0xffff_ffff,
      config: { format: 0x01, fields: [{ type: 0xff, data: new Uint8Array(MAX_CONFIG_FIELD_BYTES) }] },
    });
    const [decoded] = decodeServiceBooks(encodeServiceBooks([b]));
    expect(decoded).toEqual(b);
    expect(decoded?.config.fields[0]?.data).toBeInstanceOf(Uint8Array);
    expect(typeof decoded?.uid).toBe('string');
  });

  it('rejects a config field over 255 bytes (its size is one byte), an unknown format or a type over 255 as MALFORMED', () => {
    const bad: unknown[] = [
      { format: 0x10, fields: [{ type: 1, data: new Uint8Array(MAX_CONFIG_FIELD_BYTES + 1) }] },
      { format: 0x03, fields: [] },
      { format: 0x10, fields: [{ type: 256, data: new Uint8Array(1) }] },
      { format: 0x10, fields: [{ type: 1, data: new Uint8Array(1), code: 2 }] },
      { format: 0x10 },
      new Uint8Array([1, 2, 3]),
    ];
    for (const config of bad) {
      const err = expectCode(() => decodeServiceBooks(rawBooks([{ ...wireBook(book('CMIME', SRP)), config }])), 'MALFORMED');
      expect(String(err.cause?.field)).toMatch(/^books\.0\.config/);
    }
  });

  it('refuses the fields of the earlier shape: an integer uniqueId and a contentId', () => {
    const { recordId, ...rest } = wireBook(book('CMIME', SRP));
    expectCode(() => decodeServiceBooks(rawBooks([{ ...rest, uniqueId: recordId }])), 'MALFORMED');
    expectCode(() => decodeServiceBooks(rawBooks([{ ...wireBook(book('CMIME', SRP)), contentId: 'CMIME' }])), 'MALFORMED');
  });

  it('rejects wrong types, bad CIDs, long strings and out-of-range ids as MALFORMED', () => {
    const bad: Partial<Record<keyof ServiceBook, unknown>>[] = [
      { cid: 'cmime' },
      { cid: '' },
      { cid: 'C MIME' },
      { uid: '' },
      { uid: 'x'.repeat(65) },
      { name: 'x'.repeat(65) },
      { description: 'x'.repeat(257) },
      { recordId: -1 },
      { recordId: 2 ** 32 },
      { recordId: 1.5 },
      { recordId: '1' },
      { recType: 256 },
      { recType: -1 },
      { config: 'abc' },
      { config: [1, 2, 3] },
      { besDomain: 42 },
    ];
    for (const change of bad) {
      expectCode(() => decodeServiceBooks(rawBooks([{ ...wireBook(book('CMIME', SRP)), ...change }])), 'MALFORMED');
    }
  });

  it('rejects more than 64 books, duplicates of (cid, uid), trailing bytes and non-CBOR as MALFORMED', () => {
    const many = Array.from({ length: MAX_SERVICE_BOOKS + 1 }, (_, i) => wireBook(book('CMIME', `S${i}`)));
    expectCode(() => decodeServiceBooks(rawBooks(many)), 'MALFORMED');
    expectCode(() => decodeServiceBooks(rawBooks([wireBook(book('CMIME', SRP)), wireBook(book('CMIME', SRP))])), 'MALFORMED');
    const good = encodeServiceBooks([book('CMIME', SRP)]);
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expectCode(() => decodeServiceBooks(trailing), 'MALFORMED');
    expectCode(() => decodeServiceBooks(new Uint8Array([0xff, 0x00])), 'MALFORMED');
    expectCode(() => decodeServiceBooks(encodeCbor([wireBook(book('CMIME', SRP))])), 'MALFORMED');
    expectCode(() => decodeServiceBooks(encodeCbor({ books: [], more: 1 })), 'MALFORMED');
  });

  it('refuses to encode duplicates or too many books', () => {
    expectCode(() => encodeServiceBooks([book('CMIME', SRP), book('CMIME', SRP)]), 'INVALID_ARGUMENT');
    expectCode(() => encodeServiceBooks(Array.from({ length: 65 }, (_, i) => book('CMIME', `S${i}`))), 'INVALID_ARGUMENT');
  });

  it('decodes every truncation of a valid message as MALFORMED, never anything else', () => {
    const bytes = encodeServiceBooks(defaultServiceBooks({ srp: SRP, besDomain: 'bes.example.com', email: 'jane@example.com' }));
    for (let n = 0; n < bytes.length; n += 7) {
      expectCode(() => decodeServiceBooks(bytes.slice(0, n)), 'MALFORMED');
    }
  });
});

describe('displayName', () => {
  it('shows books the way the handset lists them', () => {
    expect(displayName(book('CMIME', SRP))).toBe('Desktop [CMIME]');
    expect(displayName(book('ALP', SRP))).toBe('Desktop [ALP]');
    expect(displayName(book('IPPP', SRP, { name: 'Browserconfig' }))).toBe('Browserconfig for IPPP');
    expect(displayName(book('WAP', SRP, { name: 'Browserconfig' }))).toBe('Browserconfig for WAP');
    expect(displayName(book('SYNC', SRP, { name: '' }))).toBe('[SYNC]');
  });
});

describe('capabilities', () => {
  it('maps each CID to what it enables', () => {
    expect(capabilitiesOf([book('CMIME', SRP)])).toEqual(new Set(['email']));
    expect(capabilitiesOf([book('CICAL', SRP)])).toEqual(new Set(['calendar']));
    expect(capabilitiesOf([book('SYNC', SRP)])).toEqual(new Set(['organizer-sync', 'backup-restore', 'email-settings']));
    expect(capabilitiesOf([book('IPPP', SRP)])).toEqual(new Set(['browsing']));
    expect(capabilitiesOf([book('ALP', SRP)])).toEqual(new Set(['address-lookup']));
    expect(capabilitiesOf([book('BBIM', SRP)])).toEqual(new Set(['messenger']));
    expect(capabilitiesOf([book('XYZZY', SRP)])).toEqual(new Set());
    expect(capabilitiesOf([])).toEqual(new Set());
  });

  it('gives the union over all books', () => {
    const all = capabilitiesOf(defaultServiceBooks({ srp: SRP, besDomain: 'd', email: 'a@b.c' }));
    expect([...all].sort()).toEqual([
      'address-lookup',
      'backup-restore',
      'browsing',
      'calendar',
      'email',
      'email-settings',
      'messenger',
      'organizer-sync',
    ]);
  });

  it('only [CMIME] enables email', () => {
    const withoutEmail = defaultServiceBooks({ srp: SRP, besDomain: 'd', email: 'a@b.c', omit: ['CMIME'] });
    expect(emailEnabled(withoutEmail)).toBe(false);
    expect(emailEnabled([book('CMIME', SRP)])).toBe(true);
  });

  it('describes every known CID', () => {
    for (const cid of KNOWN_CIDS) {
      expect(CID_DESCRIPTIONS[cid].length).toBeGreaterThan(0);
      expect(CID_CAPABILITIES[cid].length).toBeGreaterThan(0);
    }
    expect(CID_DESCRIPTIONS.CMIME).toMatch(/MIME/);
    expect(CID_DESCRIPTIONS.CICAL).toMatch(/iCalendar/);
    expect(CID_DESCRIPTIONS.IPPP).toMatch(/proxy/);
  });
});

describe('store (functional API)', () => {
  it('keeps two [CMIME] books with different UIDs side by side', () => {
    const work = book('CMIME', 'S11111111', { description: 'work' });
    const other = book('CMIME', 'S22222222', { description: 'second account' });
    const books = addBooks(addBooks([], [work]), [other]);
    expect(books).toHaveLength(2);
    expect(booksByCid(books, 'CMIME').map((b) => b.description)).toEqual(['work', 'second account']);
    expect(findBook(books, 'CMIME', 'S22222222')).toBe(other);
  });

  it('replaces a book with the same (cid, uid)', () => {
    const v1 = book('CMIME', SRP, { description: 'v1' });
    const v2 = book('CMIME', SRP, { description: 'v2' });
    const books = addBooks([v1], [v2]);
    expect(books).toEqual([v2]);
    expect(addBooks([], [v1, v2])).toEqual([v2]);
  });

  it('sorts by cid then uid and never mutates its input', () => {
    const input = [book('SYNC', 'B'), book('CMIME', 'B'), book('CMIME', 'A')];
    const frozen = Object.freeze([...input]);
    const books = addBooks(frozen, [book('ALP', 'Z')]);
    expect(books.map((b) => `${b.cid}/${b.uid}`)).toEqual(['ALP/Z', 'CMIME/A', 'CMIME/B', 'SYNC/B']);
    expect(frozen).toEqual(input);
    const removed = removeBook(books, 'CMIME', 'A');
    expect(removed.map((b) => `${b.cid}/${b.uid}`)).toEqual(['ALP/Z', 'CMIME/B', 'SYNC/B']);
    expect(books).toHaveLength(4);
    expect(removeBook(books, 'CMIME', 'nope')).toEqual(books);
  });
});

describe('ServiceBookStore', () => {
  it('wraps the functional API', () => {
    const store = new ServiceBookStore([book('CMIME', 'S1')]);
    store.add(book('CMIME', 'S2'), book('CICAL', 'S1'));
    expect(store.size).toBe(3);
    expect(store.byCid('CMIME').map((b) => b.uid)).toEqual(['S1', 'S2']);
    expect(store.get('CICAL', 'S1')?.cid).toBe('CICAL');
    expect(store.get('CICAL', 'S2')).toBeUndefined();
    expect(store.capabilities()).toEqual(new Set(['email', 'calendar']));
    store.add(book('CMIME', 'S1', { name: 'Renamed' }));
    expect(store.size).toBe(3);
    expect(store.get('CMIME', 'S1')?.name).toBe('Renamed');
    expect(store.remove('CMIME', 'S1')).toBe(true);
    expect(store.remove('CMIME', 'S1')).toBe(false);
    expect(store.all().map((b) => `${b.cid}/${b.uid}`)).toEqual(['CICAL/S1', 'CMIME/S2']);
    expect(store.capabilities()).toEqual(new Set(['email', 'calendar']));
    const copy = store.all();
    copy.pop();
    expect(store.size).toBe(2);
  });
});

describe('defaultServiceBooks', () => {
  const options = { srp: SRP, besDomain: 'bes.example.com', email: 'jane.doe@example.com' };

  it('sends the six desktop books, all with the SRP identifier as UID', () => {
    const books = defaultServiceBooks(options);
    expect(books.map(displayName)).toEqual([
      'Desktop [CMIME]',
      'Desktop [CICAL]',
      'Desktop [SYNC]',
      'Browserconfig for IPPP',
      'Desktop [ALP]',
      'Desktop [BBIM]',
    ]);
    expect(books.map((b) => b.cid)).toEqual([...DEFAULT_BOOK_CIDS]);
    for (const b of books) {
      expect(b.uid).toBe(SRP);
      expect(b.besDomain).toBe('bes.example.com');
    }
    expect(new Set(books.map((b) => b.recordId)).size).toBe(books.length);
    expect(books.map((b) => b.recType)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(books[0]?.config).toEqual({ format: 0x10, fields: [{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes('jane.doe@example.com') }] });
    for (const b of books.slice(1)) expect(b.config).toEqual({ format: 0x10, fields: [] });
  });

  it('is deterministic', () => {
    expect(defaultServiceBooks(options)).toEqual(defaultServiceBooks(options));
  });

  it('leaves out omitted books', () => {
    expect(defaultServiceBooks({ ...options, omit: ['CMIME'] }).map((b) => b.cid)).toEqual(['CICAL', 'SYNC', 'IPPP', 'ALP', 'BBIM']);
    expect(defaultServiceBooks({ ...options, omit: ['CICAL', 'BBIM'] }).map((b) => b.cid)).toEqual(['CMIME', 'SYNC', 'IPPP', 'ALP']);
    expect(defaultServiceBooks({ ...options, omit: [...DEFAULT_BOOK_CIDS] })).toEqual([]);
  });

  it('uses a custom desktop name', () => {
    expect(
      defaultServiceBooks({ ...options, name: 'BES01' })
        .map(displayName)
        .slice(0, 1),
    ).toEqual(['BES01 [CMIME]']);
  });

  it('rejects bad options as INVALID_ARGUMENT', () => {
    expectCode(() => defaultServiceBooks({ ...options, srp: '' }), 'INVALID_ARGUMENT');
    expectCode(() => defaultServiceBooks({ ...options, srp: 'S'.repeat(65) }), 'INVALID_ARGUMENT');
    expectCode(() => defaultServiceBooks({ ...options, email: 'not-an-address' }), 'INVALID_ARGUMENT');
    expectCode(() => defaultServiceBooks({ ...options, omit: ['WAP' as 'CMIME'] }), 'INVALID_ARGUMENT');
  });

  it('two servers give coexisting books of the same CIDs', () => {
    const store = new ServiceBookStore(defaultServiceBooks(options));
    store.add(...defaultServiceBooks({ ...options, srp: 'S87654321', email: 'jane@other.example' }));
    expect(store.size).toBe(12);
    expect(store.byCid('CMIME').map((b) => b.uid)).toEqual(['S12345678', 'S87654321']);
  });
});
