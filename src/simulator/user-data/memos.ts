/**
 * Memos: meeting notes, ideas, packing lists, parking spots and hotel confirmations.
 */
import type { Memo } from '../../sync/records.js';
import { ZONES } from './places.js';
import { fullName, type Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';
import { COMPANIES, DOCUMENTS, TOPICS } from './words.js';

/** `count` memos. */
export function generateMemos(rng: RandomStream, profile: Profile, count: number): Memo[] {
  const newId = recordIdMaker(rng);
  const out: Memo[] = [];
  for (let i = 0; i < count; i++) {
    const project = rng.pick(profile.projects);
    const people = rng.sample(profile.colleagues, 3).map(fullName);
    const memo = rng.weighted<() => [string, string, string[]]>([
      [
        () => [
          `Meeting notes: ${project}`,
          `Attendees: ${people.join(', ')}\n- Agreed to move ${rng.pick(TOPICS)} to next quarter\n- Action: ${people[0] ?? 'me'} to circulate the ${rng.pick(DOCUMENTS)}`,
          ['Business'],
        ],
        4,
      ],
      [() => ['Parking', `Level P${rng.range(1, 4)}, spot ${rng.range(1, 250)}`, ['Personal']], 1],
      [
        () => [
          `Ideas for ${project}`,
          `- ${rng.pick(TOPICS)}\n- Ask ${people[1] ?? 'the team'} about timelines\n- Pilot with ${rng.pick(COMPANIES).name}`,
          ['Business'],
        ],
        2,
      ],
      [() => ['Packing list', 'Passport\nCharger\nBlackBerry holster\nPresentation on USB key\nUmbrella', ['Personal']], 1],
      [() => [`Hotel in ${rng.pick(ZONES).city}`, `Confirmation ${rng.pattern('AA######')}, check-in after 3 PM`, ['Personal']], 1],
      [() => ['Books to read', 'The Goal\nGetting Things Done\nCrossing the Chasm', []], 1],
      [() => [`Wi-Fi at ${profile.company}`, `Network: ${profile.company.toUpperCase()}-GUEST, ask reception for the daily code`, []], 1],
    ])();
    out.push({ kind: 'memo', id: newId(), title: memo[0], body: memo[1], categories: memo[2] });
  }
  return out;
}
