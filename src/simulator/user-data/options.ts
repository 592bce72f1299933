/**
 * Device options as wireless backup would restore them: owner name and information, time zone,
 * fonts, profiles, calendar and message list settings, then AutoText entries when more are asked for.
 */
import type { DeviceOption } from '../../sync/records.js';
import type { Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';

/** `count` options: the standard ones first, then AutoText entries. */
export function generateOptions(rng: RandomStream, profile: Profile, count: number): DeviceOption[] {
  const newId = recordIdMaker(rng);
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
      ([
        `AutoText: ${rng.pick(['ty', 'brb', 'omw', 'lmk', 'fyi', 'asap'])}${i - base.length + 1}`,
        rng.pick(['thank you', 'be right back', 'on my way', 'let me know', 'for your information', 'as soon as possible']),
      ] as const);
    out.push({ kind: 'option', id: newId(), name, value });
  }
  return out;
}
