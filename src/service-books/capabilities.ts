/**
 * What each service book turns on, from the seed (../shared/seed/000_06c312eb7007db82.txt, the
 * service book list) and the facts file ("Service books"): [CMIME] is all email needs
 * ("only the [CMIME] is required for email reconciliation"); [CICAL] carries wireless calendar
 * synchronization; [SYNC] carries the other organizer databases, wireless backup and restore,
 * and email settings and filters; [IPPP] is the browser's proxy; [ALP] remote address lookup;
 * [BBIM] the messenger.
 */
import type { KnownCid, ServiceBook } from './service-book.js';

/** A service the device can offer once the right book is present. */
export type Capability =
  'email' | 'calendar' | 'organizer-sync' | 'backup-restore' | 'email-settings' | 'browsing' | 'address-lookup' | 'messenger';

/** Every {@link Capability}, in a fixed order for display. */
export const CAPABILITIES: readonly Capability[] = [
  'email',
  'calendar',
  'organizer-sync',
  'backup-restore',
  'email-settings',
  'browsing',
  'address-lookup',
  'messenger',
];

/** Capabilities each known CID enables. */
export const CID_CAPABILITIES: Readonly<Record<KnownCid, readonly Capability[]>> = {
  CMIME: ['email'],
  CICAL: ['calendar'],
  SYNC: ['organizer-sync', 'backup-restore', 'email-settings'],
  IPPP: ['browsing'],
  ALP: ['address-lookup'],
  BBIM: ['messenger'],
  WAP: ['browsing'],
};

/** The protocol behind each CID. WAP is not described in RIM's activation material: ours. */
export const CID_DESCRIPTIONS: Readonly<Record<KnownCid, string>> = {
  CMIME: 'Compressed MIME email: message delivery and email reconciliation',
  CICAL: 'Compressed iCalendar: wireless calendar synchronization',
  SYNC: 'Desktop synchronization: organizer data, wireless backup and restore, email settings and filters',
  IPPP: 'TCP/HTTP proxy (IP Proxy Protocol) for the browser',
  ALP: 'Address lookup in the company directory',
  BBIM: 'BlackBerry instant messenger',
  WAP: 'WAP gateway browser configuration',
};

/** The capabilities one CID enables ([] for an unknown CID). */
export function capabilitiesOfCid(cid: string): readonly Capability[] {
  return Object.prototype.hasOwnProperty.call(CID_CAPABILITIES, cid) ? CID_CAPABILITIES[cid as KnownCid] : [];
}

/** Everything a set of books enables. Several books of one CID enable the same thing once. */
export function capabilitiesOf(books: Iterable<Pick<ServiceBook, 'cid'>>): Set<Capability> {
  const out = new Set<Capability>();
  for (const book of books) for (const capability of capabilitiesOfCid(book.cid)) out.add(capability);
  return out;
}

/** True when the books include a [CMIME] book, i.e. the device can reconcile email. */
export function emailEnabled(books: Iterable<Pick<ServiceBook, 'cid'>>): boolean {
  return capabilitiesOf(books).has('email');
}
