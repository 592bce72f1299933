/**
 * The calendar: one-off meetings (reviews, 1:1s, client calls, lunches), recurring meetings (daily
 * standup, weekly status, monthly all-hands, ...) and all-day events (vacation, conferences,
 * birthdays recurring yearly), with organizers, invitees, acceptances, reminders and agendas.
 */
import {
  type CalendarEvent,
  type EventClass,
  type FreeBusy,
  type Recurrence,
  type RecurrenceType,
  WEEK_DAY_BITS,
} from '../../sync/records.js';
import { DAY, HOUR, type LocalClock, MINUTE } from './local-clock.js';
import { ZONES } from './places.js';
import { fullName, type Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';
import { JOB_TITLES, TOPICS, fillTemplate } from './words.js';

const ROOMS = [
  'Boardroom',
  'Conference Room A',
  'Conference Room B',
  'Huddle Room 2',
  'Room 4.12',
  'Training Room',
  'Executive Boardroom',
  'Cafeteria',
  'Main Lobby',
] as const;

const RESTAURANTS = ['The Keg', 'Earls', 'Cactus Club Cafe', 'Milestones', 'The Brown Derby', 'Sushi Nami'] as const;

const MEETINGS = [
  '{project} design review',
  '{project} kickoff',
  '1:1 with {name}',
  'Budget review',
  'Client call: {company}',
  'Interview: {role} candidate',
  'Lunch with {name}',
  'Product demo for {company}',
  'Quarterly business review',
  'Sales pipeline review',
  'Vendor meeting: {company}',
  'Discuss {topic} with {name}',
  '{project} retrospective',
  'Training: new expense system',
  'Coffee with {name}',
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

const WEEK_DAYS = Object.values(WEEK_DAY_BITS);

/** A recurrence of `type` anchored on `start`'s local date: the day fields Barry's RecurBase sets for that type. */
function recurrenceOn(clock: LocalClock, start: number, type: RecurrenceType, interval: number, until?: number): Recurrence {
  const date = clock.date(start);
  const days = {
    Daily: {},
    Weekly: { weekDays: WEEK_DAYS[date.weekday] },
    MonthlyByDate: { dayOfMonth: date.day },
    MonthlyByDay: { dayOfWeek: date.weekday, weekOfMonth: date.weekOfMonth },
    YearlyByDate: { dayOfMonth: date.day, monthOfYear: date.month },
    YearlyByDay: { dayOfWeek: date.weekday, weekOfMonth: date.weekOfMonth, monthOfYear: date.month },
  }[type];
  return { type, interval, ...(until === undefined ? {} : { until }), ...days };
}

function meetingLocation(rng: RandomStream, profile: Profile, subject: string): string {
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

function agenda(rng: RandomStream, profile: Profile): string {
  const items = rng.sample(
    [
      'Review action items',
      `Status of ${rng.pick(profile.projects)}`,
      `Discuss ${rng.pick(TOPICS)}`,
      'Risks and issues',
      'Next steps',
      'Any other business',
    ],
    rng.range(2, 4),
  );
  return `Agenda:\n${items.map((item, i) => `${i + 1}. ${item}`).join('\n')}`;
}

/** `count` events on working days from three weeks before `now` to five weeks after, sorted by start. */
export function generateCalendar(rng: RandomStream, profile: Profile, clock: LocalClock, count: number): CalendarEvent[] {
  const newId = recordIdMaker(rng);
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
      const recurrence = 'yearly' in kind ? recurrenceOn(clock, start, 'YearlyByDate', 1) : undefined;
      events.push({
        kind: 'calendar',
        id,
        subject: fillTemplate(kind.subject, values),
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
        timeZoneCode: profile.zone.timeZoneCode,
      });
      continue;
    }

    let subject: string;
    let minutes: number;
    let recurrence: Recurrence | undefined;
    let start: number;
    if (style === 'recurring') {
      const r = rng.pick(RECURRING);
      subject = fillTemplate(r.subject, values);
      minutes = r.minutes;
      start = day + (r.type === 'Daily' ? 9 * HOUR : 8 * HOUR + rng.int(16) * 30 * MINUTE);
      const until = rng.chance(0.5) ? start + rng.range(60, 365) * DAY : undefined;
      recurrence = recurrenceOn(clock, start, r.type, r.interval, until);
    } else {
      subject = fillTemplate(rng.pick(MEETINGS), values);
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
      timeZoneCode: profile.zone.timeZoneCode,
    });
  }
  return events.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}
