/**
 * Email settings and filters, one record per account: the owner's address first, then aliases
 * (`first.last+2@domain`, ...) when more are asked for. Email goes to the device, sent mail is
 * saved, most users have a signature, a few are out of the office, and the filters are the ones
 * people set up: newsletters not forwarded, the boss forwarded with priority, alerts by subject.
 */
import type { EmailFilter, EmailSettings } from '../../sync/records.js';
import type { LocalClock } from './local-clock.js';
import { fullName, type Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';

/** The address of the `index`-th account: the owner's, then `local+N@domain` aliases. */
function accountAddress(owner: string, index: number): string {
  if (index === 0) return owner;
  const at = owner.lastIndexOf('@');
  return `${owner.slice(0, at)}+${index + 1}${owner.slice(at)}`;
}

function filters(rng: RandomStream, profile: Profile): EmailFilter[] {
  const boss = rng.pick(profile.colleagues);
  const outsider = rng.pick(profile.outside);
  const all: EmailFilter[] = [
    { name: 'Newsletters', enabled: true, from: [], sentTo: [], subject: ['newsletter', 'unsubscribe'], action: 'DoNotForward' },
    { name: `From ${fullName(boss)}`, enabled: true, from: [boss.email], sentTo: [], subject: [], action: 'ForwardWithPriority' },
    { name: 'Server alerts', enabled: rng.chance(0.7), from: [], sentTo: [], subject: ['ALERT', 'outage'], action: 'ForwardWithPriority' },
    { name: outsider.company, enabled: true, from: [outsider.email], sentTo: [], subject: [], action: 'Forward' },
  ];
  return rng.sample(all, rng.range(0, all.length));
}

/** `count` records, one per account. */
export function generateEmailSettings(rng: RandomStream, profile: Profile, clock: LocalClock, count: number): EmailSettings[] {
  const newId = recordIdMaker(rng);
  const out: EmailSettings[] = [];
  for (let i = 0; i < count; i++) {
    const away = rng.chance(0.1);
    out.push({
      kind: 'email-settings',
      id: newId(),
      account: accountAddress(profile.owner.email, i),
      sendToHandheld: rng.chance(0.95),
      saveSentMessages: rng.chance(0.8),
      ...(rng.chance(0.6) ? { autoSignature: `${profile.owner.displayName}\n${profile.company}\nSent from my BlackBerry` } : {}),
      ...(away
        ? { outOfOffice: { text: 'I am out of the office, with limited access to email.', until: clock.dayStart(rng.range(2, 14)) } }
        : {}),
      filters: filters(rng, profile),
    });
  }
  return out;
}
