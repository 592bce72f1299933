/**
 * A seeded generator of realistic user data for the simulator, tests and benchmarks: calendar
 * entries in working hours around `now` (meetings, recurring meetings, all-day events),
 * colleagues and outside contacts in the address book, tasks, memos, email messages (newest
 * first) and device options as wireless backup would restore them.
 *
 * Deterministic: the same options always give deep-equal data. Each database draws from its own
 * stream (`seededRandom(seed + "\0" + database)`), and the people, projects and time zone come
 * from a shared "profile" stream, so the count asked for one database never changes another
 * database's records. All outside domains end in `.example` (RFC 2606) and phone numbers use the
 * fictional 555-01xx range where one exists.
 *
 * Time zones are picked among zones without daylight saving time (America/Regina, America/Phoenix,
 * Pacific/Honolulu, Asia/Singapore, Asia/Tokyo, Australia/Brisbane), so "working hours" are exact
 * without a time zone database.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { RandomSource } from '../crypto/provider.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { SYNC_ORDER, type SyncData, type SyncDatabase } from './databases.js';
import type {
  CalendarEvent,
  Contact,
  ContactPhones,
  DeviceOption,
  EmailMessage,
  EventClass,
  FreeBusy,
  Memo,
  PostalAddress,
  Recurrence,
  Task,
  TaskPriority,
  TaskStatus,
} from './records.js';

/** Options of {@link generateUserData}: a seed and how many records of each database. */
export interface GenerateUserDataOptions {
  /** Any text; the same seed gives the same data. */
  readonly seed: string;
  /** How many records of each database (absent: none). At most {@link MAX_GENERATED_RECORDS} each. */
  readonly counts: Partial<Record<SyncDatabase, number>>;
  /** The user whose data it is: the organizer of their meetings, the recipient of their mail. */
  readonly owner: { readonly email: string; readonly displayName: string };
  /** "Now", ms since the epoch: events fall around it, messages before it. */
  readonly now: number;
}

/** Most records generated for one database. */
export const MAX_GENERATED_RECORDS = 100_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Random helpers

class Rng {
  readonly #random: RandomSource;
  #buffer: Uint8Array = new Uint8Array(0);
  #pos = 0;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    if (this.#pos + 4 > this.#buffer.length) {
      this.#buffer = this.#random(1024);
      this.#pos = 0;
    }
    const b = this.#buffer;
    const p = this.#pos;
    this.#pos += 4;
    return ((b[p] ?? 0) | ((b[p + 1] ?? 0) << 8) | ((b[p + 2] ?? 0) << 16) | ((b[p + 3] ?? 0) << 24)) >>> 0;
  }

  /** Uniform in [0, n), without modulo bias. */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.u32() < p * 0x1_0000_0000;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new ActivationError('INVALID_STATE', 'pick from an empty list', { operation: 'generateUserData' });
    return item;
  }

  /** `k` distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = [...items];
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.int(copy.length - i);
      const a = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = a;
    }
    return copy.slice(0, n);
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((s, [, w]) => s + w, 0);
    let x = this.int(total);
    for (const [value, w] of choices) {
      if (x < w) return value;
      x -= w;
    }
    return (choices[choices.length - 1] as readonly [T, number])[0];
  }

  /** Fills a pattern: `#` a digit, `A` an upper-case letter. */
  pattern(p: string): string {
    let out = '';
    for (const ch of p) {
      if (ch === '#') out += String(this.int(10));
      else if (ch === 'A') out += String.fromCharCode(65 + this.int(26));
      else out += ch;
    }
    return out;
  }

  hex(digits: number): string {
    let out = '';
    for (let i = 0; i < digits; i++) out += '0123456789ABCDEF'[this.int(16)];
    return out;
  }
}

/** Unique 8-hex-digit record ids (a BlackBerry record id is a 32-bit number). */
function idMaker(rng: Rng): () => string {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const id = rng.hex(8);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? key);
}

// ---------------------------------------------------------------------------------------------
// Word lists

const FIRST_NAMES = [
  'Aisha', 'Alex', 'Amelia', 'Andrew', 'Anita', 'Ben', 'Carlos', 'Catherine', 'Chen', 'Daniel',
  'David', 'Diana', 'Elena', 'Emily', 'Ethan', 'Fatima', 'Grace', 'Hannah', 'Hiroshi', 'Ian',
  'Isabel', 'Jack', 'James', 'Jasmine', 'Javier', 'Julia', 'Karen', 'Kevin', 'Laura', 'Liam',
  'Lucy', 'Marcus', 'Maria', 'Mark', 'Megan', 'Michael', 'Mina', 'Nadia', 'Nathan', 'Olivia',
  'Omar', 'Patrick', 'Priya', 'Rachel', 'Raj', 'Rebecca', 'Robert', 'Samuel', 'Sarah', 'Sofia',
  'Stephen', 'Thomas', 'Victoria', 'Wei', 'William', 'Yuki', 'Zoe',
] as const;

