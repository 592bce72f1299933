import type { CalendarEvent, Contact } from '../../src/sync/records.js';

export const OWNER = { email: 'jane.doe@example.com', displayName: 'Jane Doe' };
/** 25 Feb 2009, 15:00 UTC: the day RIM released BES for Domino 4.1 SP6 MR4. */
export const NOW = Date.UTC(2009, 1, 25, 15, 0, 0);

export const EVENT: CalendarEvent = {
  kind: 'calendar',
  id: 'E1',
  subject: 'Weekly status meeting',
  notes: '',
  location: 'Boardroom',
  start: Date.UTC(2009, 1, 25, 16),
  end: Date.UTC(2009, 1, 25, 17),
  allDay: false,
  organizer: 'jane@example.com',
  invited: ['bob@example.com'],
  acceptedBy: [],
  notificationTime: Date.UTC(2009, 1, 25, 15, 45),
  freeBusy: 'Busy',
  class: 'Public',
  recurrence: { type: 'Weekly', interval: 1, weekDays: 0x08 },
  timeZoneCode: 0x19,
};

export const CONTACT: Contact = {
  kind: 'contact',
  id: 'C1',
  firstName: 'Bob',
  lastName: 'Smith',
  company: 'Example',
  jobTitle: 'Engineer',
  emails: ['bob@example.com'],
  phones: { work: '+1 306 555 0100' },
  pin: '2100000A',
  workAddress: { address1: '1 Main Street', city: 'Regina', province: 'SK', postalCode: 'S4P 3Y2', country: 'Canada' },
  notes: '',
  birthday: '1970-03-14',
  categories: ['Business'],
};
export { expectCode } from '../support/errors.js';
