/**
 * The profile that every database of one user shares, drawn from the seed's own "profile" stream:
 * the owner, 24 colleagues at the owner's email domain, 16 outside contacts (domains ending in
 * `.example`, RFC 2606), the owner's time zone and the six projects they talk about.
 */
import { type Zone, ZONES } from './places.js';
import { type RandomStream, openStream } from './random.js';
import { COMPANIES, FIRST_NAMES, LAST_NAMES, PROJECTS } from './words.js';

/** Someone in the owner's world: a colleague (same company) or an outside contact. */
export interface Person {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly company: string;
  /** An outside contact (another company), not a colleague. */
  readonly external: boolean;
}

/** What all the databases of one user share. */
export interface Profile {
  /** The owner, with the first word of their display name as first name ("Hi Jane"). */
  readonly owner: { readonly email: string; readonly displayName: string; readonly firstName: string };
  /** The owner's email domain, shared by the colleagues. */
  readonly domain: string;
  /** The owner's company: their email domain's first label, capitalized. */
  readonly company: string;
  /** The owner's (and colleagues') time zone. */
  readonly zone: Zone;
  /** 24 people at the owner's company. */
  readonly colleagues: readonly Person[];
  /** 16 people at other companies. */
  readonly outside: readonly Person[];
  /** Six project names. */
  readonly projects: readonly string[];
}

function localPart(first: string, last: string): string {
  return `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
}

function companyFromDomain(domain: string): string {
  const label = domain.split('.')[0] ?? domain;
  return label.length === 0 ? domain : label.charAt(0).toUpperCase() + label.slice(1);
}

/** `count` new people with unused email addresses (added to `emails`), each at the company `company()` gives. */
export function makePeople(
  rng: RandomStream,
  count: number,
  emails: Set<string>,
  company: () => { name: string; domain: string },
  external: boolean,
): Person[] {
  const out: Person[] = [];
  while (out.length < count) {
    const firstName = rng.pick(FIRST_NAMES);
    const lastName = rng.pick(LAST_NAMES);
    const org = company();
    let email = `${localPart(firstName, lastName)}@${org.domain}`;
    for (let n = 2; emails.has(email); n++) email = `${localPart(firstName, lastName)}${n}@${org.domain}`;
    emails.add(email);
    out.push({ firstName, lastName, email, company: org.name, external });
  }
  return out;
}

/** The profile of `owner` for `seed`: the "profile" stream only. */
export function makeProfile(seed: string, owner: { readonly email: string; readonly displayName: string }): Profile {
  const rng = openStream(seed, 'profile');
  const domain = owner.email.slice(owner.email.lastIndexOf('@') + 1);
  const company = companyFromDomain(domain);
  const zone = rng.pick(ZONES);
  const emails = new Set([owner.email.toLowerCase()]);
  const colleagues = makePeople(rng, 24, emails, () => ({ name: company, domain }), false);
  const outside = makePeople(rng, 16, emails, () => rng.pick(COMPANIES), true);
  const firstName = owner.displayName.trim().split(/\s+/)[0] ?? owner.displayName;
  return { owner: { ...owner, firstName }, domain, company, zone, colleagues, outside, projects: rng.sample(PROJECTS, 6) };
}

/** "First Last". */
export function fullName(p: Pick<Person, 'firstName' | 'lastName'>): string {
  return `${p.firstName} ${p.lastName}`;
}