const LAST_NAMES = [
  'Anderson', 'Bailey', 'Bennett', 'Brooks', 'Campbell', 'Chen', 'Clarke', 'Cooper', 'Dubois', 'Edwards',
  'Fernandez', 'Fraser', 'Gallagher', 'Garcia', 'Gupta', 'Harris', 'Hughes', 'Ito', 'Jackson', 'Johnson',
  'Kaur', 'Kim', 'Kowalski', 'Lambert', 'Lee', 'MacDonald', 'Martin', 'Mitchell', 'Morgan', 'Murphy',
  'Nakamura', 'Nguyen', 'O\'Brien', 'Patel', 'Peterson', 'Reid', 'Robinson', 'Rossi', 'Sato', 'Schmidt',
  'Scott', 'Singh', 'Stewart', 'Taylor', 'Thompson', 'Tremblay', 'Walker', 'Wang', 'Wilson', 'Wright',
  'Young', 'Zhang',
] as const;

const COMPANIES = [
  { name: 'Northwind Traders', domain: 'northwind.example' },
  { name: 'Contoso Ltd.', domain: 'contoso.example' },
  { name: 'Fabrikam Inc.', domain: 'fabrikam.example' },
  { name: 'Tailspin Toys', domain: 'tailspin.example' },
  { name: 'Prairie Mutual Insurance', domain: 'prairiemutual.example' },
  { name: 'Lakeside Legal LLP', domain: 'lakesidelegal.example' },
  { name: 'Summit Engineering', domain: 'summiteng.example' },
  { name: 'Harbour Freight Logistics', domain: 'harbourfreight.example' },
  { name: 'Blue Spruce Consulting', domain: 'bluespruce.example' },
  { name: 'Maple Leaf Health', domain: 'mapleleafhealth.example' },
] as const;

const JOB_TITLES = [
  'Account Manager', 'Business Analyst', 'Chief Financial Officer', 'Director of Operations',
  'Financial Analyst', 'IT Administrator', 'Legal Counsel', 'Marketing Manager', 'Office Manager',
  'Product Manager', 'Project Manager', 'Regional Sales Director', 'Senior Engineer', 'Software Developer',
  'Systems Architect', 'Vice President, Sales', 'Executive Assistant', 'Procurement Specialist',
] as const;

const PROJECTS = [
  'Atlas', 'Beacon', 'Cobalt', 'Falcon', 'Harbour', 'Horizon', 'Keystone', 'Lighthouse', 'Meridian',
  'Northstar', 'Orion', 'Phoenix', 'Quarry', 'Redwood', 'Sierra', 'Tundra',
] as const;

const TOPICS = [
  'the Q3 forecast', 'the vendor contract', 'the budget review', 'the server migration', 'the trade show',
  'the renewal terms', 'the new hire onboarding', 'the audit findings', 'the pricing proposal',
  'the launch plan', 'the support backlog', 'the office move',
] as const;

const DOCUMENTS = [
  'signed contract', 'revised budget', 'meeting minutes', 'slide deck', 'draft proposal',
  'travel itinerary', 'expense summary', 'test report', 'org chart', 'status report',
] as const;

const ROOMS = [
  'Boardroom', 'Conference Room A', 'Conference Room B', 'Huddle Room 2', 'Room 4.12', 'Training Room',
  'Executive Boardroom', 'Cafeteria', 'Main Lobby',
] as const;

const RESTAURANTS = ['The Keg', 'Earls', 'Cactus Club Cafe', 'Milestones', 'The Brown Derby', 'Sushi Nami'] as const;

const STREETS = [
  'Albert Street', 'Victoria Avenue', 'Main Street', 'King Street', 'Queen Street', 'Park Avenue',
  'Lakeshore Road', 'Elm Street', 'Cedar Lane', 'Maple Drive', 'Broadway', 'Harbour Road', 'College Avenue',
] as const;

