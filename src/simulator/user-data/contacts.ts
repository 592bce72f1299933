/**
 * The address book: the profile's colleagues and outside contacts, then more people as needed,
 * with phones, a work address (and now and then a home address), some PINs and birthdays.
 */
import type { Contact, ContactPhones, PostalAddress } from '../../sync/records.js';
import { ZONES } from './places.js';
import { makePeople, type Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';
import { COMPANIES, FIRST_NAMES, JOB_TITLES, PROJECTS } from './words.js';

const STREETS = [
  'Albert Street',
  'Victoria Avenue',
  'Main Street',
  'King Street',
  'Queen Street',
  'Park Avenue',
  'Lakeshore Road',
  'Elm Street',
  'Cedar Lane',
  'Maple Drive',
  'Broadway',
  'Harbour Road',
  'College Avenue',
] as const;

/** `count` contacts (the colleagues and outside contacts first, then new people), sorted by last name. */
export function generateContacts(rng: RandomStream, profile: Profile, count: number): Contact[] {
  const newId = recordIdMaker(rng);
  const known = [...profile.colleagues, ...profile.outside];
  const emails = new Set([profile.owner.email.toLowerCase(), ...known.map((p) => p.email)]);
  const extra = count > known.length ? makePeople(rng, count - known.length, emails, () => rng.pick(COMPANIES), true) : [];
  const people = [...known, ...extra].slice(0, count);
  const contacts = people.map((person): Contact => {
    const zone = person.external ? rng.pick(ZONES) : profile.zone;
    // Drawn in this order (the data depends on it), kept in the schema's field order: generated
    // records are in their wire form already, so the simulator encodes them without the schema
    // (test/simulator/user-data.test.ts pins it).
    const work = rng.pattern(zone.phone);
    const mobile = rng.chance(0.7) ? rng.pattern(zone.phone) : undefined;
    const home = rng.chance(0.2) ? rng.pattern(zone.phone) : undefined;
    const fax = rng.chance(0.1) ? rng.pattern(zone.phone) : undefined;
    const pager = rng.chance(0.03) ? rng.pattern(zone.phone) : undefined;
    const phones: ContactPhones = {
      work,
      ...(home !== undefined ? { home } : {}),
      ...(mobile !== undefined ? { mobile } : {}),
      ...(pager !== undefined ? { pager } : {}),
      ...(fax !== undefined ? { fax } : {}),
    };
    const workAddress: PostalAddress = {
      address1: `${rng.range(1, 2999)} ${rng.pick(STREETS)}`,
      ...(rng.chance(0.4) ? { address2: `Suite ${rng.range(100, 1900)}` } : {}),
      city: zone.city,
      province: zone.province,
      postalCode: rng.pattern(zone.postal),
      country: zone.country,
    };
    const homeAddress: PostalAddress | undefined = rng.chance(0.15)
      ? {
          address1: `${rng.range(1, 2999)} ${rng.pick(STREETS)}`,
          city: zone.city,
          province: zone.province,
          postalCode: rng.pattern(zone.postal),
          country: zone.country,
        }
      : undefined;
    const birthday = rng.chance(0.25)
      ? `${rng.range(1955, 2000)}-${String(rng.range(1, 12)).padStart(2, '0')}-${String(rng.range(1, 28)).padStart(2, '0')}`
      : undefined;
    return {
      kind: 'contact',
      id: newId(),
      firstName: person.firstName,
      lastName: person.lastName,
      company: person.company,
      jobTitle: rng.pick(JOB_TITLES),
      emails: [person.email],
      phones,
      ...(person.external || rng.chance(0.6) ? {} : { pin: `2${rng.hex(7)}` }),
      workAddress,
      ...(homeAddress ? { homeAddress } : {}),
      notes: rng.chance(0.15)
        ? rng.pick([
            `Met at the ${rng.pick(PROJECTS)} launch.`,
            'Prefers phone calls to email.',
            `Assistant: ${rng.pick(FIRST_NAMES)}`,
            'Call after 10 AM.',
          ])
        : '',
      ...(birthday ? { birthday } : {}),
      categories: person.external ? ['Business'] : rng.chance(0.3) ? ['Business'] : [],
    };
  });
  // As the address book lists them: by last name, then first name.
  // Each key made once, not twice per comparison (the same comparisons, so the same order).
  const keys = new Map(contacts.map((c) => [c, `${c.lastName}\u0000${c.firstName}\u0000${c.id}`]));
  const key = (c: Contact) => keys.get(c) as string;
  return contacts.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
