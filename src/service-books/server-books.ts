/**
 * The books a BES sends a newly activated user, all at once: Desktop [CMIME], Desktop [CICAL],
 * Desktop [SYNC], Browserconfig [IPPP], Desktop [ALP] and Desktop [BBIM], every one with the
 * server's SRP identifier as its UID (RIM: the SRP identifier is the UID of Desktop [CMIME]).
 *
 * The values of HiddenName, DSID, RecordId and Config are ours (RIM's are not public): DSID is the
 * SRP identifier, RecType 0 (Barry's default for the Service Book database, r_servicebook.h
 * GetDefaultRecType), RecordId a stable 32-bit hash of (srp, cid), and every config is format 0x10;
 * the [CMIME] book's holds one field, {@link CMIME_CONFIG_EMAIL} (ours), naming the account it
 * delivers; the other configs have no fields.
 */
import { ActivationError } from '../errors/activation-error.js';
import { utf8ToBytes } from '../util/bytes.js';
import { CMIME_CONFIG_EMAIL, type ServiceBook, type ServiceBookConfig, checkServiceBook } from './service-book.js';

export { CMIME_CONFIG_EMAIL };

/** The CIDs of the default books, in the order the server sends them. */
export const DEFAULT_BOOK_CIDS = ['CMIME', 'CICAL', 'SYNC', 'IPPP', 'ALP', 'BBIM'] as const;
/** One of {@link DEFAULT_BOOK_CIDS}. */
export type DefaultBookCid = (typeof DEFAULT_BOOK_CIDS)[number];

/** What the server's default service books are made from: the server's identity and the user's address. */
export interface DefaultServiceBookOptions {
  /** The server's SRP identifier: the UID of every book. */
  readonly srp: string;
  /** The BES domain, e.g. "bes.example.com". */
  readonly besDomain: string;
  /** The user's email address (goes into the [CMIME] book). */
  readonly email: string;
  /** Name of the desktop books. Default "Desktop". */
  readonly name?: string;
  /** CIDs to leave out, e.g. `['CMIME']` for a user whose email is not enabled. */
  readonly omit?: readonly DefaultBookCid[];
}

const DESCRIPTIONS: Record<DefaultBookCid, (email: string) => string> = {
  CMIME: (email) => `Email for ${email}`,
  CICAL: (email) => `Wireless calendar for ${email}`,
  SYNC: () => 'Wireless synchronization and backup',
  IPPP: () => 'Browser proxy configuration',
  ALP: () => 'Remote address lookup',
  BBIM: () => 'Enterprise messenger',
};

/** The config of a default book: format 0x10; for [CMIME], the account's address. */
function defaultConfig(cid: DefaultBookCid, email: string): ServiceBookConfig {
  return { format: 0x10, fields: cid === 'CMIME' ? [{ type: CMIME_CONFIG_EMAIL, data: utf8ToBytes(email) }] : [] };
}

/** FNV-1a, 32-bit: a stable record id from text (no security meaning). */
function fnv1a32(textValue: string): number {
  let h = 0x811c9dc5;
  for (const byte of utf8ToBytes(textValue)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function invalid(field: string, message: string): never {
  throw new ActivationError('INVALID_ARGUMENT', message, { operation: 'defaultServiceBooks', field });
}

/**
 * The books a BES sends, in send order. Throws ActivationError('INVALID_ARGUMENT') for an empty
 * SRP identifier, an email without "@", an unknown CID in `omit`, or values too long for a book.
 */
export function defaultServiceBooks(options: DefaultServiceBookOptions): ServiceBook[] {
  if (options === null || typeof options !== 'object') invalid('options', 'options are required');
  const { srp, besDomain, email } = options;
  const name = options.name ?? 'Desktop';
  if (typeof srp !== 'string' || srp.length === 0) invalid('srp', 'srp must be a non-empty string');
  if (typeof besDomain !== 'string') invalid('besDomain', 'besDomain must be a string');
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) invalid('email', 'email must be an address like user@example.com');
  if (typeof name !== 'string' || name.length === 0) invalid('name', 'name must be a non-empty string');
  const omit = options.omit ?? [];
  for (const cid of omit) {
    if (!(DEFAULT_BOOK_CIDS as readonly string[]).includes(cid)) {
      invalid('omit', `omit may only list ${DEFAULT_BOOK_CIDS.join(', ')}`);
    }
  }
  return DEFAULT_BOOK_CIDS.filter((cid) => !omit.includes(cid)).map((cid) =>
    checkServiceBook({
      cid,
      uid: srp,
      recType: 0,
      recordId: fnv1a32(`${srp}/${cid}`),
      name: cid === 'IPPP' ? 'Browserconfig' : name,
      hiddenName: `${srp} ${cid}`,
      description: DESCRIPTIONS[cid](email),
      dsid: srp,
      besDomain,
      config: defaultConfig(cid, email),
    }),
  );
}