interface Zone {
  readonly zone: string;
  /** Offset from UTC in minutes (no daylight saving time in these zones). */
  readonly offset: number;
  readonly city: string;
  readonly province: string;
  readonly country: string;
  readonly postal: string;
  /** Phone pattern: `#` a digit. */
  readonly phone: string;
}

const ZONES: readonly Zone[] = [
  { zone: 'America/Regina', offset: -360, city: 'Regina', province: 'SK', country: 'Canada', postal: 'S4P #A#', phone: '+1 306 555 01##' },
  { zone: 'America/Phoenix', offset: -420, city: 'Phoenix', province: 'AZ', country: 'United States', postal: '850##', phone: '+1 602 555 01##' },
  { zone: 'Pacific/Honolulu', offset: -600, city: 'Honolulu', province: 'HI', country: 'United States', postal: '968##', phone: '+1 808 555 01##' },
  { zone: 'Asia/Singapore', offset: 480, city: 'Singapore', province: '', country: 'Singapore', postal: '0#####', phone: '+65 6### ####' },
  { zone: 'Asia/Tokyo', offset: 540, city: 'Tokyo', province: 'Tokyo', country: 'Japan', postal: '1##-####', phone: '+81 3 #### ####' },
  { zone: 'Australia/Brisbane', offset: 600, city: 'Brisbane', province: 'QLD', country: 'Australia', postal: '4###', phone: '+61 7 5550 ####' },
];

// ---------------------------------------------------------------------------------------------
// The profile: the owner, colleagues, outside contacts, time zone

interface Person {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly company: string;
  readonly external: boolean;
}

interface Profile {
  readonly owner: { readonly email: string; readonly displayName: string; readonly firstName: string };
  readonly domain: string;
  readonly company: string;
  readonly zone: Zone;
  readonly colleagues: readonly Person[];
  readonly outside: readonly Person[];
  readonly projects: readonly string[];
}

function localPart(first: string, last: string): string {
  return `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
}

function companyFromDomain(domain: string): string {
  const label = domain.split('.')[0] ?? domain;
  return label.length === 0 ? domain : label.charAt(0).toUpperCase() + label.slice(1);
}

function makePeople(rng: Rng, count: number, emails: Set<string>, company: () => { name: string; domain: string }, external: boolean): Person[] {
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

function makeProfile(seed: string, owner: GenerateUserDataOptions['owner']): Profile {
  const rng = new Rng(seededRandom(`${seed}\u0000profile`));
  const domain = owner.email.slice(owner.email.lastIndexOf('@') + 1);
  const company = companyFromDomain(domain);
  const zone = rng.pick(ZONES);
  const emails = new Set([owner.email.toLowerCase()]);
  const colleagues = makePeople(rng, 24, emails, () => ({ name: company, domain }), false);
  const outside = makePeople(rng, 16, emails, () => rng.pick(COMPANIES), true);
  const firstName = owner.displayName.trim().split(/\s+/)[0] ?? owner.displayName;
  return { owner: { ...owner, firstName }, domain, company, zone, colleagues, outside, projects: rng.sample(PROJECTS, 6) };
}

function fullName(p: Pick<Person, 'firstName' | 'lastName'>): string {
  return `${p.firstName} ${p.lastName}`;
}

// ---------------------------------------------------------------------------------------------
// Time helpers (local time in the profile's zone)

class Clock {
  readonly #offset: number;
  readonly now: number;

  constructor(zone: Zone, now: number) {
    this.#offset = zone.offset * MINUTE;
    this.now = now;
  }

  /** Local midnight of the day `days` after today. */
  dayStart(days: number): number {
    const local = this.now + this.#offset;
    return Math.floor(local / DAY) * DAY - this.#offset + days * DAY;
  }

  /** 0 = Sunday ... 6 = Saturday, local. */
  weekday(t: number): number {
    return new Date(t + this.#offset).getUTCDay();
  }

  /** Local midnight of a working day near `days` from today (weekends move to Monday). */
  workday(days: number): number {
    let t = this.dayStart(days);
    while (this.weekday(t) === 0 || this.weekday(t) === 6) t += DAY;
    return t;
  }

  weekdayName(t: number): string {
    return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][this.weekday(t)] ?? 'Monday';
  }
}

// ---------------------------------------------------------------------------------------------
// Calendar

const MEETINGS = [
  '{project} design review', '{project} kickoff', '1:1 with {name}', 'Budget review', 'Client call: {company}',
  'Interview: {role} candidate', 'Lunch with {name}', 'Product demo for {company}', 'Quarterly business review',
  'Sales pipeline review', 'Vendor meeting: {company}', 'Discuss {topic} with {name}', '{project} retrospective',
  'Training: new expense system', 'Coffee with {name}',
] as const;

const RECURRING = [
  { subject: 'Team standup', type: 'Daily', interval: 1, minutes: 15 },
  { subject: 'Weekly status meeting', type: 'Weekly', interval: 1, minutes: 60 },
  { subject: '{project} steering committee', type: 'Weekly', interval: 2, minutes: 60 },
  { subject: '1:1 with {name}', type: 'Weekly', interval: 1, minutes: 30 },
  { subject: 'Monthly all-hands', type: 'MonthlyByDate', interval: 1, minutes: 60 },
  { subject: 'Monthly forecast review', type: 'MonthlyByDay', interval: 1, minutes: 90 },
  { subject: 'Quarterly planning', type: 'MonthlyByDate', interval: 3, minutes: 120 },
] as const;

const ALL_DAY = [
  { subject: 'Vacation', freeBusy: 'OutOfOffice' },
  { subject: 'Out of office: {city}', freeBusy: 'OutOfOffice' },
  { subject: 'Company offsite', freeBusy: 'Busy' },
  { subject: "{name}'s birthday", freeBusy: 'Free', yearly: true },
  { subject: 'Industry conference', freeBusy: 'OutOfOffice' },
  { subject: 'Statutory holiday', freeBusy: 'Free' },
  { subject: 'Submit quarterly report', freeBusy: 'Free' },
] as const;

function meetingLocation(rng: Rng, profile: Profile, subject: string): string {
  if (subject.startsWith('Lunch') || subject.startsWith('Coffee')) return rng.pick(RESTAURANTS);
  if (subject.startsWith('Client call') || subject.startsWith('Vendor')) {
    return `Dial-in: ${rng.pattern(profile.zone.phone)}, code ${rng.pattern('####')}#`;
  }
  return rng.weighted([
    [rng.pick(ROOMS), 8],
    [`Dial-in: ${rng.pattern(profile.zone.phone)}, code ${rng.pattern('####')}#`, 2],
    ['', 1],
  ]);
}

