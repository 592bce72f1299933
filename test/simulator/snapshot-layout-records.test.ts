/**
 * A simulator snapshot of layout 2 (before issue 12) holding user data of the earlier record
 * shapes still opens, with the records in their current, Barry-shaped form; layout 3 is written.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { openSnapshot, sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { openSimulatorSnapshot } from '../../src/simulator/server-snapshot.js';
import { syncRecordSchema } from '../../src/sync/records.js';
import { allAlgorithms } from '../support/providers.js';

const KEY = seededRandom('layout-2 records key')(32);

const OLD_DATA = {
  calendar: [
    {
      kind: 'calendar',
      id: 'E1',
      subject: 'Monthly all-hands',
      notes: '',
      location: '',
      start: Date.UTC(2009, 1, 12, 15),
      end: Date.UTC(2009, 1, 12, 16),
      allDay: false,
      organizer: 'jane@example.com',
      invited: [],
      acceptedBy: [],
      freeBusy: 'Busy',
      class: 'Public',
      recurrence: { type: 'MonthlyByDate', interval: 1 },
      timeZone: 'America/Phoenix',
    },
  ],
  contacts: [
    {
      kind: 'contact',
      id: 'C1',
      firstName: '',
      lastName: '',
      company: 'Example Corp',
      jobTitle: '',
      emails: [],
      phones: {},
      addresses: [
        { label: 'home', street: '9 Elm Street', city: 'Phoenix', province: 'AZ', postalCode: '85001', country: 'United States' },
      ],
      notes: '',
      categories: ['Suppliers,Business'],
    },
  ],
};

function layout2Snapshot(): Uint8Array {
  const sim = new BesSimulator({ random: seededRandom('layout-2 sim'), now: () => Date.UTC(2009, 1, 25), provider: allAlgorithms });
  const raw = openSnapshot('bes-simulator', sim.snapshot(KEY), KEY, allAlgorithms) as Record<string, unknown>;
  sim.close();
  return sealSnapshot('bes-simulator', { ...raw, layout: 2, userData: [['jane@example.com', OLD_DATA]] }, KEY, allAlgorithms, {
    random: seededRandom('layout-2 seal'),
  });
}

describe('a simulator snapshot of layout 2 with records of the earlier shapes', () => {
  it('opens with its user data in the current shape', () => {
    const data = openSimulatorSnapshot(layout2Snapshot(), KEY, allAlgorithms);
    const [email, user] = data.userData[0] ?? [];
    expect(email).toBe('jane@example.com');
    for (const record of [...(user?.calendar ?? []), ...(user?.contacts ?? [])])
      expect(v.safeParse(syncRecordSchema, record).success).toBe(true);
    expect(user?.calendar[0]).toMatchObject({ timeZoneCode: 0x0f, recurrence: { type: 'MonthlyByDate', dayOfMonth: 12 } });
    expect(user?.contacts[0]).toMatchObject({ homeAddress: { address1: '9 Elm Street' }, categories: ['Suppliers', 'Business'] });
    expect(user?.tasks).toEqual([]);
    expect(user?.emailSettings).toEqual([]);
  });

  it('restores a simulator, which writes the current layout (5: the key rollover)', () => {
    const sim = BesSimulator.restore(layout2Snapshot(), KEY, { random: seededRandom('restored'), provider: allAlgorithms });
    const raw = openSnapshot('bes-simulator', sim.snapshot(KEY), KEY, allAlgorithms) as { layout: number };
    sim.close();
    expect(raw.layout).toBe(5);
  });
});
