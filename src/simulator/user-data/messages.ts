/**
 * Email messages, newest first, received before `now` at irregular intervals, from colleagues,
 * outside contacts and automated senders, to the owner; older ones mostly read.
 */
import type { EmailMessage } from '../../sync/records.js';
import { DAY, type LocalClock, MINUTE } from './local-clock.js';
import { ZONES } from './places.js';
import { fullName, type Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';
import { DOCUMENTS, TOPICS, fillTemplate } from './words.js';

const SUBJECTS = [
  'Re: {project} status',
  'Updated: {project} design review',
  'Lunch on {weekday}?',
  'Expense report approved',
  'FW: {doc}',
  'Action required: {topic}',
  "Notes from today's meeting",
  'Your flight to {city} is confirmed',
  '{project} build {n} is ready for testing',
  'Re: {topic}',
  'Question about {topic}',
  'Reminder: timesheets due Friday',
  'Re: Re: {project} schedule',
  'Welcome to the team!',
  'Agenda for {weekday}',
] as const;

const SENTENCES = [
  'Can you take a look before the end of the day?',
  'I have attached the latest version for your review.',
  'Let me know if {weekday} works for you.',
  'We are still waiting on sign-off from finance.',
  'The client asked whether we can move the deadline by a week.',
  'Thanks for pulling this together so quickly.',
  'I will circulate the minutes once everyone has commented.',
  '{name} will join us for the second half.',
  'The numbers look better than last quarter.',
  'Please confirm you received the {doc}.',
  'I have booked the boardroom for an hour.',
  'Could we go over {topic} on our next call?',
] as const;

/** `count` messages, newest first. */
export function generateMessages(rng: RandomStream, profile: Profile, clock: LocalClock, count: number): EmailMessage[] {
  const newId = recordIdMaker(rng);
  const out: EmailMessage[] = [];
  const owner = `${profile.owner.displayName} <${profile.owner.email}>`;
  let t = clock.now - rng.range(1, 30) * MINUTE;
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted([
      ['colleague', 70],
      ['outside', 20],
      ['automated', 10],
    ] as const);
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
        {
          from: `IT Service Desk <servicedesk@${profile.domain}>`,
          subject: `Ticket INC${rng.pattern('#######')} has been resolved`,
          body: 'Your request has been resolved. Reply to this message to reopen it.',
        },
        {
          from: 'Travel Desk <noreply@travel.example>',
          subject: `Your flight to ${values.city} is confirmed`,
          body: `Booking reference ${rng.pattern('AAAAAA')}. Check in opens 24 hours before departure.`,
        },
        {
          from: `Expenses <expenses@${profile.domain}>`,
          subject: 'Expense report approved',
          body: 'Your expense report has been approved and will be paid with the next payroll.',
        },
      ]);
      ({ from, subject, body } = auto);
    } else {
      from = `${fullName(sender)} <${sender.email}>`;
      subject = fillTemplate(rng.pick(SUBJECTS), values);
      const sentences = rng.sample(SENTENCES, rng.range(1, 3)).map((s) => fillTemplate(s, values));
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