function agenda(rng: Rng, profile: Profile): string {
  const items = rng.sample(
    ['Review action items', `Status of ${rng.pick(profile.projects)}`, `Discuss ${rng.pick(TOPICS)}`, 'Risks and issues', 'Next steps', 'Any other business'],
    rng.range(2, 4),
  );
  return `Agenda:\n${items.map((item, i) => `${i + 1}. ${item}`).join('\n')}`;
}

function generateCalendar(rng: Rng, profile: Profile, clock: Clock, count: number): CalendarEvent[] {
  const newId = idMaker(rng);
  const events: CalendarEvent[] = [];
  const ownerEmail = profile.owner.email;
  for (let i = 0; i < count; i++) {
    const colleague = rng.pick(profile.colleagues);
    const outsider = rng.pick(profile.outside);
    const values = {
      project: rng.pick(profile.projects),
      name: fullName(colleague),
      company: outsider.company,
      topic: rng.pick(TOPICS),
      role: rng.pick(JOB_TITLES),
      city: rng.pick(ZONES).city,
    };
    const day = clock.workday(rng.range(-21, 35));
    const style = rng.weighted([
      ['meeting', 70],
      ['recurring', 18],
      ['all-day', 12],
    ] as const);
    const id = newId();
    const klass: EventClass = rng.weighted([
      ['Public', 85],
      ['Private', 10],
      ['Confidential', 5],
    ] as const);

    if (style === 'all-day') {
      const kind = rng.pick(ALL_DAY);
      const days = kind.subject === 'Vacation' || kind.subject === 'Industry conference' ? rng.range(1, 5) : 1;
      const start = day;
      const recurrence: Recurrence | undefined = 'yearly' in kind ? { type: 'YearlyByDate', interval: 1 } : undefined;
      events.push({
        kind: 'calendar',
        id,
        subject: fill(kind.subject, values),
        notes: '',
        location: kind.subject === 'Industry conference' ? `${rng.pick(ZONES).city} Convention Centre` : '',
        start,
        end: start + days * DAY,
        allDay: true,
        organizer: ownerEmail,
        invited: [],
        acceptedBy: [],
        ...(rng.chance(0.5) ? { notificationTime: start - 12 * HOUR } : {}),
        freeBusy: kind.freeBusy as FreeBusy,
        class: klass,
        ...(recurrence ? { recurrence } : {}),
        timeZone: profile.zone.zone,
      });
      continue;
    }

    let subject: string;
    let minutes: number;
    let recurrence: Recurrence | undefined;
    let start: number;
    if (style === 'recurring') {
      const r = rng.pick(RECURRING);
      subject = fill(r.subject, values);
      minutes = r.minutes;
      start = day + (r.type === 'Daily' ? 9 * HOUR : 8 * HOUR + rng.int(16) * 30 * MINUTE);
      const until = rng.chance(0.5) ? start + rng.range(60, 365) * DAY : undefined;
      recurrence = until === undefined ? { type: r.type, interval: r.interval } : { type: r.type, interval: r.interval, until };
    } else {
      subject = fill(rng.pick(MEETINGS), values);
      minutes = subject.startsWith('Lunch') ? 60 : rng.pick([30, 30, 60, 60, 60, 90, 120]);
      start = day + (subject.startsWith('Lunch') ? 12 * HOUR : 8 * HOUR + rng.int(17) * 30 * MINUTE);
    }

    const ownerOrganizes = rng.chance(0.5);
    const organizer = ownerOrganizes ? ownerEmail : colleague.email;
    const others = rng.sample(
      [...profile.colleagues, ...(subject.includes(outsider.company) ? [outsider] : [])].map((p) => p.email).filter((e) => e !== organizer),
      subject.startsWith('1:1') || subject.startsWith('Lunch') || subject.startsWith('Coffee') ? 0 : rng.range(1, 6),
    );
    const invited = ownerOrganizes ? (others.length > 0 ? others : [colleague.email]) : [ownerEmail, ...others];
    const past = start < clock.now;
    const acceptedBy = invited.filter(() => rng.chance(past ? 0.9 : 0.6));
    events.push({
      kind: 'calendar',
      id,
      subject,
      notes: rng.chance(0.3) ? agenda(rng, profile) : '',
      location: meetingLocation(rng, profile, subject),
      start,
      end: start + minutes * MINUTE,
      allDay: false,
      organizer,
      invited,
      acceptedBy,
      ...(rng.chance(0.85) ? { notificationTime: start - rng.pick([5, 10, 15, 15, 15, 30]) * MINUTE } : {}),
      freeBusy: rng.chance(0.1) ? 'Tentative' : 'Busy',
      class: klass,
      ...(recurrence ? { recurrence } : {}),
      timeZone: profile.zone.zone,
    });
  }
  return events.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// Contacts

function generateContacts(rng: Rng, profile: Profile, count: number): Contact[] {
  const newId = idMaker(rng);
  const known = [...profile.colleagues, ...profile.outside];
  const emails = new Set([profile.owner.email.toLowerCase(), ...known.map((p) => p.email)]);
  const extra = count > known.length ? makePeople(rng, count - known.length, emails, () => rng.pick(COMPANIES), true) : [];
  const people = [...known, ...extra].slice(0, count);
  const contacts = people.map((person): Contact => {
    const zone = person.external ? rng.pick(ZONES) : profile.zone;
    const phones: ContactPhones = {
      work: rng.pattern(zone.phone),
      ...(rng.chance(0.7) ? { mobile: rng.pattern(zone.phone) } : {}),
      ...(rng.chance(0.2) ? { home: rng.pattern(zone.phone) } : {}),
      ...(rng.chance(0.1) ? { fax: rng.pattern(zone.phone) } : {}),
      ...(rng.chance(0.03) ? { pager: rng.pattern(zone.phone) } : {}),
    };
    const address: PostalAddress = {
      label: 'work',
      street: `${rng.range(1, 2999)} ${rng.pick(STREETS)}${rng.chance(0.4) ? `, Suite ${rng.range(100, 1900)}` : ''}`,
      city: zone.city,
      province: zone.province,
      postalCode: rng.pattern(zone.postal),
      country: zone.country,
    };
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
      addresses: [address],
      notes: rng.chance(0.15) ? rng.pick([`Met at the ${rng.pick(PROJECTS)} launch.`, 'Prefers phone calls to email.', `Assistant: ${rng.pick(FIRST_NAMES)}`, 'Call after 10 AM.']) : '',
      ...(birthday ? { birthday } : {}),
      categories: person.external ? ['Business'] : rng.chance(0.3) ? ['Business'] : [],
    };
  });
  // As the address book lists them: by last name, then first name.
  const key = (c: Contact) => `${c.lastName}\u0000${c.firstName}\u0000${c.id}`;
  return contacts.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Tasks and memos

const TASKS = [
  'Submit expense report', 'Review {project} budget', 'Call {name} about {topic}', 'Prepare slides for the {project} review',
  'Book travel to {city}', 'Renew parking pass', 'Send {name} the {doc}', 'Update {project} status report',
  'Follow up with {name}', 'Approve timesheets', 'Sign off on {doc}', 'Schedule performance reviews',
  'Order new business cards', 'Register for the industry conference',
] as const;

function generateTasks(rng: Rng, profile: Profile, clock: Clock, count: number): Task[] {
  const newId = idMaker(rng);
  const out: Task[] = [];
  for (let i = 0; i < count; i++) {
    const values = {
      project: rng.pick(profile.projects),
      name: fullName(rng.pick(profile.colleagues)),
      topic: rng.pick(TOPICS),
      doc: rng.pick(DOCUMENTS),
      city: rng.pick(ZONES).city,
    };
    const hasDue = rng.chance(0.75);
    const due = hasDue ? clock.workday(rng.range(-10, 20)) + 17 * HOUR : undefined;
    const start = due !== undefined && rng.chance(0.4) ? due - 8 * HOUR - rng.range(1, 5) * DAY : undefined;
    const alarm = due !== undefined && rng.chance(0.4) ? due - rng.pick([1 * HOUR, 8 * HOUR, 32 * HOUR]) : undefined;
    const overdue = due !== undefined && due < clock.now;
    const status: TaskStatus = overdue
      ? rng.weighted([['Completed', 70], ['InProgress', 20], ['Waiting', 10]] as const)
      : rng.weighted([['NotStarted', 50], ['InProgress', 30], ['Waiting', 10], ['Deferred', 10]] as const);
    const priority: TaskPriority = rng.weighted([['High', 20], ['Normal', 65], ['Low', 15]] as const);
    const category = rng.weighted([['Business', 60], ['Personal', 15], ['', 25]] as const);
    out.push({
      kind: 'task',
      id: newId(),
      summary: fill(rng.pick(TASKS), values),
      notes: rng.chance(0.25) ? `See email from ${values.name}.` : '',
      categories: category === '' ? [] : [category],
      ...(start !== undefined ? { start } : {}),
      ...(due !== undefined ? { due } : {}),
      ...(alarm !== undefined ? { alarm } : {}),
      priority,
      status,
    });
  }
  return out;
}

function generateMemos(rng: Rng, profile: Profile, count: number): Memo[] {
  const newId = idMaker(rng);
  const out: Memo[] = [];
  for (let i = 0; i < count; i++) {
    const project = rng.pick(profile.projects);
    const people = rng.sample(profile.colleagues, 3).map(fullName);
    const memo = rng.weighted<() => [string, string, string[]]>([
      [() => [`Meeting notes: ${project}`, `Attendees: ${people.join(', ')}\n- Agreed to move ${rng.pick(TOPICS)} to next quarter\n- Action: ${people[0] ?? 'me'} to circulate the ${rng.pick(DOCUMENTS)}`, ['Business']], 4],
      [() => ['Parking', `Level P${rng.range(1, 4)}, spot ${rng.range(1, 250)}`, ['Personal']], 1],
      [() => [`Ideas for ${project}`, `- ${rng.pick(TOPICS)}\n- Ask ${people[1] ?? 'the team'} about timelines\n- Pilot with ${rng.pick(COMPANIES).name}`, ['Business']], 2],
      [() => ['Packing list', 'Passport\nCharger\nBlackBerry holster\nPresentation on USB key\nUmbrella', ['Personal']], 1],
      [() => [`Hotel in ${rng.pick(ZONES).city}`, `Confirmation ${rng.pattern('AA######')}, check-in after 3 PM`, ['Personal']], 1],
      [() => ['Books to read', 'The Goal\nGetting Things Done\nCrossing the Chasm', []], 1],
      [() => [`Wi-Fi at ${profile.company}`, `Network: ${profile.company.toUpperCase()}-GUEST, ask reception for the daily code`, []], 1],
    ])();
    out.push({ kind: 'memo', id: newId(), title: memo[0], body: memo[1], categories: memo[2] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Messages

const SUBJECTS = [
  'Re: {project} status', 'Updated: {project} design review', 'Lunch on {weekday}?', 'Expense report approved',
  'FW: {doc}', 'Action required: {topic}', "Notes from today's meeting", 'Your flight to {city} is confirmed',
  '{project} build {n} is ready for testing', 'Re: {topic}', 'Question about {topic}', 'Reminder: timesheets due Friday',
  'Re: Re: {project} schedule', 'Welcome to the team!', 'Agenda for {weekday}',
] as const;

const SENTENCES = [
  'Can you take a look before the end of the day?', 'I have attached the latest version for your review.',
  'Let me know if {weekday} works for you.', 'We are still waiting on sign-off from finance.',
  'The client asked whether we can move the deadline by a week.', 'Thanks for pulling this together so quickly.',
  'I will circulate the minutes once everyone has commented.', '{name} will join us for the second half.',
  'The numbers look better than last quarter.', 'Please confirm you received the {doc}.',
  'I have booked the boardroom for an hour.', 'Could we go over {topic} on our next call?',
] as const;

function generateMessages(rng: Rng, profile: Profile, clock: Clock, count: number): EmailMessage[] {
  const newId = idMaker(rng);
  const out: EmailMessage[] = [];
  const owner = `${profile.owner.displayName} <${profile.owner.email}>`;
  let t = clock.now - rng.range(1, 30) * MINUTE;
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted([['colleague', 70], ['outside', 20], ['automated', 10]] as const);
    const sender = kind === 'outside' ? rng.pick(profile.outside) : rng.pick(profile.colleagues);
    const values = {
      project: rng.pick(profile.projects),
      name: fullName(rng.pick(profile.colleagues)),
      topic: rng.pick(TOPICS),
      doc: rng.pick(DOCUMENTS),
      city: rng.pick(ZONES).city,
      weekday: rng.pick(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']),
      n: String(rng.range(100, 999)),
    };
    let from: string;
    let subject: string;
    let body: string;
    if (kind === 'automated') {
      const auto = rng.pick([
        { from: `IT Service Desk <servicedesk@${profile.domain}>`, subject: `Ticket INC${rng.pattern('#######')} has been resolved`, body: 'Your request has been resolved. Reply to this message to reopen it.' },
        { from: 'Travel Desk <noreply@travel.example>', subject: `Your flight to ${values.city} is confirmed`, body: `Booking reference ${rng.pattern('AAAAAA')}. Check in opens 24 hours before departure.` },
        { from: `Expenses <expenses@${profile.domain}>`, subject: 'Expense report approved', body: 'Your expense report has been approved and will be paid with the next payroll.' },
      ]);
      ({ from, subject, body } = auto);
    } else {
      from = `${fullName(sender)} <${sender.email}>`;
      subject = fill(rng.pick(SUBJECTS), values);
      const sentences = rng.sample(SENTENCES, rng.range(1, 3)).map((s) => fill(s, values));
      const signature = kind === 'outside' ? `\n${fullName(sender)}\n${sender.company}` : `\n${sender.firstName}`;
      const footer = rng.chance(0.2) ? '\n\nSent from my BlackBerry' : '';
      body = `Hi ${profile.owner.firstName},\n\n${sentences.join(' ')}\n\nThanks,${signature}${footer}`;
    }
    const cc = kind === 'colleague' && rng.chance(0.3) ? rng.sample(profile.colleagues, rng.range(1, 3)).filter((p) => p !== sender) : [];
    out.push({
      kind: 'message',
      id: newId(),
      from,
      to: [owner, ...cc.map((p) => `${fullName(p)} <${p.email}>`)],
      subject,
      body,
      receivedAt: t,
      read: clock.now - t > DAY ? rng.chance(0.95) : rng.chance(0.5),
    });
    t -= rng.range(3, 8 * 60) * MINUTE;
    if (t < 0) t = 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Device options (restored from wireless backup)

function generateOptions(rng: Rng, profile: Profile, count: number): DeviceOption[] {
  const newId = idMaker(rng);
  const base: [string, string | number | boolean][] = [
    ['Owner: Name', profile.owner.displayName],
    ['Owner: Information', `If found, please contact ${profile.owner.email}`],
    ['Date/Time: Time Zone', profile.zone.zone],
    ['Screen/Keyboard: Font Family', rng.pick(['BBAlpha Sans', 'BBCasual', 'BBClarity', 'BBMillbank'])],
    ['Screen/Keyboard: Font Size', rng.pick([6, 7, 8, 9, 10, 12])],
    ['Screen/Keyboard: Backlight Brightness', rng.range(2, 10) * 10],
    ['Screen/Keyboard: Backlight Timeout', rng.pick(['10 Sec.', '20 Sec.', '30 Sec.', '1 Min.', '2 Min.'])],
    ['Profiles: Active Profile', rng.pick(['Normal', 'Loud', 'Vibrate', 'Quiet', 'Phone Only'])],
    ['Sounds: Ring Tone', rng.pick(['BlackBerry Traditional', 'Bright', 'Classic Phone', 'Lively', 'Vibrant'])],
    ['Auto On/Off: Weekday', rng.chance(0.3)],
    ['Security: Password', 'Enabled'],
    ['Security: Security Timeout (minutes)', rng.pick([2, 5, 10, 30])],
    ['Message List: Confirm Delete', true],
    ['Message List: Hide Sent Messages', rng.chance(0.2)],
    ['Email Settings: Use Auto Signature', rng.chance(0.6)],
    ['Email Settings: Auto Signature', `${profile.owner.displayName}\n${profile.company}`],
    ['Calendar: Initial View', rng.pick(['Day', 'Week', 'Month', 'Agenda'])],
    ['Calendar: Start of Day', '9:00 AM'],
    ['Calendar: End of Day', '5:00 PM'],
    ['Calendar: Default Reminder', rng.pick(['5 Min.', '15 Min.', '30 Min.'])],
    ['Address Book: Sort By', rng.pick(['First Name', 'Last Name', 'Company'])],
    ['Bluetooth: Discoverable', false],
    ['Mobile Network: Data Services', 'On'],
    ['Browser: Default Browser', 'BlackBerry Browser'],
  ];
  const out: DeviceOption[] = [];
  for (let i = 0; i < count; i++) {
    const entry = base[i];
    const [name, value] =
      entry ??
      ([`AutoText: ${rng.pick(['ty', 'brb', 'omw', 'lmk', 'fyi', 'asap'])}${i - base.length + 1}`, rng.pick(['thank you', 'be right back', 'on my way', 'let me know', 'for your information', 'as soon as possible'])] as const);
    out.push({ kind: 'option', id: newId(), name, value });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function invalid(field: string, message: string): never {
  throw new ActivationError('INVALID_ARGUMENT', message, { operation: 'generateUserData', field });
}

/**
 * Generates a user's data set. Throws ActivationError('INVALID_ARGUMENT') for a non-string seed,
 * an unknown database or a bad count in `counts`, an owner email without "@" (or over 254
 * characters), an empty or over-long display name, or a `now` that is not a non-negative safe integer.
 */
export function generateUserData(options: GenerateUserDataOptions): SyncData {
  if (options === null || typeof options !== 'object') invalid('options', 'options are required');
  const { seed, counts, owner, now } = options;
  if (typeof seed !== 'string') invalid('seed', 'seed must be a string');
  if (counts === null || typeof counts !== 'object') invalid('counts', 'counts must be an object');
  for (const [database, n] of Object.entries(counts)) {
    if (!(SYNC_ORDER as readonly string[]).includes(database)) invalid(`counts.${database}`, `unknown database ${database}`);
    if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > MAX_GENERATED_RECORDS)) {
      invalid(`counts.${database}`, `counts must be integers from 0 to ${MAX_GENERATED_RECORDS}`);
    }
  }
  if (owner === null || typeof owner !== 'object') invalid('owner', 'owner is required');
  if (typeof owner.email !== 'string' || owner.email.length > 254 || !/^[^@\s<>]+@[^@\s<>]+$/.test(owner.email)) {
    invalid('owner.email', 'owner.email must be an address like user@example.com');
  }
  if (typeof owner.displayName !== 'string' || owner.displayName.trim() === '' || owner.displayName.length > 64 || /[<>]/.test(owner.displayName)) {
    invalid('owner.displayName', 'owner.displayName must be 1-64 characters without < or >');
  }
  if (!Number.isSafeInteger(now) || now < 0) invalid('now', 'now must be a non-negative integer (ms since the epoch)');

  const profile = makeProfile(seed, owner);
  const clock = new Clock(profile.zone, now);
  const stream = (database: SyncDatabase) => new Rng(seededRandom(`${seed}\u0000${database}`));
  const n = (database: SyncDatabase) => counts[database] ?? 0;
  return {
    calendar: generateCalendar(stream('calendar'), profile, clock, n('calendar')),
    contacts: generateContacts(stream('contacts'), profile, n('contacts')),
    tasks: generateTasks(stream('tasks'), profile, clock, n('tasks')),
    memos: generateMemos(stream('memos'), profile, n('memos')),
    messages: generateMessages(stream('messages'), profile, clock, n('messages')),
    options: generateOptions(stream('options'), profile, n('options')),
  };
}
